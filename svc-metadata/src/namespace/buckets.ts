// Buckets: create, get, delete (refused unless empty), list by owner, update with CAS.
import { metadataV1Metadata, type metadataV1MetadataService } from '@zenko/gen';
import { MeshError, isMeshError } from '@zenko/mesh';
import type { KvOp, KvStore } from '../store/kv.js';
import { checkLease, commitWithOplog, finalError, loadBucket, loadBucketForWrite, withRetry } from './common.js';
import { bucketBase, bucketEnd, isValidBucketName } from './keys.js';
import { decodeBucketRecord, encodeBucketRecord } from './records.js';

type Bucket = metadataV1Metadata.Bucket;
const { VersioningState } = metadataV1Metadata;

function withoutEmpty(attributes: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== ''));
}

/**
 * `dependencies` gives, for each attempt, the ops that make the commit depend on the records
 * the bucket names (its owner, its location: store/guards.ts); the RPC layer checks them, the
 * store's contract tests name neither.
 */
export async function createBucket(
  store: KvStore,
  req: metadataV1MetadataService.CreateBucketRequest,
  dependencies: () => Promise<KvOp[]> = async () => [],
): Promise<metadataV1MetadataService.CreateBucketResponse> {
  if (!isValidBucketName(req.name)) {
    throw new MeshError('INVALID_BUCKET_NAME', 'invalid bucket name', { details: { bucket: req.name } });
  }
  if (req.ownerId === '') throw new MeshError('INVALID_ARGUMENT', 'owner_id is required');
  const bucket: Bucket = {
    name: req.name,
    ownerId: req.ownerId,
    ownerDisplayName: req.ownerDisplayName,
    location: req.location,
    // Object lock needs versioning; S3 enables it with the lock.
    versioning: req.objectLockEnabled ? VersioningState.VERSIONING_STATE_ENABLED : VersioningState.VERSIONING_STATE_UNSPECIFIED,
    objectLockEnabled: req.objectLockEnabled,
    createdAt: new Date(),
    attributes: withoutEmpty(req.attributes),
    revision: 1,
    ingestion: req.ingestion,
  };
  return withRetry(async () => {
    const depends = await dependencies();
    try {
      await commitWithOplog(
        store,
        [
          {
            type: 'put',
            table: 'buckets',
            key: bucket.name,
            value: encodeBucketRecord({ bucket, fencedAt: 0 }),
            expectRevision: 0,
          },
          ...depends,
        ],
        [{ type: 'put-bucket', bucket: bucket.name, value: { $case: 'bucketValue', value: bucket } }],
      );
      return { bucket };
    } catch (err) {
      if (!isMeshError(err, 'CONFLICT')) throw err;
      const existing = await store.get('buckets', bucket.name);
      if (existing === undefined) throw err; // deleted meanwhile: retry
      const owner = decodeBucketRecord(existing.value).bucket.ownerId;
      throw owner === req.ownerId
        ? new MeshError('BUCKET_ALREADY_OWNED_BY_YOU', 'bucket already owned by you', { details: { bucket: bucket.name } })
        : new MeshError('BUCKET_ALREADY_EXISTS', 'bucket already exists', { details: { bucket: bucket.name } });
    }
  });
}

export async function getBucket(
  store: KvStore,
  req: metadataV1MetadataService.GetBucketRequest,
): Promise<metadataV1MetadataService.GetBucketResponse> {
  return { bucket: (await loadBucket(store, req.name)).record.bucket };
}

export async function listBuckets(
  store: KvStore,
  req: metadataV1MetadataService.ListBucketsRequest,
): Promise<metadataV1MetadataService.ListBucketsResponse> {
  const buckets: Bucket[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.scan('buckets', { limit: 1000, ...(after !== undefined && { gt: after }) });
    for (const entry of page) {
      const { bucket } = decodeBucketRecord(entry.value);
      if (req.ownerId === '' || bucket.ownerId === req.ownerId) buckets.push(bucket);
    }
    if (page.length < 1000) return { buckets };
    after = page.at(-1)!.key;
  }
}

export async function updateBucket(
  store: KvStore,
  req: metadataV1MetadataService.UpdateBucketRequest,
): Promise<metadataV1MetadataService.UpdateBucketResponse> {
  return withRetry(async () => {
    const { entry, record } = await loadBucketForWrite(store, req.name);
    const current = record.bucket;
    if (req.expectedRevision !== 0 && req.expectedRevision !== current.revision) {
      throw finalError('CONFLICT', 'bucket revision changed', {
        bucket: req.name,
        revision: String(current.revision),
      });
    }
    const bucket: Bucket = { ...current, attributes: { ...current.attributes }, revision: current.revision + 1 };
    if (req.versioning !== undefined) {
      const valid =
        req.versioning === VersioningState.VERSIONING_STATE_ENABLED ||
        (req.versioning === VersioningState.VERSIONING_STATE_SUSPENDED && !current.objectLockEnabled);
      if (!valid) throw new MeshError('INVALID_ARGUMENT', 'invalid versioning state for this bucket');
      bucket.versioning = req.versioning;
    }
    if (req.objectLockEnabled !== undefined && req.objectLockEnabled !== current.objectLockEnabled) {
      if (!req.objectLockEnabled || bucket.versioning !== VersioningState.VERSIONING_STATE_ENABLED) {
        throw new MeshError('INVALID_ARGUMENT', 'object lock can only be enabled, on a versioned bucket');
      }
      bucket.objectLockEnabled = true;
    }
    for (const [name, value] of Object.entries(req.attributes)) {
      if (value === '') delete bucket.attributes[name];
      else bucket.attributes[name] = value;
    }
    await commitWithOplog(
      store,
      [
        {
          type: 'put',
          table: 'buckets',
          key: req.name,
          value: encodeBucketRecord({ bucket, fencedAt: 0 }),
          expectRevision: entry.revision,
        },
      ],
      [{ type: 'update-bucket', bucket: req.name, value: { $case: 'bucketValue', value: bucket } }],
    );
    return { bucket };
  });
}

async function hasAny(store: KvStore, table: 'versions' | 'mpu', bucket: string): Promise<boolean> {
  const page = await store.scan(table, { gte: bucketBase(bucket), lt: bucketEnd(bucket), limit: 1 });
  return page.length > 0;
}

/**
 * Fences the bucket (puts wait while it is fenced), checks that it holds no version, delete
 * marker or upload, then deletes it; an object written before the fence is seen by the check,
 * one written after the fence cannot be.
 */
export async function deleteBucket(
  store: KvStore,
  req: metadataV1MetadataService.DeleteBucketRequest,
): Promise<metadataV1MetadataService.DeleteBucketResponse> {
  return withRetry(async () => {
    const { entry, record } = await loadBucketForWrite(store, req.name);
    checkLease(record.bucket.attributes, req.leaseId, { bucket: req.name });
    const fenced = encodeBucketRecord({ ...record, fencedAt: Date.now() });
    const fence = await store.commit({
      ops: [{ type: 'put', table: 'buckets', key: req.name, value: fenced, expectRevision: entry.revision }],
    });
    const revision = fence.revisions[0]!;
    if ((await hasAny(store, 'versions', req.name)) || (await hasAny(store, 'mpu', req.name))) {
      await store
        .commit({
          ops: [
            {
              type: 'put',
              table: 'buckets',
              key: req.name,
              value: encodeBucketRecord({ ...record, fencedAt: 0 }),
              expectRevision: revision,
            },
          ],
        })
        .catch((err: unknown) => {
          if (!isMeshError(err, 'CONFLICT')) throw err; // someone lifted it already
        });
      throw new MeshError('BUCKET_NOT_EMPTY', 'bucket is not empty', { details: { bucket: req.name } });
    }
    await commitWithOplog(
      store,
      [{ type: 'delete', table: 'buckets', key: req.name, expectRevision: revision }],
      [{ type: 'delete-bucket', bucket: req.name }],
    );
    return {};
  });
}
