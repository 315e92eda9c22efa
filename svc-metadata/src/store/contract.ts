// The contract every KvStore implementation must pass: the KV semantics themselves, then the
// S3 namespace built on them (buckets, versioning, listings, multipart, CAS, oplog). It only
// uses the public KvStore interface, so the MongoDB adapter runs it unchanged:
//   runMetadataContract('mongodb', async () => { ...; return { store, close } });
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metadataV1Metadata, metadataV1MetadataService as svc } from '@zenko/gen';
import { MeshError, type Reason } from '@zenko/mesh';
import * as ns from '../namespace/index.js';
import { commonPrefix } from '../namespace/listing.js';
import { counterValue, prefixSuccessor, type CommitRequest, type KvEntry, type KvStore, type ScanOptions } from './kv.js';

type ObjectVersion = metadataV1Metadata.ObjectVersion;
const { VersioningState } = metadataV1Metadata;

export interface OpenedStore {
  store: KvStore;
  close(): Promise<void>;
}

async function rejects(promise: Promise<unknown>, reason: Reason): Promise<MeshError> {
  let caught: unknown;
  await assert.rejects(promise, (err: unknown) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof MeshError, `expected a MeshError, got ${String(caught)}`);
  assert.equal(caught.reason, reason);
  return caught;
}

const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Keys whose UTF-16 order differs from their UTF-8 byte order, plus NUL, '/' and accents. */
const TRICKY_KEYS = [
  'a',
  'a/b',
  'a/c/d',
  'a\0b',
  'a0',
  'ab',
  'b',
  'é',
  'é/x',
  'éa',
  '😀',
  '😀/1',
  '😀😀',
  '\uE000',
  '\uE000/y',
  '\uFFFD',
  '\uFFFF',
  'photos/2024/feb.jpg',
  'photos/2024/jan.jpg',
  'photos/2025/x',
  'photos/readme',
  'z',
];

function dataFor(key: string, tag = ''): metadataV1Metadata.DataLocation {
  return metadataV1Metadata.DataLocation.fromPartial({ location: 'loc', key: `data-${key}-${tag}`, size: 1 });
}

async function makeBucket(
  store: KvStore,
  name: string,
  versioning = VersioningState.VERSIONING_STATE_UNSPECIFIED,
  ownerId = 'owner-1',
): Promise<void> {
  await ns.createBucket(store, svc.CreateBucketRequest.fromPartial({ name, ownerId, location: 'loc' }));
  if (versioning !== VersioningState.VERSIONING_STATE_UNSPECIFIED) {
    await ns.updateBucket(store, svc.UpdateBucketRequest.fromPartial({ name, versioning }));
  }
}

async function setVersioning(store: KvStore, name: string, versioning: metadataV1Metadata.VersioningState): Promise<void> {
  await ns.updateBucket(store, svc.UpdateBucketRequest.fromPartial({ name, versioning }));
}

async function put(
  store: KvStore,
  bucket: string,
  key: string,
  extra: Omit<Partial<svc.PutObjectRequest>, 'object'> & { object?: Partial<ObjectVersion> } = {},
): Promise<svc.PutObjectResponse> {
  const tag = Math.random().toString(36).slice(2);
  const { object, ...rest } = extra;
  return ns.putObject(
    store,
    svc.PutObjectRequest.fromPartial({
      ...rest,
      object: { bucket, key, size: 1, etag: `etag-${tag}`, data: [dataFor(key, tag)], ...object },
    }),
  );
}

const get = (store: KvStore, bucket: string, key: string, versionId = ''): Promise<ObjectVersion> =>
  ns.getObject(store, { bucket, key, versionId }).then((r) => r.object!);

const del = (store: KvStore, bucket: string, key: string, versionId = '', bypassGovernanceRetention = false, leaseId = '') =>
  ns.deleteObject(store, {
    bucket,
    key,
    versionId,
    bypassGovernanceRetention,
    ownerId: 'deleter',
    ownerDisplayName: 'Deleter',
    ifMatchEtag: '',
    leaseId,
  });

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
    }),
  );
}

/** S3 ListObjects over a known key set: the reference the store's listing must match. */
function referenceListing(keys: string[], prefix: string, delimiter: string): { objects: string[]; prefixes: string[] } {
  const objects: string[] = [];
  const prefixes: string[] = [];
  for (const key of keys.filter((k) => k.startsWith(prefix)).sort(byteOrder)) {
    const cp = commonPrefix(key, prefix, delimiter);
    if (cp === undefined) objects.push(key);
    else if (prefixes.at(-1) !== cp) prefixes.push(cp);
  }
  return { objects, prefixes };
}

async function listAllObjects(store: KvStore, bucket: string, prefix: string, delimiter: string, maxKeys: number) {
  const objects: string[] = [];
  const prefixes: string[] = [];
  let marker = '';
  for (let page = 0; ; page++) {
    assert.ok(page < 200, 'listing does not terminate');
    const res = await ns.listObjects(store, { bucket, prefix, delimiter, marker, maxKeys });
    assert.ok(res.objects.length + res.commonPrefixes.length <= maxKeys);
    objects.push(...res.objects.map((o) => o.key));
    prefixes.push(...res.commonPrefixes);
    if (!res.isTruncated) return { objects, prefixes };
    assert.ok(res.objects.length + res.commonPrefixes.length === maxKeys, 'a truncated page is full');
    marker = res.nextMarker;
  }
}

/** `scanned`: entries and keys the scans returned; `values`: the entries whose value was read. */
function countingStore(store: KvStore): { store: KvStore; scanned: () => number; values: () => number } {
  let scanned = 0;
  let values = 0;
  const wrapped: KvStore = {
    get: (t, k) => store.get(t, k),
    scan: async (t, o: ScanOptions) => {
      const page = await store.scan(t, o);
      scanned += page.length;
      values += page.length;
      return page;
    },
    scanKeys: async (t, o: ScanOptions) => {
      const keys = await store.scanKeys(t, o);
      scanned += keys.length;
      return keys;
    },
    commit: (r) => store.commit(r),
    readOplog: (f, l) => store.readOplog(f, l),
    oplogBounds: () => store.oplogBounds(),
    trimOplog: (s) => store.trimOplog(s),
    onOplog: (l) => store.onOplog(l),
    close: () => store.close(),
  };
  return { store: wrapped, scanned: () => scanned, values: () => values };
}

interface Hooks {
  afterGet?(table: string): void;
  afterScan?(table: string): void;
  beforeCommit?(request: CommitRequest): Promise<void>;
  afterCommit?(request: CommitRequest, ok: boolean): void;
}

function signal(): [Promise<void>, () => void] {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return [promise, () => resolve()];
}

/** A store that lets a test stop and resume operations at chosen points. */
function hookedStore(store: KvStore, hooks: Hooks): KvStore {
  return {
    get: async (t, k) => {
      const entry = await store.get(t, k);
      hooks.afterGet?.(t);
      return entry;
    },
    scan: async (t, o) => {
      const page = await store.scan(t, o);
      hooks.afterScan?.(t);
      return page;
    },
    scanKeys: async (t, o) => {
      const keys = await store.scanKeys(t, o);
      hooks.afterScan?.(t);
      return keys;
    },
    commit: async (r) => {
      await hooks.beforeCommit?.(r);
      try {
        const result = await store.commit(r);
        hooks.afterCommit?.(r, true);
        return result;
      } catch (err) {
        hooks.afterCommit?.(r, false);
        throw err;
      }
    },
    readOplog: (f, l) => store.readOplog(f, l),
    oplogBounds: () => store.oplogBounds(),
    trimOplog: (s) => store.trimOplog(s),
    onOplog: (l) => store.onOplog(l),
    close: () => store.close(),
  };
}

export function runMetadataContract(name: string, open: () => Promise<OpenedStore>): void {
  const test = (title: string, fn: (store: KvStore) => Promise<void>): void => {
    it(title, async () => {
      const opened = await open();
      try {
        await fn(opened.store);
      } finally {
        await opened.close();
      }
    });
  };

  describe(`metadata contract: ${name}`, () => {
    describe('kv', () => {
      test('revisions and preconditions', async (store) => {
        const r1 = await store.commit({ ops: [{ type: 'put', table: 'meta', key: 'k', value: bytes('v1'), expectRevision: 0 }] });
        assert.deepEqual(r1.revisions, [1]);
        await rejects(store.commit({ ops: [{ type: 'put', table: 'meta', key: 'k', value: bytes('x'), expectRevision: 0 }] }), 'CONFLICT');
        await rejects(store.commit({ ops: [{ type: 'put', table: 'meta', key: 'k', value: bytes('x'), expectRevision: 2 }] }), 'CONFLICT');
        const r2 = await store.commit({ ops: [{ type: 'put', table: 'meta', key: 'k', value: bytes('v2'), expectRevision: 1 }] });
        assert.deepEqual(r2.revisions, [2]);
        const entry = await store.get('meta', 'k');
        assert.equal(entry?.revision, 2);
        assert.equal(text(entry.value), 'v2');
        assert.equal(await store.get('objects', 'k'), undefined, 'tables are separate');
        await store.commit({ ops: [{ type: 'delete', table: 'meta', key: 'k', expectRevision: 2 }] });
        assert.equal(await store.get('meta', 'k'), undefined);
        await rejects(store.commit({ ops: [{ type: 'put', table: 'meta', key: '', value: bytes('x') }] }), 'INVALID_ARGUMENT');
      });

      test('a failed precondition applies nothing and consumes no oplog sequence', async (store) => {
        await store.commit({ ops: [{ type: 'put', table: 'meta', key: 'guard', value: bytes('g') }], oplog: [bytes('e1')] });
        await rejects(
          store.commit({
            ops: [
              { type: 'put', table: 'meta', key: 'a', value: bytes('a') },
              { type: 'check', table: 'meta', key: 'guard', expectRevision: 7 },
            ],
            oplog: [bytes('lost')],
          }),
          'CONFLICT',
        );
        assert.equal(await store.get('meta', 'a'), undefined);
        const ok = await store.commit({
          ops: [{ type: 'check', table: 'meta', key: 'guard', expectRevision: 1 }],
          oplog: [bytes('e2'), bytes('e3')],
        });
        assert.deepEqual(ok.sequences, [2, 3]);
        const records = await store.readOplog(1, 10);
        assert.deepEqual(
          records.map((r) => [r.sequence, text(r.payload)]),
          [
            [1, 'e1'],
            [2, 'e2'],
            [3, 'e3'],
          ],
        );
      });

      test('add ops keep counters: created at 0, every concurrent add counts, nothing applied when the commit fails', async (store) => {
        const value = async (key: string): Promise<number> => counterValue((await store.get('meta', key))?.value);
        assert.equal(await value('n'), 0);
        const r = await store.commit({
          ops: [
            { type: 'add', table: 'meta', key: 'n', delta: 5 },
            { type: 'add', table: 'meta', key: 'n', delta: -2 },
          ],
        });
        assert.deepEqual(r.revisions, [1, 2], 'each add is a write');
        assert.equal(await value('n'), 3);
        await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            store.commit({ ops: [{ type: 'add', table: 'meta', key: 'n', delta: i }], oplog: [bytes(`e${i}`)] }),
          ),
        );
        assert.equal(await value('n'), 3 + 190);
        await rejects(
          store.commit({
            ops: [
              { type: 'add', table: 'meta', key: 'n', delta: 1000 },
              { type: 'check', table: 'meta', key: 'absent', expectRevision: 4 },
            ],
          }),
          'CONFLICT',
        );
        assert.equal(await value('n'), 193);
        await store.commit({ ops: [{ type: 'delete', table: 'meta', key: 'n' }] });
        await store.commit({ ops: [{ type: 'add', table: 'meta', key: 'n', delta: 0.5 }] });
        assert.equal(await value('n'), 0.5, 'a deleted counter starts again at 0');
      });

      test('scan follows UTF-8 byte order with every bound', async (store) => {
        await store.commit({
          ops: TRICKY_KEYS.map((key) => ({ type: 'put' as const, table: 'objects' as const, key, value: bytes(key) })),
        });
        const sorted = [...TRICKY_KEYS].sort(byteOrder);
        assert.notDeepEqual(sorted, [...TRICKY_KEYS].sort(), 'the key set tells UTF-8 from UTF-16 order');
        const keys = (page: KvEntry[]): string[] => page.map((e) => e.key);
        assert.deepEqual(keys(await store.scan('objects', { limit: 100 })), sorted);
        const cases: ScanOptions[] = [
          { gt: 'a', lt: 'é', limit: 100 },
          { gte: 'a/b', lte: '😀', limit: 100 },
          { gt: '\uE000', limit: 100 },
          { gte: 'photos/', lt: prefixSuccessor('photos/')!, limit: 100 },
          { lt: '\uFFFD', reverse: true, limit: 100 },
          { gte: 'a', lte: 'z', reverse: true, limit: 3 },
          { gt: 'a', lt: 'b', reverse: true, limit: 100 },
          { gte: 'b', limit: 2 },
          { gt: 'a', gte: 'a/b', lt: 'z', lte: 'é', limit: 100 },
          { gte: 'a', gt: 'a', lte: 'b', lt: 'b', reverse: true, limit: 100 },
          { gte: 'é', lte: 'é', limit: 100 },
          { gt: 'é', lte: 'é', limit: 100 },
          { gt: 'z', lt: 'a', limit: 100 },
          { gte: 'a', limit: 0 },
        ];
        for (const options of cases) {
          const inRange = sorted.filter(
            (k) =>
              (options.gt === undefined || byteOrder(k, options.gt) > 0) &&
              (options.gte === undefined || byteOrder(k, options.gte) >= 0) &&
              (options.lt === undefined || byteOrder(k, options.lt) < 0) &&
              (options.lte === undefined || byteOrder(k, options.lte) <= 0),
          );
          const expected = (options.reverse ? inRange.reverse() : inRange).slice(0, options.limit);
          assert.deepEqual(keys(await store.scan('objects', options)), expected, JSON.stringify(options));
          assert.deepEqual(await store.scanKeys('objects', options), expected, `scanKeys ${JSON.stringify(options)}`);
        }
      });

      test('prefixSuccessor bounds every key with the prefix', () => {
        for (const prefix of ['a', 'a/', 'é', '😀', '\uD7FF', 'x\u{10FFFF}']) {
          const next = prefixSuccessor(prefix)!;
          for (const suffix of ['', '\0', 'z', '\uFFFF', '😀', '\u{10FFFF}\u{10FFFF}']) {
            assert.ok(byteOrder(prefix + suffix, next) < 0, `${prefix}+${suffix}`);
          }
          assert.ok(!next.startsWith(prefix));
        }
        assert.equal(prefixSuccessor('\u{10FFFF}'), undefined);
        return Promise.resolve();
      });

      test('concurrent commits: one winner per key, gap-free oplog', async (store) => {
        const results = await Promise.allSettled(
          Array.from({ length: 40 }, (_, i) =>
            store.commit({
              ops: [{ type: 'put', table: 'meta', key: `k${i % 4}`, value: bytes(String(i)), expectRevision: 0 }],
              oplog: [bytes(String(i))],
            }),
          ),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        assert.equal(won.length, 4);
        for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as MeshError).reason, 'CONFLICT');
        const records = await store.readOplog(1, 100);
        assert.deepEqual(
          records.map((r) => r.sequence),
          [1, 2, 3, 4],
        );
        assert.deepEqual(await store.oplogBounds(), { first: 1, last: 4 });
      });

      test('oplog trimming and notifications', async (store) => {
        const seen: number[] = [];
        const stop = store.onOplog((last) => seen.push(last));
        for (let i = 0; i < 5; i++) await store.commit({ ops: [], oplog: [bytes(`e${i}`), bytes(`f${i}`)] });
        stop();
        assert.deepEqual(seen, [2, 4, 6, 8, 10]);
        assert.equal(await store.trimOplog(4), 4);
        assert.deepEqual(await store.oplogBounds(), { first: 5, last: 10 });
        await rejects(store.readOplog(4, 10), 'OPLOG_POSITION_TRIMMED');
        assert.deepEqual(
          (await store.readOplog(5, 2)).map((r) => r.sequence),
          [5, 6],
        );
        assert.equal(await store.trimOplog(100), 6);
        assert.deepEqual(await store.oplogBounds(), { first: 11, last: 10 });
        const next = await store.commit({ ops: [], oplog: [bytes('after')] });
        assert.deepEqual(next.sequences, [11], 'sequences continue after trimming everything');
      });
    });

    describe('buckets', () => {
      test('create, get, list, validate names', async (store) => {
        await makeBucket(store, 'alpha', undefined, 'o1');
        await makeBucket(store, 'beta', undefined, 'o2');
        await makeBucket(store, 'gamma.example', undefined, 'o1');
        await rejects(makeBucket(store, 'alpha', undefined, 'o1'), 'BUCKET_ALREADY_OWNED_BY_YOU');
        await rejects(makeBucket(store, 'alpha', undefined, 'o2'), 'BUCKET_ALREADY_EXISTS');
        for (const bad of [
          'ab',
          'A-bucket',
          'a'.repeat(64),
          '-abc',
          'abc-',
          'a..b',
          '192.168.1.1',
          'xn--abc',
          'abc-s3alias',
          'a_b',
          'a.-b',
        ]) {
          await rejects(makeBucket(store, bad), 'INVALID_BUCKET_NAME');
        }
        const got = await ns.getBucket(store, { name: 'alpha' });
        assert.equal(got.bucket?.ownerId, 'o1');
        assert.equal(got.bucket?.versioning, VersioningState.VERSIONING_STATE_UNSPECIFIED);
        await rejects(ns.getBucket(store, { name: 'nope' }), 'BUCKET_NOT_FOUND');
        const mine = await ns.listBuckets(store, { ownerId: 'o1' });
        assert.deepEqual(
          mine.buckets.map((b) => b.name),
          ['alpha', 'gamma.example'],
        );
        assert.equal((await ns.listBuckets(store, { ownerId: '' })).buckets.length, 3);
      });

      test('update: versioning, attributes, object lock, revision CAS', async (store) => {
        await makeBucket(store, 'upd');
        const r1 = await ns.updateBucket(
          store,
          svc.UpdateBucketRequest.fromPartial({ name: 'upd', attributes: { cors: '{"a":1}', policy: 'p' } }),
        );
        assert.deepEqual(r1.bucket?.attributes, { cors: '{"a":1}', policy: 'p' });
        const r2 = await ns.updateBucket(
          store,
          svc.UpdateBucketRequest.fromPartial({
            name: 'upd',
            expectedRevision: r1.bucket.revision,
            versioning: VersioningState.VERSIONING_STATE_ENABLED,
            attributes: { cors: '' },
          }),
        );
        assert.deepEqual(r2.bucket?.attributes, { policy: 'p' });
        assert.equal(r2.bucket?.versioning, VersioningState.VERSIONING_STATE_ENABLED);
        await rejects(
          ns.updateBucket(
            store,
            svc.UpdateBucketRequest.fromPartial({ name: 'upd', expectedRevision: r1.bucket.revision, attributes: { x: 'y' } }),
          ),
          'CONFLICT',
        );
        await rejects(
          ns.updateBucket(
            store,
            svc.UpdateBucketRequest.fromPartial({ name: 'upd', versioning: VersioningState.VERSIONING_STATE_UNSPECIFIED }),
          ),
          'INVALID_ARGUMENT',
        );
        await ns.updateBucket(store, svc.UpdateBucketRequest.fromPartial({ name: 'upd', objectLockEnabled: true }));
        await rejects(
          ns.updateBucket(
            store,
            svc.UpdateBucketRequest.fromPartial({ name: 'upd', versioning: VersioningState.VERSIONING_STATE_SUSPENDED }),
          ),
          'INVALID_ARGUMENT',
        );
        await rejects(ns.updateBucket(store, svc.UpdateBucketRequest.fromPartial({ name: 'missing' })), 'BUCKET_NOT_FOUND');
      });

      test('20 concurrent attribute updates are all kept', async (store) => {
        await makeBucket(store, 'many');
        await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            ns.updateBucket(store, svc.UpdateBucketRequest.fromPartial({ name: 'many', attributes: { [`a${i}`]: String(i) } })),
          ),
        );
        const { bucket } = await ns.getBucket(store, { name: 'many' });
        assert.equal(Object.keys(bucket!.attributes).length, 20);
        assert.equal(bucket!.revision, 21);
      });

      test('delete refuses versions, delete markers and uploads', async (store) => {
        await makeBucket(store, 'full', VersioningState.VERSIONING_STATE_ENABLED);
        const v = await put(store, 'full', 'k');
        await rejects(ns.deleteBucket(store, { name: 'full', leaseId: '' }), 'BUCKET_NOT_EMPTY');
        const marker = await del(store, 'full', 'k');
        await del(store, 'full', 'k', v.object!.versionId);
        await rejects(ns.deleteBucket(store, { name: 'full', leaseId: '' }), 'BUCKET_NOT_EMPTY');
        await del(store, 'full', 'k', marker.deleteMarker!.versionId);
        const { upload } = await ns.createMultipartUpload(store, {
          upload: metadataV1Metadata.MultipartUpload.fromPartial({ bucket: 'full', key: 'm' }),
        });
        await rejects(ns.deleteBucket(store, { name: 'full', leaseId: '' }), 'BUCKET_NOT_EMPTY');
        await put(store, 'full', 'after-refusal'); // the refused delete left no fence behind
        await del(store, 'full', 'after-refusal', (await get(store, 'full', 'after-refusal')).versionId);
        await ns.abortMultipartUpload(store, { bucket: 'full', key: 'm', uploadId: upload!.uploadId });
        await ns.deleteBucket(store, { name: 'full', leaseId: '' });
        await rejects(ns.getBucket(store, { name: 'full' }), 'BUCKET_NOT_FOUND');
        await rejects(ns.deleteBucket(store, { name: 'full', leaseId: '' }), 'BUCKET_NOT_FOUND');
        await rejects(put(store, 'full', 'k'), 'BUCKET_NOT_FOUND');
      });

      test('delete racing with puts never leaves orphan versions', async (store) => {
        for (let round = 0; round < 5; round++) {
          const bucket = `race-${round}`;
          await makeBucket(store, bucket);
          const puts = Array.from({ length: 10 }, (_, i) => put(store, bucket, `k${i}`));
          const deletion = ns.deleteBucket(store, { name: bucket, leaseId: '' });
          const [deleted, ...written] = await Promise.allSettled([deletion, ...puts]);
          const succeeded = written.filter((w) => w.status === 'fulfilled').length;
          if (deleted.status === 'fulfilled') {
            for (const w of written) if (w.status === 'rejected') assert.equal((w.reason as MeshError).reason, 'BUCKET_NOT_FOUND');
            const left = await store.scan('versions', { gte: `${bucket}\0`, lt: `${bucket}\x01`, limit: 1 });
            assert.deepEqual(left, [], 'no version survives its bucket');
            assert.equal(succeeded, 0);
          } else {
            assert.equal((deleted.reason as MeshError).reason, 'BUCKET_NOT_EMPTY');
            assert.ok(succeeded > 0);
          }
        }
      });
      test('a put that read the bucket before a delete fenced it cannot commit after the check', async (store) => {
        await makeBucket(store, 'gate');
        const writes = (r: CommitRequest, table: string, type: string): boolean =>
          r.ops.some((op) => op.table === table && op.type === type);
        const [putRead, onPutRead] = signal();
        const [checked, onChecked] = signal();
        const [release, releaseDelete] = signal();
        let fenced = false;
        let readsAfterFence = 0;
        let putAttempts = 0;
        // The put reads the bucket, then the delete fences it and checks emptiness, then the put
        // commits (and retries); the delete commits only after the put's second try.
        const hooked = hookedStore(store, {
          afterGet: (table) => {
            if (table === 'objects') onPutRead();
            if (table === 'buckets' && fenced && ++readsAfterFence >= 2) releaseDelete();
          },
          afterScan: (table) => {
            if (table === 'versions' && fenced) onChecked();
          },
          beforeCommit: async (r) => {
            if (writes(r, 'versions', 'put')) await checked;
            if (writes(r, 'buckets', 'delete')) await release;
          },
          afterCommit: (r) => {
            if (writes(r, 'buckets', 'put')) fenced = true;
            if (writes(r, 'versions', 'put') && ++putAttempts >= 2) releaseDelete();
          },
        });
        const putting = put(hooked, 'gate', 'k').finally(() => releaseDelete());
        await putRead;
        const [deleted, written] = await Promise.allSettled([ns.deleteBucket(hooked, { name: 'gate', leaseId: '' }), putting]);
        const versions = await store.scan('versions', { gte: 'gate\0', lt: 'gate\x01', limit: 1 });
        if (deleted.status === 'fulfilled') {
          assert.deepEqual(versions, [], 'no version survives its bucket');
          assert.equal(written.status, 'rejected');
        } else {
          assert.equal(written.status, 'fulfilled');
        }
      });
    });

    describe('objects', () => {
      test('unversioned bucket: put replaces, reports replaced data, delete removes', async (store) => {
        await makeBucket(store, 'plain');
        const first = await put(store, 'plain', 'k');
        assert.equal(first.object?.versionId, 'null');
        assert.equal(first.object?.isLatest, true);
        assert.deepEqual(first.replacedData, []);
        const second = await put(store, 'plain', 'k');
        assert.deepEqual(second.replacedData, first.object.data);
        assert.equal((await get(store, 'plain', 'k')).etag, second.object!.etag);
        assert.equal((await get(store, 'plain', 'k', 'null')).etag, second.object!.etag);
        const versions = await ns.listObjectVersions(store, svc.ListObjectVersionsRequest.fromPartial({ bucket: 'plain' }));
        assert.equal(versions.versions.length, 1);
        const gone = await del(store, 'plain', 'k');
        assert.equal(gone.deleteMarker, undefined);
        assert.deepEqual(gone.releasedData, second.object!.data);
        await rejects(get(store, 'plain', 'k'), 'OBJECT_NOT_FOUND');
        const again = await del(store, 'plain', 'k');
        assert.equal(again.deleted, undefined, 'deleting a missing key is a no-op');
        await rejects(get(store, 'nobucket', 'k'), 'BUCKET_NOT_FOUND');
      });

      test('keys: any Unicode with NUL and slash, 1024 bytes at most', async (store) => {
        await makeBucket(store, 'keys');
        for (const key of ['a\0b', '/', '//x//', '😀\0😀', 'é'.repeat(512), 'x'.repeat(1024)]) {
          await put(store, 'keys', key);
          assert.equal((await get(store, 'keys', key)).key, key);
        }
        await rejects(put(store, 'keys', 'x'.repeat(1025)), 'KEY_TOO_LONG');
        await rejects(put(store, 'keys', 'é'.repeat(513)), 'KEY_TOO_LONG');
        await rejects(put(store, 'keys', ''), 'INVALID_ARGUMENT');
        await rejects(get(store, 'keys', 'a'), 'OBJECT_NOT_FOUND');
        await rejects(get(store, 'keys', 'a\0'), 'OBJECT_NOT_FOUND');
      });

      test('versioning enabled: versions newest first, delete markers, delete by id', async (store) => {
        await makeBucket(store, 'ver', VersioningState.VERSIONING_STATE_ENABLED);
        const v1 = (await put(store, 'ver', 'k')).object!;
        const v2 = (await put(store, 'ver', 'k')).object!;
        assert.notEqual(v1.versionId, v2.versionId);
        assert.ok(byteOrder(v2.versionId, v1.versionId) < 0, 'newer ids sort first');
        assert.equal((await get(store, 'ver', 'k')).versionId, v2.versionId);
        assert.equal((await get(store, 'ver', 'k', v1.versionId)).isLatest, false);
        const marker = (await del(store, 'ver', 'k')).deleteMarker!;
        assert.equal(marker.isDeleteMarker, true);
        assert.deepEqual([marker.ownerId, marker.ownerDisplayName], ['deleter', 'Deleter'], 'a delete marker records who deleted');
        const err = await rejects(get(store, 'ver', 'k'), 'DELETE_MARKER');
        assert.equal(err.details['versionId'], marker.versionId);
        await rejects(get(store, 'ver', 'k', marker.versionId), 'DELETE_MARKER');
        assert.equal((await get(store, 'ver', 'k', v2.versionId)).etag, v2.etag);
        const listed = await ns.listObjects(store, svc.ListObjectsRequest.fromPartial({ bucket: 'ver' }));
        assert.deepEqual(listed.objects, [], 'a key whose latest is a delete marker is not listed');
        // Removing the marker brings v2 back; removing v2 brings v1 back.
        await del(store, 'ver', 'k', marker.versionId);
        assert.equal((await get(store, 'ver', 'k')).versionId, v2.versionId);
        const removed = await del(store, 'ver', 'k', v2.versionId);
        assert.deepEqual(removed.releasedData, v2.data);
        const now = await get(store, 'ver', 'k');
        assert.equal(now.versionId, v1.versionId);
        assert.equal(now.isLatest, true);
        await rejects(get(store, 'ver', 'k', v2.versionId), 'VERSION_NOT_FOUND');
        await rejects(del(store, 'ver', 'k', v2.versionId), 'VERSION_NOT_FOUND');
        await rejects(get(store, 'ver', 'k', 'not-a-version'), 'INVALID_VERSION_ID');
        await rejects(get(store, 'ver', 'k', 'null'), 'VERSION_NOT_FOUND');
        await del(store, 'ver', 'k', v1.versionId);
        await rejects(get(store, 'ver', 'k'), 'OBJECT_NOT_FOUND');
      });

      test('suspended versioning: the null version is replaced, null delete markers', async (store) => {
        await makeBucket(store, 'susp');
        const before = (await put(store, 'susp', 'k')).object!; // null version from the unversioned era
        await setVersioning(store, 'susp', VersioningState.VERSIONING_STATE_ENABLED);
        const v1 = (await put(store, 'susp', 'k')).object!;
        assert.equal((await get(store, 'susp', 'k', 'null')).etag, before.etag, 'the old null version survives');
        await setVersioning(store, 'susp', VersioningState.VERSIONING_STATE_SUSPENDED);
        const n1 = await put(store, 'susp', 'k');
        assert.equal(n1.object!.versionId, 'null');
        assert.deepEqual(n1.replacedData, before.data, 'the previous null version is replaced');
        const n2 = await put(store, 'susp', 'k');
        assert.deepEqual(n2.replacedData, n1.object!.data);
        assert.equal((await get(store, 'susp', 'k', v1.versionId)).etag, v1.etag, 'real versions are kept');
        const marker = await del(store, 'susp', 'k');
        assert.equal(marker.deleteMarker?.versionId, 'null');
        assert.deepEqual(marker.releasedData, n2.object!.data);
        await rejects(get(store, 'susp', 'k'), 'DELETE_MARKER');
        const versions = await ns.listObjectVersions(store, svc.ListObjectVersionsRequest.fromPartial({ bucket: 'susp' }));
        assert.deepEqual(
          versions.versions.map((v) => [v.versionId, v.isDeleteMarker, v.isLatest]),
          [
            ['null', true, true],
            [v1.versionId, false, false],
          ],
        );
        await del(store, 'susp', 'k', 'null');
        assert.equal((await get(store, 'susp', 'k')).versionId, v1.versionId);
      });

      test('conditional writes', async (store) => {
        await makeBucket(store, 'cond', VersioningState.VERSIONING_STATE_ENABLED);
        await rejects(put(store, 'cond', 'k', { ifMatchEtag: '"abc"' }), 'OBJECT_NOT_FOUND');
        const v1 = (await put(store, 'cond', 'k', { ifNoneMatch: true })).object!;
        await rejects(put(store, 'cond', 'k', { ifNoneMatch: true }), 'PRECONDITION_FAILED');
        await rejects(put(store, 'cond', 'k', { ifMatchEtag: '"other"' }), 'PRECONDITION_FAILED');
        await put(store, 'cond', 'k', { ifMatchEtag: `"${v1.etag}"` });
        await del(store, 'cond', 'k');
        await put(store, 'cond', 'k', { ifNoneMatch: true }); // a delete marker is no current version
        // Conditional deletes: the current version (or the one named) must have the ETag.
        const current = await get(store, 'cond', 'k');
        const delIf = (etag: string, versionId = '') =>
          ns.deleteObject(store, {
            bucket: 'cond',
            key: 'k',
            versionId,
            bypassGovernanceRetention: false,
            ownerId: 'd',
            ownerDisplayName: 'D',
            ifMatchEtag: etag,
            leaseId: '',
          });
        await rejects(delIf('"other"'), 'PRECONDITION_FAILED');
        await rejects(delIf('"other"', current.versionId), 'PRECONDITION_FAILED');
        assert.equal((await get(store, 'cond', 'k')).versionId, current.versionId, 'nothing deleted');
        await delIf(current.etag, current.versionId);
        await rejects(delIf('*'), 'OBJECT_NOT_FOUND');
      });

      test('an active Azure lease refuses writes and deletes without its id; expired or broken ones do not', async (store) => {
        await makeBucket(store, 'leased');
        const lease = (fields: Record<string, unknown>) => ({ 'azure-lease': JSON.stringify({ id: 'L-1', duration: -1, ...fields }) });
        await put(store, 'leased', 'k', { object: { attributes: lease({ state: 'leased' }) } });
        await rejects(put(store, 'leased', 'k'), 'LEASE_HELD');
        await rejects(put(store, 'leased', 'k', { leaseId: 'other' }), 'LEASE_HELD');
        await rejects(del(store, 'leased', 'k'), 'LEASE_HELD');
        const current = await get(store, 'leased', 'k');
        await rejects(del(store, 'leased', 'k', current.versionId), 'LEASE_HELD');
        // With its id (any case): allowed; the write keeps the lease only if it carries it.
        await put(store, 'leased', 'k', {
          leaseId: 'l-1',
          object: { attributes: lease({ state: 'breaking', breakAt: Date.now() + 60_000 }) },
        });
        await rejects(put(store, 'leased', 'k'), 'LEASE_HELD');
        await put(store, 'leased', 'k', { leaseId: 'L-1', object: { attributes: lease({ state: 'breaking', breakAt: Date.now() - 1 }) } });
        await put(store, 'leased', 'k', { object: { attributes: lease({ state: 'leased', duration: 15, expiresAt: Date.now() - 1 }) } });
        await put(store, 'leased', 'k', { object: { attributes: lease({ state: 'leased' }) } });
        await del(store, 'leased', 'k', '', false, '*');
        // A container's lease guards the bucket's delete.
        await ns.createBucket(
          store,
          svc.CreateBucketRequest.fromPartial({ name: 'leased-c', ownerId: 'o', location: 'loc', attributes: lease({ state: 'leased' }) }),
        );
        await rejects(ns.deleteBucket(store, { name: 'leased-c', leaseId: '' }), 'LEASE_HELD');
        await ns.deleteBucket(store, { name: 'leased-c', leaseId: 'L-1' });
      });

      test('forced version ids (replication)', async (store) => {
        await makeBucket(store, 'repl', VersioningState.VERSIONING_STATE_ENABLED);
        const newer = (await put(store, 'repl', 'k')).object!;
        const older = `${'f'.repeat(12)}0000abcdef`; // sorts after every generated id: older
        const forced = await put(store, 'repl', 'k', { forceVersionId: older, object: { lastModified: new Date(1000) } });
        assert.equal(forced.object!.versionId, older);
        assert.equal(forced.object!.isLatest, false);
        assert.equal(forced.object!.lastModified?.getTime(), 1000);
        assert.equal((await get(store, 'repl', 'k')).versionId, newer.versionId);
        const replay = await put(store, 'repl', 'k', { forceVersionId: older });
        assert.deepEqual(replay.replacedData, forced.object!.data, 'rewriting the same id replaces it');
        const all = await ns.listObjectVersions(store, svc.ListObjectVersionsRequest.fromPartial({ bucket: 'repl' }));
        assert.deepEqual(
          all.versions.map((v) => v.versionId),
          [newer.versionId, older],
        );
        await rejects(put(store, 'repl', 'k', { forceVersionId: 'bad id' }), 'INVALID_VERSION_ID');
      });

      test('object lock: legal hold and retention', async (store) => {
        await makeBucket(store, 'lock', VersioningState.VERSIONING_STATE_ENABLED);
        const future = new Date(Date.now() + 3_600_000);
        const held = (await put(store, 'lock', 'held')).object!;
        await ns.updateObject(store, svc.UpdateObjectRequest.fromPartial({ bucket: 'lock', key: 'held', legalHold: true }));
        await rejects(del(store, 'lock', 'held', held.versionId, true), 'OBJECT_LOCKED');
        const marker = await del(store, 'lock', 'held'); // a delete marker is always allowed
        assert.ok(marker.deleteMarker);
        await ns.updateObject(
          store,
          svc.UpdateObjectRequest.fromPartial({ bucket: 'lock', key: 'held', versionId: held.versionId, legalHold: false }),
        );
        await del(store, 'lock', 'held', held.versionId);

        const gov = (await put(store, 'lock', 'gov', { object: { retention: { mode: 'GOVERNANCE', retainUntil: future } } })).object!;
        await rejects(del(store, 'lock', 'gov', gov.versionId), 'OBJECT_LOCKED');
        await del(store, 'lock', 'gov', gov.versionId, true);

        const comp = (await put(store, 'lock', 'comp', { object: { retention: { mode: 'COMPLIANCE', retainUntil: future } } })).object!;
        await rejects(del(store, 'lock', 'comp', comp.versionId, true), 'OBJECT_LOCKED');
        const expired = (await put(store, 'lock', 'old', { object: { retention: { mode: 'COMPLIANCE', retainUntil: new Date(1000) } } }))
          .object!;
        await del(store, 'lock', 'old', expired.versionId);
      });

      test('update object: sub-documents, CAS, 20 concurrent tag updates', async (store) => {
        await makeBucket(store, 'upd', VersioningState.VERSIONING_STATE_ENABLED);
        const v1 = (await put(store, 'upd', 'k', { object: { tags: { base: '1' } } })).object!;
        const v2 = (await put(store, 'upd', 'k')).object!;
        await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            ns.updateObject(store, svc.UpdateObjectRequest.fromPartial({ bucket: 'upd', key: 'k', tags: { [`t${i}`]: String(i) } })),
          ),
        );
        const latest = await get(store, 'upd', 'k');
        assert.equal(Object.keys(latest.tags).length, 20, 'every concurrent update is kept');
        assert.equal(latest.revision, 21);
        assert.deepEqual((await get(store, 'upd', 'k', v2.versionId)).tags, latest.tags, 'master and version agree');
        await rejects(
          ns.updateObject(store, svc.UpdateObjectRequest.fromPartial({ bucket: 'upd', key: 'k', expectedRevision: 3, acl: 'x' })),
          'CONFLICT',
        );
        const replication = metadataV1Metadata.ReplicationInfo.fromPartial({
          status: metadataV1Metadata.ReplicationStatus.REPLICATION_STATUS_PENDING,
          sites: [{ site: 'aws', status: metadataV1Metadata.ReplicationStatus.REPLICATION_STATUS_PENDING }],
        });
        const updated = await ns.updateObject(
          store,
          svc.UpdateObjectRequest.fromPartial({
            bucket: 'upd',
            key: 'k',
            versionId: v1.versionId,
            expectedRevision: 1,
            replication,
            acl: '{"grants":[]}',
            replaceTags: true,
            tags: { only: 'one' },
            replaceData: true,
            data: [dataFor('moved')],
          }),
        );
        assert.equal(updated.object?.isLatest, false);
        const old = await get(store, 'upd', 'k', v1.versionId);
        assert.deepEqual(old.tags, { only: 'one' });
        assert.deepEqual(old.replication, replication);
        assert.equal(old.acl, '{"grants":[]}');
        assert.deepEqual(old.data, [dataFor('moved')]);
        assert.equal(Object.keys((await get(store, 'upd', 'k')).tags).length, 20, 'the latest is untouched');
        // Attributes are set and removed one by one, without touching last_modified.
        const before = await get(store, 'upd', 'k');
        await ns.updateObject(store, svc.UpdateObjectRequest.fromPartial({ bucket: 'upd', key: 'k', attributes: { a: '1', b: '2' } }));
        await ns.updateObject(store, svc.UpdateObjectRequest.fromPartial({ bucket: 'upd', key: 'k', attributes: { a: '', c: '3' } }));
        const withAttributes = await get(store, 'upd', 'k');
        assert.deepEqual(withAttributes.attributes, { b: '2', c: '3' });
        assert.deepEqual(withAttributes.lastModified, before.lastModified);
        assert.equal(withAttributes.revision, before.revision + 2);
        await rejects(ns.updateObject(store, svc.UpdateObjectRequest.fromPartial({ bucket: 'upd', key: 'nope' })), 'OBJECT_NOT_FOUND');
      });

      test('20 concurrent puts of one key make 20 versions, one latest', async (store) => {
        await makeBucket(store, 'conc', VersioningState.VERSIONING_STATE_ENABLED);
        const written = await Promise.all(Array.from({ length: 20 }, () => put(store, 'conc', 'k')));
        const res = await ns.listObjectVersions(store, svc.ListObjectVersionsRequest.fromPartial({ bucket: 'conc' }));
        assert.equal(res.versions.length, 20);
        assert.equal(res.versions.filter((v) => v.isLatest).length, 1);
        assert.equal(res.versions[0]!.isLatest, true);
        assert.equal((await get(store, 'conc', 'k')).versionId, res.versions[0]!.versionId);
        assert.deepEqual(new Set(res.versions.map((v) => v.versionId)), new Set(written.map((w) => w.object!.versionId)));
      });
      test('location usage follows the pieces committed versions reference', async (store) => {
        const usage = (location = 'loc'): Promise<number> => ns.locationUsage(store, location);
        await makeBucket(store, 'usage-u');
        await put(store, 'usage-u', 'a');
        await put(store, 'usage-u', 'a');
        await put(store, 'usage-u', 'b');
        assert.equal(await usage(), 2, 'an overwrite in an unversioned bucket replaces the bytes');
        await del(store, 'usage-u', 'a');
        assert.equal(await usage(), 1);
        await del(store, 'usage-u', 'a');
        assert.equal(await usage(), 1, 'deleting nothing changes nothing');
        const elsewhere = metadataV1Metadata.DataLocation.fromPartial({ location: 'other', key: 'far', size: 5 });
        await rejects(put(store, 'usage-u', 'far', { object: { size: 5, data: [elsewhere] } }), 'LOCATION_NOT_FOUND');
        assert.equal(await usage('other'), 0, 'no version names a location without its record');
        await store.commit({ ops: [{ type: 'put', table: 'locations', key: `${ns.LOCATION_KEY_PREFIX}other`, value: new Uint8Array(0) }] });
        await put(store, 'usage-u', 'far', { object: { size: 5, data: [elsewhere] } });
        assert.deepEqual([await usage(), await usage('other')], [1, 5], 'each location counts its own pieces');
        const moved = metadataV1Metadata.DataLocation.fromPartial({ location: 'other', key: 'moved', size: 3 });
        await ns.updateObject(
          store,
          svc.UpdateObjectRequest.fromPartial({ bucket: 'usage-u', key: 'b', replaceData: true, data: [moved] }),
        );
        assert.deepEqual([await usage(), await usage('other')], [0, 8], 'replacing data moves its bytes');

        await makeBucket(store, 'usage-v', VersioningState.VERSIONING_STATE_ENABLED);
        const first = await put(store, 'usage-v', 'k');
        await put(store, 'usage-v', 'k');
        await del(store, 'usage-v', 'k');
        assert.equal(await usage(), 2, 'versions and delete markers: every version keeps its bytes');
        await del(store, 'usage-v', 'k', first.object!.versionId);
        assert.equal(await usage(), 1);
        await rejects(put(store, 'usage-u', 'far', { ifMatchEtag: 'nope', object: { size: 5, data: [elsewhere] } }), 'PRECONDITION_FAILED');
        assert.deepEqual([await usage(), await usage('other')], [1, 8], 'a refused write counts nothing');
      });
    });

    describe('listings', () => {
      test('ListObjects: byte order, prefixes, delimiters, every page size', async (store) => {
        await makeBucket(store, 'list', VersioningState.VERSIONING_STATE_ENABLED);
        await pool(TRICKY_KEYS, 8, (k) => put(store, 'list', k));
        await put(store, 'list', 'hidden');
        await del(store, 'list', 'hidden');
        for (const prefix of ['', 'a', 'photos/', 'photos/2024/', '😀', 'é', 'none']) {
          for (const delimiter of ['', '/', 'é', '/2']) {
            const expected = referenceListing(TRICKY_KEYS, prefix, delimiter);
            for (const maxKeys of [1, 2, 3, 1000]) {
              const got = await listAllObjects(store, 'list', prefix, delimiter, maxKeys);
              assert.deepEqual(got, expected, `prefix=${prefix} delimiter=${delimiter} max=${maxKeys}`);
            }
          }
        }
        const first = await ns.listObjects(store, svc.ListObjectsRequest.fromPartial({ bucket: 'list', maxKeys: 5000 }));
        assert.equal(first.objects.length, TRICKY_KEYS.length, 'max_keys is capped, not an error');
      });

      test('ListObjects: markers inside and outside common prefixes', async (store) => {
        await makeBucket(store, 'mark');
        await pool(TRICKY_KEYS, 8, (k) => put(store, 'mark', k));
        const sorted = [...TRICKY_KEYS].sort(byteOrder);
        for (const marker of ['a/b', 'a/', 'photos/2024/feb.jpg', '😀', '\uE000', 'zz', '0']) {
          const res = await ns.listObjects(store, svc.ListObjectsRequest.fromPartial({ bucket: 'mark', marker }));
          assert.deepEqual(
            res.objects.map((o) => o.key),
            sorted.filter((k) => byteOrder(k, marker) > 0),
            marker,
          );
        }
        // With a delimiter, a marker inside a common prefix skips the whole prefix (S3 behaviour).
        const res = await ns.listObjects(
          store,
          svc.ListObjectsRequest.fromPartial({ bucket: 'mark', delimiter: '/', prefix: 'photos/', marker: 'photos/2024/feb.jpg' }),
        );
        assert.deepEqual(res.commonPrefixes, ['photos/2025/']);
        assert.deepEqual(
          res.objects.map((o) => o.key),
          ['photos/readme'],
        );
        await rejects(ns.listObjects(store, svc.ListObjectsRequest.fromPartial({ bucket: 'mark', marker: '\uD800' })), 'INVALID_MARKER');
        await rejects(ns.listObjects(store, svc.ListObjectsRequest.fromPartial({ bucket: 'nobucket' })), 'BUCKET_NOT_FOUND');
      });

      test('a delimiter listing seeks over common prefixes', async (store) => {
        await makeBucket(store, 'seek', VersioningState.VERSIONING_STATE_ENABLED);
        const many = Array.from({ length: 300 }, (_, i) => `big/${String(i).padStart(4, '0')}`);
        await pool([...many, 'a', 'big', 'c/1', 'z'], 32, (k) => put(store, 'seek', k));
        const counted = countingStore(store);
        const res = await ns.listObjects(counted.store, svc.ListObjectsRequest.fromPartial({ bucket: 'seek', delimiter: '/' }));
        assert.deepEqual(
          res.objects.map((o) => o.key),
          ['a', 'big', 'z'],
        );
        assert.deepEqual(res.commonPrefixes, ['big/', 'c/']);
        assert.ok(counted.scanned() < 20, `scanned ${counted.scanned()} entries`);
        const before = counted.scanned();
        const versions = await ns.listObjectVersions(
          counted.store,
          svc.ListObjectVersionsRequest.fromPartial({ bucket: 'seek', delimiter: '/' }),
        );
        assert.deepEqual(versions.commonPrefixes, ['big/', 'c/']);
        assert.ok(counted.scanned() - before < 20, `scanned ${counted.scanned() - before} entries`);
      });

      test('a listing made of common prefixes reads no value', async (store) => {
        await makeBucket(store, 'dirs', VersioningState.VERSIONING_STATE_ENABLED);
        const keys = Array.from({ length: 40 }, (_, i) => `d${String(i % 20).padStart(2, '0')}/k${Math.floor(i / 20)}`);
        await pool(keys, 32, (k) => put(store, 'dirs', k));
        const counted = countingStore(store);
        const expected = Array.from({ length: 20 }, (_, i) => `d${String(i).padStart(2, '0')}/`);
        const res = await ns.listObjects(counted.store, svc.ListObjectsRequest.fromPartial({ bucket: 'dirs', delimiter: '/' }));
        assert.deepEqual(res.commonPrefixes, expected);
        const versions = await ns.listObjectVersions(
          counted.store,
          svc.ListObjectVersionsRequest.fromPartial({ bucket: 'dirs', delimiter: '/' }),
        );
        assert.deepEqual(versions.commonPrefixes, expected);
        assert.equal(counted.values(), 0);
        assert.ok(counted.scanned() <= 2 * (expected.length + 1), `scanned ${counted.scanned()} keys`);
      });

      test('ListObjectVersions: every page size with key and version markers', async (store) => {
        await makeBucket(store, 'vers', VersioningState.VERSIONING_STATE_ENABLED);
        const keys = ['a', 'a/1', 'a/2', 'b', '😀', '\uE000', 'é/x'];
        const expected = new Map<string, string[]>(); // key → version ids newest first
        for (let round = 0; round < 3; round++) {
          for (const key of keys) {
            if ((round + key.length) % 3 === 2) {
              const { deleteMarker } = await del(store, 'vers', key);
              expected.set(key, [deleteMarker!.versionId, ...(expected.get(key) ?? [])]);
            } else {
              const { object } = await put(store, 'vers', key);
              expected.set(key, [object!.versionId, ...(expected.get(key) ?? [])]);
            }
          }
        }
        await setVersioning(store, 'vers', VersioningState.VERSIONING_STATE_SUSPENDED);
        const nullVersion = (await put(store, 'vers', 'b')).object!;
        expected.set('b', ['null', ...expected.get('b')!]);
        await setVersioning(store, 'vers', VersioningState.VERSIONING_STATE_ENABLED);
        const top = (await put(store, 'vers', 'b')).object!;
        expected.set('b', [top.versionId, ...expected.get('b')!]);
        assert.equal(nullVersion.versionId, 'null');

        for (const delimiter of ['', '/']) {
          const reference = referenceListing(keys, '', delimiter);
          const wanted = reference.objects.flatMap((k) => expected.get(k)!.map((v) => `${k}@${v}`));
          for (const maxKeys of [1, 2, 5, 1000]) {
            const got: string[] = [];
            const prefixes: string[] = [];
            let keyMarker = '';
            let versionIdMarker = '';
            for (let page = 0; ; page++) {
              assert.ok(page < 100);
              const res = await ns.listObjectVersions(store, {
                bucket: 'vers',
                prefix: '',
                delimiter,
                keyMarker,
                versionIdMarker,
                maxKeys,
              });
              for (const v of res.versions) {
                assert.equal(v.isLatest, expected.get(v.key)![0] === v.versionId, `${v.key}@${v.versionId} isLatest`);
                got.push(`${v.key}@${v.versionId}`);
              }
              prefixes.push(...res.commonPrefixes);
              if (!res.isTruncated) break;
              keyMarker = res.nextKeyMarker;
              versionIdMarker = res.nextVersionIdMarker;
            }
            assert.deepEqual(got, wanted, `delimiter=${delimiter} max=${maxKeys}`);
            assert.deepEqual(prefixes, reference.prefixes);
          }
        }
        const onlyAfterA = await ns.listObjectVersions(
          store,
          svc.ListObjectVersionsRequest.fromPartial({ bucket: 'vers', keyMarker: 'a' }),
        );
        assert.ok(
          onlyAfterA.versions.every((v) => byteOrder(v.key, 'a') > 0),
          'a key marker alone skips the key',
        );
        await rejects(
          ns.listObjectVersions(store, svc.ListObjectVersionsRequest.fromPartial({ bucket: 'vers', versionIdMarker: 'null' })),
          'INVALID_MARKER',
        );
        await rejects(
          ns.listObjectVersions(
            store,
            svc.ListObjectVersionsRequest.fromPartial({ bucket: 'vers', keyMarker: 'a', versionIdMarker: 'zz' }),
          ),
          'INVALID_MARKER',
        );
      });

      test('ListMultipartUploads: key and upload id markers', async (store) => {
        await makeBucket(store, 'uploads');
        const keys = ['a', 'a', 'b/1', 'b/2', '😀', '\uE000', 'c'];
        const created: { key: string; uploadId: string }[] = [];
        for (const key of keys) {
          const { upload } = await ns.createMultipartUpload(store, {
            upload: metadataV1Metadata.MultipartUpload.fromPartial({ bucket: 'uploads', key }),
          });
          created.push({ key, uploadId: upload!.uploadId });
        }
        const wanted = [...created]
          .sort((x, y) => byteOrder(x.key, y.key) || byteOrder(x.uploadId, y.uploadId))
          .map((u) => `${u.key}@${u.uploadId}`);
        for (const maxUploads of [1, 2, 1000]) {
          const got: string[] = [];
          let keyMarker = '';
          let uploadIdMarker = '';
          for (;;) {
            const res = await ns.listMultipartUploads(store, {
              bucket: 'uploads',
              prefix: '',
              delimiter: '',
              keyMarker,
              uploadIdMarker,
              maxUploads,
            });
            got.push(...res.uploads.map((u) => `${u.key}@${u.uploadId}`));
            if (!res.isTruncated) break;
            keyMarker = res.nextKeyMarker;
            uploadIdMarker = res.nextUploadIdMarker;
          }
          assert.deepEqual(got, wanted, `max=${maxUploads}`);
        }
        const rolled = await ns.listMultipartUploads(
          store,
          svc.ListMultipartUploadsRequest.fromPartial({ bucket: 'uploads', delimiter: '/' }),
        );
        assert.deepEqual(rolled.commonPrefixes, ['b/']);
        assert.equal(rolled.uploads.length, 5);
        await rejects(
          ns.listMultipartUploads(
            store,
            svc.ListMultipartUploadsRequest.fromPartial({ bucket: 'uploads', keyMarker: 'a', uploadIdMarker: 'bad' }),
          ),
          'INVALID_MARKER',
        );
      });
    });

    describe('multipart uploads', () => {
      const part = (n: number, size: number, etag: string) =>
        metadataV1Metadata.Part.fromPartial({ partNumber: n, size, etag, data: dataFor(`p${n}`, etag), checksums: { crc32: `c${n}` } });

      test('parts, re-upload, list with markers, complete', async (store) => {
        await makeBucket(store, 'mpu');
        const { upload } = await ns.createMultipartUpload(store, {
          upload: metadataV1Metadata.MultipartUpload.fromPartial({
            bucket: 'mpu',
            key: 'big',
            ownerId: 'o',
            headers: { 'content-type': 'x/y' },
            tags: { t: '1' },
          }),
        });
        const ref = { bucket: 'mpu', key: 'big', uploadId: upload!.uploadId };
        assert.equal((await ns.getMultipartUpload(store, ref)).upload?.key, 'big');
        const md5 = (i: number) => i.toString(16).padStart(32, '0');
        for (const n of [1, 2, 3, 4]) await ns.putPart(store, { ...ref, part: part(n, 10, md5(n)) });
        const replaced = await ns.putPart(store, { ...ref, part: part(2, 10, md5(22)) });
        assert.deepEqual(replaced.replacedData, dataFor('p2', md5(2)));
        const page1 = await ns.listParts(store, { ...ref, partNumberMarker: 0, maxParts: 2 });
        assert.deepEqual(
          page1.parts.map((p) => p.partNumber),
          [1, 2],
        );
        assert.equal(page1.isTruncated, true);
        const page2 = await ns.listParts(store, { ...ref, partNumberMarker: page1.nextPartNumberMarker, maxParts: 2 });
        assert.deepEqual(
          page2.parts.map((p) => p.partNumber),
          [3, 4],
        );
        assert.equal(page2.isTruncated, false);

        const complete = (parts: { partNumber: number; etag: string }[], minPartSize = 0) =>
          ns.completeMultipartUpload(store, {
            ...ref,
            parts,
            minPartSize,
            ifMatchEtag: '',
            ifNoneMatch: false,
            assembledData: [],
            checksums: { crc32: 'AAAAAA==-3' },
            checksumType: 'COMPOSITE',
            leaseId: '',
          });
        await rejects(
          complete([
            { partNumber: 2, etag: md5(22) },
            { partNumber: 1, etag: md5(1) },
          ]),
          'INVALID_PART_ORDER',
        );
        await rejects(
          complete([
            { partNumber: 1, etag: md5(1) },
            { partNumber: 2, etag: md5(2) },
          ]),
          'INVALID_PART',
        );
        await rejects(
          complete([
            { partNumber: 1, etag: md5(1) },
            { partNumber: 9, etag: md5(9) },
          ]),
          'INVALID_PART',
        );
        await rejects(
          complete(
            [
              { partNumber: 1, etag: md5(1) },
              { partNumber: 3, etag: md5(3) },
            ],
            11,
          ),
          'ENTITY_TOO_SMALL',
        );
        await rejects(complete(Array.from({ length: 10_001 }, (_, i) => ({ partNumber: i + 1, etag: md5(1) }))), 'TOO_MANY_PARTS');
        await ns.putPart(store, { ...ref, part: part(5, 10, md5(5)) }); // failed completes left no fence

        const done = await complete(
          [
            { partNumber: 1, etag: `"${md5(1)}"` },
            { partNumber: 2, etag: md5(22) },
            { partNumber: 4, etag: md5(4) },
          ],
          10,
        );
        const object = done.object!;
        const expectedEtag = (await import('node:crypto'))
          .createHash('md5')
          .update(Buffer.from(md5(1) + md5(22) + md5(4), 'hex'))
          .digest('hex');
        assert.equal(object.etag, `${expectedEtag}-3`);
        assert.equal(object.size, 30);
        assert.equal(object.partsCount, 3);
        assert.deepEqual(
          object.data.map((d) => [d.partNumber, d.start, d.size, d.checksums]),
          [
            [1, 0, 10, { crc32: 'c1' }],
            [2, 10, 10, { crc32: 'c2' }],
            [4, 20, 10, { crc32: 'c4' }],
          ],
        );
        assert.deepEqual([object.checksums, object.checksumType], [{ crc32: 'AAAAAA==-3' }, 'COMPOSITE'], 'the edge computed them');
        assert.deepEqual(object.headers, { 'content-type': 'x/y' });
        assert.deepEqual(object.tags, { t: '1' });
        assert.deepEqual(new Set(done.unusedData), new Set([dataFor('p3', md5(3)), dataFor('p5', md5(5))]));
        assert.equal((await get(store, 'mpu', 'big')).etag, object.etag);
        await rejects(ns.getMultipartUpload(store, ref), 'UPLOAD_NOT_FOUND');
        await rejects(ns.putPart(store, { ...ref, part: part(1, 1, md5(1)) }), 'UPLOAD_NOT_FOUND');
        await rejects(complete([{ partNumber: 1, etag: md5(1) }]), 'UPLOAD_NOT_FOUND');
        const left = await store.scan('parts', { gte: 'mpu\0', lt: 'mpu\x01', limit: 10 });
        assert.deepEqual(left, [], 'completed uploads leave no part records');
      });

      test('complete with data assembled at the location: pieces share one backend object, every part is left over', async (store) => {
        await makeBucket(store, 'mpu');
        const { upload } = await ns.createMultipartUpload(store, {
          upload: metadataV1Metadata.MultipartUpload.fromPartial({ bucket: 'mpu', key: 'joined', ownerId: 'o' }),
        });
        const ref = { bucket: 'mpu', key: 'joined', uploadId: upload!.uploadId };
        const md5 = (i: number) => i.toString(16).padStart(32, '0');
        await ns.putPart(store, { ...ref, part: part(1, 10, md5(1)) });
        await ns.putPart(store, { ...ref, part: part(2, 7, md5(2)) });
        const parts = [
          { partNumber: 1, etag: md5(1) },
          { partNumber: 2, etag: md5(2) },
        ];
        const piece = (offset: number, size: number) =>
          metadataV1Metadata.DataLocation.fromPartial({ location: 'loc', key: 'joined-at-target', offset, size });
        const complete = (assembledData: metadataV1Metadata.DataLocation[]) =>
          ns.completeMultipartUpload(store, {
            ...ref,
            parts,
            minPartSize: 0,
            ifMatchEtag: '',
            ifNoneMatch: false,
            assembledData,
            checksums: {},
            checksumType: '',
            leaseId: '',
          });
        await rejects(complete([piece(0, 10)]), 'INVALID_ARGUMENT');
        await rejects(complete([piece(0, 10), piece(10, 8)]), 'INVALID_ARGUMENT');
        const done = await complete([piece(0, 10), piece(10, 7)]);
        assert.deepEqual(
          done.object!.data.map((d) => [d.key, d.partNumber, d.start, d.offset, d.size]),
          [
            ['joined-at-target', 1, 0, 0, 10],
            ['joined-at-target', 2, 10, 10, 7],
          ],
        );
        assert.equal(done.object!.partsCount, 2);
        assert.deepEqual(new Set(done.unusedData), new Set([dataFor('p1', md5(1)), dataFor('p2', md5(2))]));
      });

      test('abort releases every part; unknown uploads', async (store) => {
        await makeBucket(store, 'abort');
        const { upload } = await ns.createMultipartUpload(store, {
          upload: metadataV1Metadata.MultipartUpload.fromPartial({ bucket: 'abort', key: 'k' }),
        });
        const ref = { bucket: 'abort', key: 'k', uploadId: upload!.uploadId };
        await Promise.all([1, 2, 3].map((n) => ns.putPart(store, { ...ref, part: part(n, 5, 'e'.repeat(32)) })));
        const aborted = await ns.abortMultipartUpload(store, ref);
        assert.equal(aborted.releasedData.length, 3);
        await rejects(ns.abortMultipartUpload(store, ref), 'UPLOAD_NOT_FOUND');
        await rejects(ns.listParts(store, { ...ref, partNumberMarker: 0, maxParts: 0 }), 'UPLOAD_NOT_FOUND');
        await rejects(ns.getMultipartUpload(store, { ...ref, uploadId: 'garbage' }), 'UPLOAD_NOT_FOUND');
        await rejects(
          ns.createMultipartUpload(store, { upload: metadataV1Metadata.MultipartUpload.fromPartial({ bucket: 'nobucket', key: 'k' }) }),
          'BUCKET_NOT_FOUND',
        );
      });

      test('parts recorded while an upload is aborted are never orphaned', async (store) => {
        await makeBucket(store, 'race');
        for (let round = 0; round < 5; round++) {
          const { upload } = await ns.createMultipartUpload(store, {
            upload: metadataV1Metadata.MultipartUpload.fromPartial({ bucket: 'race', key: 'k' }),
          });
          const ref = { bucket: 'race', key: 'k', uploadId: upload!.uploadId };
          const results = await Promise.allSettled([
            ...[1, 2, 3, 4, 5, 6].map((n) => ns.putPart(store, { ...ref, part: part(n, 5, 'e'.repeat(32)) })),
            ns.abortMultipartUpload(store, ref),
          ]);
          const aborted = results.at(-1)!;
          assert.equal(aborted.status, 'fulfilled');
          const recorded = results.slice(0, -1).filter((r) => r.status === 'fulfilled').length;
          assert.equal((aborted as PromiseFulfilledResult<svc.AbortMultipartUploadResponse>).value.releasedData.length, recorded);
          const left = await store.scan('parts', { gte: `race\0${ref.uploadId}`, lt: `race\0${ref.uploadId}\x01`, limit: 10 });
          assert.deepEqual(left, []);
        }
      });
    });

    describe('blocks', () => {
      test('a put that discards blocks drops the key’s uncommitted blocks in its commit, and only that key’s', async (store) => {
        await makeBucket(store, 'blocks');
        const block = (id: string) =>
          metadataV1Metadata.Block.fromPartial({ blockId: id, size: 1, md5: '0'.repeat(32), data: dataFor(`block-${id}`) });
        for (const id of ['QUE=', 'QUI=']) await ns.putBlock(store, { bucket: 'blocks', key: 'blob', block: block(id) });
        await ns.putBlock(store, { bucket: 'blocks', key: 'other', block: block('QUM=') });
        const plain = await put(store, 'blocks', 'blob');
        assert.deepEqual(plain.discardedData, [], 'a plain put leaves blocks alone');
        assert.equal((await ns.listBlocks(store, { bucket: 'blocks', key: 'blob', maxBlocks: 0 })).blocks.length, 2);
        const first = await ns.listBlocks(store, { bucket: 'blocks', key: 'blob', maxBlocks: 1 });
        assert.deepEqual(
          first.blocks.map((b) => b.blockId),
          ['QUE='],
          'max_blocks: the first blocks in block-ID order',
        );
        const res = await ns.putObjectDiscardingBlocks(
          store,
          svc.PutObjectRequest.fromPartial({ object: { bucket: 'blocks', key: 'blob', size: 1, etag: 'e', data: [dataFor('blob', 'x')] } }),
        );
        assert.deepEqual(new Set(res.discardedData), new Set([dataFor('block-QUE='), dataFor('block-QUI=')]));
        assert.deepEqual(res.replacedData, plain.object!.data);
        assert.equal((await ns.listBlocks(store, { bucket: 'blocks', key: 'blob', maxBlocks: 0 })).blocks.length, 0);
        assert.equal((await ns.listBlocks(store, { bucket: 'blocks', key: 'other', maxBlocks: 0 })).blocks.length, 1);
        assert.equal((await get(store, 'blocks', 'blob')).etag, 'e');
      });
      test('committed blocks count once, however many block lists reuse them', async (store) => {
        await makeBucket(store, 'usage-b');
        const usage = (): Promise<number> => ns.locationUsage(store, 'loc');
        const stage = (id: string) =>
          ns.putBlock(store, {
            bucket: 'usage-b',
            key: 'blob',
            block: metadataV1Metadata.Block.fromPartial({ blockId: id, size: 1, md5: '0'.repeat(32), data: dataFor(`block-${id}`) }),
          });
        const commit = (blocks: [string, 'committed' | 'uncommitted'][]) =>
          ns.commitBlockList(
            store,
            svc.CommitBlockListRequest.fromPartial({
              object: { bucket: 'usage-b', key: 'blob' },
              blocks: blocks.map(([blockId, from]) => ({
                blockId,
                source:
                  from === 'committed'
                    ? svc.BlockListSource.BLOCK_LIST_SOURCE_COMMITTED
                    : svc.BlockListSource.BLOCK_LIST_SOURCE_UNCOMMITTED,
              })),
            }),
          );
        await stage('QUE=');
        await stage('QUI=');
        assert.equal(await usage(), 0, 'staged blocks count once committed');
        await commit([
          ['QUE=', 'uncommitted'],
          ['QUI=', 'uncommitted'],
        ]);
        assert.equal(await usage(), 2);
        await stage('QUM=');
        await commit([
          ['QUE=', 'committed'],
          ['QUM=', 'uncommitted'],
        ]);
        assert.equal(await usage(), 2, 'one block kept, one replaced, one added');
        await del(store, 'usage-b', 'blob');
        assert.equal(await usage(), 0);
      });
    });

    describe('oplog', () => {
      test('every mutation appends an entry, in the same commit', async (store) => {
        await makeBucket(store, 'log', VersioningState.VERSIONING_STATE_ENABLED);
        const v = (await put(store, 'log', 'k')).object!;
        await ns.updateObject(store, svc.UpdateObjectRequest.fromPartial({ bucket: 'log', key: 'k', tags: { a: 'b' } }));
        await del(store, 'log', 'k');
        await del(store, 'log', 'k', v.versionId);
        const { upload } = await ns.createMultipartUpload(store, {
          upload: metadataV1Metadata.MultipartUpload.fromPartial({ bucket: 'log', key: 'm' }),
        });
        await ns.abortMultipartUpload(store, { bucket: 'log', key: 'm', uploadId: upload!.uploadId });
        const entries = await ns.readOplog(store, 0, 100);
        assert.deepEqual(
          entries.map((e) => e.type),
          ['put-bucket', 'update-bucket', 'put-object', 'update-object', 'put-object', 'delete-object', 'create-mpu', 'abort-mpu'],
        );
        assert.deepEqual(
          entries.map((e) => e.sequence),
          [1, 2, 3, 4, 5, 6, 7, 8],
        );
        const putEntry = entries[2]!;
        assert.equal(putEntry.value?.$case, 'objectValue');
        assert.equal(putEntry.value?.$case === 'objectValue' && putEntry.value.value.versionId, v.versionId);
        assert.ok(putEntry.timestamp instanceof Date);
        assert.equal(entries[5]!.versionId, v.versionId);
      });

      test('gap-free sequences under concurrent writers; resume from a position', async (store) => {
        await makeBucket(store, 'seq', VersioningState.VERSIONING_STATE_ENABLED);
        await Promise.all(Array.from({ length: 30 }, (_, i) => put(store, 'seq', `k${i % 3}`)));
        const all = await ns.readOplog(store, 0, 1000);
        assert.deepEqual(
          all.map((e) => e.sequence),
          Array.from({ length: 32 }, (_, i) => i + 1),
        );
        const resumed = await ns.readOplog(store, 20, 5);
        assert.deepEqual(
          resumed.map((e) => e.sequence),
          [20, 21, 22, 23, 24],
        );
      });

      test('watch follows new entries', async (store) => {
        await makeBucket(store, 'watch');
        const { last } = await store.oplogBounds();
        const controller = new AbortController();
        const seen: string[] = [];
        const watching = (async () => {
          for await (const entry of ns.watchOplog(store, { fromSequence: last, follow: true, signal: controller.signal })) {
            seen.push(`${entry.sequence}:${entry.type}:${entry.key}`);
            if (seen.length === 4) controller.abort();
          }
        })();
        for (const key of ['x', 'y', 'z']) await put(store, 'watch', key);
        await watching;
        assert.deepEqual(seen, [`${last}:put-bucket:`, `${last + 1}:put-object:x`, `${last + 2}:put-object:y`, `${last + 3}:put-object:z`]);
        const backlog: number[] = [];
        for await (const entry of ns.watchOplog(store, { fromSequence: 0, follow: false })) backlog.push(entry.sequence);
        assert.deepEqual(backlog, [1, 2, 3, 4]);
      });

      test('trimming waits for consumers and retention', async (store) => {
        await makeBucket(store, 'trim');
        for (let i = 0; i < 9; i++) await put(store, 'trim', `k${i}`); // sequences 1..10
        await ns.commitPosition(store, 'crr', 4);
        await ns.commitPosition(store, 'lifecycle', 7);
        await ns.commitPosition(store, 'crr', 2); // never moves back
        assert.equal(await ns.getPosition(store, 'crr'), 4);
        assert.equal(await ns.trimOplog(store, { retentionMs: 3_600_000 }), 0, 'young entries are kept');
        assert.equal(await ns.trimOplog(store, { retentionMs: 0, now: Date.now() + 1000 }), 4, 'up to the slowest consumer');
        await rejects(ns.readOplog(store, 3, 10), 'OPLOG_POSITION_TRIMMED');
        const iterator = ns.watchOplog(store, { fromSequence: 2, follow: false });
        await rejects(iterator.next(), 'OPLOG_POSITION_TRIMMED');
        assert.equal((await ns.readOplog(store, 0, 1))[0]?.sequence, 5);
        await ns.commitPosition(store, 'crr', 10);
        assert.equal(await ns.trimOplog(store, { retentionMs: 0, now: Date.now() + 1000 }), 3);
        assert.deepEqual(await store.oplogBounds(), { first: 8, last: 10 });
      });
    });
  });
}
