// Finding the bucket a request addresses and deciding whether the requester may
// act on it. Until bucket policies and ACLs are evaluated, the owner may do
// everything and nobody else anything.
import { metadataV1Metadata } from '@zenko/gen';
import { isMeshError } from '@zenko/mesh';
import { S3Error } from '../errors/s3-errors.js';
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

export async function loadBucket(ctx: S3Context, deps: S3Deps): Promise<Bucket> {
  const name = bucketName(ctx);
  try {
    const { bucket } = await deps.metadata.getBucket({ name });
    if (bucket === undefined) throw new S3Error('NoSuchBucket', { fields: { BucketName: name } });
    return bucket;
  } catch (err) {
    if (isMeshError(err, 'BUCKET_NOT_FOUND') || isMeshError(err, 'INVALID_BUCKET_NAME')) {
      throw new S3Error('NoSuchBucket', { fields: { BucketName: name }, resource: `/${name}` });
    }
    throw err;
  }
}

/** The bucket, once the requester is allowed to act on it. */
export async function authorizedBucket(ctx: S3Context, deps: S3Deps): Promise<Bucket> {
  const identity = requireIdentity(ctx);
  const bucket = await loadBucket(ctx, deps);
  if (bucket.ownerId !== identity.accountId) throw new S3Error('AccessDenied');
  return bucket;
}

/** Whether responses about this bucket carry version ids. */
export function isVersioned(bucket: Bucket): boolean {
  return bucket.versioning !== metadataV1Metadata.VersioningState.VERSIONING_STATE_UNSPECIFIED;
}
