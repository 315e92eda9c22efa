// Finding the bucket a request addresses and deciding whether the requester may
// act on it (authorize.ts: bucket policy, owner, ACL).
import { metadataV1Metadata } from '@zenko/gen';
import { isMeshError } from '@zenko/mesh';
import { S3Error } from '../errors/s3-errors.js';
import { matchCors, type CorsConfiguration } from '../config/cors.js';
import { authorize, type Decision, type TagConditions } from './authorize.js';
import type { Identity, S3Context } from './context.js';
import type { S3Deps } from './deps.js';

export type Bucket = metadataV1Metadata.Bucket;

export function requireIdentity(ctx: S3Context): Identity {
  if (ctx.identity === undefined) throw new S3Error('AccessDenied');
  return ctx.identity;
}

export function bucketName(ctx: S3Context): string {
  if (ctx.bucket === undefined) throw new S3Error('InvalidBucketName');
  return ctx.bucket;
}

export function objectKey(ctx: S3Context): string {
  if (ctx.key === undefined) throw new S3Error('InvalidArgument', { message: 'An object key is required' });
  return ctx.key;
}

export async function loadBucket(
  ctx: S3Context,
  deps: S3Deps,
  expectedOwnerHeader: 'x-amz-expected-bucket-owner' | 'x-amz-source-expected-bucket-owner' = 'x-amz-expected-bucket-owner',
): Promise<Bucket> {
  const name = bucketName(ctx);
  try {
    const { bucket } = await deps.metadata.getBucket({ name });
    if (bucket === undefined) throw new S3Error('NoSuchBucket', { fields: { BucketName: name } });
    applyCors(ctx, bucket);
    // A client that names the owner it expects is refused a bucket someone else owns.
    const expected = ctx.headers[expectedOwnerHeader];
    if (expected !== undefined && expected !== bucket.ownerId) throw new S3Error('AccessDenied');
    return bucket;
  } catch (err) {
    if (isMeshError(err, 'BUCKET_NOT_FOUND') || isMeshError(err, 'INVALID_BUCKET_NAME')) {
      throw new S3Error('NoSuchBucket', { fields: { BucketName: name }, resource: `/${name}` });
    }
    throw err;
  }
}

/** The bucket, once the requester is allowed to do the request's operation on it. */
export async function authorizedBucket(ctx: S3Context, deps: S3Deps): Promise<Bucket> {
  const bucket = await loadBucket(ctx, deps);
  if (authorize(ctx, bucket) !== 'granted') throw new S3Error('AccessDenied');
  return bucket;
}

/** For object reads: the bucket and the decision, which the object's ACL may complete (authorizeObject). */
export async function bucketForObjectRead(
  ctx: S3Context,
  deps: S3Deps,
  tags?: TagConditions,
): Promise<{ bucket: Bucket; decision: Decision }> {
  const bucket = await loadBucket(ctx, deps);
  return { bucket, decision: authorize(ctx, bucket, undefined, undefined, undefined, tags) };
}

/** Headers `loadVersion` sets when it meets a delete marker. */
export const DELETE_MARKER_HEADERS = ['x-amz-delete-marker', 'x-amz-version-id', 'allow', 'last-modified'];

/**
 * A missing object (or a delete marker) is NoSuchKey, NoSuchVersion or MethodNotAllowed only to a
 * requester who may list the bucket; anyone else gets AccessDenied without the delete marker's
 * headers, so a private bucket does not reveal which keys exist or existed (as S3 does).
 */
export function hideMissing(ctx: S3Context, bucket: Bucket, decision: Decision, err: unknown): unknown {
  if (decision === 'granted' || !(err instanceof S3Error) || !['NoSuchKey', 'NoSuchVersion', 'MethodNotAllowed'].includes(err.code))
    return err;
  try {
    authorize(ctx, bucket, 'ListObjects', undefined);
    return err;
  } catch {
    for (const name of DELETE_MARKER_HEADERS) ctx.res.removeHeader(name);
    return new S3Error('AccessDenied');
  }
}

/** Whether responses about this bucket carry version ids. */
export function isVersioned(bucket: Bucket): boolean {
  return bucket.versioning !== metadataV1Metadata.VersioningState.VERSIONING_STATE_UNSPECIFIED;
}

export function corsDoc(bucket: Bucket): CorsConfiguration | undefined {
  const raw = bucket.attributes['cors'];
  return raw ? (JSON.parse(raw) as CorsConfiguration) : undefined;
}

/** Adds the CORS headers of an actual cross-origin request (errors included), as S3 does. */
function applyCors(ctx: S3Context, bucket: Bucket): void {
  const origin = ctx.headers['origin'];
  if (origin === undefined || ctx.operation === 'CorsPreflight') return;
  const doc = corsDoc(bucket);
  if (doc === undefined) return;
  // As S3 does: an Access-Control-Request-Method header, even on an actual request, is the method matched.
  const method = ctx.headers['access-control-request-method'] ?? ctx.req.method ?? 'GET';
  for (const [name, value] of Object.entries(matchCors(doc, { origin, method }) ?? {})) ctx.res.setHeader(name, value);
}

/** `?versionId=` with no id: S3 refuses it (it never means "the latest version"). */
export function emptyVersionId(): S3Error {
  return new S3Error('InvalidArgument', {
    message: 'Version id cannot be the empty string',
    fields: { ArgumentName: 'versionId', ArgumentValue: '' },
  });
}
