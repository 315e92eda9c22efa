// PutObject: bytes to the object's location (digests checked while streaming),
// then one metadata write. The client is answered only after both are durable; if
// the metadata write fails, the data is deleted.
import { metadataV1Metadata } from '@zenko/gen';
import { isMeshError } from '@zenko/mesh';
import {
  CHECKSUM_ALGORITHMS,
  checksumHeaderName,
  createHasher,
  isWellFormedDigest,
  parseChecksumAlgorithm,
  type ChecksumAlgorithm,
} from '../checksums/hasher.js';
import { S3Error } from '../errors/s3-errors.js';
import { pieceOf, type Expected, type Location, type PutResult } from '../data/placement.js';
import { authorizedBucket, isVersioned, objectKey, type Bucket } from '../s3/access.js';
import { aclsDisabledFor, refusePublicAcl, writerOwner } from '../s3/authorize.js';
import { aclFromHeaders } from '../config/acl.js';
import { defaultRetentionFor, parseObjectLockHeaders, type ObjectLockConfiguration } from '../config/object-lock.js';
import { parseTaggingHeader as parseTags, tagsToRecord } from '../config/tagging.js';
import { sendEmpty, type S3Context } from '../s3/context.js';
import type { S3Deps, S3Handler } from '../s3/deps.js';
import { LOCATION_HEADER, quoteEtag, storageClass, storedHeaders, userMetadata } from '../s3/object-headers.js';
import { readBody } from '../xml/read-xml-body.js';
import { hasGrantHeaders, resolveGrantees } from '../s3/grantees.js';
import { KeyLocks } from '../data/key-locks.js';

export const MAX_PUT_SIZE = 5 * 1024 ** 3;

/** A body of unknown length: S3 answers a plain `Transfer-Encoding: chunked` one with 501, any other with 411. */
export function missingLength(ctx: S3Context): S3Error {
  if (/chunked/i.test(ctx.headers['transfer-encoding'] ?? ''))
    return new S3Error('NotImplemented', {
      message: 'A header you provided implies functionality that is not implemented',
      fields: { Header: 'Transfer-Encoding' },
    });
  return new S3Error('MissingContentLength');
}
export const MAX_KEY_BYTES = 1024;

export function checkKey(key: string): void {
  if (Buffer.byteLength(key) > MAX_KEY_BYTES)
    throw new S3Error('KeyTooLongError', { fields: { Size: Buffer.byteLength(key), MaxSizeAllowed: MAX_KEY_BYTES } });
}

/**
 * The digests to compute while storing a body and the values they must match: checksum headers,
 * Content-MD5, and the trailing checksum of an aws-chunked body (known once the body was read; the
 * body must then be read with `trailingChecksumChecked`, so the decoder does not hash it twice).
 */
export function digestsOf(ctx: S3Context): { algorithms: ChecksumAlgorithm[]; expected: () => Expected } {
  const algorithms = new Set<ChecksumAlgorithm>();
  const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const value = ctx.headers[checksumHeaderName(algorithm)];
    if (value === undefined) continue;
    if (!isWellFormedDigest(algorithm, value)) {
      throw new S3Error('InvalidRequest', { message: `Value for ${checksumHeaderName(algorithm)} header is invalid.` });
    }
    algorithms.add(algorithm);
    checksums[algorithm] = value;
  }
  if (Object.keys(checksums).length > 1)
    throw new S3Error('InvalidRequest', { message: 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.' });
  const trailer = ctx.headers['x-amz-trailer'] ?? '';
  for (const name of [ctx.headers['x-amz-sdk-checksum-algorithm'], ...trailer.split(',')]) {
    if (name === undefined || name.trim() === '') continue;
    const algorithm = parseChecksumAlgorithm(name.trim());
    if (algorithm === undefined) throw new S3Error('InvalidRequest', { message: `Checksum algorithm ${name} is not supported.` });
    algorithms.add(algorithm);
  }
  // S3: x-amz-sdk-checksum-algorithm needs its checksum, in a header or a trailer.
  const sdkAlgorithm = ctx.headers['x-amz-sdk-checksum-algorithm'];
  if (sdkAlgorithm !== undefined && sdkAlgorithm.trim() !== '' && Object.keys(checksums).length === 0 && trailer.trim() === '') {
    const header = checksumHeaderName(parseChecksumAlgorithm(sdkAlgorithm.trim())!);
    throw new S3Error('InvalidRequest', {
      message: `x-amz-sdk-checksum-algorithm specified, but no corresponding ${header} or x-amz-trailer headers were found.`,
    });
  }
  const md5 = ctx.headers['content-md5'];
  if (md5 !== undefined && !isWellFormedDigest('md5', md5)) throw new S3Error('InvalidDigest');
  const expected = (): Expected => {
    const trailing = ctx.trailingChecksum();
    return {
      checksums: trailing === undefined ? checksums : { ...checksums, [trailing.algorithm]: trailing.value },
      ...(md5 === undefined ? {} : { md5 }),
    };
  };
  return { algorithms: [...algorithms], expected };
}

/**
 * A small request body (an XML document) read whole, with the digests its headers announce
 * checked: Content-MD5 (malformed → InvalidDigest, different → BadDigest) and an
 * `x-amz-checksum-*` header (different → BadDigest); a trailing checksum is checked as it is read.
 * `required`: S3 refuses the request without any of them (DeleteObjects).
 */
export async function readCheckedBody(
  ctx: S3Context,
  maxBytes: number,
  required = false,
  /** false: the x-amz-checksum-* headers describe something else (CompleteMultipartUpload: the object). */
  checksumsOfBody = true,
): Promise<Buffer> {
  const { expected } = digestsOf(ctx);
  const announced = checksumsOfBody ? expected() : { ...expected(), checksums: {} };
  if (required && announced.md5 === undefined && Object.keys(announced.checksums ?? {}).length === 0 && !ctx.headers['x-amz-trailer'])
    throw new S3Error('InvalidRequest', { message: 'Missing required header for this request: Content-MD5' });
  const body = await readBody(ctx.body(), maxBytes);
  if (announced.md5 !== undefined && createHasher('md5').update(body).digest().toString('base64') !== announced.md5)
    throw new S3Error('BadDigest');
  for (const [algorithm, value] of Object.entries(announced.checksums ?? {}) as [ChecksumAlgorithm, string][]) {
    if (createHasher(algorithm).update(body).digest().toString('base64') !== value)
      throw new S3Error('BadDigest', { message: `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.` });
  }
  return body;
}

export function checksumResponseHeaders(stored: PutResult['checksums']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [algorithm, value] of Object.entries(stored)) out[checksumHeaderName(algorithm as ChecksumAlgorithm)] = value;
  return out;
}

/**
 * Versioned buckets (and object-locked ones, always versioned) need a location that keeps the
 * data of every version: on one whose target holds one object per key (`azure`, an `aws_s3`
 * location without supportsVersioning), a new version would destroy the one before.
 */
export function requireVersionKeeping(deps: S3Deps, locationName: string): void {
  const location = deps.data.location(locationName);
  if (location.backend.keepsVersions) return;
  throw new S3Error('NotImplemented', {
    message:
      `Versioning is not available on location ${locationName} (${location.type}): its target keeps one object per key, ` +
      'so a new version would destroy the previous one' +
      (location.type === 'aws_s3' || location.type === 'gcp'
        ? '. Enable versioning on the target bucket, then set supportsVersioning on the location.'
        : '.'),
  });
}

const namedWrites = new KeyLocks();

/** Whether a location's target keeps one object per name (`azure`, `aws_s3` without versioning). */
function oneObjectPerName(deps: S3Deps, location: string): boolean {
  return location !== '' && !deps.data.location(location).backend.keepsVersions;
}

/**
 * Runs a write of `key` (its bytes, then its metadata commit) alone among this process's writes
 * of that key when its location keeps one object per name (data/key-locks.ts), so metadata and
 * the target agree on which write came last; at once on the others.
 */
export function writeInOrder<T>(deps: S3Deps, location: string, bucket: string, key: string, fn: () => Promise<T>): Promise<T> {
  if (!oneObjectPerName(deps, location)) return fn();
  return namedWrites.with(`${location}\0${bucket}\0${key}`, fn);
}

/**
 * On a location that keeps one object per name, a conditional write (If-None-Match: *, If-Match)
 * is checked before its bytes go there: a refused write must not replace the current object's
 * bytes. Metadata checks again at commit (a writer in another process); elsewhere it alone does.
 */
export async function checkConditionsFirst(ctx: S3Context, deps: S3Deps, location: string, bucket: string, key: string): Promise<void> {
  const ifNoneMatch = ctx.headers['if-none-match'];
  const ifMatch = ctx.headers['if-match'];
  if ((ifNoneMatch === undefined && ifMatch === undefined) || !oneObjectPerName(deps, location)) return;
  const current = await deps.metadata.getObject({ bucket, key, versionId: '' }).then(
    (res) => res.object,
    (err: unknown) => {
      if (isMeshError(err, 'OBJECT_NOT_FOUND') || isMeshError(err, 'DELETE_MARKER')) return undefined;
      throw err;
    },
  );
  if (ifNoneMatch !== undefined && current !== undefined)
    throw new S3Error('PreconditionFailed', { fields: { Condition: 'If-None-Match' } });
  if (ifMatch !== undefined) {
    if (current === undefined) throw new S3Error('NoSuchKey');
    if (current.etag !== ifMatch.replace(/^"|"$/g, '')) throw new S3Error('PreconditionFailed', { fields: { Condition: 'If-Match' } });
  }
}

/** The location a new object goes to: Zenko's header, else the bucket's. */
export function objectLocation(ctx: S3Context, deps: S3Deps, bucket: Bucket): string {
  const requested = ctx.headers[LOCATION_HEADER];
  const name = requested === undefined || requested === '' ? bucket.location : requested;
  let location: Location;
  try {
    location = deps.data.location(name);
  } catch {
    throw new S3Error('InvalidArgument', {
      message: `Object Location Error: no location named ${name}`,
      fields: { ArgumentName: LOCATION_HEADER, ArgumentValue: name },
    });
  }
  if (name === bucket.location) return name;
  if (isVersioned(bucket)) requireVersionKeeping(deps, name);
  if (location.bucketMatch) {
    // It stores its bucket's objects under their own key: another bucket's would overwrite them.
    throw new S3Error('InvalidArgument', {
      message: `Object Location Error: location ${name} stores objects under their own key (bucket match) and takes only its bucket's objects`,
      fields: { ArgumentName: LOCATION_HEADER, ArgumentValue: name },
    });
  }
  return name;
}

export function parseTaggingHeader(value: string | undefined): Record<string, string> {
  return value === undefined || value === '' ? {} : tagsToRecord(parseTags(value));
}

/** Retention and legal hold of a new object: its headers, else the bucket's default retention. */
export function lockFields(ctx: S3Context, bucket: Bucket): Pick<metadataV1Metadata.ObjectVersion, 'retention' | 'legalHold'> {
  const now = new Date();
  const lock = parseObjectLockHeaders(ctx.headers, now);
  if ((lock.retention || lock.legalHold) && !bucket.objectLockEnabled) {
    throw new S3Error('InvalidRequest', { message: 'Bucket is missing Object Lock Configuration' });
  }
  const config = bucket.attributes['object-lock'];
  const retention = lock.retention ?? defaultRetentionFor(config ? (JSON.parse(config) as ObjectLockConfiguration) : undefined, now);
  return {
    retention: retention ? { mode: retention.mode, retainUntil: new Date(retention.retainUntilDate) } : undefined,
    legalHold: lock.legalHold === 'ON',
  };
}

/** A write to a bucket whose ACLs are disabled may carry no ACL but bucket-owner-full-control (AccessControlListNotSupported). */
export function refuseAclHeaders(headers: Readonly<Record<string, string | undefined>>): void {
  const canned = headers['x-amz-acl'];
  const grants = Object.keys(headers).some((h) => h.startsWith('x-amz-grant-'));
  if (grants || (canned !== undefined && canned !== 'bucket-owner-full-control')) throw new S3Error('AccessControlListNotSupported');
}

/**
 * The ACL of a new object from x-amz-acl / x-amz-grant-* (none: the implicit owner-only ACL).
 * With the bucket's ACLs disabled, only bucket-owner-full-control (or no ACL) is accepted.
 */
export async function aclField(ctx: S3Context, deps: S3Deps, bucket: Bucket): Promise<string> {
  if (aclsDisabledFor(bucket)) {
    refuseAclHeaders(ctx.headers);
    return '';
  }
  const owner = { id: ctx.identity?.accountId ?? bucket.ownerId, displayName: ctx.identity?.displayName ?? bucket.ownerDisplayName };
  const headerAcl = aclFromHeaders(ctx.headers, { owner, bucketOwner: { id: bucket.ownerId, displayName: bucket.ownerDisplayName } });
  // Only grant headers name accounts to look up; a canned ACL names the owners.
  const acl = hasGrantHeaders(ctx.headers) ? await resolveGrantees(headerAcl, deps) : headerAcl;
  refusePublicAcl(bucket, acl);
  return acl === undefined ? '' : JSON.stringify(acl);
}

/** Deletes data no version references any more, in the background (a failed delete is retried: release-queue.ts). */
export function cleanupLater(deps: S3Deps, pieces: readonly metadataV1Metadata.DataLocation[]): void {
  if (pieces.length > 0) void deps.releases.release(pieces);
}

/** Releases the data a write stored for `bucket`/`key` when its commit failed with `err` (kept while the commit may have landed). */
export function releaseFailedWrite(
  deps: S3Deps,
  pieces: readonly metadataV1Metadata.DataLocation[],
  err: unknown,
  bucket: string,
  key: string,
): void {
  void deps.releases.releaseFailedWrite(pieces, err, { bucket, key });
}

export const putObject: S3Handler = async (ctx, deps) => {
  const bucket = await authorizedBucket(ctx, deps);
  const key = objectKey(ctx);
  checkKey(key);
  if (ctx.bodyLength < 0) throw missingLength(ctx);
  if (ctx.bodyLength > MAX_PUT_SIZE)
    throw new S3Error('EntityTooLarge', { fields: { ProposedSize: ctx.bodyLength, MaxSizeAllowed: MAX_PUT_SIZE } });
  const headers = storedHeaders(ctx.headers);
  const meta = userMetadata(ctx.headers);
  const klass = storageClass(ctx.headers);
  const tags = parseTaggingHeader(ctx.headers['x-amz-tagging']);
  const lock = lockFields(ctx, bucket);
  const acl = await aclField(ctx, deps, bucket);
  const location = objectLocation(ctx, deps, bucket);
  const { algorithms, expected } = digestsOf(ctx);
  // S3 wants an integrity header on any upload that sets a retention period or a legal hold.
  if ((lock.retention !== undefined || lock.legalHold) && ctx.headers['content-md5'] === undefined && algorithms.length === 0)
    throw new S3Error('InvalidRequest', {
      message: 'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters',
    });
  const ifNoneMatch = ctx.headers['if-none-match'];
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*')
    throw new S3Error('NotImplemented', { message: 'If-None-Match supports only *' });

  const { stored, object, replaced } = await writeInOrder(deps, location, bucket.name, key, async () => {
    await checkConditionsFirst(ctx, deps, location, bucket.name, key);
    const stored = await deps.data.put(location, ctx.body({ trailingChecksumChecked: true }), {
      bucket: bucket.name,
      key,
      size: ctx.bodyLength,
      checksumAlgorithms: algorithms,
      expect: expected,
      inline: true,
    });
    try {
      const res = await deps.metadata.putObject({
        object: metadataV1Metadata.ObjectVersion.fromPartial({
          bucket: bucket.name,
          key,
          size: stored.size,
          etag: stored.md5,
          ...writerOwner(ctx, bucket),
          storageClass: klass,
          headers,
          userMetadata: meta,
          tags,
          checksums: stored.checksums,
          data: [pieceOf(stored)],
          acl,
          ...lock,
        }),
        ifMatchEtag: (ctx.headers['if-match'] ?? '').replace(/^"|"$/g, ''),
        ifNoneMatch: ifNoneMatch !== undefined,
        forceVersionId: '',
        discardBlocks: false,
        leaseId: '',
      });
      return { stored, object: res.object, replaced: res.replacedData };
    } catch (err) {
      releaseFailedWrite(deps, [pieceOf(stored)], err, bucket.name, key);
      if (isMeshError(err, 'PRECONDITION_FAILED'))
        throw new S3Error('PreconditionFailed', { fields: { Condition: ifNoneMatch !== undefined ? 'If-None-Match' : 'If-Match' } });
      if (isMeshError(err, 'OBJECT_NOT_FOUND') && ctx.headers['if-match'] !== undefined) throw new S3Error('NoSuchKey');
      throw err;
    }
  });
  cleanupLater(deps, replaced);
  const out: Record<string, string> = { etag: quoteEtag(stored.md5), ...checksumResponseHeaders(stored.checksums) };
  if (isVersioned(bucket) && object !== undefined) out['x-amz-version-id'] = object.versionId;
  sendEmpty(ctx, 200, out);
};
