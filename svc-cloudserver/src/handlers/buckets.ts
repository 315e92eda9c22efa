// Bucket operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket,
// GetBucketLocation.
import { isMeshError } from '@zenko/mesh';
import { readCheckedBody, requireVersionKeeping } from './put-object.js';
import { aclFromHeaders } from '../config/acl.js';
import { OBJECT_OWNERSHIPS } from '../config/ownership.js';
import { S3Error } from '../errors/s3-errors.js';
import { parseCreateBucket, renderLocationConstraint } from '../config/create-bucket.js';
import { S3_XMLNS, XmlWriter } from '../xml/writer.js';
import { authorizedBucket, bucketName, loadBucket, requireIdentity } from '../s3/access.js';
import { authorize } from '../s3/authorize.js';
import { sendEmpty, sendXml } from '../s3/context.js';
import type { S3Handler } from '../s3/deps.js';
import { isoDate } from '../s3/object-headers.js';
import { decodeToken, encodeToken } from './list-objects.js';
import { hasGrantHeaders, resolveGrantees } from '../s3/grantees.js';

const MAX_BUCKETS = 10_000;

/**
 * The requester's buckets by name; `prefix`, `bucket-region` (a bucket's region is its location)
 * and pages of `max-buckets` (1 to 10,000) with `continuation-token`, as S3's ListBuckets.
 */
export const listBuckets: S3Handler = async (ctx, deps) => {
  const identity = requireIdentity(ctx);
  const prefix = ctx.query.get('prefix') ?? '';
  const region = ctx.query.get('bucket-region');
  const rawMax = ctx.query.get('max-buckets');
  if (rawMax !== null && (!/^\d{1,5}$/.test(rawMax) || Number(rawMax) < 1 || Number(rawMax) > MAX_BUCKETS))
    throw new S3Error('InvalidArgument', {
      message: `max-buckets must be an integer between 1 and ${MAX_BUCKETS}`,
      fields: { ArgumentName: 'max-buckets', ArgumentValue: rawMax },
    });
  const token = ctx.query.get('continuation-token');
  const after = token === null ? '' : decodeToken(token);
  const { buckets } = await deps.metadata.listBuckets({ ownerId: identity.accountId });
  // The metadata answers in name order (its store's key order), which pages follow.
  const matching = buckets.filter((b) => b.name.startsWith(prefix) && b.name > after && (region === null || b.location === region));
  const page = rawMax === null ? matching : matching.slice(0, Number(rawMax));
  const w = new XmlWriter();
  w.open('ListAllMyBucketsResult', { xmlns: S3_XMLNS });
  w.open('Owner').leaf('ID', identity.accountId).leaf('DisplayName', identity.displayName).close();
  w.open('Buckets');
  for (const b of page)
    w.open('Bucket').leaf('Name', b.name).leaf('CreationDate', isoDate(b.createdAt)).leaf('BucketRegion', b.location).close();
  w.close();
  if (page.length < matching.length) w.leaf('ContinuationToken', encodeToken(page.at(-1)!.name));
  if (ctx.query.has('prefix')) w.leaf('Prefix', prefix);
  w.close();
  sendXml(ctx, 200, w.end());
};

/** S3's bucket naming rules (general purpose buckets). */
export function validBucketName(name: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !name.startsWith('xn--') &&
    !name.startsWith('sthree-') &&
    !name.endsWith('-s3alias') &&
    !name.endsWith('--ol-s3')
  );
}

async function locationConstraint(ctx: Parameters<S3Handler>[0]): Promise<{ location: string | undefined; ingest: boolean }> {
  const body = await readCheckedBody(ctx, 64 * 1024);
  if (body.length === 0) return { location: undefined, ingest: false };
  const config = parseCreateBucket(body);
  return { location: config.location, ingest: config.ingest };
}

export const createBucket: S3Handler = async (ctx, deps) => {
  const identity = requireIdentity(ctx);
  const name = bucketName(ctx);
  if (!validBucketName(name)) throw new S3Error('InvalidBucketName', { fields: { BucketName: name } });
  const { location, ingest } = await locationConstraint(ctx);
  const target = location ?? deps.config.defaultLocation;
  if (!hasLocation(deps, target)) {
    throw new S3Error('InvalidLocationConstraint', { fields: { LocationConstraint: target } });
  }
  const lock = ctx.headers['x-amz-bucket-object-lock-enabled']?.toLowerCase() === 'true';
  // Object lock makes the bucket versioned.
  if (lock) requireVersionKeeping(deps, target);
  if (deps.data.location(target).bucketMatch) {
    // Objects there are stored under their own key: a second bucket's keys would overwrite the first's.
    const { buckets } = await deps.metadata.listBuckets({ ownerId: '' });
    const user = buckets.find((b) => b.location === target && b.name !== name);
    if (user !== undefined) {
      throw new S3Error('InvalidLocationConstraint', {
        message: `Location ${target} stores objects under their own key (bucket match) and already serves bucket ${user.name}.`,
        fields: { LocationConstraint: target },
      });
    }
  }
  const headerAcl = aclFromHeaders(ctx.headers, { owner: { id: identity.accountId, displayName: identity.displayName } });
  const acl = hasGrantHeaders(ctx.headers) ? await resolveGrantees(headerAcl, deps) : headerAcl;
  const attributes: Record<string, string> = acl === undefined ? {} : { acl: JSON.stringify(acl) };
  const ownership = ctx.headers['x-amz-object-ownership'];
  if (ownership !== undefined) {
    if (!(OBJECT_OWNERSHIPS as readonly string[]).includes(ownership)) {
      throw new S3Error('InvalidArgument', {
        message: 'Invalid x-amz-object-ownership header',
        fields: { ArgumentName: 'x-amz-object-ownership', ArgumentValue: ownership },
      });
    }
    // S3: a bucket created with ACLs disabled takes no ACL but the owner-only ones.
    const canned = ctx.headers['x-amz-acl'];
    const grants = Object.keys(ctx.headers).some((h) => h.startsWith('x-amz-grant-'));
    if (
      ownership === 'BucketOwnerEnforced' &&
      (grants || (canned !== undefined && canned !== 'private' && canned !== 'bucket-owner-full-control'))
    ) {
      throw new S3Error('InvalidBucketAclWithObjectOwnership');
    }
    attributes['ownership'] = JSON.stringify({ objectOwnership: ownership });
    if (ownership === 'BucketOwnerEnforced') delete attributes['acl'];
  }
  try {
    await deps.metadata.createBucket({
      name,
      ownerId: identity.accountId,
      ownerDisplayName: identity.displayName,
      location: target,
      objectLockEnabled: lock,
      attributes,
      ingestion: ingest,
    });
  } catch (err) {
    if (isMeshError(err, 'BUCKET_ALREADY_OWNED_BY_YOU')) throw new S3Error('BucketAlreadyOwnedByYou', { fields: { BucketName: name } });
    if (isMeshError(err, 'BUCKET_ALREADY_EXISTS')) throw new S3Error('BucketAlreadyExists', { fields: { BucketName: name } });
    throw err;
  }
  if (lock) {
    await deps.metadata.updateBucket({ name, expectedRevision: 0, versioning: 1, attributes: {} });
  }
  sendEmpty(ctx, 200, { location: `/${name}` });
};

function hasLocation(deps: Parameters<S3Handler>[1], name: string): boolean {
  try {
    deps.data.location(name);
    return true;
  } catch {
    return false;
  }
}

export const headBucket: S3Handler = async (ctx, deps) => {
  const bucket = await loadBucket(ctx, deps);
  // S3 tells the bucket's region whatever the requester's permissions (a 403 carries it too).
  ctx.res.setHeader('x-amz-bucket-region', bucket.location);
  if (authorize(ctx, bucket) !== 'granted') throw new S3Error('AccessDenied');
  sendEmpty(ctx, 200);
};

export const deleteBucket: S3Handler = async (ctx, deps) => {
  const bucket = await authorizedBucket(ctx, deps);
  try {
    // S3 carries no Azure lease id: a container leased over Azure is not deleted (LEASE_HELD).
    await deps.metadata.deleteBucket({ name: bucket.name, leaseId: '' });
  } catch (err) {
    if (isMeshError(err, 'BUCKET_NOT_EMPTY')) throw new S3Error('BucketNotEmpty', { fields: { BucketName: bucket.name } });
    throw err;
  }
  sendEmpty(ctx, 204);
};

export const getBucketLocation: S3Handler = async (ctx, deps) => {
  const bucket = await authorizedBucket(ctx, deps);
  // AWS answers an empty constraint for us-east-1.
  sendXml(ctx, 200, renderLocationConstraint(bucket.location === 'us-east-1' ? undefined : bucket.location));
};
