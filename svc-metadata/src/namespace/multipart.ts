// Multipart uploads: create, record parts, list parts, complete (atomically builds the object
// version and removes the upload), abort, each reporting the data no longer referenced.
//
// Complete and abort fence the upload record before they read its parts, so a part recorded
// concurrently either is seen by them or fails (PutPart checks the upload's revision).
import { createHash } from 'node:crypto';
import { metadataV1Metadata, type metadataV1MetadataService } from '@zenko/gen';
import { MeshError, isMeshError } from '@zenko/mesh';
import { conflict, prefixSuccessor, type KvEntry, type KvOp, type KvStore } from '../store/kv.js';
import { FENCE_TTL_MS, clampMax, commitWithOplog, loadBucketForWrite, locationUseOps, required, withRetry } from './common.js';
import { isPossibleObjectKey, isUploadId, newUploadId, partKey, partsPrefix, uploadKey, validateObjectKey } from './keys.js';
import { checkConditions, checkCurrentLease, loadMaster, planWriteVersion, putEntry } from './objects.js';
import { decodePart, decodeUploadRecord, encodePart, encodeUploadRecord, type UploadRecord } from './records.js';

type DataLocation = metadataV1Metadata.DataLocation;
type Part = metadataV1Metadata.Part;

export const MAX_PARTS = 10_000;

interface UploadRef {
  bucket: string;
  key: string;
  uploadId: string;
}

interface LoadedUpload {
  entry: KvEntry;
  record: UploadRecord;
}

function uploadNotFound(ref: UploadRef): MeshError {
  return new MeshError('UPLOAD_NOT_FOUND', 'upload not found', {
    details: { bucket: ref.bucket, key: ref.key, uploadId: ref.uploadId },
  });
}

async function loadUpload(store: KvStore, ref: UploadRef): Promise<LoadedUpload> {
  const entry =
    isUploadId(ref.uploadId) && isPossibleObjectKey(ref.key)
      ? await store.get('mpu', uploadKey(ref.bucket, ref.key, ref.uploadId))
      : undefined;
  if (entry === undefined) throw uploadNotFound(ref);
  return { entry, record: decodeUploadRecord(entry.value) };
}

function putUploadOp(loaded: LoadedUpload, fencedAt: number, expectRevision = loaded.entry.revision): KvOp {
  return {
    type: 'put',
    table: 'mpu',
    key: loaded.entry.key,
    value: encodeUploadRecord({ ...loaded.record, fencedAt }),
    expectRevision,
  };
}

/** Loads an upload for a change; while it is fenced (being completed or aborted) the attempt is retried. */
async function loadUploadForWrite(store: KvStore, ref: UploadRef): Promise<LoadedUpload> {
  const loaded = await loadUpload(store, ref);
  const { fencedAt } = loaded.record;
  if (fencedAt === 0) return loaded;
  if (Date.now() - fencedAt >= FENCE_TTL_MS) await store.commit({ ops: [putUploadOp(loaded, 0)] });
  throw conflict('upload is being completed or aborted', { uploadId: ref.uploadId });
}

/** Fences the upload, runs `body` with the fenced revision, and lifts the fence if `body` fails. */
async function fenced<T>(store: KvStore, loaded: LoadedUpload, body: (revision: number) => Promise<T>): Promise<T> {
  const { revisions } = await store.commit({ ops: [putUploadOp(loaded, Date.now())] });
  const revision = revisions[0]!;
  try {
    return await body(revision);
  } catch (err) {
    await store.commit({ ops: [putUploadOp(loaded, 0, revision)] }).catch((liftErr: unknown) => {
      if (!isMeshError(liftErr, 'CONFLICT')) throw liftErr; // gone or lifted already
    });
    throw err;
  }
}

async function allParts(store: KvStore, ref: UploadRef): Promise<KvEntry[]> {
  const prefix = partsPrefix(ref.bucket, ref.uploadId);
  const end = prefixSuccessor(prefix)!;
  const out: KvEntry[] = [];
  for (;;) {
    const last = out.at(-1);
    const page = await store.scan('parts', { ...(last ? { gt: last.key } : { gte: prefix }), lt: end, limit: 1000 });
    out.push(...page);
    if (page.length < 1000) return out;
  }
}

export async function createMultipartUpload(
  store: KvStore,
  req: metadataV1MetadataService.CreateMultipartUploadRequest,
): Promise<metadataV1MetadataService.CreateMultipartUploadResponse> {
  const input = required(req.upload, 'upload');
  validateObjectKey(input.key);
  return withRetry(async () => {
    const bucket = await loadBucketForWrite(store, input.bucket);
    const upload = { ...input, uploadId: newUploadId(), initiatedAt: new Date() };
    await commitWithOplog(
      store,
      [
        { type: 'check', table: 'buckets', key: input.bucket, expectRevision: bucket.entry.revision },
        {
          type: 'put',
          table: 'mpu',
          key: uploadKey(upload.bucket, upload.key, upload.uploadId),
          value: encodeUploadRecord({ upload, fencedAt: 0 }),
          expectRevision: 0,
        },
      ],
      [{ type: 'create-mpu', bucket: upload.bucket, key: upload.key }],
    );
    return { upload };
  });
}

export async function getMultipartUpload(
  store: KvStore,
  req: metadataV1MetadataService.GetMultipartUploadRequest,
): Promise<metadataV1MetadataService.GetMultipartUploadResponse> {
  return { upload: (await loadUpload(store, req)).record.upload };
}

export async function putPart(
  store: KvStore,
  req: metadataV1MetadataService.PutPartRequest,
): Promise<metadataV1MetadataService.PutPartResponse> {
  const input = required(req.part, 'part');
  if (!Number.isInteger(input.partNumber) || input.partNumber < 1 || input.partNumber > MAX_PARTS) {
    throw new MeshError('INVALID_ARGUMENT', 'part number must be between 1 and 10000');
  }
  return withRetry(async () => {
    const upload = await loadUploadForWrite(store, req);
    const key = partKey(req.bucket, req.uploadId, input.partNumber);
    const old = await store.get('parts', key);
    const part: Part = { ...input, lastModified: new Date() };
    await commitWithOplog(
      store,
      [
        { type: 'check', table: 'mpu', key: upload.entry.key, expectRevision: upload.entry.revision },
        { type: 'put', table: 'parts', key, value: encodePart(part), expectRevision: old?.revision ?? 0 },
      ],
      [{ type: 'put-part', bucket: req.bucket, key: req.key }],
    );
    return { replacedData: old && decodePart(old.value).data };
  });
}

export async function listParts(
  store: KvStore,
  req: metadataV1MetadataService.ListPartsRequest,
): Promise<metadataV1MetadataService.ListPartsResponse> {
  const { record } = await loadUpload(store, req);
  const max = clampMax(req.maxParts);
  const prefix = partsPrefix(req.bucket, req.uploadId);
  const page = await store.scan('parts', {
    ...(req.partNumberMarker > 0 ? { gt: partKey(req.bucket, req.uploadId, req.partNumberMarker) } : { gte: prefix }),
    lt: prefixSuccessor(prefix)!,
    limit: max + 1,
  });
  const parts = page.slice(0, max).map((e) => decodePart(e.value));
  const isTruncated = page.length > max;
  return {
    upload: record.upload,
    parts,
    isTruncated,
    nextPartNumberMarker: isTruncated ? (parts.at(-1)?.partNumber ?? 0) : 0,
  };
}

const unquote = (etag: string): string => etag.replaceAll('"', '');

export async function completeMultipartUpload(
  store: KvStore,
  req: metadataV1MetadataService.CompleteMultipartUploadRequest,
): Promise<metadataV1MetadataService.CompleteMultipartUploadResponse> {
  if (req.parts.length === 0) throw new MeshError('INVALID_ARGUMENT', 'no parts given');
  if (req.parts.length > MAX_PARTS) throw new MeshError('TOO_MANY_PARTS', 'more than 10000 parts');
  req.parts.forEach((p, i) => {
    const previous = req.parts[i - 1];
    if (previous !== undefined && p.partNumber <= previous.partNumber) {
      throw new MeshError('INVALID_PART_ORDER', 'parts are not in ascending order', {
        details: { partNumber: String(p.partNumber) },
      });
    }
  });
  return withRetry(async () => {
    const bucket = await loadBucketForWrite(store, req.bucket);
    const upload = await loadUploadForWrite(store, req);
    return fenced(store, upload, async (revision) => {
      const entries = await allParts(store, req);
      const byNumber = new Map(entries.map((e) => [decodePart(e.value).partNumber, e]));
      const master = await loadMaster(store, req.bucket, req.key);
      checkConditions(master, req.ifMatchEtag, req.ifNoneMatch, req.bucket, req.key);
      checkCurrentLease(master, req.leaseId, req.bucket, req.key);
      const used: Part[] = req.parts.map((wanted, i) => {
        const entry = byNumber.get(wanted.partNumber);
        const part = entry && decodePart(entry.value);
        const details = { partNumber: String(wanted.partNumber) };
        if (part === undefined || unquote(part.etag) !== unquote(wanted.etag)) {
          throw new MeshError('INVALID_PART', 'part not found or ETag mismatch', { details });
        }
        if (i < req.parts.length - 1 && req.minPartSize > 0 && part.size < req.minPartSize) {
          throw new MeshError('ENTITY_TOO_SMALL', 'part is smaller than the minimum', { details });
        }
        return part;
      });
      const assembled = req.assembledData;
      if (assembled.length > 0 && (assembled.length !== used.length || assembled.some((a, i) => a.size !== used[i]!.size))) {
        throw new MeshError('INVALID_ARGUMENT', 'assembled data does not match the completed parts');
      }
      // Assembled at the location: every part's own data is left over.
      const usedNumbers = new Set(assembled.length > 0 ? [] : used.map((p) => p.partNumber));
      const unusedData = entries
        .map((e) => decodePart(e.value))
        .filter((p) => !usedNumbers.has(p.partNumber))
        .flatMap((p) => (p.data ? [p.data] : []));
      let offset = 0;
      const data: DataLocation[] = [];
      used.forEach((part, i) => {
        const piece = assembled.length > 0 ? assembled[i] : part.data;
        if (piece)
          data.push({
            ...piece,
            start: offset,
            size: part.size,
            partNumber: part.partNumber,
            etag: unquote(part.etag),
            checksums: part.checksums,
          });
        offset += part.size;
      });
      const md5s = Buffer.concat(used.map((p) => Buffer.from(unquote(p.etag), 'hex')));
      const u = upload.record.upload;
      const version: metadataV1Metadata.ObjectVersion = {
        ...metadataV1Metadata.ObjectVersion.create(),
        bucket: req.bucket,
        key: req.key,
        size: offset,
        etag: `${createHash('md5').update(md5s).digest('hex')}-${used.length}`,
        ownerId: u.ownerId,
        ownerDisplayName: u.ownerDisplayName,
        storageClass: u.storageClass,
        headers: u.headers,
        userMetadata: u.userMetadata,
        tags: u.tags,
        acl: u.acl,
        retention: u.retention,
        legalHold: u.legalHold,
        data,
        partsCount: used.length,
        checksums: req.checksums,
        checksumType: req.checksumType,
      };
      const plan = await planWriteVersion(store, bucket, master, version, '');
      const ops: KvOp[] = [
        ...plan.ops,
        { type: 'delete', table: 'mpu', key: upload.entry.key, expectRevision: revision },
        ...entries.map((e): KvOp => ({ type: 'delete', table: 'parts', key: e.key, expectRevision: e.revision })),
        ...(await locationUseOps(store, bucket, plan.version.data)),
      ];
      await commitWithOplog(store, ops, [putEntry(plan.version)]);
      return { object: plan.version, unusedData, replacedData: plan.replacedData };
    });
  });
}

export async function abortMultipartUpload(
  store: KvStore,
  req: metadataV1MetadataService.AbortMultipartUploadRequest,
): Promise<metadataV1MetadataService.AbortMultipartUploadResponse> {
  return withRetry(async () => {
    const upload = await loadUploadForWrite(store, req);
    return fenced(store, upload, async (revision) => {
      const entries = await allParts(store, req);
      await commitWithOplog(
        store,
        [
          { type: 'delete', table: 'mpu', key: upload.entry.key, expectRevision: revision },
          ...entries.map((e): KvOp => ({ type: 'delete', table: 'parts', key: e.key, expectRevision: e.revision })),
        ],
        [{ type: 'abort-mpu', bucket: req.bucket, key: req.key }],
      );
      return { releasedData: entries.flatMap((e) => decodePart(e.value).data ?? []) };
    });
  });
}
