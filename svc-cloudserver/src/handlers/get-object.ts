// GetObject and HeadObject: the latest version or a given one, with conditional
// headers, a byte range or a part number, and response-* overrides.
import type { metadataV1Metadata, metadataV1MetadataService } from '@zenko/gen';
import { isMeshError, responseSink, utf8HeaderValue } from '@zenko/mesh';
import { CHECKSUM_ALGORITHMS, checksumHeaderName } from '../checksums/hasher.js';
import { S3Error } from '../errors/s3-errors.js';
import type { ByteRange } from '../data/backend.js';
import { bucketForObjectRead, bucketName, hideMissing, isVersioned, objectKey } from '../s3/access.js';
import { authorizeObject } from '../s3/authorize.js';
import { baseHeaders, type S3Context } from '../s3/context.js';
import { evaluateConditions } from '../s3/conditions.js';
import type { S3Deps, S3Handler } from '../s3/deps.js';
import { versionHeaders } from '../s3/object-headers.js';
import { sendObjectBytes } from '../s3/object-stream.js';
import { parseRange } from '../s3/range.js';

const OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

/**
 * Reads a version's metadata, turning delete markers and misses into S3's answers. `fetched` is
 * the answer of a lookup already started (GetObject/HeadObject start it with the bucket's).
 */
export async function loadVersion(
  ctx: S3Context,
  deps: S3Deps,
  bucket: string,
  key: string,
  versionId: string,
  fetched?: Promise<metadataV1MetadataService.GetObjectResponse>,
): Promise<metadataV1Metadata.ObjectVersion> {
  try {
    const { object } = await (fetched ?? deps.metadata.getObject({ bucket, key, versionId }));
    if (object === undefined) throw new S3Error('NoSuchKey', { fields: { Key: key } });
    return object;
  } catch (err) {
    if (isMeshError(err, 'DELETE_MARKER')) {
      ctx.res.setHeader('x-amz-delete-marker', 'true');
      const markerId = err.details['versionId'];
      if (markerId) ctx.res.setHeader('x-amz-version-id', markerId);
      if (versionId !== '') {
        // A delete marker's version only accepts DELETE (S3 says so in Allow), and S3 gives its Last-Modified.
        ctx.res.setHeader('allow', 'DELETE');
        const lastModified = Date.parse(err.details['lastModified'] ?? '');
        if (Number.isFinite(lastModified)) ctx.res.setHeader('last-modified', new Date(lastModified).toUTCString());
        throw new S3Error('MethodNotAllowed', { fields: { Method: ctx.req.method ?? 'GET', ResourceType: 'DeleteMarker' } });
      }
      throw new S3Error('NoSuchKey', { fields: { Key: key } });
    }
    if (isMeshError(err, 'OBJECT_NOT_FOUND')) throw new S3Error('NoSuchKey', { fields: { Key: key } });
    if (isMeshError(err, 'VERSION_NOT_FOUND')) throw new S3Error('NoSuchVersion', { fields: { Key: key, VersionId: versionId } });
    if (isMeshError(err, 'INVALID_VERSION_ID'))
      throw new S3Error('InvalidArgument', {
        message: 'Invalid version id specified',
        fields: { ArgumentName: 'versionId', ArgumentValue: versionId },
      });
    throw err;
  }
}

/** The response headers of the checksums UploadPart stored for part `n` (kept on the part's first piece). */
function partChecksumHeaders(v: metadataV1Metadata.ObjectVersion, n: number): Record<string, string> {
  const checksums = v.data.find((p) => p.partNumber === n)?.checksums ?? {};
  const out: Record<string, string> = {};
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const value = checksums[algorithm];
    if (value !== undefined) out[checksumHeaderName(algorithm)] = value;
  }
  return out;
}

/** The byte range of part `n` of a multipart object (a single-part object has part 1). */
function partRange(v: metadataV1Metadata.ObjectVersion, n: number): ByteRange {
  if (v.partsCount === 0) {
    if (n !== 1) throw new S3Error('InvalidPartNumber', { fields: { PartNumberRequested: n, ActualPartCount: 1 } });
    return { start: 0, end: v.size - 1 };
  }
  const pieces = v.data.filter((p) => p.partNumber === n);
  if (pieces.length === 0) throw new S3Error('InvalidPartNumber', { fields: { PartNumberRequested: n, ActualPartCount: v.partsCount } });
  const start = Math.min(...pieces.map((p) => p.start));
  const end = Math.max(...pieces.map((p) => p.start + p.size - 1));
  return { start, end };
}

const getOrHead: S3Handler = async (ctx, deps) => {
  const key = objectKey(ctx);
  const versionId = ctx.query.get('versionId') ?? '';
  // The version is looked up while the bucket is (one round trip, not two); nothing of the
  // answer is used, or shown, before the bucket's checks below have passed.
  const fetched = deps.metadata.getObject({ bucket: bucketName(ctx), key, versionId });
  fetched.catch(() => undefined);
  const { bucket, decision } = await bucketForObjectRead(ctx, deps);
  const v = await loadVersion(ctx, deps, bucket.name, key, versionId, fetched).catch((err: unknown) => {
    throw hideMissing(ctx, bucket, decision, err);
  });
  authorizeObject(ctx, decision, v);
  const headers: Record<string, string> = {
    ...baseHeaders(ctx),
    ...versionHeaders(v, {
      versioned: isVersioned(bucket) || v.versionId !== 'null',
      checksums: ctx.headers['x-amz-checksum-mode']?.toUpperCase() === 'ENABLED',
    }),
  };
  const condition = evaluateConditions(
    {
      ifMatch: ctx.headers['if-match'],
      ifNoneMatch: ctx.headers['if-none-match'],
      ifModifiedSince: ctx.headers['if-modified-since'],
      ifUnmodifiedSince: ctx.headers['if-unmodified-since'],
    },
    v.etag,
    v.lastModified ?? new Date(0),
    true,
  );
  if (condition === 'not-modified') {
    const { etag, 'last-modified': lastModified } = headers;
    ctx.res.writeHead(304, { ...baseHeaders(ctx), ...(etag ? { etag } : {}), ...(lastModified ? { 'last-modified': lastModified } : {}) });
    ctx.res.end();
    return;
  }
  for (const [param, name] of Object.entries(OVERRIDES)) {
    const value = ctx.query.get(param);
    if (value === null) continue;
    if (ctx.identity === undefined)
      throw new S3Error('InvalidRequest', { message: 'Request specific response headers cannot be used for anonymous GET requests.' });
    // Sent as the UTF-8 bytes the client percent-encoded; a control character cannot be sent at all.
    const sent = utf8HeaderValue(value);
    if (sent === undefined)
      throw new S3Error('InvalidArgument', {
        message: `${param} holds a character no header may carry`,
        fields: { ArgumentName: param, ArgumentValue: value },
      });
    headers[name] = sent;
  }

  let range: ByteRange | undefined;
  const partNumber = ctx.query.get('partNumber');
  if (partNumber !== null) {
    const n = Number(partNumber);
    if (!Number.isInteger(n) || n < 1 || n > 10_000)
      throw new S3Error('InvalidArgument', { message: 'Part number must be an integer between 1 and 10000, inclusive' });
    if (ctx.headers['range'] !== undefined)
      throw new S3Error('InvalidRequest', { message: 'Cannot specify both Range header and partNumber query parameter' });
    // A part is a range (206 with Content-Range), also part 1 of a single-part object (the
    // whole of it); only a multipart object has a parts count.
    const part = partRange(v, n);
    range = v.size === 0 ? undefined : part; // an empty object has no byte to send a range of
    if (v.partsCount > 0) headers['x-amz-mp-parts-count'] = String(v.partsCount);
  } else {
    try {
      range = parseRange(ctx.headers['range'], v.size);
    } catch (err) {
      // A 416 names the object's size (RFC 9110), which tells the client what it may ask for.
      if (err instanceof S3Error && err.code === 'InvalidRange') ctx.res.setHeader('content-range', `bytes */${v.size}`);
      throw err;
    }
  }
  const status = range ? 206 : 200;
  if (range) {
    headers['content-range'] = `bytes ${range.start}-${range.end}/${v.size}`;
    // Stored checksums cover the whole object: a range of it is sent without them, as S3 does;
    // a part of a multipart object with the part's own (UploadPart's) checksum, when asked for.
    const whole = partNumber !== null && v.partsCount === 0;
    if (!whole) for (const name of Object.keys(headers)) if (name.startsWith('x-amz-checksum-')) delete headers[name];
    if (partNumber !== null && v.partsCount > 0 && ctx.headers['x-amz-checksum-mode']?.toUpperCase() === 'ENABLED') {
      Object.assign(headers, partChecksumHeaders(v, Number(partNumber)));
    }
  }
  headers['content-length'] = String(range ? range.end - range.start + 1 : v.size);
  if (ctx.req.method === 'HEAD' || v.size === 0) {
    ctx.res.writeHead(status, headers);
    ctx.res.end();
    return;
  }
  // The status and headers go with the first chunk: a first piece that cannot be read is an error answer, not a cut body.
  const begin = (): void => {
    if (!ctx.res.headersSent) ctx.res.writeHead(status, headers);
  };
  await sendObjectBytes(deps.data, v.data, range, responseSink(ctx.res, begin));
  begin();
  ctx.res.end();
};

export const getObject: S3Handler = getOrHead;
export const headObject: S3Handler = getOrHead;
