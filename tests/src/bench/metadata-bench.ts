// The metadata section: svc-metadata as its own process, driven over gRPC. Put and
// get rates, list pages at the start, middle and end of a small and a large
// bucket, and a delimiter listing that must jump over whole prefixes.
import { accountV1AccountService as acct, metadataV1Metadata } from '@zenko/gen';
import { createClient, createMetadataClient, type MetadataClient } from '@zenko/mesh';
import { measureRate, printTable } from './measure.js';
import { startService } from './service-process.js';

type Client = MetadataClient;

const object = (bucket: string, key: string): metadataV1Metadata.ObjectVersion =>
  metadataV1Metadata.ObjectVersion.fromPartial({
    bucket,
    key,
    size: 4096,
    etag: 'd41d8cd98f00b204e9800998ecf8427e',
    ownerId: 'bench',
    headers: { 'content-type': 'application/octet-stream' },
    data: [{ location: 'us-east-1', key: '0123456789abcdef0123456789abcdef', start: 0, size: 4096 }],
  });

const put = (c: Client, bucket: string, key: string): Promise<unknown> =>
  c.putObject({ object: object(bucket, key), ifMatchEtag: '', ifNoneMatch: false, forceVersionId: '', discardBlocks: false, leaseId: '' });

const keyOf = (i: number): string => `key-${String(i).padStart(8, '0')}`;

/** The bootstrap account's id: a bucket's owner is an existing account. */
let ownerId = '';

async function bucket(c: Client, name: string): Promise<void> {
  await c.createBucket({
    name,
    ownerId,
    ownerDisplayName: 'bench',
    location: 'us-east-1',
    objectLockEnabled: false,
    attributes: {},
    ingestion: false,
  });
}

async function load(c: Client, name: string, count: number, keyFor: (i: number) => string): Promise<number> {
  const started = performance.now();
  const r = await measureRate((i) => put(c, name, keyFor(i)), { concurrency: 64, seconds: 3600, maxOps: count });
  if (r.errors > 0) throw new Error(`${r.errors} errors while loading ${name}`);
  return (performance.now() - started) / 1000;
}

/** Median latency (ms) of a list page starting after `marker`. */
async function pageMs(c: Client, name: string, marker: string, delimiter = '', repeats = 15): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    const res = await c.listObjects({ bucket: name, prefix: '', delimiter, marker, maxKeys: 1000 });
    times.push(performance.now() - t);
    if (res.objects.length + res.commonPrefixes.length === 0) throw new Error(`empty page in ${name} after ${marker}`);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export async function metadataBench(seconds: number): Promise<void> {
  const bigKeys = Number(process.env['BENCH_METADATA_KEYS'] ?? 1_000_000);
  const svc = await startService('svc-metadata');
  // The client the services use: concurrent calls coalesce into batch RPCs. `single` sends
  // one RPC per call, for comparison.
  const c = createMetadataClient(svc.address, { deadlineMs: 120_000 });
  const single = createMetadataClient(svc.address, { deadlineMs: 120_000, coalesce: false });
  try {
    const accounts = createClient(acct.AccountServiceService, svc.address, { deadlineMs: 10_000 });
    ownerId = (await accounts.getAccount({ account: 'zenko' })).account!.id;
    accounts.close();
    await bucket(c, 'rate');
    let n = 0;
    const putC1 = await measureRate(() => put(c, 'rate', `c1-${n++}`), { concurrency: 1, seconds });
    const putC32 = await measureRate(() => put(c, 'rate', `c32-${n++}`), { concurrency: 32, seconds });

    const putSingle = await measureRate(() => put(single, 'rate', `single-${n++}`), { concurrency: 32, seconds });
    const existing = (i: number): string =>
      i % 2 ? `c1-${i % Math.max(1, putC1.ops)}` : `c32-${putC1.ops + (i % Math.max(1, putC32.ops))}`;
    const getC32 = await measureRate((i) => c.getObject({ bucket: 'rate', key: existing(i), versionId: '' }), {
      concurrency: 32,
      seconds,
    });
    const getSingle = await measureRate((i) => single.getObject({ bucket: 'rate', key: existing(i), versionId: '' }), {
      concurrency: 32,
      seconds,
    });
    printTable('metadata: object writes and reads over gRPC (svc-metadata process, LMDB, durable)', [
      ['operation', 'ops/s', 'errors', 'target'],
      ['PutObject, concurrency 1', putC1.opsPerSecond, putC1.errors, '-'],
      ['PutObject, concurrency 32', putC32.opsPerSecond, putC32.errors, '≥ 5,000'],
      ['GetObject, concurrency 32', getC32.opsPerSecond, getC32.errors, '≥ 10,000'],
      ['PutObject, concurrency 32, one RPC per call (no coalescing)', putSingle.opsPerSecond, putSingle.errors, '-'],
      ['GetObject, concurrency 32, one RPC per call (no coalescing)', getSingle.opsPerSecond, getSingle.errors, '-'],
    ]);

    await bucket(c, 'small');
    await load(c, 'small', 1000, keyOf);
    await bucket(c, 'big');
    const loadSeconds = await load(c, 'big', bigKeys, keyOf);
    const small = [await pageMs(c, 'small', ''), await pageMs(c, 'small', ''), await pageMs(c, 'small', '')];
    const big = [
      await pageMs(c, 'big', ''),
      await pageMs(c, 'big', keyOf(Math.floor(bigKeys / 2))),
      await pageMs(c, 'big', keyOf(bigKeys - 1001)),
    ];
    const rows: (string | number)[][] = [
      ['1000-key list page', `1,000-key bucket (ms)`, `${bigKeys.toLocaleString('en-US')}-key bucket (ms)`, 'ratio', 'target'],
    ];
    ['start', 'middle', 'end'].forEach((where, i) => rows.push([where, small[i]!, big[i]!, big[i]! / small[i]!, '≤ 1.5']));
    printTable(`metadata: list pages (loading ${bigKeys.toLocaleString('en-US')} keys took ${loadSeconds.toFixed(0)} s)`, rows);

    await bucket(c, 'delim');
    await load(c, 'delim', 100_000, (i) => `p${String(i % 1000).padStart(4, '0')}/k${String(Math.floor(i / 1000)).padStart(5, '0')}`);
    const delimMs = await pageMs(c, 'delim', '', '/', 5);
    printTable('metadata: delimiter listing', [
      ['listing', 'ms per page', 'entries'],
      ['100,000 keys in 1,000 prefixes, delimiter "/", one page', delimMs, '1,000 common prefixes'],
    ]);
  } finally {
    c.close();
    single.close();
    await svc.stop();
  }
}
