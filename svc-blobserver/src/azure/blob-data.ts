// Blob bytes and blob records for the handlers: streaming a request body to DataPlacementService
// (Put) and reading a version's pieces back (Get, ranged), both directly in the piece files when
// this process sees a `file` location's directory (local-data.ts); loading the current version
// of a blob, and the conditional headers of writes.
import { metadataV1Metadata, type placementV1DataPlacementService } from '@zenko/gen';
import type { Readable } from 'node:stream';
import { isMeshError, sinkAll, type ChunkSink, type MeshError } from '@zenko/mesh';
import { inlineBytes, pieceOf, pieceReads, type PieceRead } from '@zenko/svc-cloudserver/local-data';
import { AzureError } from '../errors/azure-errors.js';
import { blobName, containerName } from './access.js';
import { checkConditions } from '../protocol/conditions.js';
import { azureCrc64, blobConditionState } from './blob-state.js';
import { sendEmpty, type AzureContext } from './context.js';
import type { AzureDeps } from './deps.js';
import { releaseLater } from './release.js';

type ObjectVersion = metadataV1Metadata.ObjectVersion;
type DataLocation = metadataV1Metadata.DataLocation;
type PutRequest = placementV1DataPlacementService.PutRequest;

/** Put Blob: 5000 MiB; Put Block: 4000 MiB (Azure's limits). */
export const MAX_PUT_BLOB_BYTES = 5000 * 1024 * 1024;
export const MAX_BLOCK_BYTES = 4000 * 1024 * 1024;

/** Content-Length of a body that is required and bounded. */
export function requiredLength(ctx: AzureContext, max: number): number {
  const raw = ctx.headers['content-length'];
  if (raw === undefined) throw new AzureError('MissingContentLengthHeader');
  if (!/^\d{1,16}$/.test(raw.trim()))
    throw new AzureError('InvalidHeaderValue', { fields: { HeaderName: 'Content-Length', HeaderValue: raw } });
  const n = Number(raw);
  if (n > max) throw new AzureError('RequestBodyTooLarge', { fields: { MaxLimit: max } });
  return n;
}

export interface StoredData {
  readonly piece: DataLocation;
  /** Hex MD5 of the bytes. */
  readonly md5: string;
}

/** Streams the request body to the bucket's location; `contentMd5` (base64) is verified before the data is made durable. */
export async function storeBody(ctx: AzureContext, deps: AzureDeps, target: StoreTarget): Promise<StoredData> {
  return storeStream(deps, target, ctx.req as AsyncIterable<Buffer>);
}

export interface StoreTarget {
  location: string;
  bucket: string;
  key: string;
  size: number;
  /** Expected MD5, base64. */
  contentMd5: string | undefined;
  /** Expected CRC-64/NVME, big-endian base64 (checkCrc64Header). */
  crc64?: string | undefined;
  /** A whole blob (not a block): a small one on a `file` location is kept in its record (PutOptions.inline). */
  inline?: boolean;
}

/** Streams bytes (a request body, or another blob's bytes for a copy) to a location as new data. */
export async function storeStream(deps: AzureDeps, target: StoreTarget, body: AsyncIterable<Buffer>): Promise<StoredData> {
  const local = await deps.local.for(target.location);
  const checksums = target.crc64 === undefined ? {} : { crc64nvme: target.crc64 };
  if (local !== undefined) {
    const md5 = target.contentMd5;
    const stored = await local.placement.put(target.location, body, {
      bucket: target.bucket,
      key: target.key,
      size: target.size,
      ...(target.crc64 === undefined ? {} : { checksumAlgorithms: ['crc64nvme' as const] }),
      expect: () => ({ ...(md5 !== undefined && md5 !== '' ? { md5 } : {}), checksums }),
      ...(target.inline === true ? { inline: true } : {}),
    });
    return { piece: pieceOf(stored), md5: stored.md5 };
  }
  async function* requests(): AsyncGenerator<PutRequest> {
    yield {
      msg: {
        $case: 'header',
        value: {
          location: target.location,
          bucket: target.bucket,
          key: target.key,
          size: target.size,
          contentMd5: target.contentMd5 ?? '',
          checksumAlgorithms: [],
          headers: {},
          userMetadata: {},
          expectedChecksums: checksums,
          inline: target.inline === true,
        },
      },
    };
    for await (const chunk of body) yield { msg: { $case: 'chunk', value: chunk } };
  }
  const stored = await deps.placement.put(requests());
  // `inline` is empty unless the bytes were kept for the record (the piece's default then).
  return { piece: pieceOf({ ...stored, checksums: {} }), md5: stored.md5 };
}

/** A piece's bytes through DataPlacementService Get. */
function placementChunks(deps: AzureDeps, read: PieceRead): AsyncIterable<Buffer> {
  const { piece, whole } = read;
  const stream = deps.placement.get({
    location: piece.location,
    key: piece.key,
    rangeStart: whole ? 0 : read.start,
    rangeEnd: whole ? -1 : read.end,
  });
  return (async function* () {
    for await (const message of stream) yield message.chunk;
  })();
}

/** The bytes of a version as fresh chunks (never reused: the consumer may keep them, as copies do), its pieces in order, limited to an inclusive range. */
export async function* blobBytes(
  deps: AzureDeps,
  pieces: readonly DataLocation[],
  range?: { start: number; end: number },
): AsyncGenerator<Buffer> {
  for (const read of pieceReads(pieces, range)) {
    const inline = inlineBytes(read);
    if (inline !== undefined) {
      // A copy: the consumer may keep the chunk, the record's buffer is not shared.
      yield Buffer.from(inline);
      continue;
    }
    const direct = await directStream(deps, read.piece, read);
    yield* (direct as AsyncIterable<Buffer> | undefined) ?? placementChunks(deps, read);
  }
}

/** The piece's bytes read from its file when this process sees the location's directory (local-data.ts). */
async function directStream(deps: AzureDeps, piece: DataLocation, range: { start: number; end: number }): Promise<Readable | undefined> {
  const local = await deps.local.for(piece.location);
  if (local === undefined) return undefined;
  try {
    return await local.backend.get(piece.key, range);
  } catch {
    return undefined; // Get answers with the placement service's own error
  }
}

/**
 * Sends a version's bytes to `sink` (a response): from reused buffers when this process reads a
 * piece's file itself, through DataPlacementService Get otherwise. Fails before the first chunk
 * when the first piece is missing.
 */
export async function sendBlobBytes(
  deps: AzureDeps,
  pieces: readonly DataLocation[],
  range: { start: number; end: number } | undefined,
  sink: ChunkSink,
): Promise<void> {
  for (const read of pieceReads(pieces, range)) {
    const inline = inlineBytes(read);
    if (inline !== undefined) {
      await sink(inline);
      continue;
    }
    const local = await deps.local.for(read.piece.location);
    if (local !== undefined) {
      let sent = false;
      try {
        await local.backend.readTo(read.piece.key, read, (chunk) => {
          sent = true;
          return sink(chunk);
        });
        continue;
      } catch (err) {
        if (sent) throw err;
        // Nothing sent: Get answers with the placement service's own error.
      }
    }
    await sinkAll(placementChunks(deps, read), sink);
  }
}

/** The latest version of a blob; `undefined` when the blob does not exist (or its latest version is a delete marker). */
export async function currentBlob(deps: AzureDeps, bucket: string, key: string): Promise<ObjectVersion | undefined> {
  try {
    return (await deps.metadata.getObject({ bucket, key, versionId: '' })).object;
  } catch (err) {
    if (isMeshError(err, 'OBJECT_NOT_FOUND') || isMeshError(err, 'DELETE_MARKER')) return undefined;
    throw err;
  }
}

/**
 * The blob's record, looked up while the container is (one round trip, not two) when the names
 * are valid; nothing of the answer is used before the container's checks have passed.
 */
export function prefetchBlob(ctx: AzureContext, deps: AzureDeps): Promise<ObjectVersion | undefined> | undefined {
  let fetched: Promise<ObjectVersion | undefined>;
  try {
    fetched = currentBlob(deps, containerName(ctx), blobName(ctx));
  } catch {
    return undefined;
  }
  fetched.catch(() => undefined);
  return fetched;
}

export async function loadBlob(deps: AzureDeps, bucket: string, key: string): Promise<ObjectVersion> {
  const v = await currentBlob(deps, bucket, key);
  if (v === undefined) throw new AzureError('BlobNotFound');
  return v;
}

const CONDITION_HEADERS = ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since'] as const;

export function hasConditions(ctx: AzureContext): boolean {
  return CONDITION_HEADERS.some((h) => ctx.headers[h] !== undefined);
}

/**
 * Conditions of a write that creates or replaces a blob (Put Blob, Put Block List, Copy Blob),
 * evaluated against the current version; returns what makes the metadata write atomic with the
 * check: the current S3 ETag to expect, or that no blob may exist.
 */
export function writePreconditions(
  ctx: AzureContext,
  current: ObjectVersion | undefined,
): { ifMatchEtag: string; ifNoneMatch: boolean; leaseId: string } {
  // Azure: If-None-Match: * on a write to a blob that exists is 409 BlobAlreadyExists, not 412.
  if (ctx.headers['if-none-match']?.trim() === '*' && current !== undefined) throw new AzureError('BlobAlreadyExists');
  checkConditions(ctx.req.method ?? 'PUT', ctx.headers, current && blobConditionState(current));
  return {
    ifMatchEtag: ctx.headers['if-match'] !== undefined && current !== undefined ? current.etag : '',
    ifNoneMatch: ctx.headers['if-none-match']?.trim() === '*',
    // The lease check is the edge's (its Azure error codes); metadata repeats it in the commit.
    leaseId: ctx.headers['x-ms-lease-id'] ?? '',
  };
}

/** The failures of a metadata write guarded by `writePreconditions`. */
export function preconditionError(err: unknown): unknown {
  if (isMeshError(err, 'PRECONDITION_FAILED')) return new AzureError('ConditionNotMet', { cause: err });
  if (isMeshError(err, 'OBJECT_NOT_FOUND')) return new AzureError('ConditionNotMet', { cause: err });
  if (isMeshError(err, 'BUCKET_NOT_FOUND')) return new AzureError('ContainerNotFound', { cause: err });
  if (isMeshError(err, 'LEASE_HELD')) return leaseHeldError(err);
  return err;
}

/** A lease taken between the edge's lease check and the commit: the code Azure gives then. */
export function leaseHeldError(err: MeshError): AzureError {
  return new AzureError(err.details['leaseIdGiven'] === 'true' ? 'LeaseIdMismatchWithBlobOperation' : 'LeaseIdMissing', { cause: err });
}

/**
 * Commits stored bytes as the blob's new version (Put Blob, Copy Blob): the version's fields
 * plus its one piece, under the write's preconditions; the blob's uncommitted blocks are dropped
 * in the same commit. Data the write replaced or dropped is released; on failure, the stored
 * bytes are.
 */
export async function writeBlobVersion(
  deps: AzureDeps,
  stored: StoredData,
  fields: Partial<ObjectVersion> & { bucket: string; key: string },
  preconditions: { ifMatchEtag: string; ifNoneMatch: boolean; leaseId: string },
): Promise<ObjectVersion> {
  try {
    const res = await deps.metadata.putObject({
      object: metadataV1Metadata.ObjectVersion.fromPartial({
        storageClass: 'STANDARD',
        ...fields,
        size: stored.piece.size,
        etag: stored.md5,
        data: [stored.piece],
      }),
      ...preconditions,
      forceVersionId: '',
      discardBlocks: true,
    });
    releaseLater(deps, [...res.replacedData, ...res.discardedData]);
    if (res.object === undefined) throw new Error('PutObject answered no object');
    return res.object;
  } catch (err) {
    void deps.releases.releaseFailedWrite([stored.piece], err, { bucket: fields.bucket, key: fields.key });
    throw preconditionError(err);
  }
}

/** Records stored bytes as an uncommitted block (Put Block, Put Block From URL) and answers 201. */
export async function recordBlock(
  ctx: AzureContext,
  deps: AzureDeps,
  bucket: string,
  key: string,
  blockId: string,
  stored: StoredData,
  /** The verified transactional CRC64 (big-endian base64), answered instead of the MD5. */
  crc64?: string,
): Promise<void> {
  try {
    const res = await deps.metadata.putBlock({
      bucket,
      key,
      block: { blockId, size: stored.piece.size, md5: stored.md5, lastModified: undefined, data: stored.piece },
    });
    if (res.replacedData !== undefined) releaseLater(deps, [res.replacedData]);
  } catch (err) {
    releaseLater(deps, [stored.piece]);
    if (isMeshError(err, 'BUCKET_NOT_FOUND')) throw new AzureError('ContainerNotFound', { cause: err });
    throw err;
  }
  sendEmpty(ctx, 201, {
    ...(crc64 === undefined
      ? { 'content-md5': Buffer.from(stored.md5, 'hex').toString('base64') }
      : { 'x-ms-content-crc64': azureCrc64(crc64) }),
    'x-ms-request-server-encrypted': 'true',
  });
}
