// Container operations over buckets: Create, Delete, Get Properties, Get/Set Metadata, Get/Set
// ACL (public access level and stored access policies). A container is a bucket owned by the
// storage account's account, at the default location.
import { isMeshError } from '@zenko/mesh';
import { authorizedContainer, containerName, requireAccount, type Bucket } from '../azure/access.js';
import {
  ACL_ATTRIBUTE,
  METADATA_ATTRIBUTE,
  containerAcl,
  containerEtag,
  containerHeaders,
  containerMetadata,
  lastModified,
  parsePublicAccess,
  refusePublicAccess,
  storedMetadata,
  type ContainerAcl,
  type ContainerMetadata,
} from '../azure/container-state.js';
import { drain, sendEmpty, sendXml, type AzureContext } from '../azure/context.js';
import type { AzureDeps, AzureHandler } from '../azure/deps.js';
import { checkReadLease, checkWriteLease, effectiveLease } from '../azure/lease.js';
import { releaseLater } from '../azure/release.js';
import { AzureError } from '../errors/azure-errors.js';
import { checkConditions } from '../protocol/conditions.js';
import { formatRfc1123 } from '../protocol/dates.js';
import { extractMetadata } from '../protocol/metadata.js';
import { isImmutable, readVerifiedBody } from '../azure/blob-state.js';
import { SYSTEM_CONTAINERS } from '../protocol/names.js';
import { parseSignedIdentifiers } from '../xml/request-bodies.js';
import { signedIdentifiersXml } from '../xml/responses.js';

function etagHeaders(bucket: Bucket): Record<string, string> {
  return { etag: containerEtag(bucket), 'last-modified': formatRfc1123(lastModified(bucket)) };
}

/** Container writes take If-Modified-Since / If-Unmodified-Since only (Azure refuses the ETag conditions). */
function checkContainerConditions(ctx: AzureContext, bucket: Bucket): void {
  if (ctx.headers['if-match'] !== undefined || ctx.headers['if-none-match'] !== undefined) {
    throw new AzureError('UnsupportedHeader', {
      fields: { HeaderName: ctx.headers['if-match'] !== undefined ? 'If-Match' : 'If-None-Match' },
    });
  }
  checkConditions(ctx.req.method ?? 'PUT', ctx.headers, { etag: containerEtag(bucket), lastModified: lastModified(bucket) });
}

/**
 * `x-ms-lease-id` on a container operation other than Delete Container: optional, but when given
 * the container's lease must be active with that id (a container lease blocks only deletion).
 */
function checkContainerLeaseId(ctx: AzureContext, bucket: Bucket): void {
  checkReadLease(effectiveLease(bucket.attributes), ctx.headers['x-ms-lease-id'], 'container');
}

async function updateAttributes(deps: AzureDeps, bucket: Bucket, attributes: Record<string, string>): Promise<Bucket> {
  const res = await deps.metadata.updateBucket({ name: bucket.name, expectedRevision: bucket.revision, attributes });
  if (res.bucket === undefined) throw new AzureError('InternalError', { cause: new Error('UpdateBucket answered no bucket') });
  return res.bucket;
}

export const createContainer: AzureHandler = async (ctx, deps) => {
  const account = requireAccount(ctx);
  // The system containers are not buckets: creating one is a feature this edge does not have, not a missing container.
  const requested = ctx.route.container;
  if (requested !== undefined && SYSTEM_CONTAINERS.has(requested))
    throw new AzureError('NotImplemented', { message: `The ${requested} container is not implemented by Zenko.` });
  const name = containerName(ctx);
  const metadata = storedMetadata(extractMetadata(ctx.req.rawHeaders));
  const publicAccess = parsePublicAccess(ctx.headers['x-ms-blob-public-access']);
  await drain(ctx);
  const attributes: Record<string, string> = {
    [METADATA_ATTRIBUTE]: JSON.stringify({ metadata, lastModified: Date.now() } satisfies ContainerMetadata),
  };
  if (publicAccess !== undefined) attributes[ACL_ATTRIBUTE] = JSON.stringify({ publicAccess, identifiers: [] } satisfies ContainerAcl);
  let bucket: Bucket | undefined;
  try {
    ({ bucket } = await deps.metadata.createBucket({
      name,
      ownerId: account.accountId,
      ownerDisplayName: account.displayName,
      location: deps.config.defaultLocation,
      objectLockEnabled: false,
      attributes,
      ingestion: false,
    }));
  } catch (err) {
    if (isMeshError(err, 'BUCKET_ALREADY_EXISTS') || isMeshError(err, 'BUCKET_ALREADY_OWNED_BY_YOU')) {
      throw new AzureError('ContainerAlreadyExists', { cause: err });
    }
    if (isMeshError(err, 'INVALID_BUCKET_NAME')) throw new AzureError('InvalidResourceName', { cause: err });
    throw err;
  }
  if (bucket === undefined) throw new AzureError('InternalError', { cause: new Error('CreateBucket answered no bucket') });
  sendEmpty(ctx, 201, etagHeaders(bucket));
};

async function refuseIfLocked(deps: AzureDeps, bucket: string): Promise<void> {
  let keyMarker = '';
  let versionIdMarker = '';
  for (;;) {
    const page = await deps.metadata.listObjectVersions({ bucket, prefix: '', delimiter: '', keyMarker, versionIdMarker, maxKeys: 1000 });
    for (const v of page.versions) {
      if (isImmutable(v)) {
        throw new AzureError('BlobImmutableDueToPolicy', { message: `The container holds a locked blob (${v.key}).` });
      }
    }
    if (!page.isTruncated) return;
    keyMarker = page.nextKeyMarker;
    versionIdMarker = page.nextVersionIdMarker;
  }
}

/**
 * Azure deletes a container with everything in it: the blobs (every version), then the
 * uncommitted blocks, then the bucket. Data no longer referenced is released.
 */
export const deleteContainer: AzureHandler = async (ctx, deps) => {
  const bucket = await authorizedContainer(ctx, deps);
  checkContainerConditions(ctx, bucket);
  checkWriteLease(effectiveLease(bucket.attributes), ctx.headers['x-ms-lease-id'], 'container');
  await drain(ctx);
  // A container is deleted whole or not at all: a version under retention or legal hold (an S3
  // object lock) refuses the delete before anything goes, not halfway through.
  if (bucket.objectLockEnabled) await refuseIfLocked(deps, bucket.name);
  for (;;) {
    const page = await deps.metadata.listObjectVersions({
      bucket: bucket.name,
      prefix: '',
      delimiter: '',
      keyMarker: '',
      versionIdMarker: '',
      maxKeys: 1000,
    });
    for (const v of page.versions) {
      const res = await deps.metadata.deleteObject({
        bucket: bucket.name,
        key: v.key,
        versionId: v.versionId,
        bypassGovernanceRetention: false,
        ifMatchEtag: '',
        ownerId: '',
        ownerDisplayName: '',
        // Deleting a container deletes its blobs, leased or not.
        leaseId: '*',
      });
      releaseLater(deps, res.releasedData);
    }
    if (page.versions.length === 0 || !page.isTruncated) break;
  }
  const blocks = await deps.metadata.discardBlocks({ bucket: bucket.name, key: '' });
  releaseLater(deps, blocks.releasedData);
  try {
    await deps.metadata.deleteBucket({ name: bucket.name, leaseId: ctx.headers['x-ms-lease-id'] ?? '' });
  } catch (err) {
    if (isMeshError(err, 'BUCKET_NOT_EMPTY')) throw new AzureError('ContainerBeingDeleted', { cause: err });
    throw err;
  }
  sendEmpty(ctx, 202);
};

/** Get Container Properties and Get Container Metadata (same headers). */
export const getContainerProperties: AzureHandler = async (ctx, deps) => {
  const bucket = await authorizedContainer(ctx, deps);
  checkContainerLeaseId(ctx, bucket);
  await drain(ctx);
  sendEmpty(ctx, 200, containerHeaders(bucket));
};

export const setContainerMetadata: AzureHandler = async (ctx, deps) => {
  const bucket = await authorizedContainer(ctx, deps);
  checkContainerConditions(ctx, bucket);
  checkContainerLeaseId(ctx, bucket);
  const metadata = storedMetadata(extractMetadata(ctx.req.rawHeaders));
  await drain(ctx);
  const updated = await updateAttributes(deps, bucket, {
    [METADATA_ATTRIBUTE]: JSON.stringify({ metadata, lastModified: Date.now() } satisfies ContainerMetadata),
  });
  sendEmpty(ctx, 200, etagHeaders(updated));
};

export const getContainerAcl: AzureHandler = async (ctx, deps) => {
  const bucket = await authorizedContainer(ctx, deps);
  checkContainerLeaseId(ctx, bucket);
  await drain(ctx);
  const acl = containerAcl(bucket);
  sendXml(ctx, 200, signedIdentifiersXml(acl.identifiers), {
    ...etagHeaders(bucket),
    ...(acl.publicAccess === undefined ? {} : { 'x-ms-blob-public-access': acl.publicAccess }),
  });
};

export const setContainerAcl: AzureHandler = async (ctx, deps) => {
  const bucket = await authorizedContainer(ctx, deps);
  checkContainerConditions(ctx, bucket);
  checkContainerLeaseId(ctx, bucket);
  const publicAccess = parsePublicAccess(ctx.headers['x-ms-blob-public-access']);
  refusePublicAccess(bucket, publicAccess);
  const { body } = await readVerifiedBody(ctx.headers, ctx.req, 64 * 1024);
  const identifiers = body.length === 0 ? [] : parseSignedIdentifiers(body);
  const { metadata } = containerMetadata(bucket);
  const updated = await updateAttributes(deps, bucket, {
    [ACL_ATTRIBUTE]: JSON.stringify({ publicAccess, identifiers } satisfies ContainerAcl),
    [METADATA_ATTRIBUTE]: JSON.stringify({ metadata, lastModified: Date.now() } satisfies ContainerMetadata),
  });
  sendEmpty(ctx, 200, etagHeaders(updated));
};
