// Azure block blobs: uncommitted blocks staged per (bucket, key), and the commit of a block list
// into one object version whose data pieces are the blocks' data (no bytes are copied).
//
// Blocks live in the `parts` table under `<bucket>\0\x02<esc(key)>\0\0<block id>`: upload ids
// are hex, so no multipart part key starts with `<bucket>\0\x02`, and nothing that lists uploads
// or objects sees a block. A committed block is a piece of the object's `data` carrying its
// `block_id`; committing a list that reuses a committed block keeps that piece's data.
import { createHash } from 'node:crypto';
import { metadataV1Metadata, metadataV1MetadataService } from '@zenko/gen';
import { MeshError } from '@zenko/mesh';
import { prefixSuccessor, type KvEntry, type KvOp, type KvStore } from '../store/kv.js';
import { commitWithOplog, loadBucket, loadBucketForWrite, checkBucket, locationUseOps, required, withRetry } from './common.js';
import { bucketBase, escapeKey, unescapeKey, validateObjectKey } from './keys.js';
import { checkText } from './listing.js';
import { checkConditions, checkCurrentLease, loadMaster, planWriteVersion, putEntry, putObject, writeObject } from './objects.js';

type Block = metadataV1Metadata.Block;
type DataLocation = metadataV1Metadata.DataLocation;
const { BlockListSource } = metadataV1MetadataService;

/** Azure's limits: 50,000 blocks per blob, block IDs of at most 64 bytes (88 base64 characters). */
export const MAX_BLOCKS = 50_000;
const MAX_BLOCK_ID_CHARS = 88;

const blocksOfBucket = (bucket: string): string => `${bucketBase(bucket)}\x02`;
const blocksPrefix = (bucket: string, key: string): string => `${blocksOfBucket(bucket)}${escapeKey(key)}\0\0`;
const blockKey = (bucket: string, key: string, blockId: string): string => blocksPrefix(bucket, key) + blockId;

const encodeBlock = (b: Block): Uint8Array => metadataV1Metadata.Block.encode(b).finish();
const decodeBlock = (bytes: Uint8Array): Block => metadataV1Metadata.Block.decode(bytes);

function checkBlockId(id: string): void {
  if (id === '' || id.length > MAX_BLOCK_ID_CHARS || !/^[A-Za-z0-9+/=]+$/.test(id)) {
    throw new MeshError('INVALID_ARGUMENT', 'invalid block id', { details: { blockId: id } });
  }
}

async function scanAll(store: KvStore, prefix: string): Promise<KvEntry[]> {
  const end = prefixSuccessor(prefix)!;
  const out: KvEntry[] = [];
  for (;;) {
    const last = out.at(-1);
    const page = await store.scan('parts', { ...(last ? { gt: last.key } : { gte: prefix }), lt: end, limit: 1000 });
    out.push(...page);
    if (page.length < 1000) return out;
  }
}

export async function putBlock(
  store: KvStore,
  req: metadataV1MetadataService.PutBlockRequest,
): Promise<metadataV1MetadataService.PutBlockResponse> {
  const input = required(req.block, 'block');
  validateObjectKey(req.key);
  checkBlockId(input.blockId);
  return withRetry(async () => {
    const bucket = await loadBucketForWrite(store, req.bucket);
    const key = blockKey(req.bucket, req.key, input.blockId);
    const old = await store.get('parts', key);
    const block: Block = { ...input, lastModified: new Date() };
    await commitWithOplog(
      store,
      [checkBucket(bucket), { type: 'put', table: 'parts', key, value: encodeBlock(block), expectRevision: old?.revision ?? 0 }],
      [{ type: 'put-block', bucket: req.bucket, key: req.key }],
    );
    return { replacedData: old && decodeBlock(old.value).data };
  });
}

export async function listBlocks(
  store: KvStore,
  req: metadataV1MetadataService.ListBlocksRequest,
): Promise<metadataV1MetadataService.ListBlocksResponse> {
  validateObjectKey(req.key);
  await loadBucket(store, req.bucket);
  const prefix = blocksPrefix(req.bucket, req.key);
  const entries =
    req.maxBlocks > 0 && req.maxBlocks <= 1000
      ? await store.scan('parts', { gte: prefix, lt: prefixSuccessor(prefix)!, limit: req.maxBlocks })
      : await scanAll(store, prefix);
  return { blocks: entries.map((e) => decodeBlock(e.value)) };
}

/**
 * The keys with uncommitted blocks, in key order, between `marker` and `end_before` (exclusive):
 * a seek past each key's blocks, so the cost is one read per key, not per block.
 */
export async function listBlockKeys(
  store: KvStore,
  req: metadataV1MetadataService.ListBlockKeysRequest,
): Promise<metadataV1MetadataService.ListBlockKeysResponse> {
  await loadBucket(store, req.bucket);
  // Bounds longer than any key would overflow the store's keys (and match nothing anyway).
  checkText(req.prefix, 'prefix', 'INVALID_ARGUMENT');
  checkText(req.marker, 'marker', 'INVALID_MARKER');
  checkText(req.endBefore, 'end_before', 'INVALID_ARGUMENT');
  const base = blocksOfBucket(req.bucket);
  const end = prefixSuccessor(base + escapeKey(req.prefix))!;
  const max = req.maxKeys > 0 ? Math.min(req.maxKeys, 1000) : 1000;
  const keys: string[] = [];
  let from =
    req.marker === '' || req.marker < req.prefix
      ? { gte: base + escapeKey(req.prefix) }
      : { gte: prefixSuccessor(blocksPrefix(req.bucket, req.marker))! };
  for (;;) {
    const [entry] = await store.scan('parts', { ...from, lt: end, limit: 1 });
    if (entry === undefined) return { keys, isTruncated: false };
    const rest = entry.key.slice(base.length);
    const key = unescapeKey(rest.slice(0, rest.indexOf('\0\0')));
    if (req.endBefore !== '' && key >= req.endBefore) return { keys, isTruncated: false };
    if (keys.length === max) return { keys, isTruncated: true };
    keys.push(key);
    from = { gte: prefixSuccessor(blocksPrefix(req.bucket, key))! };
  }
}

const samePiece = (a: DataLocation, b: DataLocation): boolean => a.location === b.location && a.key === b.key;

export async function commitBlockList(
  store: KvStore,
  req: metadataV1MetadataService.CommitBlockListRequest,
): Promise<metadataV1MetadataService.CommitBlockListResponse> {
  const input = required(req.object, 'object');
  validateObjectKey(input.key);
  if (req.blocks.length > MAX_BLOCKS) throw new MeshError('TOO_MANY_PARTS', 'more than 50000 blocks');
  return withRetry(async () => {
    const bucket = await loadBucketForWrite(store, input.bucket);
    const master = await loadMaster(store, input.bucket, input.key);
    checkConditions(master, req.ifMatchEtag, req.ifNoneMatch, input.bucket, input.key);
    checkCurrentLease(master, req.leaseId, input.bucket, input.key);
    const entries = await scanAll(store, blocksPrefix(input.bucket, input.key));
    const uncommitted = new Map(entries.map((e) => decodeBlock(e.value)).map((b) => [b.blockId, b]));
    const current = master && !master.record.latest.isDeleteMarker ? master.record.latest : undefined;
    const committed = new Map<string, DataLocation>();
    for (const piece of current?.data ?? []) if (piece.blockId !== '') committed.set(piece.blockId, piece);

    const data: DataLocation[] = [];
    const md5s: Buffer[] = [];
    let offset = 0;
    req.blocks.forEach((item, i) => {
      const fromUncommitted = item.source !== BlockListSource.BLOCK_LIST_SOURCE_COMMITTED ? uncommitted.get(item.blockId) : undefined;
      const fromCommitted =
        fromUncommitted === undefined && item.source !== BlockListSource.BLOCK_LIST_SOURCE_UNCOMMITTED
          ? committed.get(item.blockId)
          : undefined;
      let piece: DataLocation;
      if (fromUncommitted?.data !== undefined) {
        piece = { ...fromUncommitted.data, size: fromUncommitted.size, etag: fromUncommitted.md5 };
      } else if (fromCommitted !== undefined) {
        piece = fromCommitted;
      } else {
        throw new MeshError('INVALID_PART', 'the block list names a block that does not exist', { details: { blockId: item.blockId } });
      }
      data.push({ ...piece, start: offset, partNumber: i + 1, blockId: item.blockId });
      md5s.push(Buffer.from(piece.etag, 'hex'));
      offset += piece.size;
    });
    const version: metadataV1Metadata.ObjectVersion = {
      ...input,
      size: offset,
      etag: `${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-${req.blocks.length}`,
      data,
      partsCount: req.blocks.length,
    };
    // The blob stays the same blob: its creation time is kept (as Azurite keeps it).
    const plan = await planWriteVersion(
      store,
      bucket,
      master,
      { ...version, isDeleteMarker: false },
      '',
      current && (current.created ?? current.lastModified),
    );
    const ops: KvOp[] = [
      ...plan.ops,
      ...entries.map((e): KvOp => ({ type: 'delete', table: 'parts', key: e.key, expectRevision: e.revision })),
      ...(await locationUseOps(store, bucket, plan.version.data)),
    ];
    await commitWithOplog(store, ops, [putEntry(plan.version)]);
    const used = (p: DataLocation): boolean => data.some((d) => samePiece(d, p));
    return {
      object: plan.version,
      unusedData: entries.flatMap((e) => decodeBlock(e.value).data ?? []).filter((p) => !used(p)),
      replacedData: plan.replacedData.filter((p) => !used(p)),
    };
  });
}

/** The PutObject RPC: `discardBlocks` picks putObjectDiscardingBlocks. */
export function putObjectRequest(
  store: KvStore,
  req: metadataV1MetadataService.PutObjectRequest,
): Promise<metadataV1MetadataService.PutObjectResponse> {
  return req.discardBlocks ? putObjectDiscardingBlocks(store, req) : putObject(store, req);
}

/**
 * PutObject that drops the key's uncommitted blocks in the same commit (Azure Put Blob and Copy
 * Blob discard them): no window where the new blob and stale blocks coexist.
 */
export async function putObjectDiscardingBlocks(
  store: KvStore,
  req: metadataV1MetadataService.PutObjectRequest,
): Promise<metadataV1MetadataService.PutObjectResponse> {
  const input = required(req.object, 'object');
  return writeObject(store, req, async () => {
    const entries = await scanAll(store, blocksPrefix(input.bucket, input.key));
    return {
      ops: entries.map((e): KvOp => ({ type: 'delete', table: 'parts', key: e.key, expectRevision: e.revision })),
      released: entries.flatMap((e) => decodeBlock(e.value).data ?? []),
    };
  });
}

export async function discardBlocks(
  store: KvStore,
  req: metadataV1MetadataService.DiscardBlocksRequest,
): Promise<metadataV1MetadataService.DiscardBlocksResponse> {
  if (req.key !== '') validateObjectKey(req.key);
  const prefix = req.key === '' ? blocksOfBucket(req.bucket) : blocksPrefix(req.bucket, req.key);
  return withRetry(async () => {
    const entries = await scanAll(store, prefix);
    if (entries.length === 0) return { releasedData: [] };
    await commitWithOplog(
      store,
      entries.map((e): KvOp => ({ type: 'delete', table: 'parts', key: e.key, expectRevision: e.revision })),
      [{ type: 'discard-blocks', bucket: req.bucket, key: req.key }],
    );
    return { releasedData: entries.flatMap((e) => decodeBlock(e.value).data ?? []) };
  });
}
