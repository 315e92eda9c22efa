// ListObjects (v1), ListObjectsV2 and ListObjectVersions, with prefix, delimiter,
// markers, max-keys and encoding-type=url.
import type { metadataV1Metadata, metadataV1MetadataService } from '@zenko/gen';
import { isMeshError } from '@zenko/mesh';
import { CHECKSUM_ALGORITHMS } from '../checksums/hasher.js';
import { S3Error } from '../errors/s3-errors.js';
import { S3_XMLNS, XmlWriter } from '../xml/writer.js';
import { authorizedBucket } from '../s3/access.js';
import { pageSizeParam, sendXml, type S3Context } from '../s3/context.js';
import type { S3Deps, S3Handler } from '../s3/deps.js';
import { isoDate, quoteEtag } from '../s3/object-headers.js';

/** S3's encoding-type=url: percent-encoding with '/' kept and spaces as '+'. */
function urlEncode(value: string): string {
  return encodeURIComponent(value).replace(/%2F/g, '/').replace(/%20/g, '+');
}

/** A listing's `encoding-type`: how it writes keys, prefixes and markers (`url` or as they are). */
export function listEncoding(ctx: S3Context): (v: string) => string {
  const encoding = ctx.query.get('encoding-type');
  if (encoding !== null && encoding !== 'url')
    throw new S3Error('InvalidArgument', {
      message: 'Invalid Encoding Method specified in Request',
      fields: { ArgumentName: 'encoding-type', ArgumentValue: encoding },
    });
  return encoding === 'url' ? urlEncode : (v) => v;
}

function listParams(ctx: S3Context): { prefix: string; delimiter: string; maxKeys: number; encode: (v: string) => string } {
  const maxKeys = pageSizeParam(ctx, 'max-keys', 1000, 1000);
  return {
    prefix: ctx.query.get('prefix') ?? '',
    delimiter: ctx.query.get('delimiter') ?? '',
    maxKeys,
    encode: listEncoding(ctx),
  };
}

/** A `<ChecksumAlgorithm>` for each checksum the version stores, then its `<ChecksumType>`, as S3 lists them. */
function checksumAlgorithms(w: XmlWriter, o: metadataV1Metadata.ObjectVersion): void {
  let any = false;
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    if (o.checksums[algorithm] === undefined) continue;
    w.leaf('ChecksumAlgorithm', algorithm.toUpperCase());
    any = true;
  }
  if (any) w.leaf('ChecksumType', o.checksumType || 'FULL_OBJECT');
}

function owner(w: XmlWriter, o: metadataV1Metadata.ObjectVersion): void {
  w.open('Owner').leaf('ID', o.ownerId).leaf('DisplayName', o.ownerDisplayName).close();
}

function markerError(err: unknown): never {
  if (isMeshError(err, 'INVALID_MARKER')) throw new S3Error('InvalidArgument', { message: err.message });
  throw err;
}

/** One page of keys; max-keys=0 asks for nothing (the store would read 0 as its default page size). */
function listPage(deps: S3Deps, req: metadataV1MetadataService.ListObjectsRequest): Promise<metadataV1MetadataService.ListObjectsResponse> {
  if (req.maxKeys === 0) return Promise.resolve({ objects: [], commonPrefixes: [], isTruncated: false, nextMarker: '' });
  return deps.metadata.listObjects(req).catch(markerError);
}

export const listObjects: S3Handler = async (ctx, deps) => {
  const bucket = await authorizedBucket(ctx, deps);
  const p = listParams(ctx);
  const marker = ctx.query.get('marker') ?? '';
  const res = await listPage(deps, { bucket: bucket.name, prefix: p.prefix, delimiter: p.delimiter, marker, maxKeys: p.maxKeys });
  const w = new XmlWriter();
  w.open('ListBucketResult', { xmlns: S3_XMLNS });
  w.leaf('Name', bucket.name).leaf('Prefix', p.encode(p.prefix)).leaf('Marker', p.encode(marker)).leaf('MaxKeys', p.maxKeys);
  if (p.delimiter) w.leaf('Delimiter', p.encode(p.delimiter));
  w.leaf('IsTruncated', res.isTruncated);
  if (res.isTruncated && p.delimiter) w.leaf('NextMarker', p.encode(res.nextMarker));
  if (ctx.query.get('encoding-type') === 'url') w.leaf('EncodingType', 'url');
  for (const o of res.objects) {
    w.open('Contents').leaf('Key', p.encode(o.key)).leaf('LastModified', isoDate(o.lastModified)).leaf('ETag', quoteEtag(o.etag));
    checksumAlgorithms(w, o);
    w.leaf('Size', o.size);
    owner(w, o);
    w.leaf('StorageClass', o.storageClass || 'STANDARD').close();
  }
  for (const cp of res.commonPrefixes) w.open('CommonPrefixes').leaf('Prefix', p.encode(cp)).close();
  w.close();
  sendXml(ctx, 200, w.end());
};

/** An opaque continuation token naming the last key (or bucket) a page returned. */
export function encodeToken(key: string): string {
  return Buffer.from(`v1:${key}`).toString('base64url');
}

export function decodeToken(token: string): string {
  const raw = Buffer.from(token, 'base64url').toString();
  if (!raw.startsWith('v1:'))
    throw new S3Error('InvalidArgument', {
      message: 'The continuation token provided is incorrect',
      fields: { ArgumentName: 'continuation-token' },
    });
  return raw.slice(3);
}

export const listObjectsV2: S3Handler = async (ctx, deps) => {
  const bucket = await authorizedBucket(ctx, deps);
  const p = listParams(ctx);
  const token = ctx.query.get('continuation-token');
  const startAfter = ctx.query.get('start-after') ?? '';
  if (token === '')
    throw new S3Error('InvalidArgument', {
      message: 'The continuation token provided is incorrect',
      fields: { ArgumentName: 'continuation-token' },
    });
  const fromToken = token === null ? undefined : decodeToken(token);
  const marker = fromToken ?? startAfter;
  const res = await listPage(deps, { bucket: bucket.name, prefix: p.prefix, delimiter: p.delimiter, marker, maxKeys: p.maxKeys });
  const fetchOwner = ctx.query.get('fetch-owner') === 'true';
  const w = new XmlWriter();
  w.open('ListBucketResult', { xmlns: S3_XMLNS });
  w.leaf('Name', bucket.name).leaf('Prefix', p.encode(p.prefix));
  if (token !== null) w.leaf('ContinuationToken', token);
  if (startAfter) w.leaf('StartAfter', p.encode(startAfter));
  w.leaf('KeyCount', res.objects.length + res.commonPrefixes.length).leaf('MaxKeys', p.maxKeys);
  if (p.delimiter) w.leaf('Delimiter', p.encode(p.delimiter));
  w.leaf('IsTruncated', res.isTruncated);
  if (res.isTruncated) w.leaf('NextContinuationToken', encodeToken(res.nextMarker));
  if (ctx.query.get('encoding-type') === 'url') w.leaf('EncodingType', 'url');
  for (const o of res.objects) {
    w.open('Contents').leaf('Key', p.encode(o.key)).leaf('LastModified', isoDate(o.lastModified)).leaf('ETag', quoteEtag(o.etag));
    checksumAlgorithms(w, o);
    w.leaf('Size', o.size);
    if (fetchOwner) owner(w, o);
    w.leaf('StorageClass', o.storageClass || 'STANDARD').close();
  }
  for (const cp of res.commonPrefixes) w.open('CommonPrefixes').leaf('Prefix', p.encode(cp)).close();
  w.close();
  sendXml(ctx, 200, w.end());
};

export const listObjectVersions: S3Handler = async (ctx, deps) => {
  const bucket = await authorizedBucket(ctx, deps);
  const p = listParams(ctx);
  const keyMarker = ctx.query.get('key-marker') ?? '';
  const versionIdMarker = ctx.query.get('version-id-marker') ?? '';
  if (versionIdMarker !== '' && keyMarker === '') {
    throw new S3Error('InvalidArgument', {
      message: 'A version-id marker cannot be specified without a key marker.',
      fields: { ArgumentName: 'version-id-marker' },
    });
  }
  // max-keys=0 asks for nothing (the store would read 0 as its default page size).
  const res = await (
    p.maxKeys === 0
      ? Promise.resolve({ versions: [], commonPrefixes: [], isTruncated: false, nextKeyMarker: '', nextVersionIdMarker: '' })
      : deps.metadata.listObjectVersions({
          bucket: bucket.name,
          prefix: p.prefix,
          delimiter: p.delimiter,
          keyMarker,
          versionIdMarker,
          maxKeys: p.maxKeys,
        })
  ).catch((err: unknown) => {
    if (isMeshError(err, 'INVALID_VERSION_ID'))
      throw new S3Error('InvalidArgument', { message: 'Invalid version id specified', fields: { ArgumentName: 'version-id-marker' } });
    return markerError(err);
  });
  const w = new XmlWriter();
  w.open('ListVersionsResult', { xmlns: S3_XMLNS });
  w.leaf('Name', bucket.name)
    .leaf('Prefix', p.encode(p.prefix))
    .leaf('KeyMarker', p.encode(keyMarker))
    .leaf('VersionIdMarker', versionIdMarker);
  if (res.isTruncated) w.leaf('NextKeyMarker', p.encode(res.nextKeyMarker)).leaf('NextVersionIdMarker', res.nextVersionIdMarker);
  w.leaf('MaxKeys', p.maxKeys);
  if (p.delimiter) w.leaf('Delimiter', p.encode(p.delimiter));
  w.leaf('IsTruncated', res.isTruncated);
  if (ctx.query.get('encoding-type') === 'url') w.leaf('EncodingType', 'url');
  for (const v of res.versions) {
    if (v.isDeleteMarker) {
      w.open('DeleteMarker');
      owner(w, v);
      w.leaf('Key', p.encode(v.key))
        .leaf('VersionId', v.versionId)
        .leaf('IsLatest', v.isLatest)
        .leaf('LastModified', isoDate(v.lastModified))
        .close();
    } else {
      w.open('Version').leaf('Key', p.encode(v.key)).leaf('VersionId', v.versionId).leaf('IsLatest', v.isLatest);
      w.leaf('LastModified', isoDate(v.lastModified)).leaf('ETag', quoteEtag(v.etag));
      checksumAlgorithms(w, v);
      w.leaf('Size', v.size);
      owner(w, v);
      w.leaf('StorageClass', v.storageClass || 'STANDARD').close();
    }
  }
  for (const cp of res.commonPrefixes) w.open('CommonPrefixes').leaf('Prefix', p.encode(cp)).close();
  w.close();
  sendXml(ctx, 200, w.end());
};
