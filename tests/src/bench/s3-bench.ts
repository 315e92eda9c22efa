// The s3 section: the whole local stack (startStack) against the npm `s3rver`
// package as a reference, measured in the same run with the same
// @aws-sdk/client-s3 settings. Small-object PUT/GET/HEAD/DELETE, listings, 64 MiB
// transfers next to a raw-disk fdatasync rate and a plain Node HTTP server, and the
// peak resident memory of every stack process during BENCH_BIG_BYTES (default
// 2 GiB) transfers, single request and multipart.
import { mkdtempSync, readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { meshV1ServiceInfo } from '@zenko/gen';
import { createClient, SERVICE_NAMES } from '@zenko/mesh';
import { freePort } from '../support/ports.js';
import { ACCESS_KEY, SECRET_KEY } from '../support/s3.js';
import { startStack, type TestStack } from '../support/stack.js';
import { describeError as describe, errorsOf, interleaved, mibps, printTable, rate, ratio, WARM_UP_SECONDS, type Rate } from './measure.js';
import {
  type Child,
  drain,
  generated,
  KiB,
  loadAverage as load,
  MiB,
  plainGet,
  md5Rate,
  rawDiskRate,
  startCeiling,
  startChild,
  startPlainServer,
} from './transfer.js';
import { expectResponse, occurrences, s3Wire, type WireClient } from './wire-client.js';

const SMALL = 4 * KiB;
const LARGE = 64 * MiB;
const LIST_PREFIXES = 100;
const LIST_PER_PREFIX = 100;

/** The client settings used for both servers (named in the table titles). */
export const SETTINGS = "path-style, requestChecksumCalculation/responseChecksumValidation 'WHEN_REQUIRED', keep-alive, 64 sockets";

/** An S3 client with SETTINGS (or the SDK's default checksum settings); one attempt per call. */
export function s3(endpoint: string, accessKeyId: string, secretAccessKey: string, sdkDefaults = false): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 1,
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 64 }) },
    ...(sdkDefaults ? {} : { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }),
  });
}

interface Target {
  name: string;
  client: S3Client;
}

const S3RVER_PACKAGE = createRequire(import.meta.url).resolve('s3rver/package.json');
const S3RVER_VERSION = (JSON.parse(readFileSync(S3RVER_PACKAGE, 'utf8')) as { version: string }).version;

/** s3rver as a child process on a free loopback port with a temporary directory. */
async function startS3rver(): Promise<Child> {
  const bin = join(dirname(S3RVER_PACKAGE), 'bin', 's3rver.js');
  const dir = mkdtempSync(join(tmpdir(), 'zenko-bench-s3rver-'));
  const port = await freePort();
  return startChild([bin, '-d', dir, '-a', '127.0.0.1', '-p', String(port), '-s', '--no-vhost-buckets'], port, dir);
}

/** The header of a table of withCeiling rows. */
function header(first: string): string[] {
  return [first, 'zenko ops/s', 's3rver ops/s', 'ratio', 'client ceiling ops/s', 'errors (zenko / s3rver / ceiling)', 'target'];
}

/** A table row of Zenko, s3rver and the client ceiling measured together (ops/s). */
function withCeiling(label: string, r: Rate[], target: string): (string | number)[] {
  return [
    label,
    r[0]!.opsPerSecond,
    r[1]!.opsPerSecond,
    ratio(r[0]!.opsPerSecond, r[1]!.opsPerSecond),
    r[2]!.opsPerSecond,
    errorsOf(r),
    target,
  ];
}

async function smallObjects(targets: [Target, Target], ceiling: Target, seconds: number): Promise<(string | number)[][]> {
  const body = Buffer.alloc(SMALL, 0x61);
  const bucket = 'small';
  const put = (t: Target, key: string) => t.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  for (const t of targets) {
    await t.client.send(new CreateBucketCommand({ Bucket: bucket }));
    await rate(`${t.name} warm-up`, (i) => put(t, `warm/${i}`), { concurrency: 32, seconds: 0.5 });
  }
  const rows: (string | number)[][] = [header('4 KiB objects')];
  const subjects: Target[] = [...targets, ceiling];
  for (const concurrency of [1, 32]) {
    const puts = new Map<Target, number>();
    const step = async (op: string, target: string, fn: (t: Target, i: number) => Promise<unknown>, limit?: (t: Target) => number) => {
      const r = await interleaved(
        `${op} c${concurrency}`,
        subjects.map((t) => ({
          name: t.name,
          op: (i: number) => fn(t, i),
          ...(limit && t !== ceiling ? { maxOps: limit(t) } : {}),
        })),
        { concurrency, seconds },
      );
      rows.push(withCeiling(`${op}, concurrency ${concurrency}`, r, target));
      return r;
    };
    const key = (i: number) => `c${concurrency}/${String(i).padStart(8, '0')}`;
    const [ours, theirs, bound] = await step('PutObject', '≥ 1.5×', (t, i) => put(t, key(i)));
    puts.set(targets[0], ours!.ops).set(targets[1], theirs!.ops).set(ceiling, bound!.ops);
    const existing = (t: Target, i: number) => key(i % Math.max(1, puts.get(t)!));
    await step('GetObject', '≥ 2×', async (t, i) => {
      const res = await t.client.send(new GetObjectCommand({ Bucket: bucket, Key: existing(t, i) }));
      if ((await drain(res.Body)) !== SMALL) throw new Error('short GetObject body');
    });
    await step('HeadObject', '≥ 2×', (t, i) => t.client.send(new HeadObjectCommand({ Bucket: bucket, Key: existing(t, i) })));
    // Each DeleteObject removes an object that exists (at most as many as were put).
    await step(
      'DeleteObject',
      '-',
      (t, i) => t.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key(i) })),
      (t) => puts.get(t)!,
    );
  }
  return rows;
}

async function listings(
  targets: [Target, Target],
  ceiling: Target,
  seconds: number,
): Promise<{ rows: (string | number)[][]; loadSeconds: number[] }> {
  const bucket = 'list';
  const total = LIST_PREFIXES * LIST_PER_PREFIX;
  const keyOf = (i: number) => `d${String(i % LIST_PREFIXES).padStart(3, '0')}/k${String(Math.floor(i / LIST_PREFIXES)).padStart(4, '0')}`;
  const loadSeconds: number[] = [];
  for (const t of targets) {
    await t.client.send(new CreateBucketCommand({ Bucket: bucket }));
    const r = await rate(`${t.name} list load`, (i) => t.client.send(new PutObjectCommand({ Bucket: bucket, Key: keyOf(i), Body: 'x' })), {
      concurrency: 32,
      seconds: 3600,
      maxOps: total,
    });
    if (r.errors > 0) throw new Error(`${r.errors} errors while loading ${total} keys into ${t.name}`);
    loadSeconds.push(r.seconds);
  }
  const rows: (string | number)[][] = [header('ListObjectsV2 (concurrency 1)')];
  const cases: [string, ListObjectsV2Command, (n: number, p: number) => boolean, string][] = [
    [
      `prefix "d042/" (${LIST_PER_PREFIX} keys)`,
      new ListObjectsV2Command({ Bucket: bucket, Prefix: 'd042/' }),
      (n) => n === LIST_PER_PREFIX,
      '-',
    ],
    [
      `delimiter "/" over ${total.toLocaleString('en-US')} keys (${LIST_PREFIXES} common prefixes)`,
      new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/' }),
      (n, p) => n === 0 && p === LIST_PREFIXES,
      '≥ 100×',
    ],
    [
      `delimiter "k" over ${total.toLocaleString('en-US')} keys (${LIST_PREFIXES} common prefixes, no directory shortcut)`,
      new ListObjectsV2Command({ Bucket: bucket, Delimiter: 'k' }),
      (n, p) => n === 0 && p === LIST_PREFIXES,
      '-',
    ],
  ];
  for (const [label, command, check, target] of cases) {
    const r = await interleaved(
      label,
      [...targets, ceiling].map((t) => ({
        name: t.name,
        op: async () => {
          const res = await t.client.send(command);
          if (!check(res.Contents?.length ?? 0, res.CommonPrefixes?.length ?? 0)) throw new Error(`unexpected listing from ${t.name}`);
        },
      })),
      { concurrency: 1, seconds },
    );
    rows.push(withCeiling(label, r, target));
  }
  return { rows, loadSeconds };
}

/**
 * The small-object and listing operations again with the minimal signed-HTTP client
 * (wire-client.ts) on the buckets the SDK rows filled: what the servers do once the client's own
 * CPU no longer caps them near the SDK's ceiling.
 */
async function wireRows(clients: [WireClient, WireClient, WireClient], seconds: number): Promise<(string | number)[][]> {
  const names = ['zenko', 's3rver', 'ceiling'];
  const body = Buffer.alloc(SMALL, 0x61);
  const rows: (string | number)[][] = [header('minimal signed-HTTP client')];
  const step = async (label: string, target: string, concurrency: number, op: (c: WireClient, i: number) => Promise<void>) => {
    const r = await interleaved(
      label,
      clients.map((c, n) => ({ name: `${names[n]} wire`, op: (i: number) => op(c, i) })),
      { concurrency, seconds },
    );
    rows.push(withCeiling(label, r, target));
    return r;
  };
  for (const concurrency of [1, 32]) {
    const path = (i: number) => `/small/w${concurrency}/${String(i).padStart(8, '0')}`;
    const [ours, theirs, bound] = await step(`PutObject, concurrency ${concurrency}`, '≥ 1.5×', concurrency, async (c, i) =>
      expectResponse(await c.send({ method: 'PUT', path: path(i), body }), 200),
    );
    const puts = [ours!.ops, theirs!.ops, bound!.ops];
    const existing = (c: WireClient, i: number) => path(i % Math.max(1, puts[clients.indexOf(c)]!));
    await step(`GetObject, concurrency ${concurrency}`, '≥ 2×', concurrency, async (c, i) =>
      expectResponse(await c.send({ method: 'GET', path: existing(c, i) }), 200, SMALL),
    );
    await step(`HeadObject, concurrency ${concurrency}`, '≥ 2×', concurrency, async (c, i) =>
      expectResponse(await c.send({ method: 'HEAD', path: existing(c, i) }), 200),
    );
  }
  const listing = (query: string, element: string, count: number) => async (c: WireClient) => {
    const res = await c.send({ method: 'GET', path: '/list', query });
    expectResponse(res, 200);
    const n = occurrences(res.body, element);
    if (n !== count) throw new Error(`${n} ${element} in the listing, expected ${count}`);
  };
  await step(
    `ListObjectsV2 prefix "d042/" (${LIST_PER_PREFIX} keys), concurrency 1`,
    '-',
    1,
    listing('list-type=2&prefix=d042%2F', '<Contents>', LIST_PER_PREFIX),
  );
  await step(
    `ListObjectsV2 delimiter "/" over ${(LIST_PREFIXES * LIST_PER_PREFIX).toLocaleString('en-US')} keys, concurrency 1`,
    '≥ 100×',
    1,
    listing('delimiter=%2F&list-type=2', '<CommonPrefixes>', LIST_PREFIXES),
  );
  return rows;
}

async function largeObjects(targets: [Target, Target], stack: TestStack, seconds: number): Promise<(string | number)[][]> {
  const disk = await rawDiskRate(stack.dataDir, LARGE);
  const md5 = md5Rate(LARGE);
  const bucket = 'large';
  for (const t of targets) await t.client.send(new CreateBucketCommand({ Bucket: bucket }));
  // A stream body with ContentLength (UNSIGNED-PAYLOAD): the client does not hash 64 MiB per request.
  const put = (t: Target) => () =>
    t.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'big', Body: generated(LARGE), ContentLength: LARGE }));
  for (const t of targets) await put(t)();
  const [ourPut, refPut] = await interleaved(
    '64 MiB PUT',
    targets.map((t) => ({ name: t.name, op: put(t) })),
    { concurrency: 1, seconds, warmUpSeconds: WARM_UP_SECONDS },
  );
  const plain = await startPlainServer(LARGE);
  const agent = new Agent({ keepAlive: true });
  let gets: Rate[];
  try {
    const get = (t: Target) => async () => {
      const res = await t.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'big' }));
      if ((await drain(res.Body)) !== LARGE) throw new Error('short GetObject body');
    };
    const getPlain = async () => {
      if ((await plainGet(plain.url, agent)) !== LARGE) throw new Error('short plain body');
    };
    await getPlain();
    gets = await interleaved('64 MiB GET', [{ name: 'plain http', op: getPlain }, ...targets.map((t) => ({ name: t.name, op: get(t) }))], {
      concurrency: 1,
      seconds,
      warmUpSeconds: WARM_UP_SECONDS,
    });
  } finally {
    agent.destroy();
    await plain.stop();
  }
  for (const t of targets) await t.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'big' }));
  const [plainGetRate, ourGet, refGet] = gets as [Rate, Rate, Rate];
  const plainMiBps = mibps(plainGetRate, LARGE);
  return [
    ['64 MiB objects (concurrency 1)', 'MiB/s', 'reference', 'reference MiB/s', 'ratio', 'errors', 'target'],
    ['raw disk: 1 MiB writes + fdatasync (best of 3)', disk, '-', '-', '-', '0', '-'],
    ['MD5 on one core, 1 MiB blocks (best of 3): the ETag, so a ceiling for one PUT', md5, '-', '-', '-', '0', '-'],
    ['plain Node HTTP GET from memory (child process)', plainMiBps, '-', '-', '-', String(plainGetRate.errors), '-'],
    [
      'zenko PutObject (durable)',
      mibps(ourPut!, LARGE),
      'raw disk',
      disk,
      ratio(mibps(ourPut!, LARGE), disk),
      String(ourPut!.errors),
      '≥ 0.8×',
    ],
    [
      'zenko PutObject against the MD5 ceiling (information)',
      mibps(ourPut!, LARGE),
      'MD5',
      md5,
      ratio(mibps(ourPut!, LARGE), md5),
      '-',
      '-',
    ],
    [
      'zenko GetObject',
      mibps(ourGet, LARGE),
      'plain HTTP',
      plainMiBps,
      ratio(mibps(ourGet, LARGE), plainMiBps),
      String(ourGet.errors),
      '≥ 0.6×',
    ],
    [
      's3rver PutObject (no fsync; information)',
      mibps(refPut!, LARGE),
      'raw disk',
      disk,
      ratio(mibps(refPut!, LARGE), disk),
      String(refPut!.errors),
      '-',
    ],
    [
      's3rver GetObject (information)',
      mibps(refGet, LARGE),
      'plain HTTP',
      plainMiBps,
      ratio(mibps(refGet, LARGE), plainMiBps),
      String(refGet.errors),
      '-',
    ],
  ];
}

async function pidOf(address: string): Promise<number> {
  const client = createClient(meshV1ServiceInfo.ServiceInfoServiceService, address, { deadlineMs: 5_000 });
  try {
    return (await client.getServiceInfo({})).pid;
  } finally {
    client.close();
  }
}

function rssKiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Runs `fn` while sampling the RSS of every process every 100 ms; peak MiB per process. */
async function peakRss(pids: Map<string, number>, fn: () => Promise<void>): Promise<Map<string, number>> {
  const peak = new Map<string, number>();
  const sample = () => {
    for (const [name, pid] of pids) peak.set(name, Math.max(peak.get(name) ?? 0, rssKiB(pid) / KiB));
  };
  sample();
  const timer = setInterval(sample, 100);
  try {
    await fn();
  } finally {
    clearInterval(timer);
    sample();
  }
  return peak;
}

async function memory(stack: TestStack, bigBytes: number): Promise<{ rows: (string | number)[][]; title: string }> {
  const pids = new Map<string, number>([['launcher', stack.launcher.pid!]]);
  for (const name of SERVICE_NAMES) pids.set(name, await pidOf(stack.services[name].grpc));
  // The SDK's default settings here: the single PutObject goes as aws-chunked with a CRC32 trailer.
  const client = s3(stack.s3, ACCESS_KEY, SECRET_KEY, true);
  const bucket = 'memory';
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const phases: [string, () => Promise<void>][] = [
    [
      'PutObject',
      async () => {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'single', Body: generated(bigBytes), ContentLength: bigBytes }));
      },
    ],
    [
      'GetObject',
      async () => {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'single' }));
        if ((await drain(res.Body)) !== bigBytes) throw new Error('short GetObject body');
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'single' }));
      },
    ],
    [
      'multipart Upload',
      async () => {
        await new Upload({
          client,
          params: { Bucket: bucket, Key: 'multi', Body: generated(bigBytes) },
          partSize: 64 * MiB,
          queueSize: 4,
        }).done();
      },
    ],
    [
      'GetObject (multipart)',
      async () => {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'multi' }));
        if ((await drain(res.Body)) !== bigBytes) throw new Error('short GetObject body');
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'multi' }));
      },
    ],
  ];
  // What each process holds before the transfers (earlier sections grew some heaps).
  const before = new Map([...pids].map(([name, pid]) => [name, rssKiB(pid) / KiB]));
  const peaks: Map<string, number>[] = [];
  const speeds: (string | number)[] = ['(transfer MiB/s)'];
  const errors: (string | number)[] = ['(errors)'];
  for (const [name, fn] of phases) {
    const start = performance.now();
    let failed = 0;
    peaks.push(
      await peakRss(pids, async () => {
        try {
          await fn();
        } catch (err) {
          failed++;
          process.stderr.write(`s3 bench: ${name}: ${describe(err)}\n`);
        }
      }),
    );
    speeds.push(bigBytes / MiB / ((performance.now() - start) / 1000));
    errors.push(String(failed));
  }
  client.destroy();
  const rows: (string | number)[][] = [['process (peak RSS, MiB)', 'before', ...phases.map(([n]) => n), 'peak', 'target']];
  for (const name of pids.keys()) {
    const p = peaks.map((m) => m.get(name) ?? 0);
    const max = Math.max(...p);
    rows.push([name, before.get(name) ?? 0, ...p, max, max < 256 ? '< 256 ✓' : '< 256 ✗']);
  }
  rows.push([speeds[0]!, '', ...speeds.slice(1), '', ''], [errors[0]!, '', ...errors.slice(1), '', '']);
  const size = bigBytes >= 1024 * MiB ? `${(bigBytes / 1024 / MiB).toFixed(2)} GiB` : `${(bigBytes / MiB).toFixed(0)} MiB`;
  return {
    rows,
    title: `s3: resident memory of every stack process during ${size} transfers (generated stream body; SDK default checksums; Upload partSize 64 MiB, queueSize 4)`,
  };
}

export async function s3Bench(seconds: number): Promise<void> {
  const bigBytes = Number(process.env['BENCH_BIG_BYTES'] ?? 2 * 1024 * MiB);
  const stack = await startStack({ ZENKO_LOG_LEVEL: 'warn' });
  let ref: Child | undefined;
  try {
    ref = await startS3rver();
    const targets: [Target, Target] = [
      { name: 'zenko', client: s3(stack.s3, ACCESS_KEY, SECRET_KEY) },
      { name: 's3rver', client: s3(ref.url, 'S3RVER', 'S3RVER') },
    ];
    // Does s3rver store what the SDK sends with its default settings (aws-chunked, CRC32 trailer)?
    const probe = s3(ref.url, 'S3RVER', 'S3RVER', true);
    let defaultsOk = 'fails';
    try {
      await probe.send(new CreateBucketCommand({ Bucket: 'probe' }));
      await probe.send(new PutObjectCommand({ Bucket: 'probe', Key: 'k', Body: generated(SMALL), ContentLength: SMALL }));
      const got = await targets[1].client.send(new GetObjectCommand({ Bucket: 'probe', Key: 'k' }));
      const n = await drain(got.Body);
      defaultsOk = n === SMALL ? 'ok' : `stores ${n} bytes for ${SMALL} (chunk framing kept)`;
    } catch (err) {
      defaultsOk = `fails (${describe(err)})`;
    }
    probe.destroy();

    const ceilingServer = await startCeiling('s3');
    const ceiling = { name: 'ceiling', client: s3(ceilingServer.url, ACCESS_KEY, SECRET_KEY) };
    try {
      printTable(
        `s3: small objects, zenko stack vs s3rver ${S3RVER_VERSION} (${SETTINGS}; ${seconds}s each; ${load()})`,
        await smallObjects(targets, ceiling, seconds),
      );
      process.stdout.write(
        '\nclient ceiling: the same SDK client against a server that answers every request at once (bench/ceiling-server.ts); no server can be measured above it on this machine.\n',
      );
      process.stdout.write(`\ns3rver with the SDK's default checksum settings (stream PutObject then GetObject): ${defaultsOk}\n`);
      process.stdout.write(
        'zenko acknowledges a PutObject after fdatasync of the data and of its directory and a durable metadata commit (ZENKO_INLINE_MAX_BYTES, off here, would keep small objects in the record); s3rver does not fsync.\n',
      );

      const listed = await listings(targets, ceiling, seconds);
      printTable(
        `s3: listings (${SETTINGS}; loading ${(LIST_PREFIXES * LIST_PER_PREFIX).toLocaleString('en-US')} keys took ${listed.loadSeconds.map((s) => s.toFixed(1)).join(' s / ')} s; ${load()})`,
        listed.rows,
      );

      const wire: [WireClient, WireClient, WireClient] = [
        s3Wire(stack.s3, { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }),
        s3Wire(ref.url, { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }),
        s3Wire(ceilingServer.url, { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }),
      ];
      try {
        printTable(
          `s3: the same operations with a minimal client (bench/wire-client.ts: SigV4 headers, keep-alive node:http, 64 sockets, bodies counted, not parsed; ${seconds}s each; ${load()})`,
          await wireRows(wire, seconds),
        );
      } finally {
        for (const c of wire) c.destroy();
      }
      process.stdout.write(
        '\nThe SDK rows are what an application using @aws-sdk/client-s3 sees; the minimal-client rows show the servers themselves where the SDK client caps both near its ceiling.\n',
      );
    } finally {
      ceiling.client.destroy();
      await ceilingServer.stop();
    }
    printTable(`s3: 64 MiB objects (${SETTINGS}; stream PutObject bodies; ${load()})`, await largeObjects(targets, stack, seconds));
    for (const t of targets) t.client.destroy();
    await ref.stop();
    ref = undefined;

    const mem = await memory(stack, bigBytes);
    printTable(`${mem.title}; ${load()}`, mem.rows);
  } finally {
    await ref?.stop();
    await stack.stop();
  }
}
