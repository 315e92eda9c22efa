// Who may do what: the bucket policy first (an explicit Deny wins, an Allow grants; the owner
// keeps the policy operations whatever it says), then the bucket owner, then the ACL (the bucket's, or the object's for object
// reads) unless Object Ownership BucketOwnerEnforced disabled ACLs. Each operation names its policy action and the ACL permission that
// grants it; operations without one are for the owner (or a policy) only. The bucket's Block Public
// Access settings apply on top: IgnorePublicAcls drops the grants to everyone from the ACLs
// evaluated, RestrictPublicBuckets keeps a public policy's Allow for the owner's account alone, and
// the writes of a public ACL or policy are refused (refusePublicAcl, refusePublicPolicy).
import type { metadataV1Metadata } from '@zenko/gen';
import { S3Error } from '../errors/s3-errors.js';
import { aclAllows, type AccessControlPolicy, type AclPermission } from '../config/acl.js';
import { aclsDisabled, type OwnershipControls } from '../config/ownership.js';
import { evaluatePolicy, isPublicPolicy, type BucketPolicy } from '../config/policy.js';
import { isPublicAcl, withoutPublicGrants, type PublicAccessBlock } from '../config/public-access-block.js';
import { parseTaggingHeader, tagsToRecord } from '../config/tagging.js';
import type { Operation } from '../routes/route.js';
import type { S3Context } from './context.js';

type Bucket = metadataV1Metadata.Bucket;

interface Rule {
  action: string;
  /** The ACL permission that grants the operation; 'object' permissions are checked on the object's ACL. */
  acl?: { on: 'bucket' | 'object'; permission: AclPermission };
}

const b = (action: string, permission?: AclPermission): Rule => (permission ? { action, acl: { on: 'bucket', permission } } : { action });
const o = (action: string, permission: AclPermission): Rule => ({ action, acl: { on: 'object', permission } });

export const OPERATION_RULES: Readonly<Record<Operation, Rule>> = {
  ListBuckets: b('s3:ListAllMyBuckets'),
  CreateBucket: b('s3:CreateBucket'),
  HeadBucket: b('s3:ListBucket', 'READ'),
  DeleteBucket: b('s3:DeleteBucket'),
  GetBucketLocation: b('s3:GetBucketLocation'),
  GetBucketVersioning: b('s3:GetBucketVersioning'),
  PutBucketVersioning: b('s3:PutBucketVersioning'),
  GetBucketTagging: b('s3:GetBucketTagging'),
  PutBucketTagging: b('s3:PutBucketTagging'),
  DeleteBucketTagging: b('s3:PutBucketTagging'),
  GetBucketAcl: b('s3:GetBucketAcl', 'READ_ACP'),
  PutBucketAcl: b('s3:PutBucketAcl', 'WRITE_ACP'),
  GetBucketCors: b('s3:GetBucketCORS'),
  PutBucketCors: b('s3:PutBucketCORS'),
  DeleteBucketCors: b('s3:PutBucketCORS'),
  GetBucketPolicy: b('s3:GetBucketPolicy'),
  GetBucketPolicyStatus: b('s3:GetBucketPolicyStatus'),
  GetBucketRequestPayment: b('s3:GetBucketRequestPayment'),
  PutBucketPolicy: b('s3:PutBucketPolicy'),
  DeleteBucketPolicy: b('s3:DeleteBucketPolicy'),
  GetObjectLockConfiguration: b('s3:GetBucketObjectLockConfiguration'),
  PutObjectLockConfiguration: b('s3:PutBucketObjectLockConfiguration'),
  GetBucketLifecycleConfiguration: b('s3:GetLifecycleConfiguration'),
  PutBucketLifecycleConfiguration: b('s3:PutLifecycleConfiguration'),
  DeleteBucketLifecycle: b('s3:PutLifecycleConfiguration'),
  GetBucketReplication: b('s3:GetReplicationConfiguration'),
  PutBucketReplication: b('s3:PutReplicationConfiguration'),
  DeleteBucketReplication: b('s3:PutReplicationConfiguration'),
  GetBucketOwnershipControls: b('s3:GetBucketOwnershipControls'),
  PutBucketOwnershipControls: b('s3:PutBucketOwnershipControls'),
  DeleteBucketOwnershipControls: b('s3:PutBucketOwnershipControls'),
  GetPublicAccessBlock: b('s3:GetBucketPublicAccessBlock'),
  PutPublicAccessBlock: b('s3:PutBucketPublicAccessBlock'),
  DeletePublicAccessBlock: b('s3:PutBucketPublicAccessBlock'),
  GetBucketEncryption: b('s3:GetEncryptionConfiguration'),
  GetBucketWebsite: b('s3:GetBucketWebsite'),
  GetBucketLogging: b('s3:GetBucketLogging'),
  GetBucketNotificationConfiguration: b('s3:GetBucketNotification'),
  GetBucketAccelerateConfiguration: b('s3:GetAccelerateConfiguration'),
  ListObjects: b('s3:ListBucket', 'READ'),
  ListObjectsV2: b('s3:ListBucket', 'READ'),
  ListObjectVersions: b('s3:ListBucketVersions', 'READ'),
  ListMultipartUploads: b('s3:ListBucketMultipartUploads', 'READ'),
  DeleteObjects: b('s3:DeleteObject', 'WRITE'),
  PostObject: b('s3:PutObject', 'WRITE'),
  PutObject: b('s3:PutObject', 'WRITE'),
  CopyObject: b('s3:PutObject', 'WRITE'),
  GetObject: o('s3:GetObject', 'READ'),
  HeadObject: o('s3:GetObject', 'READ'),
  DeleteObject: b('s3:DeleteObject', 'WRITE'),
  GetObjectTagging: o('s3:GetObjectTagging', 'READ'),
  PutObjectTagging: b('s3:PutObjectTagging'),
  DeleteObjectTagging: b('s3:DeleteObjectTagging'),
  GetObjectAcl: o('s3:GetObjectAcl', 'READ_ACP'),
  PutObjectAcl: o('s3:PutObjectAcl', 'WRITE_ACP'),
  GetObjectRetention: b('s3:GetObjectRetention'),
  PutObjectRetention: b('s3:PutObjectRetention'),
  GetObjectLegalHold: b('s3:GetObjectLegalHold'),
  PutObjectLegalHold: b('s3:PutObjectLegalHold'),
  GetObjectAttributes: o('s3:GetObjectAttributes', 'READ'),
  CreateMultipartUpload: b('s3:PutObject', 'WRITE'),
  UploadPart: b('s3:PutObject', 'WRITE'),
  UploadPartCopy: b('s3:PutObject', 'WRITE'),
  CompleteMultipartUpload: b('s3:PutObject', 'WRITE'),
  AbortMultipartUpload: b('s3:AbortMultipartUpload', 'WRITE'),
  ListParts: b('s3:ListMultipartUploadParts', 'READ'),
  CorsPreflight: b('s3:GetObject'),
};

/** The action of an operation on one version (`?versionId=`): S3 names these separately. */
const VERSION_ACTIONS: Readonly<Partial<Record<Operation, string>>> = {
  GetObject: 's3:GetObjectVersion',
  HeadObject: 's3:GetObjectVersion',
  DeleteObject: 's3:DeleteObjectVersion',
  GetObjectTagging: 's3:GetObjectVersionTagging',
  PutObjectTagging: 's3:PutObjectVersionTagging',
  DeleteObjectTagging: 's3:DeleteObjectVersionTagging',
  GetObjectAcl: 's3:GetObjectVersionAcl',
  PutObjectAcl: 's3:PutObjectVersionAcl',
  GetObjectAttributes: 's3:GetObjectVersionAttributes',
};

/** The bucket owner may always read, change and delete the bucket policy, even one that denies it (as S3). */
const OWNER_ALWAYS: ReadonlySet<Operation> = new Set(['GetBucketPolicy', 'PutBucketPolicy', 'DeleteBucketPolicy']);

function parseDoc<T>(raw: string | undefined): T | undefined {
  if (raw === undefined || raw === '') return undefined;
  return JSON.parse(raw) as T;
}

/**
 * Object Ownership `BucketOwnerEnforced`: ACLs are disabled — they grant nothing, every object
 * is the bucket owner's, and only policies give others access.
 */
export function aclsDisabledFor(bucket: Bucket): boolean {
  return aclsDisabled(parseDoc<OwnershipControls>(bucket.attributes['ownership']));
}

/** The bucket's Block Public Access settings (PutPublicAccessBlock), if any. */
export function publicAccessBlock(bucket: Bucket): PublicAccessBlock | undefined {
  return parseDoc<PublicAccessBlock>(bucket.attributes['publicAccessBlock']);
}

function accessDenied(setting: string, what: string): S3Error {
  return new S3Error('AccessDenied', {
    message: `Access Denied: public ${what} are blocked by the ${setting} block public access setting`,
  });
}

/** BlockPublicAcls: an ACL a request sets on the bucket or one of its objects must not be public. */
export function refusePublicAcl(bucket: Bucket, acl: AccessControlPolicy | undefined): void {
  if (acl !== undefined && publicAccessBlock(bucket)?.blockPublicAcls === true && isPublicAcl(acl))
    throw accessDenied('BlockPublicAcls', 'ACLs');
}

/** BlockPublicPolicy: a bucket policy must not be public. */
export function refusePublicPolicy(bucket: Bucket, policy: BucketPolicy): void {
  if (publicAccessBlock(bucket)?.blockPublicPolicy === true && isPublicPolicy(policy)) throw accessDenied('BlockPublicPolicy', 'policies');
}

/** The grants an ACL of `bucket` (or of one of its objects) gives: without those to everyone under IgnorePublicAcls. */
function grantingAcl(acl: AccessControlPolicy, ignorePublic: boolean): AccessControlPolicy {
  return ignorePublic ? withoutPublicGrants(acl) : acl;
}

/** The ACL that gives `owner` FULL_CONTROL and nobody anything. */
function ownerOnly(owner: { id: string; displayName: string }): AccessControlPolicy {
  return {
    owner,
    grants: [{ grantee: { type: 'CanonicalUser', id: owner.id, displayName: owner.displayName }, permission: 'FULL_CONTROL' }],
  };
}

/** The bucket's ACL, or the implicit one (also with ACLs disabled): the owner has FULL_CONTROL. */
export function bucketAcl(bucket: Bucket): AccessControlPolicy {
  const owner = { id: bucket.ownerId, displayName: bucket.ownerDisplayName };
  if (aclsDisabledFor(bucket)) return ownerOnly(owner);
  return parseDoc<AccessControlPolicy>(bucket.attributes['acl']) ?? ownerOnly(owner);
}

/** The object's ACL, or the implicit one; with the bucket's ACLs disabled, the bucket owner's FULL_CONTROL. */
export function objectAcl(v: metadataV1Metadata.ObjectVersion, bucket?: Bucket): AccessControlPolicy {
  if (bucket !== undefined && aclsDisabledFor(bucket)) return ownerOnly({ id: bucket.ownerId, displayName: bucket.ownerDisplayName });
  return parseDoc<AccessControlPolicy>(v.acl) ?? ownerOnly({ id: v.ownerId, displayName: v.ownerDisplayName });
}

/** The owner of an object a request writes: its writer, or the bucket owner when ACLs are disabled (or for an anonymous writer). */
export function writerOwner(ctx: S3Context, bucket: Bucket): { ownerId: string; ownerDisplayName: string } {
  if (ctx.identity === undefined || aclsDisabledFor(bucket)) return { ownerId: bucket.ownerId, ownerDisplayName: bucket.ownerDisplayName };
  return { ownerId: ctx.identity.accountId, ownerDisplayName: ctx.identity.displayName };
}

/** Object tags a policy's conditions can name. */
export interface TagConditions {
  /** The tags of the version the request acts on: `s3:ExistingObjectTag/<key>`. */
  readonly existing?: Readonly<Record<string, string>> | undefined;
  /** The tags the request sets (`s3:RequestObjectTag/<key>`, `s3:RequestObjectTagKeys`); default: its `x-amz-tagging` header. */
  readonly request?: Readonly<Record<string, string>> | undefined;
}

/** Operations S3 evaluates `s3:ExistingObjectTag` for: those acting on one existing version. */
const EXISTING_TAG_OPERATIONS: ReadonlySet<Operation> = new Set([
  'GetObject',
  'HeadObject',
  'GetObjectAttributes',
  'GetObjectTagging',
  'PutObjectTagging',
  'DeleteObjectTagging',
  'GetObjectAcl',
  'PutObjectAcl',
]);

function requestTags(ctx: S3Context): Record<string, string> | undefined {
  const header = ctx.headers['x-amz-tagging'];
  if (header === undefined) return undefined;
  try {
    return tagsToRecord(parseTaggingHeader(header));
  } catch {
    return undefined; // the handler refuses the header with its own error
  }
}

function conditions(ctx: S3Context, tags: TagConditions = {}): Record<string, string | string[]> {
  const now = Date.now();
  const out: Record<string, string | string[]> = {
    'aws:SourceIp': (ctx.req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
    'aws:SecureTransport': 'false',
    'aws:CurrentTime': new Date(now).toISOString(),
    'aws:EpochTime': String(Math.floor(now / 1000)),
    // Every principal is an account (its root credentials), or nobody.
    'aws:PrincipalType': ctx.identity === undefined ? 'Anonymous' : 'Account',
  };
  if (ctx.identity !== undefined) out['aws:PrincipalAccount'] = ctx.identity.accountId;
  const signature = ctx.signature;
  if (signature !== undefined) {
    out['s3:signatureversion'] = signature.version;
    out['s3:authType'] = signature.authType;
    if (signature.signedAtMs !== undefined) out['s3:signatureAge'] = String(Math.max(0, now - signature.signedAtMs));
  }
  for (const [header, key] of [
    ['user-agent', 'aws:UserAgent'],
    ['referer', 'aws:Referer'],
    ['x-amz-acl', 's3:x-amz-acl'],
    ['x-amz-server-side-encryption', 's3:x-amz-server-side-encryption'],
    ['x-amz-copy-source', 's3:x-amz-copy-source'],
    ['x-amz-metadata-directive', 's3:x-amz-metadata-directive'],
    ['x-amz-storage-class', 's3:x-amz-storage-class'],
    ['x-amz-content-sha256', 's3:x-amz-content-sha256'],
    ['x-amz-object-lock-mode', 's3:object-lock-mode'],
    ['x-amz-object-lock-retain-until-date', 's3:object-lock-retain-until-date'],
    ['x-amz-object-lock-legal-hold', 's3:object-lock-legal-hold'],
    ['x-amz-grant-read', 's3:x-amz-grant-read'],
    ['x-amz-grant-write', 's3:x-amz-grant-write'],
    ['x-amz-grant-read-acp', 's3:x-amz-grant-read-acp'],
    ['x-amz-grant-write-acp', 's3:x-amz-grant-write-acp'],
    ['x-amz-grant-full-control', 's3:x-amz-grant-full-control'],
  ] as const) {
    const v = ctx.headers[header];
    if (v !== undefined) out[key] = v;
  }
  for (const q of ['prefix', 'delimiter', 'max-keys']) {
    const v = ctx.query.get(q);
    if (v !== null) out[`s3:${q}`] = v;
  }
  const versionId = ctx.query.get('versionId');
  if (versionId !== null) out['s3:VersionId'] = versionId;
  for (const [key, value] of Object.entries(tags.existing ?? {})) out[`s3:ExistingObjectTag/${key}`] = value;
  const requested = tags.request ?? requestTags(ctx);
  if (requested !== undefined) {
    for (const [key, value] of Object.entries(requested)) out[`s3:RequestObjectTag/${key}`] = value;
    out['s3:RequestObjectTagKeys'] = Object.keys(requested);
  }
  return out;
}

/** A decision that needs the version's tags (the policy names `s3:ExistingObjectTag`): `authorizeObject` makes it. */
export interface DeferredDecision {
  readonly bucket: Bucket;
  readonly operation: Operation;
  readonly key: string | undefined;
  readonly ofVersion: boolean;
  readonly request: TagConditions['request'];
}

/** 'object-acl-private': the object's ACL decides, its grants to everyone ignored (IgnorePublicAcls). */
export type Decision = 'granted' | 'object-acl' | 'object-acl-private' | DeferredDecision;

/**
 * Decides a request on `bucket`. Throws AccessDenied when refused; answers 'object-acl' (or
 * 'object-acl-private') when the object's own ACL decides (object reads), or a deferred decision when the policy's conditions
 * name the object's tags, for the handler to call `authorizeObject` once it has the version.
 */
export function authorize(
  ctx: S3Context,
  bucket: Bucket,
  operation: Operation = ctx.operation,
  key: string | undefined = ctx.key,
  /** The request names a version (its `versionId`, or a DeleteObjects entry's): S3's version action is checked. */
  ofVersion = ctx.query.get('versionId') !== null,
  tags: TagConditions = {},
): Decision {
  const rule = OPERATION_RULES[operation];
  const isOwner = ctx.identity !== undefined && ctx.identity.accountId === bucket.ownerId;
  if (isOwner && OWNER_ALWAYS.has(operation)) return 'granted';
  if (tags.existing === undefined && EXISTING_TAG_OPERATIONS.has(operation) && namesExistingTags(bucket)) {
    return { bucket, operation, key, ofVersion, request: tags.request };
  }
  const action = (ofVersion ? VERSION_ACTIONS[operation] : undefined) ?? rule.action;
  const decision = policyDecision(ctx, bucket, action, key, tags);
  if (decision === 'deny') throw new S3Error('AccessDenied');
  if (decision === 'allow') return 'granted';
  const ignorePublic = publicAccessBlock(bucket)?.ignorePublicAcls === true;
  const objectAclDecides = ignorePublic ? 'object-acl-private' : 'object-acl';
  if (isOwner) {
    // S3: with ACLs enabled, an object another account wrote is its own; the bucket owner reads
    // it (or its ACL) only if its ACL grants that (bucket-owner-read / -full-control).
    return rule.acl?.on === 'object' && !aclsDisabledFor(bucket) ? objectAclDecides : 'granted';
  }
  if (aclsDisabledFor(bucket)) throw new S3Error('AccessDenied');
  if (rule.acl?.on === 'object') return objectAclDecides;
  if (rule.acl !== undefined) {
    const query =
      ctx.identity === undefined
        ? { anonymous: true as const, permission: rule.acl.permission }
        : { requesterId: ctx.identity.accountId, permission: rule.acl.permission };
    if (aclAllows(grantingAcl(bucketAcl(bucket), ignorePublic), query)) return 'granted';
  }
  throw new S3Error('AccessDenied');
}

function namesExistingTags(bucket: Bucket): boolean {
  return bucket.attributes['policy']?.toLowerCase().includes('s3:existingobjecttag/') === true;
}

function policyDecision(
  ctx: S3Context,
  bucket: Bucket,
  action: string,
  key: string | undefined,
  tags: TagConditions = {},
): 'allow' | 'deny' | undefined {
  const policy = parseDoc<BucketPolicy>(bucket.attributes['policy']);
  if (policy === undefined) return undefined;
  const decision = evaluatePolicy(policy, {
    principal: ctx.identity === undefined ? 'anonymous' : { accountId: ctx.identity.accountId },
    action,
    resource: key === undefined ? `arn:aws:s3:::${bucket.name}` : `arn:aws:s3:::${bucket.name}/${key}`,
    conditions: conditions(ctx, tags),
  });
  if (decision === 'allow' && publicAccessBlock(bucket)?.restrictPublicBuckets === true && isPublicPolicy(policy)) {
    // RestrictPublicBuckets: a public policy grants nothing outside the bucket owner's account.
    return ctx.identity !== undefined && ctx.identity.accountId === bucket.ownerId ? 'allow' : undefined;
  }
  return decision === 'allow' || decision === 'deny' ? decision : undefined;
}

/**
 * `x-amz-bypass-governance-retention: true` needs s3:BypassGovernanceRetention: the owner has it
 * unless the policy denies it, anyone else only when the policy allows it; AccessDenied otherwise.
 */
export function checkGovernanceBypass(ctx: S3Context, bucket: Bucket, key: string): boolean {
  if (ctx.headers['x-amz-bypass-governance-retention']?.toLowerCase() !== 'true') return false;
  const decision = policyDecision(ctx, bucket, 's3:BypassGovernanceRetention', key);
  const isOwner = ctx.identity !== undefined && ctx.identity.accountId === bucket.ownerId;
  if (decision === 'deny' || (decision !== 'allow' && !isOwner)) throw new S3Error('AccessDenied');
  return true;
}

/** For object operations the bucket rules left to the object: the policy with its tags, then its ACL. */
export function authorizeObject(
  ctx: S3Context,
  decision: Decision,
  v: metadataV1Metadata.ObjectVersion,
  operation: Operation = ctx.operation,
): void {
  if (typeof decision === 'object') {
    const { bucket, operation: op, key, ofVersion, request } = decision;
    decision = authorize(ctx, bucket, op, key, ofVersion, { existing: v.tags, request });
  }
  if (decision === 'granted') return;
  const rule = OPERATION_RULES[operation];
  if (rule.acl === undefined) throw new S3Error('AccessDenied');
  if (ctx.identity !== undefined && ctx.identity.accountId === v.ownerId) return;
  const query =
    ctx.identity === undefined
      ? { anonymous: true as const, permission: rule.acl.permission }
      : { requesterId: ctx.identity.accountId, permission: rule.acl.permission };
  // Never reached with ACLs disabled: authorize() decided then.
  if (!aclAllows(grantingAcl(objectAcl(v), decision === 'object-acl-private'), query)) throw new S3Error('AccessDenied');
}
