// Bucket sub-resources kept as documents in the bucket record: tagging, CORS,
// policy, lifecycle, replication, ownership controls, Block Public Access and the
// object-lock configuration (one table: how to parse, validate and render each), plus
// versioning (a field of the bucket) and the bucket ACL; and the GETs of the
// sub-resources whose writes are not implemented (what S3 says of a bucket without them).
import { metadataV1Metadata } from '@zenko/gen';
import { readCheckedBody, requireVersionKeeping } from './put-object.js';
import { S3Error, type S3ErrorCode } from '../errors/s3-errors.js';
import { aclFromHeaders, parseAccessControlPolicy, renderAccessControlPolicy, type AccessControlPolicy } from '../config/acl.js';
import { parseCors, renderCors } from '../config/cors.js';
import { lifecycleStorageClasses, parseLifecycle, renderLifecycle } from '../config/lifecycle.js';
import { parseObjectLockConfiguration, renderObjectLockConfiguration } from '../config/object-lock.js';
import { parseOwnershipControls, renderOwnershipControls } from '../config/ownership.js';
import { parsePublicAccessBlock, renderPublicAccessBlock } from '../config/public-access-block.js';
import { isPublicPolicy, parsePolicy, renderPolicy, type BucketPolicy } from '../config/policy.js';
import { parseReplication, renderReplication, replicationSites } from '../config/replication.js';
import { parseTagging, renderTagging } from '../config/tagging.js';
import { parseVersioning, renderVersioning } from '../config/versioning.js';
import { authorizedBucket, type Bucket } from '../s3/access.js';
import { bucketAcl, refusePublicAcl, refusePublicPolicy } from '../s3/authorize.js';
import { sendEmpty, sendXml } from '../s3/context.js';
import { S3_XMLNS, XmlWriter } from '../xml/writer.js';
import type { S3Deps, S3Handler } from '../s3/deps.js';
import { resolveGrantees } from '../s3/grantees.js';

const { VersioningState } = metadataV1Metadata;
const MAX_CONFIG_BYTES = 1024 * 1024;

interface DocSpec {
  /** Name of the bucket attribute holding the JSON document. */
  attribute: string;
  /** The error of a GET when there is no document. */
  missing: S3ErrorCode;
  parse(body: Buffer, bucket: Bucket, deps: S3Deps): unknown;
  render(doc: never): string;
  contentType?: string;
  /** Bucket fields to change with the document. */
  alsoUpdate?(bucket: Bucket): { versioning?: metadataV1Metadata.VersioningState; objectLockEnabled?: boolean };
}

function locationExists(deps: S3Deps, name: string): boolean {
  try {
    deps.data.location(name);
    return true;
  } catch {
    return false;
  }
}

const SPECS = {
  tagging: {
    attribute: 'tagging',
    missing: 'NoSuchTagSet',
    parse: (body) => parseTagging(body, { target: 'bucket' }),
    render: renderTagging,
  },
  cors: { attribute: 'cors', missing: 'NoSuchCORSConfiguration', parse: (body) => parseCors(body), render: renderCors },
  policy: {
    attribute: 'policy',
    missing: 'NoSuchBucketPolicy',
    parse: (body, bucket) => {
      const doc = parsePolicy(body, { bucket: bucket.name });
      refusePublicPolicy(bucket, doc);
      return doc;
    },
    render: renderPolicy,
    contentType: 'application/json',
  },
  lifecycle: {
    attribute: 'lifecycle',
    missing: 'NoSuchLifecycleConfiguration',
    parse: (body, _bucket, deps) => {
      const doc = parseLifecycle(body);
      for (const name of lifecycleStorageClasses(doc)) {
        if (!locationExists(deps, name))
          throw new S3Error('InvalidStorageClass', { message: `No location named ${name}`, fields: { StorageClassRequested: name } });
      }
      return doc;
    },
    render: renderLifecycle,
  },
  replication: {
    attribute: 'replication',
    missing: 'ReplicationConfigurationNotFoundError',
    parse: (body, bucket, deps) => {
      if (bucket.versioning !== VersioningState.VERSIONING_STATE_ENABLED) {
        throw new S3Error('InvalidRequest', { message: "Versioning must be 'Enabled' on the bucket to apply a replication configuration" });
      }
      const doc = parseReplication(body);
      for (const site of replicationSites(doc)) {
        if (!locationExists(deps, site.name))
          throw new S3Error('InvalidStorageClass', {
            message: `No location named ${site.name}`,
            fields: { StorageClassRequested: site.name },
          });
      }
      return doc;
    },
    render: renderReplication,
  },
  ownership: {
    attribute: 'ownership',
    missing: 'OwnershipControlsNotFoundError',
    parse: (body) => parseOwnershipControls(body),
    render: renderOwnershipControls,
  },
  publicAccessBlock: {
    attribute: 'publicAccessBlock',
    missing: 'NoSuchPublicAccessBlockConfiguration',
    parse: (body) => parsePublicAccessBlock(body),
    render: renderPublicAccessBlock,
  },
  objectLock: {
    attribute: 'object-lock',
    missing: 'ObjectLockConfigurationNotFoundError',
    parse: (body, bucket) => {
      if (!bucket.objectLockEnabled && bucket.versioning !== VersioningState.VERSIONING_STATE_ENABLED) {
        throw new S3Error('InvalidBucketState', { message: 'Versioning must be enabled on the bucket to enable Object Lock' });
      }
      return parseObjectLockConfiguration(body);
    },
    render: renderObjectLockConfiguration,
    alsoUpdate: () => ({ objectLockEnabled: true }),
  },
} satisfies Record<string, DocSpec>;

function getDoc(spec: DocSpec): S3Handler {
  return async (ctx, deps) => {
    const bucket = await authorizedBucket(ctx, deps);
    const raw = bucket.attributes[spec.attribute];
    if (raw === undefined || raw === '') {
      if (spec.attribute === 'object-lock' && bucket.objectLockEnabled) {
        sendXml(ctx, 200, renderObjectLockConfiguration({ enabled: true }));
        return;
      }
      throw new S3Error(spec.missing, { fields: { BucketName: bucket.name } });
    }
    const body = (spec.render as (doc: unknown) => string)(JSON.parse(raw));
    sendXml(ctx, 200, body, spec.contentType ? { 'content-type': spec.contentType } : {});
  };
}

function putDoc(spec: DocSpec): S3Handler {
  return async (ctx, deps) => {
    const bucket = await authorizedBucket(ctx, deps);
    const body = await readCheckedBody(ctx, MAX_CONFIG_BYTES);
    if (body.length === 0) throw new S3Error('MissingRequestBodyError');
    const doc = spec.parse(body, bucket, deps);
    await deps.metadata.updateBucket({
      name: bucket.name,
      expectedRevision: 0,
      attributes: { [spec.attribute]: JSON.stringify(doc) },
      ...(spec.alsoUpdate?.(bucket) ?? {}),
    });
    sendEmpty(ctx, spec.attribute === 'policy' ? 204 : 200);
  };
}

function deleteDoc(spec: DocSpec): S3Handler {
  return async (ctx, deps) => {
    const bucket = await authorizedBucket(ctx, deps);
    await deps.metadata.updateBucket({ name: bucket.name, expectedRevision: 0, attributes: { [spec.attribute]: '' } });
    sendEmpty(ctx, 204);
  };
}

export const getBucketTagging = getDoc(SPECS.tagging);
export const putBucketTagging = putDoc(SPECS.tagging);
export const deleteBucketTagging = deleteDoc(SPECS.tagging);
export const getBucketCors = getDoc(SPECS.cors);
export const putBucketCors = putDoc(SPECS.cors);
export const deleteBucketCors = deleteDoc(SPECS.cors);
export const getBucketPolicy = getDoc(SPECS.policy);
export const putBucketPolicy = putDoc(SPECS.policy);
export const deleteBucketPolicy = deleteDoc(SPECS.policy);

export const getPublicAccessBlock = getDoc(SPECS.publicAccessBlock);
export const putPublicAccessBlock = putDoc(SPECS.publicAccessBlock);
export const deletePublicAccessBlock = deleteDoc(SPECS.publicAccessBlock);

/** GetBucketRequestPayment: the bucket owner pays (Requester Pays is not implemented: PutBucketRequestPayment is 501). */
export const getBucketRequestPayment: S3Handler = async (ctx, deps) => {
  await authorizedBucket(ctx, deps);
  const w = new XmlWriter();
  w.open('RequestPaymentConfiguration', { xmlns: S3_XMLNS }).leaf('Payer', 'BucketOwner');
  sendXml(ctx, 200, w.close().end());
};

/** The GET of a sub-resource no bucket has here (its PUT is 501): S3's answer for a bucket without it. */
function unconfigured(answer: { error: S3ErrorCode } | { emptyElement: string }): S3Handler {
  return async (ctx, deps) => {
    const bucket = await authorizedBucket(ctx, deps);
    if ('error' in answer) throw new S3Error(answer.error, { fields: { BucketName: bucket.name } });
    sendXml(ctx, 200, new XmlWriter().open(answer.emptyElement, { xmlns: S3_XMLNS }).close().end());
  };
}

/** No default encryption configuration (objects are stored as written; see checkEncryptionHeaders). */
export const getBucketEncryption = unconfigured({ error: 'ServerSideEncryptionConfigurationNotFoundError' });
export const getBucketWebsite = unconfigured({ error: 'NoSuchWebsiteConfiguration' });
/** Server access logging is off. */
export const getBucketLogging = unconfigured({ emptyElement: 'BucketLoggingStatus' });
/** No event notifications. */
export const getBucketNotificationConfiguration = unconfigured({ emptyElement: 'NotificationConfiguration' });
/** Transfer Acceleration was never configured: no Status. */
export const getBucketAccelerateConfiguration = unconfigured({ emptyElement: 'AccelerateConfiguration' });

/** GetBucketPolicyStatus: whether the bucket policy makes the bucket public (NoSuchBucketPolicy without one). */
export const getBucketPolicyStatus: S3Handler = async (ctx, deps) => {
  const bucket = await authorizedBucket(ctx, deps);
  const raw = bucket.attributes['policy'];
  if (raw === undefined || raw === '') throw new S3Error('NoSuchBucketPolicy', { fields: { BucketName: bucket.name } });
  const w = new XmlWriter();
  w.open('PolicyStatus', { xmlns: S3_XMLNS }).leaf('IsPublic', isPublicPolicy(JSON.parse(raw) as BucketPolicy));
  sendXml(ctx, 200, w.close().end());
};
export const getBucketLifecycleConfiguration = getDoc(SPECS.lifecycle);
export const putBucketLifecycleConfiguration = putDoc(SPECS.lifecycle);
export const deleteBucketLifecycle = deleteDoc(SPECS.lifecycle);
export const getBucketReplication = getDoc(SPECS.replication);
export const putBucketReplication = putDoc(SPECS.replication);
export const deleteBucketReplication = deleteDoc(SPECS.replication);
export const getBucketOwnershipControls = getDoc(SPECS.ownership);
export const putBucketOwnershipControls = putDoc(SPECS.ownership);
export const deleteBucketOwnershipControls = deleteDoc(SPECS.ownership);
export const getObjectLockConfiguration = getDoc(SPECS.objectLock);
export const putObjectLockConfiguration = putDoc(SPECS.objectLock);

export const getBucketVersioning: S3Handler = async (ctx, deps) => {
  const bucket = await authorizedBucket(ctx, deps);
  const status =
    bucket.versioning === VersioningState.VERSIONING_STATE_ENABLED
      ? 'Enabled'
      : bucket.versioning === VersioningState.VERSIONING_STATE_SUSPENDED
        ? 'Suspended'
        : undefined;
  sendXml(ctx, 200, renderVersioning(status === undefined ? {} : { status }));
};

export const putBucketVersioning: S3Handler = async (ctx, deps) => {
  const bucket = await authorizedBucket(ctx, deps);
  const doc = parseVersioning(await readCheckedBody(ctx, MAX_CONFIG_BYTES));
  if (doc.status === 'Suspended' && bucket.objectLockEnabled) {
    throw new S3Error('InvalidBucketState', {
      message: 'An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.',
    });
  }
  if (doc.status === 'Suspended' && bucket.attributes['replication']) {
    throw new S3Error('InvalidBucketState', {
      message: 'A replication configuration is present on this bucket, so the versioning state cannot be changed.',
    });
  }
  if (doc.status === 'Enabled') requireVersionKeeping(deps, bucket.location);
  await deps.metadata.updateBucket({
    name: bucket.name,
    expectedRevision: 0,
    attributes: {},
    versioning: doc.status === 'Enabled' ? VersioningState.VERSIONING_STATE_ENABLED : VersioningState.VERSIONING_STATE_SUSPENDED,
  });
  sendEmpty(ctx, 200);
};

/** The ACL a PUT ?acl sets: the body or the x-amz-acl / x-amz-grant-* headers, not both. */
/** The ACL of a Put*Acl request (body or headers), its email grantees resolved. */
export async function aclFromRequest(
  ctx: Parameters<S3Handler>[0],
  deps: Parameters<S3Handler>[1],
  owner: { id: string; displayName: string },
): Promise<AccessControlPolicy> {
  const body = await readCheckedBody(ctx, MAX_CONFIG_BYTES);
  const fromHeaders = aclFromHeaders(ctx.headers, { owner });
  if (body.length > 0 && fromHeaders !== undefined)
    throw new S3Error('UnexpectedContent', { message: 'This request does not support content' });
  if (body.length > 0) return resolveGrantees(parseAccessControlPolicy(body), deps);
  if (fromHeaders === undefined) throw new S3Error('MissingRequestBodyError');
  return resolveGrantees(fromHeaders, deps);
}

export const getBucketAcl: S3Handler = async (ctx, deps) => {
  const bucket = await authorizedBucket(ctx, deps);
  sendXml(ctx, 200, renderAccessControlPolicy(bucketAcl(bucket)));
};

export const putBucketAcl: S3Handler = async (ctx, deps) => {
  const bucket = await authorizedBucket(ctx, deps);
  const ownership = bucket.attributes['ownership'];
  const acl = await aclFromRequest(ctx, deps, { id: bucket.ownerId, displayName: bucket.ownerDisplayName });
  if (ownership && (JSON.parse(ownership) as { objectOwnership?: string }).objectOwnership === 'BucketOwnerEnforced') {
    throw new S3Error('AccessControlListNotSupported');
  }
  refusePublicAcl(bucket, acl);
  await deps.metadata.updateBucket({ name: bucket.name, expectedRevision: 0, attributes: { acl: JSON.stringify(acl) } });
  sendEmpty(ctx, 200);
};
