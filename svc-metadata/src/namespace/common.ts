// Shared plumbing of the namespace operations: the optimistic retry loop, bucket loading with
// fences, and oplog entry encoding.
import { setTimeout as sleep } from 'node:timers/promises';
import { metadataV1Metadata } from '@zenko/gen';
import { MeshError, isLocked, isMeshError, leaseOf, sameLeaseId, type Reason } from '@zenko/mesh';
import { dependOn } from '../store/guards.js';
import { conflict, counterValue, type KvEntry, type KvOp, type KvStore } from '../store/kv.js';
import { isValidBucketName } from './keys.js';
import { decodeBucketRecord, encodeBucketRecord, type BucketRecord } from './records.js';

type OplogEntry = metadataV1Metadata.OplogEntry;

const MAX_ATTEMPTS = 200;
/** A fence older than this belongs to an operation that died; writers lift it. */
export const FENCE_TTL_MS = 30_000;
export const DEFAULT_MAX_KEYS = 1000;

/** Errors that must not be retried even though their reason is CONFLICT (a caller's CAS). */
const FINAL = new WeakSet<MeshError>();

export function finalError(reason: Reason, message: string, details: Record<string, string> = {}): MeshError {
  const err = new MeshError(reason, message, { details });
  FINAL.add(err);
  return err;
}

/**
 * Runs a read-check-commit attempt until it does not hit a CONFLICT (another writer committed
 * between our reads and our commit). No code runs inside a store transaction: each attempt
 * reads, then commits with preconditions on what it read.
 */
export async function withRetry<T>(attempt: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (!isMeshError(err, 'CONFLICT') || FINAL.has(err) || i >= MAX_ATTEMPTS) throw err;
      await sleep(Math.random() * Math.min(20, i));
    }
  }
}

export function clampMax(requested: number): number {
  return requested <= 0 ? DEFAULT_MAX_KEYS : Math.min(requested, DEFAULT_MAX_KEYS);
}

export interface LoadedBucket {
  entry: KvEntry;
  record: BucketRecord;
}

export async function loadBucket(store: KvStore, name: string): Promise<LoadedBucket> {
  // A name no bucket can have is not found (and never reaches the store, which limits key sizes).
  const entry = isValidBucketName(name) ? await store.get('buckets', name) : undefined;
  if (entry === undefined) throw new MeshError('BUCKET_NOT_FOUND', 'bucket not found', { details: { bucket: name } });
  return { entry, record: decodeBucketRecord(entry.value) };
}

/**
 * Loads a bucket for an operation that adds records under it. While the bucket is fenced
 * (being deleted) the attempt fails with a retryable CONFLICT; a stale fence is lifted.
 */
export async function loadBucketForWrite(store: KvStore, name: string): Promise<LoadedBucket> {
  const loaded = await loadBucket(store, name);
  const { fencedAt } = loaded.record;
  if (fencedAt === 0) return loaded;
  if (Date.now() - fencedAt >= FENCE_TTL_MS) {
    await store.commit({
      ops: [
        {
          type: 'put',
          table: 'buckets',
          key: name,
          value: encodeBucketRecord({ ...loaded.record, fencedAt: 0 }),
          expectRevision: loaded.entry.revision,
        },
      ],
    });
  }
  throw conflict('bucket is being deleted', { bucket: name });
}

export function checkBucket(loaded: LoadedBucket): KvOp {
  return { type: 'check', table: 'buckets', key: loaded.record.bucket.name, expectRevision: loaded.entry.revision };
}

export type OplogDraft = Omit<OplogEntry, 'sequence' | 'timestamp' | 'value' | 'key' | 'versionId'> &
  Partial<Pick<OplogEntry, 'value' | 'key' | 'versionId'>>;

export function encodeOplog(draft: OplogDraft): Uint8Array {
  return metadataV1Metadata.OplogEntry.encode({
    key: '',
    versionId: '',
    value: undefined,
    ...draft,
    sequence: 0,
    timestamp: undefined,
  }).finish();
}

export function decodeOplog(sequence: number, timestamp: number, payload: Uint8Array): OplogEntry {
  return { ...metadataV1Metadata.OplogEntry.decode(payload), sequence, timestamp: new Date(timestamp) };
}

export function commitWithOplog(store: KvStore, ops: readonly KvOp[], entries: readonly OplogDraft[]): ReturnType<KvStore['commit']> {
  return store.commit({ ops, oplog: entries.map(encodeOplog) });
}

/**
 * A write that replaces or deletes a record holding an active Azure lease (a blob's current
 * version, a container's bucket) must give the lease id, whichever protocol sends it; `*`
 * passes any lease (Delete Container removes leased blobs). LEASE_HELD otherwise.
 */
export function checkLease(
  attributes: Readonly<Record<string, string>> | undefined,
  leaseId: string,
  details: Record<string, string>,
): void {
  if (leaseId === '*') return;
  const lease = leaseOf(attributes);
  if (!isLocked(lease) || sameLeaseId(leaseId, lease.id)) return;
  throw finalError('LEASE_HELD', 'leased through the Azure Blob API: a write needs the lease id, which only Azure requests carry', {
    ...details,
    leaseIdGiven: String(leaseId !== ''),
  });
}

/** Marker keys (table `meta`) of the buckets that placed data on a location other than their own. */
export const LOCATION_USE_PREFIX = 'location-use/';

/** Where a location's record lives (table `locations`, locations/registry.ts). */
export const LOCATION_KEY_PREFIX = 'location/';

/**
 * Blind puts of the markers `location-use/<location>/<bucket>` for the pieces of a version stored
 * outside its bucket's location (per-object placement, replicas): a location a marker names
 * cannot be removed while that bucket still has data there (registry.ts). The commit also
 * depends on each such location's record as read here (store/guards.ts): a removal running
 * meanwhile sees the location's guard move, and one that committed first fails this commit
 * (LOCATION_NOT_FOUND once retried), so no version is left naming a removed location. The
 * markers are blind puts, so concurrent writes never conflict on them.
 */
export async function locationUseOps(
  store: KvStore,
  bucket: LoadedBucket,
  data: readonly metadataV1Metadata.DataLocation[],
): Promise<KvOp[]> {
  const own = bucket.record.bucket.location;
  const elsewhere = [...new Set(data.map((p) => p.location).filter((l) => l !== '' && l !== own))];
  const ops: KvOp[] = [];
  for (const l of elsewhere) {
    const key = LOCATION_KEY_PREFIX + l;
    const record = await store.get('locations', key);
    if (record === undefined) throw new MeshError('LOCATION_NOT_FOUND', `no location named ${l}`, { details: { location: l } });
    ops.push(
      { type: 'put', table: 'meta', key: `${LOCATION_USE_PREFIX}${l}/${bucket.record.bucket.name}`, value: new Uint8Array(0) },
      ...dependOn('location', l, { table: 'locations', key, revision: record.revision }),
    );
  }
  return ops;
}

/** Counters (table `meta`) of the bytes each location holds for the namespace: `location-usage/<location>`. */
export const LOCATION_USAGE_PREFIX = 'location-usage/';

/**
 * `add` ops moving each location's usage by the sizes of the pieces a commit makes referenced
 * (`added`) and unreferenced (`removed`). The bytes of multipart parts and staged blocks count
 * once the object that holds them is committed, as in Zenko's location metrics.
 */
export function usageOps(added: readonly metadataV1Metadata.DataLocation[], removed: readonly metadataV1Metadata.DataLocation[]): KvOp[] {
  const deltas = new Map<string, number>();
  const move = (p: metadataV1Metadata.DataLocation, sign: number): void => {
    if (p.location !== '' && p.size > 0) deltas.set(p.location, (deltas.get(p.location) ?? 0) + sign * p.size);
  };
  for (const p of added) move(p, 1);
  for (const p of removed) move(p, -1);
  return [...deltas]
    .filter(([, delta]) => delta !== 0)
    .map(([location, delta]) => ({ type: 'add' as const, table: 'meta' as const, key: `${LOCATION_USAGE_PREFIX}${location}`, delta }));
}

/** The bytes the namespace's versions hold at a location. */
export async function locationUsage(store: KvStore, location: string): Promise<number> {
  return counterValue((await store.get('meta', `${LOCATION_USAGE_PREFIX}${location}`))?.value);
}

export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new MeshError('INVALID_ARGUMENT', `${what} is required`);
  return value;
}
