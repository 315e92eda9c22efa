// Object sub-resources: tagging, ACL, retention and legal hold, each a
// compare-and-set update of one version's record.
import { metadataV1MetadataService, type metadataV1Metadata } from '@zenko/gen';
import { readCheckedBody } from './put-object.js';
import { isMeshError } from '@zenko/mesh';
import { S3Error } from '../errors/s3-errors.js';
import { renderAccessControlPolicy } from '../config/acl.js';
import { parseLegalHold, parseRetention, renderLegalHold, renderRetention } from '../config/object-lock.js';
import { parseTagging, renderTagging, tagsToRecord } from '../config/tagging.js';
import { authorizedBucket, bucketForObjectRead, hideMissing, isVersioned, objectKey, type Bucket } from '../s3/access.js';
import {
  aclsDisabledFor,
  authorizeObject,
  checkGovernanceBypass,
  objectAcl,
  refusePublicAcl,
  type TagConditions,
} from '../s3/authorize.js';
import { sendEmpty, sendXml, type S3Context } from '../s3/context.js';
import type { S3Deps, S3Handler } from '../s3/deps.js';
import { aclFromRequest } from './bucket-config.js';
import { loadVersion } from './get-object.js';

type UpdateFields = Omit<metadataV1MetadataService.UpdateObjectRequest, 'bucket' | 'key' | 'versionId' | 'expectedRevision'>;

/** Every field at its "leave as is" value; the identity fields are set after it. */
const NO_CHANGE = metadataV1MetadataService.UpdateObjectRequest.fromPartial({});

async function update(
  ctx: S3Context,
  deps: S3Deps,
  bucket: Bucket,
  fields: Partial<UpdateFields>,
): Promise<metadataV1Metadata.ObjectVersion> {
  const key = objectKey(ctx);
  const versionId = ctx.query.get('versionId') ?? '';
  try {
    const { object } = await deps.metadata.updateObject({
      ...NO_CHANGE,
      ...fields,
      bucket: bucket.name,
      key,
      versionId,
      expectedRevision: 0,
    });
    if (object === undefined) throw new S3Error('NoSuchKey');
    return object;
  } catch (err) {
    if (isMeshError(err, 'OBJECT_NOT_FOUND') || isMeshError(err, 'DELETE_MARKER')) throw new S3Error('NoSuchKey', { fields: { Key: key } });
    if (isMeshError(err, 'VERSION_NOT_FOUND')) throw new S3Error('NoSuchVersion', { fields: { Key: key, VersionId: versionId } });
    if (isMeshError(err, 'INVALID_VERSION_ID')) throw new S3Error('InvalidArgument', { message: 'Invalid version id specified' });
    throw err;
  }
}

function versionHeader(bucket: Bucket, v: metadataV1Metadata.ObjectVersion): Record<string, string> {
  return isVersioned(bucket) ? { 'x-amz-version-id': v.versionId } : {};
}

async function readable(
  ctx: S3Context,
  deps: S3Deps,
  tags?: TagConditions,
): Promise<{ bucket: Bucket; v: metadataV1Metadata.ObjectVersion }> {
  const { bucket, decision } = await bucketForObjectRead(ctx, deps, tags);
  const v = await loadVersion(ctx, deps, bucket.name, objectKey(ctx), ctx.query.get('versionId') ?? '').catch((err: unknown) => {
    throw hideMissing(ctx, bucket, decision, err);
  });
  authorizeObject(ctx, decision, v);
  return { bucket, v };
}

export const getObjectTagging: S3Handler = async (ctx, deps) => {
  const { bucket, v } = await readable(ctx, deps);
  sendXml(ctx, 200, renderTagging(Object.entries(v.tags).map(([key, value]) => ({ key, value }))), versionHeader(bucket, v));
};

// A delete marker has no tags: naming it is MethodNotAllowed, a key whose latest version is one
// is NoSuchKey (loadVersion through `readable`), as for GetObjectTagging.
export const putObjectTagging: S3Handler = async (ctx, deps) => {
  // The body first: the policy may name the tags it sets (s3:RequestObjectTag).
  const tags = tagsToRecord(parseTagging(await readCheckedBody(ctx, 64 * 1024), { target: 'object' }));
  const { bucket } = await readable(ctx, deps, { request: tags });
  const v = await update(ctx, deps, bucket, { replaceTags: true, tags });
  sendEmpty(ctx, 200, versionHeader(bucket, v));
};

export const deleteObjectTagging: S3Handler = async (ctx, deps) => {
  const { bucket } = await readable(ctx, deps);
  const v = await update(ctx, deps, bucket, { replaceTags: true, tags: {} });
  sendEmpty(ctx, 204, versionHeader(bucket, v));
};

export const getObjectAcl: S3Handler = async (ctx, deps) => {
  const { bucket, v } = await readable(ctx, deps);
  sendXml(ctx, 200, renderAccessControlPolicy(objectAcl(v, bucket)), versionHeader(bucket, v));
};

export const putObjectAcl: S3Handler = async (ctx, deps) => {
  const { bucket, v } = await readable(ctx, deps);
  const acl = await aclFromRequest(ctx, deps, { id: v.ownerId, displayName: v.ownerDisplayName });
  if (aclsDisabledFor(bucket)) throw new S3Error('AccessControlListNotSupported');
  refusePublicAcl(bucket, acl);
  const updated = await update(ctx, deps, bucket, { acl: JSON.stringify(acl) });
  sendEmpty(ctx, 200, versionHeader(bucket, updated));
};

function requireObjectLock(bucket: Bucket): void {
  if (!bucket.objectLockEnabled) throw new S3Error('InvalidRequest', { message: 'Bucket is missing Object Lock Configuration' });
}

export const getObjectRetention: S3Handler = async (ctx, deps) => {
  const bucket = await authorizedBucket(ctx, deps);
  requireObjectLock(bucket);
  const v = await loadVersion(ctx, deps, bucket.name, objectKey(ctx), ctx.query.get('versionId') ?? '');
  if (!v.retention?.mode)
    throw new S3Error('NoSuchObjectLockConfiguration', { message: 'The specified object does not have a ObjectLock configuration' });
  sendXml(
    ctx,
    200,
    renderRetention({
      mode: v.retention.mode as 'GOVERNANCE' | 'COMPLIANCE',
      retainUntilDate: (v.retention.retainUntil ?? new Date(0)).toISOString(),
    }),
  );
};

export const putObjectRetention: S3Handler = async (ctx, deps) => {
  const bucket = await authorizedBucket(ctx, deps);
  requireObjectLock(bucket);
  const now = new Date();
  const requested = parseRetention(await readCheckedBody(ctx, 64 * 1024), { now });
  const current = await loadVersion(ctx, deps, bucket.name, objectKey(ctx), ctx.query.get('versionId') ?? '');
  const until = current.retention?.retainUntil;
  if (current.retention?.mode && until && until > now) {
    const shortened = requested === undefined || new Date(requested.retainUntilDate) < until || requested.mode !== current.retention.mode;
    if (shortened && (current.retention.mode === 'COMPLIANCE' || !checkGovernanceBypass(ctx, bucket, objectKey(ctx))))
      throw new S3Error('AccessDenied', { message: 'Access Denied because object protected by object lock.' });
  }
  const retention = requested
    ? { mode: requested.mode, retainUntil: new Date(requested.retainUntilDate) }
    : { mode: '', retainUntil: undefined };
  const v = await update(ctx, deps, bucket, { retention });
  sendEmpty(ctx, 200, versionHeader(bucket, v));
};

export const getObjectLegalHold: S3Handler = async (ctx, deps) => {
  const bucket = await authorizedBucket(ctx, deps);
  requireObjectLock(bucket);
  const v = await loadVersion(ctx, deps, bucket.name, objectKey(ctx), ctx.query.get('versionId') ?? '');
  sendXml(ctx, 200, renderLegalHold(v.legalHold ? 'ON' : 'OFF'));
};

export const putObjectLegalHold: S3Handler = async (ctx, deps) => {
  const bucket = await authorizedBucket(ctx, deps);
  requireObjectLock(bucket);
  const status = parseLegalHold(await readCheckedBody(ctx, 64 * 1024));
  const v = await update(ctx, deps, bucket, { legalHold: status === 'ON' });
  sendEmpty(ctx, 200, versionHeader(bucket, v));
};
