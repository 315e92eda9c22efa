// Benchmark of the metadata store core, run on demand (never by tests):
//   durable PutObject throughput at concurrency 1 and 32, and the time of a 1000-key ListObjects
//   page at the start, middle and end of buckets of 1,000 and 1,000,000 keys.
// The large bucket is bulk-loaded with the namespace's own record encoders in big commits
// (loading it through PutObject would only measure puts again).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { metadataV1Metadata, metadataV1MetadataService as svc } from '@zenko/gen';
import { createBucket, listObjects, putObject } from '../namespace/index.js';
import { masterKey, newVersionId, versionKey } from '../namespace/keys.js';
import { encodeMasterRecord, encodeVersion } from '../namespace/records.js';
import type { KvOp, KvStore } from '../store/kv.js';
import { LmdbStore } from '../store/lmdb-store.js';

export interface StoreBenchOptions {
  /** Parent of the temporary store directory (default: the OS temp dir). */
  dir?: string;
  /** Seconds each put measurement runs. */
  putSeconds?: number;
  /** Key counts of the listed buckets. */
  bucketSizes?: number[];
  log?: (line: string) => void;
}

export interface StoreBenchResult {
  putsPerSecond: Record<string, number>;
  /** Median milliseconds per 1000-key page, by bucket size then position. */
  listPageMs: Record<string, Record<'start' | 'middle' | 'end', number>>;
}

const keyOf = (i: number): string => `dir${String(i % 97).padStart(2, '0')}/object-${String(i).padStart(8, '0')}`;

function objectOf(bucket: string, key: string): metadataV1Metadata.ObjectVersion {
  return metadataV1Metadata.ObjectVersion.fromPartial({
    bucket,
    key,
    size: 1024,
    etag: 'd41d8cd98f00b204e9800998ecf8427e',
    ownerId: 'bench',
    headers: { 'content-type': 'application/octet-stream' },
    data: [{ location: 'local', key: `data-${key}`, size: 1024 }],
  });
}

async function measurePuts(store: KvStore, bucket: string, concurrency: number, seconds: number): Promise<number> {
  let done = 0;
  let next = 0;
  const stopAt = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < stopAt) {
        const key = `put-${concurrency}-${next++}`;
        await putObject(store, svc.PutObjectRequest.fromPartial({ object: objectOf(bucket, key) }));
        done += 1;
      }
    }),
  );
  return Math.round(done / ((performance.now() - start) / 1000));
}

async function bulkLoad(store: KvStore, bucket: string, count: number): Promise<string[]> {
  const keys = Array.from({ length: count }, (_, i) => keyOf(i)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const BATCH = 5000;
  for (let i = 0; i < keys.length; i += BATCH) {
    const ops: KvOp[] = [];
    for (const key of keys.slice(i, i + BATCH)) {
      const id = newVersionId();
      const version = { ...objectOf(bucket, key), versionId: 'null', lastModified: new Date(), revision: 1 };
      ops.push({ type: 'put', table: 'versions', key: versionKey(bucket, key, id), value: encodeVersion(version) });
      ops.push({
        type: 'put',
        table: 'objects',
        key: masterKey(bucket, key),
        value: encodeMasterRecord({ latestId: id, nullId: id, latest: { ...version, isLatest: true } }),
      });
    }
    await store.commit({ ops });
  }
  return keys;
}

/** Median time of a full 1000-key page after each marker, the markers measured in turn. */
async function timePages(store: KvStore, bucket: string, markers: string[], rounds = 31): Promise<number[]> {
  const samples = markers.map((): number[] => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, marker] of markers.entries()) {
      const start = performance.now();
      const page = await listObjects(store, svc.ListObjectsRequest.fromPartial({ bucket, marker, maxKeys: 1000 }));
      samples[i]!.push(performance.now() - start);
      if (page.objects.length !== 1000) throw new Error(`short page: ${page.objects.length}`);
    }
  }
  return samples.map((s) => s.sort((a, b) => a - b)[Math.floor(s.length / 2)]!);
}

export async function runStoreBench(options: StoreBenchOptions = {}): Promise<StoreBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const path = await mkdtemp(join(options.dir ?? tmpdir(), 'zenko-store-bench-'));
  const store = new LmdbStore({ path });
  const result: StoreBenchResult = { putsPerSecond: {}, listPageMs: {} };
  try {
    await createBucket(store, svc.CreateBucketRequest.fromPartial({ name: 'puts', ownerId: 'bench' }));
    for (const concurrency of [1, 32]) {
      const rate = await measurePuts(store, 'puts', concurrency, options.putSeconds ?? 5);
      result.putsPerSecond[`concurrency ${concurrency}`] = rate;
      log(`PutObject (durable), concurrency ${concurrency}: ${rate} ops/s`);
    }
    for (const size of options.bucketSizes ?? [1000, 1_000_000]) {
      const bucket = `list-${size}`;
      await createBucket(store, svc.CreateBucketRequest.fromPartial({ name: bucket, ownerId: 'bench' }));
      const loadStart = performance.now();
      const keys = await bulkLoad(store, bucket, size);
      log(`loaded ${size} keys in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);
      // Markers chosen so that every page is full (in a 1000-key bucket the three are the same page).
      const at = (i: number): string => {
        const index = Math.min(i, size - 1001);
        return index < 0 ? '' : keys[index]!;
      };
      const markers = ['', at(Math.floor(size / 2) - 500), at(size - 1001)];
      keys.length = 0;
      const [start = 0, middle = 0, end = 0] = await timePages(store, bucket, markers);
      const times = { start, middle, end };
      result.listPageMs[`${size} keys`] = times;
      log(
        `ListObjects 1000-key page in a ${size}-key bucket: start ${times.start.toFixed(2)} ms, ` +
          `middle ${times.middle.toFixed(2)} ms, end ${times.end.toFixed(2)} ms`,
      );
    }
    return result;
  } finally {
    await store.close();
    await rm(path, { recursive: true, force: true });
  }
}
