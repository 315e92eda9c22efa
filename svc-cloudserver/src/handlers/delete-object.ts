// DeleteObject: a delete marker (versioned bucket), the null version
// (unversioned/suspended), or one given version. Deleting what does not exist
// succeeds, as on S3.
import type { metadataV1Metadata } from '@zenko/gen';
import { isMeshError } from '@zenko/mesh';
import { S3Error } from '../errors/s3-errors.js';
import { authorizedBucket, objectKey } from '../s3/access.js';
import { checkGovernanceBypass } from '../s3/authorize.js';
import { sendEmpty, type S3Context } from '../s3/context.js';
import type { S3Deps, S3Handler } from '../s3/deps.js';
import { cleanupLater } from './put-object.js';

export interface DeleteOutcome {
  deleteMarker: boolean;
  versionId: string | undefined;
}

/** Deletes one key or version; shared by DeleteObject and DeleteObjects. */
export async function deleteOne(
  ctx: S3Context,
  deps: S3Deps,
  bucket: metadataV1Metadata.Bucket,
  key: string,
  versionId: string,
  /** Conditional delete (If-Match, a DeleteObjects entry's ETag): the ETag the deleted version must have, or `*`. */
  ifMatch = '',
): Promise<DeleteOutcome> {
  try {
    const res = await deps.metadata.deleteObject({
      bucket: bucket.name,
      key,
      versionId,
      bypassGovernanceRetention: checkGovernanceBypass(ctx, bucket, key),
      // A delete marker is owned by who deleted (anonymous: the bucket owner, as for PUT).
      ownerId: ctx.identity?.accountId ?? bucket.ownerId,
      ownerDisplayName: ctx.identity?.displayName ?? bucket.ownerDisplayName,
      ifMatchEtag: ifMatch,
      leaseId: '',
    });
    cleanupLater(deps, res.releasedData);
    if (res.deleteMarker) return { deleteMarker: true, versionId: res.deleteMarker.versionId };
    if (res.deleted) return { deleteMarker: res.deleted.isDeleteMarker, versionId: versionId === '' ? undefined : res.deleted.versionId };
    return { deleteMarker: false, versionId: versionId === '' ? undefined : versionId };
  } catch (err) {
    if (isMeshError(err, 'PRECONDITION_FAILED')) throw new S3Error('PreconditionFailed', { fields: { Condition: 'If-Match' } });
    if (isMeshError(err, 'OBJECT_NOT_FOUND') || isMeshError(err, 'VERSION_NOT_FOUND')) {
      // Deleting what does not exist succeeds, unless the request made its existence a condition.
      if (ifMatch !== '') throw new S3Error('NoSuchKey', { fields: { Key: key } });
      return { deleteMarker: false, versionId: versionId === '' ? undefined : versionId };
    }
    if (isMeshError(err, 'INVALID_VERSION_ID'))
      throw new S3Error('InvalidArgument', {
        message: 'Invalid version id specified',
        fields: { ArgumentName: 'versionId', ArgumentValue: versionId },
      });
    if (isMeshError(err, 'OBJECT_LOCKED'))
      throw new S3Error('AccessDenied', { message: 'Access Denied because object protected by object lock.' });
    throw err;
  }
}

export const deleteObject: S3Handler = async (ctx, deps) => {
  const bucket = await authorizedBucket(ctx, deps);
  const key = objectKey(ctx);
  const outcome = await deleteOne(ctx, deps, bucket, key, ctx.query.get('versionId') ?? '', ctx.headers['if-match'] ?? '');
  const headers: Record<string, string> = {};
  if (outcome.deleteMarker) headers['x-amz-delete-marker'] = 'true';
  if (outcome.versionId !== undefined) headers['x-amz-version-id'] = outcome.versionId;
  sendEmpty(ctx, 204, headers);
};
