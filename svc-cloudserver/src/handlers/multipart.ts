// Multipart uploads: CreateMultipartUpload, UploadPart, UploadPartCopy,
// CompleteMultipartUpload, AbortMultipartUpload, ListParts, ListMultipartUploads.
// Parts go to the upload's location; completing assembles them in metadata (the
// object's pieces are the parts), so no byte is copied.
import { metadataV1Metadata } from '@zenko/gen';
import { isMeshError } from '@zenko/mesh';
import {
  CHECKSUM_ALGORITHMS,
  CHECKSUM_ELEMENT,
  checksumHeaderName,
  parseChecksumAlgorithm,
  type ChecksumAlgorithm,
} from '../checksums/hasher.js';
import { ALLOWED_TYPES, multipartChecksum, type ChecksumType, type PartChecksum } from '../checksums/multipart-checksum.js';
import { S3Error } from '../errors/s3-errors.js';
import { parseCompleteMultipartUpload, type CompletedPart } from '../config/complete-multipart.js';
import { S3_XMLNS, XmlWriter } from '../xml/writer.js';
import { authorizedBucket, isVersioned, objectKey } from '../s3/access.js';
import { writerOwner } from '../s3/authorize.js';
import { objectUrl, pageSizeParam, sendEmpty, sendXml, type S3Context } from '../s3/context.js';
import type { S3Deps, S3Handler } from '../s3/deps.js';
import { isoDate, quoteEtag, storageClass, storedHeaders, userMetadata } from '../s3/object-headers.js';
import {
  aclField,
  checkKey,
  checksumResponseHeaders,
  cleanupLater,
  digestsOf,
  lockFields,
  missingLength,
  objectLocation,
  parseTaggingHeader,
  readCheckedBody,
  checkConditionsFirst,
  writeInOrder,
} from './put-object.js';
import { copySource } from './copy-object.js';
import { listEncoding } from './list-objects.js';
import { objectBytes } from '../s3/object-stream.js';

export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PART_SIZE = 5 * 1024 ** 3;
export const MAX_PARTS = 10_000;

function uploadId(ctx: S3Context): string {
  const id = ctx.query.get('uploadId');
  if (id === null || id === '') throw new S3Error('NoSuchUpload');
  return id;
}

function partNumber(ctx: S3Context): number {
  const raw = ctx.query.get('partNumber') ?? '';
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_PARTS) {
    throw new S3Error('InvalidArgument', {
      message: 'Part number must be an integer between 1 and 10000, inclusive',
      fields: { ArgumentName: 'partNumber', ArgumentValue: raw },
    });
  }
  return n;
}

function uploadError(err: unknown): never {
  if (isMeshError(err, 'UPLOAD_NOT_FOUND')) throw new S3Error('NoSuchUpload');
  throw err;
}

async function loadUpload(deps: S3Deps, bucket: string, key: string, id: string): Promise<metadataV1Metadata.MultipartUpload> {
  const { upload } = await deps.metadata.getMultipartUpload({ bucket, key, uploadId: id }).catch(uploadError);
  if (upload === undefined) throw new S3Error('NoSuchUpload');
  return upload;
}

export const createMultipartUpload: S3Handler = async (ctx, deps) => {
  const bucket = await authorizedBucket(ctx, deps);
  const key = objectKey(ctx);
  checkKey(key);
  const { algorithm, type } = uploadChecksum(ctx);
  // As PutObject: lock headers (else the bucket's default retention) and ACL headers reach the object.
  const lock = lockFields(ctx, bucket);
  const acl = await aclField(ctx, deps, bucket);
  const { upload } = await deps.metadata.createMultipartUpload({
    upload: metadataV1Metadata.MultipartUpload.fromPartial({
      bucket: bucket.name,
      key,
      ...writerOwner(ctx, bucket),
      storageClass: storageClass(ctx.headers),
      location: objectLocation(ctx, deps, bucket),
      headers: storedHeaders(ctx.headers),
      userMetadata: userMetadata(ctx.headers),
      tags: parseTaggingHeader(ctx.headers['x-amz-tagging']),
      checksumAlgorithm: algorithm ?? '',
      checksumType: type ?? '',
      acl,
      ...lock,
    }),
  });
  const w = new XmlWriter();
  w.open('InitiateMultipartUploadResult', { xmlns: S3_XMLNS })
    .leaf('Bucket', bucket.name)
    .leaf('Key', key)
    .leaf('UploadId', upload?.uploadId ?? '')
    .close();
  sendXml(ctx, 200, w.end(), algorithm ? { 'x-amz-checksum-algorithm': algorithm.toUpperCase(), 'x-amz-checksum-type': type! } : {});
};

/** x-amz-checksum-algorithm and x-amz-checksum-type of CreateMultipartUpload, checked as S3 does. */
function uploadChecksum(ctx: S3Context): { algorithm?: ChecksumAlgorithm; type?: ChecksumType } {
  const name = ctx.headers['x-amz-checksum-algorithm'];
  const typeName = ctx.headers['x-amz-checksum-type']?.toUpperCase();
  if (name === undefined || name === '') {
    if (typeName !== undefined)
      throw new S3Error('InvalidRequest', {
        message: 'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.',
      });
    return {};
  }
  const algorithm = parseChecksumAlgorithm(name);
  if (algorithm === undefined) throw new S3Error('InvalidRequest', { message: `Checksum algorithm ${name} is not supported.` });
  const allowed = ALLOWED_TYPES[algorithm];
  const type = (typeName ?? allowed[0]) as ChecksumType;
  if (!allowed.includes(type))
    throw new S3Error('InvalidRequest', {
      message: `The ${algorithm.toUpperCase()} checksum algorithm does not support the ${typeName} checksum type.`,
    });
  return { algorithm, type };
}

/** The checksum algorithm of an upload's parts: the one asked for at creation, if any. */
function partAlgorithm(ctx: S3Context, upload: metadataV1Metadata.MultipartUpload): ChecksumAlgorithm | undefined {
  const algorithm = parseChecksumAlgorithm(upload.checksumAlgorithm);
  if (algorithm === undefined) return undefined;
  const trailers = (ctx.headers['x-amz-trailer'] ?? '').split(',').map((t) => t.trim().toLowerCase());
  for (const other of CHECKSUM_ALGORITHMS) {
    const sent = ctx.headers[checksumHeaderName(other)] !== undefined || trailers.includes(checksumHeaderName(other));
    if (other !== algorithm && sent)
      throw new S3Error('InvalidRequest', {
        message: `Checksum Type mismatch occurred, expected checksum Type: ${algorithm}, actual checksum Type: ${other}`,
      });
  }
  return algorithm;
}

async function recordPart(
  deps: S3Deps,
  upload: metadataV1Metadata.MultipartUpload,
  n: number,
  stored: { location: string; key: string; size: number; md5: string; checksums: Record<string, string> },
): Promise<void> {
  try {
    const res = await deps.metadata.putPart({
      bucket: upload.bucket,
      key: upload.key,
      uploadId: upload.uploadId,
      part: metadataV1Metadata.Part.fromPartial({
        partNumber: n,
        etag: stored.md5,
        size: stored.size,
        data: { location: stored.location, key: stored.key, start: 0, size: stored.size, partNumber: n, etag: stored.md5 },
        checksums: stored.checksums,
      }),
    });
    if (res.replacedData) cleanupLater(deps, [res.replacedData]);
  } catch (err) {
    cleanupLater(deps, [
      metadataV1Metadata.DataLocation.fromPartial({ location: stored.location, key: stored.key, size: stored.size, partNumber: n }),
    ]);
    uploadError(err);
  }
}

export const uploadPart: S3Handler = async (ctx, deps) => {
  const bucket = await authorizedBucket(ctx, deps);
  const key = objectKey(ctx);
  const n = partNumber(ctx);
  const upload = await loadUpload(deps, bucket.name, key, uploadId(ctx));
  if (ctx.bodyLength < 0) throw missingLength(ctx);
  if (ctx.bodyLength > MAX_PART_SIZE) throw new S3Error('EntityTooLarge');
  const { algorithms, expected } = digestsOf(ctx);
  // A part of an upload with a checksum algorithm always gets that checksum.
  const algorithm = partAlgorithm(ctx, upload);
  const stored = await deps.data.put(upload.location, ctx.body({ trailingChecksumChecked: true }), {
    bucket: bucket.name,
    key,
    size: ctx.bodyLength,
    part: { uploadId: upload.uploadId, number: n },
    checksumAlgorithms: algorithm === undefined || algorithms.includes(algorithm) ? algorithms : [...algorithms, algorithm],
    expect: expected,
  });
  await recordPart(deps, upload, n, stored);
  sendEmpty(ctx, 200, { etag: quoteEtag(stored.md5), ...checksumResponseHeaders(stored.checksums) });
};

export const uploadPartCopy: S3Handler = async (ctx, deps) => {
  const bucket = await authorizedBucket(ctx, deps);
  const key = objectKey(ctx);
  const n = partNumber(ctx);
  const upload = await loadUpload(deps, bucket.name, key, uploadId(ctx));
  const source = await copySource(ctx, deps);
  let range: { start: number; end: number } | undefined;
  const rawRange = ctx.headers['x-amz-copy-source-range'];
  if (rawRange !== undefined) {
    const m = /^bytes=(\d+)-(\d+)$/.exec(rawRange.trim());
    if (!m)
      throw new S3Error('InvalidArgument', {
        message:
          'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
      });
    range = { start: Number(m[1]), end: Number(m[2]) };
    if (range.end < range.start || range.end >= source.version.size) {
      // What S3 answers (not the 416 of a GET's Range).
      throw new S3Error('InvalidArgument', {
        message: `Range specified is not valid for source object of size: ${source.version.size}`,
        fields: { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: rawRange },
      });
    }
  }
  const size = range ? range.end - range.start + 1 : source.version.size;
  if (size > MAX_PART_SIZE) throw new S3Error('EntityTooLarge');
  const algorithm = parseChecksumAlgorithm(upload.checksumAlgorithm);
  const stored = await deps.data.put(upload.location, objectBytes(deps.data, source.version.data, range), {
    bucket: bucket.name,
    key,
    size,
    part: { uploadId: upload.uploadId, number: n },
    ...(algorithm === undefined ? {} : { checksumAlgorithms: [algorithm] }),
  });
  await recordPart(deps, upload, n, stored);
  const w = new XmlWriter();
  w.open('CopyPartResult', { xmlns: S3_XMLNS }).leaf('LastModified', isoDate(new Date())).leaf('ETag', quoteEtag(stored.md5));
  if (algorithm !== undefined) w.optionalLeaf(CHECKSUM_ELEMENT[algorithm], stored.checksums[algorithm]);
  w.close();
  sendXml(ctx, 200, w.end(), source.version.versionId !== 'null' ? { 'x-amz-copy-source-version-id': source.version.versionId } : {});
};

/**
 * Joins the parts at their location when its backend can (cloud types: server-side, no byte
 * through Zenko), so the object is whole at the target under its own name; `undefined` when it
 * cannot, or when the parts do not qualify (metadata then answers the request's error, or
 * completes with the parts as they are stored). A failed assembly falls back the same way.
 */
async function assemble(
  deps: S3Deps,
  ref: { bucket: string; key: string },
  upload: metadataV1Metadata.MultipartUpload,
  storedParts: () => Promise<Map<number, metadataV1Metadata.Part> | undefined>,
  wanted: readonly { partNumber: number; etag: string }[],
): Promise<metadataV1Metadata.DataLocation[] | undefined> {
  const location = upload.location;
  const backend = location === '' ? undefined : deps.data.location(location).backend;
  // The parts are listed only if the location can assemble.
  if (backend?.compose === undefined) return undefined;
  const stored = await storedParts();
  if (stored === undefined) return undefined;
  const unquote = (etag: string): string => etag.replace(/^"|"$/g, '');
  const parts = wanted.map((w) => stored.get(w.partNumber));
  const usable = (p: metadataV1Metadata.Part | undefined, i: number): p is metadataV1Metadata.Part =>
    p?.data !== undefined &&
    p.data.location === location &&
    unquote(p.etag) === unquote(wanted[i]!.etag) &&
    (i === wanted.length - 1 || p.size >= MIN_PART_SIZE);
  if (parts.length === 0 || !parts.every(usable)) return undefined;
  const ok = parts;
  let joined: { key: string; size: number };
  try {
    joined = await backend.compose(
      ok.map((p) => ({ key: p.data!.key, size: p.size })),
      // An assembly the target did not let abort (it went down) is aborted once it is back.
      { bucket: ref.bucket, key: ref.key, leftover: (key) => void deps.releases.later([{ location, key }]) },
    );
  } catch (err) {
    deps.logger.warn({ err, location }, 'assembling a multipart upload at its location failed; its parts stay separate');
    return undefined;
  }
  let offset = 0;
  return ok.map((p) => {
    const piece = metadataV1Metadata.DataLocation.fromPartial({ location, key: joined.key, offset, size: p.size });
    offset += p.size;
    return piece;
  });
}

export const completeMultipartUpload: S3Handler = async (ctx, deps) => {
  const bucket = await authorizedBucket(ctx, deps);
  const key = objectKey(ctx);
  const id = uploadId(ctx);
  // Its x-amz-checksum-* header is the whole object's checksum, checked once the parts are known.
  const requested = parseCompleteMultipartUpload(await readCheckedBody(ctx, 4 * 1024 * 1024, false, false));
  const parts = requested.map((p) => ({ partNumber: p.partNumber, etag: p.etag }));
  const ifNoneMatch = ctx.headers['if-none-match'];
  const upload = await loadUpload(deps, bucket.name, key, id);
  let listed: Promise<Map<number, metadataV1Metadata.Part> | undefined> | undefined;
  const storedParts = () => (listed ??= listAllParts(deps, { bucket: bucket.name, key, uploadId: id }));
  const checksum = await objectChecksum(upload, requested, storedParts);
  checkObjectChecksum(ctx, checksum);
  const res = await writeInOrder(deps, upload.location, bucket.name, key, async () => {
    await checkConditionsFirst(ctx, deps, upload.location, bucket.name, key);
    const assembled = await assemble(deps, { bucket: bucket.name, key }, upload, storedParts, parts);
    try {
      return await deps.metadata.completeMultipartUpload({
        bucket: bucket.name,
        key,
        uploadId: id,
        parts,
        minPartSize: MIN_PART_SIZE,
        ifMatchEtag: (ctx.headers['if-match'] ?? '').replace(/^"|"$/g, ''),
        ifNoneMatch: ifNoneMatch !== undefined,
        assembledData: assembled ?? [],
        checksums: checksum === undefined ? {} : { [checksum.algorithm]: checksum.value },
        checksumType: checksum?.type ?? '',
        leaseId: '',
      });
    } catch (err) {
      if (assembled !== undefined) cleanupLater(deps, assembled.slice(0, 1));
      if (isMeshError(err, 'INVALID_PART')) throw new S3Error('InvalidPart');
      if (isMeshError(err, 'INVALID_PART_ORDER')) throw new S3Error('InvalidPartOrder');
      if (isMeshError(err, 'ENTITY_TOO_SMALL')) throw new S3Error('EntityTooSmall');
      if (isMeshError(err, 'PRECONDITION_FAILED')) throw new S3Error('PreconditionFailed');
      return uploadError(err);
    }
  });
  cleanupLater(deps, [...res.unusedData, ...res.replacedData]);
  const object = res.object;
  const w = new XmlWriter();
  w.open('CompleteMultipartUploadResult', { xmlns: S3_XMLNS });
  w.leaf('Location', objectUrl(ctx, bucket.name, key))
    .leaf('Bucket', bucket.name)
    .leaf('Key', key)
    .leaf('ETag', quoteEtag(object?.etag ?? ''));
  if (checksum !== undefined) w.leaf(CHECKSUM_ELEMENT[checksum.algorithm], checksum.value).leaf('ChecksumType', checksum.type);
  w.close();
  sendXml(ctx, 200, w.end(), isVersioned(bucket) && object ? { 'x-amz-version-id': object.versionId } : {});
};

/** Every stored part of an upload by number; undefined when the listing fails (metadata then answers the complete's error). */
async function listAllParts(
  deps: S3Deps,
  ref: { bucket: string; key: string; uploadId: string },
): Promise<Map<number, metadataV1Metadata.Part> | undefined> {
  const stored = new Map<number, metadataV1Metadata.Part>();
  for (let marker = 0; ;) {
    const page = await deps.metadata.listParts({ ...ref, partNumberMarker: marker, maxParts: 1000 }).catch(() => undefined);
    if (page === undefined) return undefined;
    for (const part of page.parts) stored.set(part.partNumber, part);
    if (!page.isTruncated) return stored;
    marker = page.nextPartNumberMarker;
  }
}

/**
 * CompleteMultipartUpload's `x-amz-checksum-<algorithm>` and `x-amz-checksum-type` state the
 * object's checksum (for a COMPOSITE one, with or without its `-<parts>` suffix) and type: they
 * must be the upload's algorithm and type (InvalidRequest, BadDigest) and match what the parts
 * make (BadDigest).
 */
function checkObjectChecksum(
  ctx: S3Context,
  checksum: { algorithm: ChecksumAlgorithm; type: ChecksumType; value: string } | undefined,
): void {
  const type = ctx.headers['x-amz-checksum-type']?.toUpperCase();
  if (type !== undefined && type !== checksum?.type) {
    throw new S3Error('BadDigest', {
      message: `The upload was created using the ${checksum?.type ?? 'no'} checksum mode. The complete request must use the same checksum mode.`,
    });
  }
  const [algorithm, value] = (Object.entries(digestsOf(ctx).expected().checksums ?? {})[0] ?? []) as [ChecksumAlgorithm?, string?];
  if (algorithm === undefined || value === undefined) return;
  if (checksum === undefined || algorithm !== checksum.algorithm) {
    throw new S3Error('InvalidRequest', {
      message: `The upload was created using ${checksum ? `a ${checksum.algorithm.toUpperCase()}` : 'no'} checksum. The complete request must use the same checksum algorithm.`,
    });
  }
  if (value !== checksum.value && value !== checksum.value.replace(/-\d+$/, '')) {
    throw new S3Error('BadDigest', { message: `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.` });
  }
}

/**
 * The object's checksum when its upload named an algorithm: from the stored parts' checksums (the
 * parts the request names; a part the store lacks is left to metadata's InvalidPart). A checksum
 * the request gives for a part must be the stored one (InvalidPart); a COMPOSITE upload's request
 * must give them all, as S3 requires.
 */
async function objectChecksum(
  upload: metadataV1Metadata.MultipartUpload,
  requested: readonly CompletedPart[],
  storedParts: () => Promise<Map<number, metadataV1Metadata.Part> | undefined>,
): Promise<{ algorithm: ChecksumAlgorithm; type: ChecksumType; value: string } | undefined> {
  const algorithm = parseChecksumAlgorithm(upload.checksumAlgorithm);
  const type = (upload.checksumType || (algorithm && ALLOWED_TYPES[algorithm][0])) as ChecksumType | undefined;
  const element = algorithm && CHECKSUM_ELEMENT[algorithm];
  // An upload created without an algorithm has no object checksum: part checksums the request
  // gives (SDKs send what UploadPart answered) are not looked at.
  if (algorithm === undefined || type === undefined || element === undefined) return undefined;
  for (const p of requested) {
    const given = Object.keys(p.checksums);
    if (given.some((name) => name !== element))
      throw new S3Error('InvalidPart', {
        message: `The upload was created using a ${algorithm} checksum; part ${p.partNumber} names another.`,
      });
    if (type === 'COMPOSITE' && p.checksums[element] === undefined)
      throw new S3Error('InvalidRequest', {
        message: `The upload was created using a ${algorithm} checksum. The complete request must include the checksum for each part. It was missing for part ${p.partNumber} in the request.`,
      });
  }
  const stored = await storedParts();
  if (stored === undefined) return undefined;
  const checksums: PartChecksum[] = [];
  for (const p of requested) {
    const part = stored.get(p.partNumber);
    const value = part?.checksums[algorithm];
    if (part === undefined || value === undefined) return undefined; // metadata refuses the missing part
    if (p.checksums[element] !== undefined && p.checksums[element] !== value)
      throw new S3Error('InvalidPart', { message: `The ${element} of part ${p.partNumber} does not match the stored part's.` });
    checksums.push({ checksum: value, size: part.size });
  }
  return { algorithm, type, value: multipartChecksum(algorithm, type, checksums) };
}

export const abortMultipartUpload: S3Handler = async (ctx, deps) => {
  const bucket = await authorizedBucket(ctx, deps);
  const key = objectKey(ctx);
  const res = await deps.metadata.abortMultipartUpload({ bucket: bucket.name, key, uploadId: uploadId(ctx) }).catch(uploadError);
  cleanupLater(deps, res.releasedData);
  sendEmpty(ctx, 204);
};

export const listParts: S3Handler = async (ctx, deps) => {
  const bucket = await authorizedBucket(ctx, deps);
  const key = objectKey(ctx);
  const maxParts = pageSizeParam(ctx, 'max-parts', 1000, 1000);
  const marker = pageSizeParam(ctx, 'part-number-marker', 0, MAX_PARTS);
  // max-parts=0 lists no part, but the upload must still exist (the store reads 0 as its default).
  const found = await deps.metadata
    .listParts({ bucket: bucket.name, key, uploadId: uploadId(ctx), partNumberMarker: marker, maxParts: Math.max(1, maxParts) })
    .catch(uploadError);
  const res = maxParts === 0 ? { ...found, parts: [], isTruncated: false } : found;
  const u = res.upload;
  const w = new XmlWriter();
  w.open('ListPartsResult', { xmlns: S3_XMLNS })
    .leaf('Bucket', bucket.name)
    .leaf('Key', key)
    .leaf('UploadId', u?.uploadId ?? '');
  w.open('Initiator')
    .leaf('ID', u?.ownerId ?? '')
    .leaf('DisplayName', u?.ownerDisplayName ?? '')
    .close();
  w.open('Owner')
    .leaf('ID', u?.ownerId ?? '')
    .leaf('DisplayName', u?.ownerDisplayName ?? '')
    .close();
  w.leaf('StorageClass', u?.storageClass || 'STANDARD').leaf('PartNumberMarker', marker);
  if (res.isTruncated) w.leaf('NextPartNumberMarker', res.nextPartNumberMarker);
  w.leaf('MaxParts', maxParts).leaf('IsTruncated', res.isTruncated);
  for (const p of res.parts) {
    w.open('Part')
      .leaf('PartNumber', p.partNumber)
      .leaf('LastModified', isoDate(p.lastModified))
      .leaf('ETag', quoteEtag(p.etag))
      .leaf('Size', p.size);
    for (const algorithm of CHECKSUM_ALGORITHMS) w.optionalLeaf(CHECKSUM_ELEMENT[algorithm], p.checksums[algorithm]);
    w.close();
  }
  if (u?.checksumAlgorithm)
    w.leaf('ChecksumAlgorithm', u.checksumAlgorithm.toUpperCase()).optionalLeaf('ChecksumType', u.checksumType || undefined);
  w.close();
  sendXml(ctx, 200, w.end());
};

export const listMultipartUploads: S3Handler = async (ctx, deps) => {
  const bucket = await authorizedBucket(ctx, deps);
  const prefix = ctx.query.get('prefix') ?? '';
  const delimiter = ctx.query.get('delimiter') ?? '';
  const keyMarker = ctx.query.get('key-marker') ?? '';
  // S3 ignores upload-id-marker without key-marker.
  const uploadIdMarker = keyMarker === '' ? '' : (ctx.query.get('upload-id-marker') ?? '');
  const maxUploads = pageSizeParam(ctx, 'max-uploads', 1000, 1000);
  const encode = listEncoding(ctx);
  // max-uploads=0 asks for nothing (the store would read 0 as its default page size).
  const res = await (
    maxUploads === 0
      ? Promise.resolve({ uploads: [], commonPrefixes: [], isTruncated: false, nextKeyMarker: '', nextUploadIdMarker: '' })
      : deps.metadata.listMultipartUploads({ bucket: bucket.name, prefix, delimiter, keyMarker, uploadIdMarker, maxUploads })
  ).catch((err: unknown) => {
    if (isMeshError(err, 'INVALID_MARKER')) throw new S3Error('InvalidArgument', { message: err.message });
    throw err;
  });
  const w = new XmlWriter();
  w.open('ListMultipartUploadsResult', { xmlns: S3_XMLNS })
    .leaf('Bucket', bucket.name)
    .leaf('KeyMarker', encode(keyMarker))
    .leaf('UploadIdMarker', uploadIdMarker);
  if (res.isTruncated) w.leaf('NextKeyMarker', encode(res.nextKeyMarker)).leaf('NextUploadIdMarker', res.nextUploadIdMarker);
  w.leaf('Prefix', encode(prefix));
  if (delimiter) w.leaf('Delimiter', encode(delimiter));
  w.leaf('MaxUploads', maxUploads).leaf('IsTruncated', res.isTruncated);
  for (const u of res.uploads) {
    w.open('Upload').leaf('Key', encode(u.key)).leaf('UploadId', u.uploadId);
    w.open('Initiator').leaf('ID', u.ownerId).leaf('DisplayName', u.ownerDisplayName).close();
    w.open('Owner').leaf('ID', u.ownerId).leaf('DisplayName', u.ownerDisplayName).close();
    w.leaf('StorageClass', u.storageClass || 'STANDARD')
      .leaf('Initiated', isoDate(u.initiatedAt))
      .close();
  }
  for (const cp of res.commonPrefixes) w.open('CommonPrefixes').leaf('Prefix', encode(cp)).close();
  if (ctx.query.get('encoding-type') === 'url') w.leaf('EncodingType', 'url');
  w.close();
  sendXml(ctx, 200, w.end());
};
