// CopyObject: a version of any bucket the requester may read, to any bucket and
// location, with the metadata and tagging directives and the copy-source
// conditions. Bytes stream from the source's pieces to the target location.
import { metadataV1Metadata } from '@zenko/gen';
import { CHECKSUM_ALGORITHMS, CHECKSUM_ELEMENT, parseChecksumAlgorithm, type ChecksumAlgorithm } from '../checksums/hasher.js';
import { S3Error } from '../errors/s3-errors.js';
import { S3_XMLNS, XmlWriter } from '../xml/writer.js';
import {
  DELETE_MARKER_HEADERS,
  authorizedBucket,
  emptyVersionId,
  hideMissing,
  isVersioned,
  loadBucket,
  objectKey,
  type Bucket,
} from '../s3/access.js';
import { authorize, authorizeObject, writerOwner } from '../s3/authorize.js';
import { evaluateConditions } from '../s3/conditions.js';
import { sendXml, type S3Context } from '../s3/context.js';
import type { S3Deps, S3Handler } from '../s3/deps.js';
import { isoDate, quoteEtag, storageClass, storedHeaders, userMetadata } from '../s3/object-headers.js';
import { pieceOf } from '../data/placement.js';
import { objectBytes } from '../s3/object-stream.js';
import { loadVersion } from './get-object.js';
import {
  aclField,
  checkKey,
  cleanupLater,
  lockFields,
  objectLocation,
  parseTaggingHeader,
  releaseFailedWrite,
  writeInOrder,
} from './put-object.js';

export interface CopySource {
  bucket: Bucket;
  version: metadataV1Metadata.ObjectVersion;
}

/** Resolves x-amz-copy-source (`bucket/key[?versionId=]`, URL-encoded) and checks its conditions. */
export async function copySource(ctx: S3Context, deps: S3Deps): Promise<CopySource> {
  const raw = ctx.headers['x-amz-copy-source'] ?? '';
  const q = raw.indexOf('?');
  const pathPart = q < 0 ? raw : raw.slice(0, q);
  const versionId = q < 0 ? '' : (new URLSearchParams(raw.slice(q + 1)).get('versionId') ?? '');
  if (q >= 0 && versionId === '' && new URLSearchParams(raw.slice(q + 1)).has('versionId')) throw emptyVersionId();
  let path: string;
  try {
    path = decodeURIComponent(pathPart).replace(/^\//, '');
  } catch {
    throw new S3Error('InvalidArgument', { message: 'Invalid copy source encoding', fields: { ArgumentName: 'x-amz-copy-source' } });
  }
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) {
    throw new S3Error('InvalidArgument', {
      message: 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
      fields: { ArgumentName: 'x-amz-copy-source' },
    });
  }
  const srcBucketName = path.slice(0, slash);
  const srcKey = path.slice(slash + 1);
  const srcCtx: S3Context = { ...ctx, bucket: srcBucketName, key: srcKey, operation: 'GetObject' };
  const bucket = await loadBucket(srcCtx, deps, 'x-amz-source-expected-bucket-owner');
  const decision = authorize(srcCtx, bucket, 'GetObject', srcKey, versionId !== '');
  const version = await loadVersion(srcCtx, deps, srcBucketName, srcKey, versionId).catch((err: unknown) => {
    const shown = hideMissing(srcCtx, bucket, decision, err);
    if (shown instanceof S3Error && shown.code === 'MethodNotAllowed') {
      // A source whose latest version is a delete marker is NoSuchKey with the marker's headers;
      // a source naming a delete marker by version id is refused, without them.
      for (const name of DELETE_MARKER_HEADERS) ctx.res.removeHeader(name);
      throw new S3Error('InvalidRequest', {
        message: 'The source of a copy request may not specifically refer to a delete marker by version id.',
      });
    }
    throw shown;
  });
  authorizeObject(srcCtx, decision, version, 'GetObject');
  evaluateConditions(
    {
      ifMatch: ctx.headers['x-amz-copy-source-if-match'],
      ifNoneMatch: ctx.headers['x-amz-copy-source-if-none-match'],
      ifModifiedSince: ctx.headers['x-amz-copy-source-if-modified-since'],
      ifUnmodifiedSince: ctx.headers['x-amz-copy-source-if-unmodified-since'],
    },
    version.etag,
    version.lastModified ?? new Date(0),
    false,
  );
  return { bucket, version };
}

/**
 * The checksum a copy gets, computed over its bytes as they stream: `x-amz-checksum-algorithm`'s,
 * else the source's algorithm (a multipart source's COMPOSITE checksum becomes the copy's whole-object one).
 */
function copyChecksumAlgorithm(ctx: S3Context, src: metadataV1Metadata.ObjectVersion): ChecksumAlgorithm | undefined {
  const requested = ctx.headers['x-amz-checksum-algorithm'];
  if (requested !== undefined) {
    const algorithm = parseChecksumAlgorithm(requested);
    if (algorithm === undefined) throw new S3Error('InvalidRequest', { message: `Checksum algorithm ${requested} is not supported.` });
    return algorithm;
  }
  return CHECKSUM_ALGORITHMS.find((a) => src.checksums[a] !== undefined);
}

export const copyObject: S3Handler = async (ctx, deps) => {
  const bucket = await authorizedBucket(ctx, deps);
  const key = objectKey(ctx);
  checkKey(key);
  const source = await copySource(ctx, deps);
  const src = source.version;
  const directive = (ctx.headers['x-amz-metadata-directive'] ?? 'COPY').toUpperCase();
  const taggingDirective = (ctx.headers['x-amz-tagging-directive'] ?? 'COPY').toUpperCase();
  if (!['COPY', 'REPLACE'].includes(directive))
    throw new S3Error('InvalidArgument', { message: 'Unknown metadata directive.', fields: { ArgumentName: 'x-amz-metadata-directive' } });
  if (!['COPY', 'REPLACE'].includes(taggingDirective))
    throw new S3Error('InvalidArgument', { message: 'Unknown tagging directive.', fields: { ArgumentName: 'x-amz-tagging-directive' } });
  const sameObject = source.bucket.name === bucket.name && src.key === key;
  const newStorageClass = ctx.headers['x-amz-storage-class'] !== undefined;
  const checksumAlgorithm = copyChecksumAlgorithm(ctx, src);
  const newChecksum = checksumAlgorithm !== undefined && src.checksums[checksumAlgorithm] === undefined;
  if (sameObject && directive === 'COPY' && !newStorageClass && !newChecksum && !isVersioned(bucket)) {
    throw new S3Error('InvalidRequest', {
      message:
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    });
  }
  const location = objectLocation(ctx, deps, bucket);
  // The copy is a new object: its lock (headers, else the bucket's default retention) and ACL
  // come from this request, as PutObject's do; the source's are not copied.
  const lock = lockFields(ctx, bucket);
  const acl = await aclField(ctx, deps, bucket);
  const { res, etag, checksum } = await writeInOrder(deps, location, bucket.name, key, async () => {
    const stored = await deps.data.put(location, objectBytes(deps.data, src.data), {
      bucket: bucket.name,
      key,
      size: src.size,
      checksumAlgorithms: checksumAlgorithm === undefined ? [] : [checksumAlgorithm],
      inline: true,
    });
    const checksum =
      checksumAlgorithm === undefined ? undefined : { algorithm: checksumAlgorithm, value: stored.checksums[checksumAlgorithm] ?? '' };
    // A multipart source keeps its ETag; the copy is one piece with the same bytes.
    const etag = src.partsCount > 0 ? src.etag : stored.md5;
    try {
      const res = await deps.metadata.putObject({
        object: metadataV1Metadata.ObjectVersion.fromPartial({
          bucket: bucket.name,
          key,
          size: stored.size,
          etag,
          ...writerOwner(ctx, bucket),
          // S3: a copy is STANDARD unless x-amz-storage-class says otherwise, whatever the source.
          storageClass: storageClass(ctx.headers),
          headers: directive === 'REPLACE' ? storedHeaders(ctx.headers) : src.headers,
          userMetadata: directive === 'REPLACE' ? userMetadata(ctx.headers) : src.userMetadata,
          tags: taggingDirective === 'REPLACE' ? parseTaggingHeader(ctx.headers['x-amz-tagging']) : src.tags,
          checksums: checksum === undefined ? {} : { [checksum.algorithm]: checksum.value },
          data: [pieceOf(stored)],
          acl,
          ...lock,
        }),
        ifMatchEtag: '',
        ifNoneMatch: false,
        forceVersionId: '',
        discardBlocks: false,
        leaseId: '',
      });
      return { res, etag, checksum };
    } catch (err) {
      releaseFailedWrite(deps, [pieceOf(stored)], err, bucket.name, key);
      throw err;
    }
  });
  cleanupLater(deps, res.replacedData);
  const headers: Record<string, string> = {};
  if (isVersioned(bucket) && res.object) headers['x-amz-version-id'] = res.object.versionId;
  if (isVersioned(source.bucket)) headers['x-amz-copy-source-version-id'] = src.versionId;
  const w = new XmlWriter();
  w.open('CopyObjectResult', { xmlns: S3_XMLNS }).leaf('ETag', quoteEtag(etag)).leaf('LastModified', isoDate(res.object?.lastModified));
  if (checksum !== undefined) w.leaf(CHECKSUM_ELEMENT[checksum.algorithm], checksum.value).leaf('ChecksumType', 'FULL_OBJECT');
  w.close();
  sendXml(ctx, 200, w.end(), headers);
};
