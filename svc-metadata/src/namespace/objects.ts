// Object versions with S3 versioning (unversioned, enabled, suspended), delete markers,
// conditional writes, object lock and compare-and-set updates of sub-documents.
//
// Each key has a master record (`objects`: a copy of the latest version, plus where the latest
// and null versions are) and one record per version (`versions`, newest first). The latest
// version is always the first version record of the key in byte order. Every change of a
// key's versions writes or checks its master record, which serialises them per key.
import { metadataV1Metadata, type metadataV1MetadataService } from '@zenko/gen';
import { MeshError } from '@zenko/mesh';
import { compareKeys, prefixSuccessor, type KvEntry, type KvOp, type KvStore } from '../store/kv.js';
import {
  checkBucket,
  checkLease,
  commitWithOplog,
  locationUseOps,
  finalError,
  loadBucket,
  loadBucketForWrite,
  required,
  withRetry,
  usageOps,
  type LoadedBucket,
  type OplogDraft,
} from './common.js';
import {
  NULL_VERSION_ID,
  isPossibleObjectKey,
  isVersionId,
  keyRecordsPrefix,
  masterKey,
  newVersionId,
  parseRecordKey,
  validateObjectKey,
  versionKey,
} from './keys.js';
import { decodeMasterRecord, decodeVersion, encodeMasterRecord, encodeVersion, type MasterRecord } from './records.js';

type ObjectVersion = metadataV1Metadata.ObjectVersion;
type DataLocation = metadataV1Metadata.DataLocation;
const { VersioningState } = metadataV1Metadata;

export interface LoadedMaster {
  entry: KvEntry;
  record: MasterRecord;
}

export async function loadMaster(store: KvStore, bucket: string, key: string): Promise<LoadedMaster | undefined> {
  const entry = await store.get('objects', masterKey(bucket, key));
  return entry && { entry, record: decodeMasterRecord(entry.value) };
}

function masterOp(bucket: string, key: string, master: LoadedMaster | undefined, next: MasterRecord | null): KvOp {
  const expectRevision = master?.entry.revision ?? 0;
  const k = masterKey(bucket, key);
  return next === null
    ? { type: 'delete', table: 'objects', key: k, expectRevision }
    : { type: 'put', table: 'objects', key: k, value: encodeMasterRecord(next), expectRevision };
}

const dataOf = (v: ObjectVersion): DataLocation[] => (v.isDeleteMarker ? [] : v.data);

const pieceId = (p: DataLocation): string => `${p.location}\0${p.key}`;

/**
 * The pieces of `released` that no other version of the key references. Only Azure committed
 * blocks (pieces with a `block_id`) are ever shared, between versions of one key: Put Block List
 * reuses the current version's committed blocks by id, and in a versioned bucket the previous
 * version keeps them too. So only then are the key's remaining versions read (`excluded`: the
 * ids being removed; `alsoKept`: pieces of a version about to be written).
 */
export async function unreferencedData(
  store: KvStore,
  bucket: string,
  key: string,
  released: readonly DataLocation[],
  excluded: ReadonlySet<string>,
  alsoKept: readonly DataLocation[] = [],
): Promise<DataLocation[]> {
  if (!released.some((p) => p.blockId !== '')) return [...released];
  const kept = new Set(alsoKept.map(pieceId));
  const prefix = keyRecordsPrefix(bucket, key);
  const end = prefixSuccessor(prefix);
  let last: string | undefined;
  for (;;) {
    const page = await store.scan('versions', { ...(last ? { gt: last } : { gte: prefix }), ...(end && { lt: end }), limit: 1000 });
    for (const entry of page) {
      if (excluded.has(parseRecordKey(bucket, entry.key).id)) continue;
      for (const p of dataOf(decodeVersion(entry.value))) if (p.blockId !== '') kept.add(pieceId(p));
    }
    if (page.length < 1000) break;
    last = page[page.length - 1]!.key;
  }
  return released.filter((p) => !kept.has(pieceId(p)));
}

/** The first version ids of a key, in order, skipping `excluded`. */
async function firstVersion(
  store: KvStore,
  bucket: string,
  key: string,
  excluded: ReadonlySet<string>,
): Promise<{ id: string; version: ObjectVersion } | undefined> {
  const prefix = keyRecordsPrefix(bucket, key);
  const end = prefixSuccessor(prefix);
  const page = await store.scan('versions', { gte: prefix, ...(end && { lt: end }), limit: excluded.size + 1 });
  for (const entry of page) {
    const { id } = parseRecordKey(bucket, entry.key);
    if (!excluded.has(id)) return { id, version: decodeVersion(entry.value) };
  }
  return undefined;
}

/** Resolves a public version id to the internal one; undefined when there is no such version. */
function internalIdOf(master: LoadedMaster | undefined, versionId: string): string | undefined {
  if (versionId === NULL_VERSION_ID) return master?.record.nullId || undefined;
  if (!isVersionId(versionId)) {
    throw new MeshError('INVALID_VERSION_ID', 'invalid version id', { details: { versionId } });
  }
  return versionId;
}

function versionNotFound(bucket: string, key: string, versionId: string): MeshError {
  return new MeshError('VERSION_NOT_FOUND', 'version not found', { details: { bucket, key, versionId } });
}

function objectNotFound(bucket: string, key: string): MeshError {
  return new MeshError('OBJECT_NOT_FOUND', 'object not found', { details: { bucket, key } });
}

function deleteMarkerError(v: ObjectVersion, isLatest: boolean): MeshError {
  return new MeshError('DELETE_MARKER', 'the version is a delete marker', {
    details: {
      bucket: v.bucket,
      key: v.key,
      versionId: v.versionId,
      isLatest: String(isLatest),
      lastModified: v.lastModified?.toISOString() ?? '',
    },
  });
}

export interface WritePlan {
  ops: KvOp[];
  version: ObjectVersion;
  replacedData: DataLocation[];
}

/**
 * Plans writing a new version (object or delete marker) of a key, following the bucket's
 * versioning state: enabled buckets add a version; unversioned and suspended buckets replace
 * the null version. `forcedId` (replication) writes a given id, replacing a version with that id.
 */
export async function planWriteVersion(
  store: KvStore,
  bucket: LoadedBucket,
  master: LoadedMaster | undefined,
  input: ObjectVersion,
  forcedId: string,
  /** The creation time to keep (an Azure block list committed over a blob); else the write's time. */
  created?: Date,
): Promise<WritePlan> {
  const { name } = bucket.record.bucket;
  const key = input.key;
  const isNull =
    forcedId === NULL_VERSION_ID || (forcedId === '' && bucket.record.bucket.versioning !== VersioningState.VERSIONING_STATE_ENABLED);
  const internalId = forcedId === '' || isNull ? newVersionId(master?.record.latestId) : forcedId;
  const ops: KvOp[] = [checkBucket(bucket)];
  const removed = new Set<string>();
  const replacedData: DataLocation[] = [];

  const replacedId = isNull ? (master?.record.nullId ?? '') : forcedId;
  let expectVersion = 0;
  if (replacedId !== '') {
    const old = await store.get('versions', versionKey(name, key, replacedId));
    if (old !== undefined) {
      replacedData.push(...dataOf(decodeVersion(old.value)));
      removed.add(replacedId);
      if (replacedId === internalId) expectVersion = old.revision;
      else ops.push({ type: 'delete', table: 'versions', key: old.key, expectRevision: old.revision });
    }
  }

  const lastModified = forcedId !== '' && input.lastModified ? input.lastModified : new Date();
  const version: ObjectVersion = {
    ...input,
    bucket: name,
    versionId: isNull ? NULL_VERSION_ID : internalId,
    isLatest: false,
    lastModified,
    // A version copied from another (replication) keeps the source's; a new one starts now.
    created: created ?? (forcedId !== '' ? (input.created ?? lastModified) : lastModified),
    revision: 1,
  };
  ops.push({
    type: 'put',
    table: 'versions',
    key: versionKey(name, key, internalId),
    value: encodeVersion(version),
    expectRevision: expectVersion,
  });

  // The latest version is the one with the smallest internal id.
  let latest: { id: string; version: ObjectVersion } = { id: internalId, version };
  if (master !== undefined) {
    const previous = removed.has(master.record.latestId)
      ? await firstVersion(store, name, key, new Set([...removed, internalId]))
      : { id: master.record.latestId, version: master.record.latest };
    if (previous !== undefined && compareKeys(previous.id, internalId) < 0) latest = previous;
  }
  const nullId = isNull ? internalId : master && !removed.has(master.record.nullId) ? master.record.nullId : '';
  ops.push(masterOp(name, key, master, { latestId: latest.id, nullId, latest: { ...latest.version, isLatest: true } }));
  const released = await unreferencedData(store, name, key, replacedData, removed, dataOf(version));
  // Committed blocks a block list reuses from the current version are counted already.
  const current = new Set(
    master && !master.record.latest.isDeleteMarker ? master.record.latest.data.filter((p) => p.blockId !== '').map(pieceId) : [],
  );
  const added = dataOf(version).filter((p) => p.blockId === '' || !current.has(pieceId(p)));
  ops.push(...usageOps(added, released));
  return { ops, version: { ...version, isLatest: latest.id === internalId }, replacedData: released };
}

/** The Azure lease of the key's current (non delete marker) version: see checkLease. */
export function checkCurrentLease(master: LoadedMaster | undefined, leaseId: string, bucket: string, key: string): void {
  const current = master && !master.record.latest.isDeleteMarker ? master.record.latest : undefined;
  checkLease(current?.attributes, leaseId, { bucket, key });
}

/** S3 conditional writes against the key's current (non delete marker) version. */
export function checkConditions(
  master: LoadedMaster | undefined,
  ifMatchEtag: string,
  ifNoneMatch: boolean,
  bucket: string,
  key: string,
): void {
  const current = master && !master.record.latest.isDeleteMarker ? master.record.latest : undefined;
  if (ifMatchEtag !== '') {
    if (current === undefined) throw objectNotFound(bucket, key);
    const wanted = ifMatchEtag.replaceAll('"', '');
    if (wanted !== '*' && wanted !== current.etag) {
      throw new MeshError('PRECONDITION_FAILED', 'ETag does not match', { details: { bucket, key } });
    }
  }
  if (ifNoneMatch && current !== undefined) {
    throw new MeshError('PRECONDITION_FAILED', 'the object exists', { details: { bucket, key } });
  }
}

/**
 * The oplog entry of a written version. Bytes kept inline in the record are left out (a consumer
 * that needs them reads the version): the oplog would otherwise hold every small object twice.
 */
export function putEntry(v: ObjectVersion): OplogDraft {
  const value = v.data.some((p) => p.inline.length > 0) ? { ...v, data: v.data.map((p) => ({ ...p, inline: Buffer.alloc(0) })) } : v;
  return { type: 'put-object', bucket: v.bucket, key: v.key, versionId: v.versionId, value: { $case: 'objectValue', value } };
}

export async function putObject(
  store: KvStore,
  req: metadataV1MetadataService.PutObjectRequest,
): Promise<metadataV1MetadataService.PutObjectResponse> {
  return writeObject(store, req, async () => ({ ops: [], released: [] }));
}

/** PutObject, with more writes (`extra`, planned inside the same retried attempt) in its commit. */
export async function writeObject(
  store: KvStore,
  req: metadataV1MetadataService.PutObjectRequest,
  extra: () => Promise<{ ops: KvOp[]; released: DataLocation[] }>,
): Promise<metadataV1MetadataService.PutObjectResponse> {
  const input = required(req.object, 'object');
  validateObjectKey(input.key);
  // Sizes feed the locations' usage counters: a negative (or fractional) one would corrupt them.
  if (
    !Number.isSafeInteger(input.size) ||
    input.size < 0 ||
    input.data.some((p) => !Number.isSafeInteger(p.size) || p.size < 0 || p.start < 0)
  ) {
    throw new MeshError('INVALID_ARGUMENT', 'object and data sizes are whole numbers of bytes, never negative');
  }
  if (req.forceVersionId !== '' && req.forceVersionId !== NULL_VERSION_ID && !isVersionId(req.forceVersionId)) {
    throw new MeshError('INVALID_VERSION_ID', 'invalid forced version id', { details: { versionId: req.forceVersionId } });
  }
  return withRetry(async () => {
    const bucket = await loadBucketForWrite(store, input.bucket);
    const master = await loadMaster(store, input.bucket, input.key);
    checkConditions(master, req.ifMatchEtag, req.ifNoneMatch, input.bucket, input.key);
    // Replication and ingestion (a forced version id) add versions; they do not answer to leases.
    if (req.forceVersionId === '') checkCurrentLease(master, req.leaseId, input.bucket, input.key);
    const plan = await planWriteVersion(store, bucket, master, { ...input, isDeleteMarker: false }, req.forceVersionId);
    const more = await extra();
    await commitWithOplog(
      store,
      [...plan.ops, ...more.ops, ...(await locationUseOps(store, bucket, plan.version.data))],
      [putEntry(plan.version)],
    );
    return { object: plan.version, replacedData: plan.replacedData, discardedData: more.released };
  });
}

export async function getObject(
  store: KvStore,
  req: metadataV1MetadataService.GetObjectRequest,
): Promise<metadataV1MetadataService.GetObjectResponse> {
  await loadBucket(store, req.bucket);
  // A key no object can have is not found (and never reaches the store, which limits key sizes).
  const master = isPossibleObjectKey(req.key) ? await loadMaster(store, req.bucket, req.key) : undefined;
  if (req.versionId === '') {
    if (master === undefined) throw objectNotFound(req.bucket, req.key);
    if (master.record.latest.isDeleteMarker) throw deleteMarkerError(master.record.latest, true);
    return { object: master.record.latest };
  }
  const id = internalIdOf(master, req.versionId);
  const entry =
    id === undefined || !isPossibleObjectKey(req.key) ? undefined : await store.get('versions', versionKey(req.bucket, req.key, id));
  if (entry === undefined) throw versionNotFound(req.bucket, req.key, req.versionId);
  const isLatest = master?.record.latestId === id;
  const version = { ...decodeVersion(entry.value), isLatest };
  if (version.isDeleteMarker) throw deleteMarkerError(version, isLatest);
  return { object: version };
}

function checkLock(v: ObjectVersion, bypassGovernance: boolean): void {
  if (v.isDeleteMarker) return;
  const details = { bucket: v.bucket, key: v.key, versionId: v.versionId };
  if (v.legalHold) throw new MeshError('OBJECT_LOCKED', 'version is under legal hold', { details });
  const until = v.retention?.retainUntil;
  if (until !== undefined && until.getTime() > Date.now()) {
    const mode = v.retention?.mode.toUpperCase();
    if (mode === 'COMPLIANCE' || !(mode === 'GOVERNANCE' && bypassGovernance)) {
      throw new MeshError('OBJECT_LOCKED', 'version is under retention', { details: { ...details, mode: mode ?? '' } });
    }
  }
}

/** Plans removing one version for good; the master moves to the next version if needed. */
async function planRemoveVersion(
  store: KvStore,
  bucket: string,
  key: string,
  master: LoadedMaster | undefined,
  id: string,
  entry: KvEntry,
): Promise<KvOp[]> {
  const ops: KvOp[] = [{ type: 'delete', table: 'versions', key: entry.key, expectRevision: entry.revision }];
  if (master === undefined) return ops; // cannot happen while a version exists; kept for safety
  const nullId = master.record.nullId === id ? '' : master.record.nullId;
  if (master.record.latestId === id) {
    const next = await firstVersion(store, bucket, key, new Set([id]));
    ops.push(masterOp(bucket, key, master, next ? { latestId: next.id, nullId, latest: { ...next.version, isLatest: true } } : null));
  } else if (nullId !== master.record.nullId) {
    ops.push(masterOp(bucket, key, master, { ...master.record, nullId }));
  } else {
    ops.push({ type: 'check', table: 'objects', key: masterKey(bucket, key), expectRevision: master.entry.revision });
  }
  return ops;
}

export async function deleteObject(
  store: KvStore,
  req: metadataV1MetadataService.DeleteObjectRequest,
): Promise<metadataV1MetadataService.DeleteObjectResponse> {
  validateObjectKey(req.key);
  return withRetry(async () => {
    const bucket = await loadBucketForWrite(store, req.bucket);
    const master = await loadMaster(store, req.bucket, req.key);
    if (req.ifMatchEtag !== '' && req.versionId === '') checkConditions(master, req.ifMatchEtag, false, req.bucket, req.key);
    // Deleting the current version (or hiding it under a delete marker) needs its lease.
    if (req.versionId === '' || internalIdOf(master, req.versionId) === master?.record.latestId) {
      checkCurrentLease(master, req.leaseId, req.bucket, req.key);
    }
    const versioning = bucket.record.bucket.versioning;
    if (req.versionId === '' && versioning !== VersioningState.VERSIONING_STATE_UNSPECIFIED) {
      // Enabled: a new delete marker. Suspended: a null delete marker replacing the null version.
      const marker: ObjectVersion = {
        ...metadataV1Metadata.ObjectVersion.create(),
        bucket: req.bucket,
        key: req.key,
        isDeleteMarker: true,
        ownerId: req.ownerId,
        ownerDisplayName: req.ownerDisplayName,
      };
      const plan = await planWriteVersion(store, bucket, master, marker, '');
      await commitWithOplog(store, plan.ops, [putEntry(plan.version)]);
      return { deleteMarker: plan.version, deleted: undefined, releasedData: plan.replacedData };
    }
    const id = req.versionId === '' ? master?.record.nullId || undefined : internalIdOf(master, req.versionId);
    const entry = id === undefined ? undefined : await store.get('versions', versionKey(req.bucket, req.key, id));
    if (id === undefined || entry === undefined) {
      if (req.versionId === '') return { deleteMarker: undefined, deleted: undefined, releasedData: [] };
      throw versionNotFound(req.bucket, req.key, req.versionId);
    }
    const version = { ...decodeVersion(entry.value), isLatest: master?.record.latestId === id };
    const wanted = req.ifMatchEtag.replaceAll('"', '');
    if (req.versionId !== '' && wanted !== '' && wanted !== '*' && (version.isDeleteMarker || wanted !== version.etag)) {
      throw new MeshError('PRECONDITION_FAILED', 'ETag does not match', { details: { bucket: req.bucket, key: req.key } });
    }
    checkLock(version, req.bypassGovernanceRetention);
    const ops = await planRemoveVersion(store, req.bucket, req.key, master, id, entry);
    const released = await unreferencedData(store, req.bucket, req.key, dataOf(version), new Set([id]));
    await commitWithOplog(
      store,
      [...ops, ...usageOps([], released)],
      [{ type: 'delete-object', bucket: req.bucket, key: req.key, versionId: version.versionId }],
    );
    return { deleteMarker: undefined, deleted: version, releasedData: released };
  });
}

export async function updateObject(
  store: KvStore,
  req: metadataV1MetadataService.UpdateObjectRequest,
): Promise<metadataV1MetadataService.UpdateObjectResponse> {
  validateObjectKey(req.key);
  return withRetry(async () => {
    const master = await loadMaster(store, req.bucket, req.key);
    const id = req.versionId === '' ? master?.record.latestId : internalIdOf(master, req.versionId);
    const entry = id === undefined ? undefined : await store.get('versions', versionKey(req.bucket, req.key, id));
    if (id === undefined || entry === undefined || master === undefined) {
      if (req.versionId === '') {
        await loadBucket(store, req.bucket);
        throw objectNotFound(req.bucket, req.key);
      }
      throw versionNotFound(req.bucket, req.key, req.versionId);
    }
    const current = decodeVersion(entry.value);
    if (req.expectedRevision !== 0 && req.expectedRevision !== current.revision) {
      throw finalError('CONFLICT', 'version revision changed', {
        bucket: req.bucket,
        key: req.key,
        versionId: current.versionId,
        revision: String(current.revision),
      });
    }
    const next: ObjectVersion = { ...current, revision: current.revision + 1 };
    if (req.acl !== undefined) next.acl = req.acl;
    if (req.retention !== undefined) next.retention = req.retention;
    if (req.legalHold !== undefined) next.legalHold = req.legalHold;
    if (req.replication !== undefined) next.replication = req.replication;
    if (req.replaceTags) next.tags = { ...req.tags };
    else if (Object.keys(req.tags).length > 0) next.tags = { ...current.tags, ...req.tags };
    if (req.replaceData) next.data = req.data;
    if (req.replaceHeaders) next.headers = { ...req.headers };
    if (req.replaceUserMetadata) next.userMetadata = { ...req.userMetadata };
    if (Object.keys(req.attributes).length > 0) {
      const attributes = { ...current.attributes };
      for (const [name, value] of Object.entries(req.attributes)) {
        if (value === '') delete attributes[name];
        else attributes[name] = value;
      }
      next.attributes = attributes;
    }
    if (req.replaceHeaders || req.replaceUserMetadata) next.lastModified = new Date();
    const isLatest = master.record.latestId === id;
    const ops: KvOp[] = [
      ...(req.replaceData ? usageOps(dataOf(next), dataOf(current)) : []),
      { type: 'put', table: 'versions', key: entry.key, value: encodeVersion(next), expectRevision: entry.revision },
      isLatest
        ? masterOp(req.bucket, req.key, master, { ...master.record, latest: { ...next, isLatest: true } })
        : { type: 'check', table: 'objects', key: master.entry.key, expectRevision: master.entry.revision },
    ];
    const object = { ...next, isLatest };
    await commitWithOplog(store, ops, [
      {
        type: 'update-object',
        bucket: req.bucket,
        key: req.key,
        versionId: object.versionId,
        value: { $case: 'objectValue', value: object },
      },
    ]);
    return { object };
  });
}
