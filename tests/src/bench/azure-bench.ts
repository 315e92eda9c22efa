// The azure section: the stack's Azure edge (svc-blobserver over svc-metadata and
// svc-cloudserver's file location) against Azurite's blob service (npm `azurite`,
// persistence in a temporary directory), both driven by @azure/storage-blob with the
// development account and the same client settings in the same run: 4 KiB Put Blob /
// Get Blob at concurrency 1 and 32, List Blobs of a 100-blob prefix, and a 64 MiB
// upload in blocks (uploadData) and its download.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import { azureClient, DEV_ACCOUNT, DEV_KEY } from '../support/azure.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { startStack } from '../support/stack.js';
import { errorsOf, interleaved, mibps, printTable, rate, ratio, WARM_UP_SECONDS, type Rate } from './measure.js';
import { drain, KiB, loadAverage, MiB, startCeiling } from './transfer.js';
import { azureWire, expectResponse, occurrences, type WireClient } from './wire-client.js';

const SMALL = 4 * KiB;
const LARGE = 64 * MiB;
const BLOCK = 4 * MiB;
const BLOCK_CONCURRENCY = 4;
const LIST_PREFIXES = 10;
const LIST_PER_PREFIX = 100;

const AZURITE_VERSION = (
  JSON.parse(readFileSync(createRequire(import.meta.url).resolve('azurite/package.json'), 'utf8')) as { version: string }
).version;

/** What the table titles say about the two servers and the client. */
const SETTINGS = '@azure/storage-blob, shared key, path-style dev account, one try per call';
const AZURITE_MODE =
  'Azurite with persistence in a temporary directory (extents fdatasync, metadata in LokiJS autosaved every 5 s; its in-memory mode would skip the disk entirely)';

interface Target {
  name: string;
  service: BlobServiceClient;
}

type Row = (string | number)[];

function row(label: string, r: Rate[], target: string, value: (x: Rate) => number = (x) => x.opsPerSecond): Row {
  return [label, value(r[0]!), value(r[1]!), ratio(value(r[0]!), value(r[1]!)), r[2] ? value(r[2]) : '-', target, errorsOf(r)];
}

async function getBlob(c: ContainerClient, name: string, size: number): Promise<void> {
  const res = await c.getBlobClient(name).download();
  if ((await drain(res.readableStreamBody)) !== size) throw new Error(`short Get Blob body for ${name}`);
}

/** Small blobs on Zenko, Azurite and the client ceiling (a server answering at once, ceiling-server.ts). */
async function smallBlobs(servers: [Target, Target], ceiling: Target, seconds: number): Promise<Row[]> {
  const targets = [...servers, ceiling];
  const body = Buffer.alloc(SMALL, 0x61);
  const containers = targets.map((t) => t.service.getContainerClient('small'));
  const put = (c: ContainerClient, name: string) => c.getBlockBlobClient(name).upload(body, body.length);
  for (const [n, c] of containers.entries()) {
    await c.create();
    await rate(`${targets[n]!.name} warm-up`, (i) => put(c, `warm/${i}`), { concurrency: 32, seconds: 0.5 });
  }
  const rows: Row[] = [];
  for (const concurrency of [1, 32]) {
    const name = (i: number) => `c${concurrency}/${String(i).padStart(8, '0')}`;
    const puts = await interleaved(
      `Put Blob c${concurrency}`,
      targets.map((t, n) => ({ name: t.name, op: (i: number) => put(containers[n]!, name(i)) })),
      { concurrency, seconds },
    );
    rows.push(row(`Put Blob 4 KiB, concurrency ${concurrency} (ops/s)`, puts, '≥ 2×'));
    const gets = await interleaved(
      `Get Blob c${concurrency}`,
      targets.map((t, n) => ({
        name: t.name,
        op: (i: number) => getBlob(containers[n]!, name(i % Math.max(1, puts[n]!.ops)), SMALL),
      })),
      { concurrency, seconds },
    );
    rows.push(row(`Get Blob 4 KiB, concurrency ${concurrency} (ops/s)`, gets, '≥ 2×'));
  }
  return rows;
}

/** List Blobs of a 100-blob prefix on Zenko, Azurite and the client ceiling (which answers a canned page without loading). */
async function listBlobs(servers: [Target, Target], ceiling: Target, seconds: number): Promise<{ row: Row; loadSeconds: number[] }> {
  const total = LIST_PREFIXES * LIST_PER_PREFIX;
  const nameOf = (i: number) => `p${String(i % LIST_PREFIXES).padStart(3, '0')}/b${String(Math.floor(i / LIST_PREFIXES)).padStart(4, '0')}`;
  const loadSeconds: number[] = [];
  const targets = [...servers, ceiling];
  const containers = targets.map((t) => t.service.getContainerClient('list'));
  for (const [n, c] of containers.slice(0, 2).entries()) {
    await c.create();
    const r = await rate(`${targets[n]!.name} list load`, (i) => c.getBlockBlobClient(nameOf(i)).upload('x', 1), {
      concurrency: 32,
      seconds: 3600,
      maxOps: total,
    });
    if (r.errors > 0) throw new Error(`${r.errors} errors while loading ${total} blobs into ${targets[n]!.name}`);
    loadSeconds.push(r.seconds);
  }
  const r = await interleaved(
    'List Blobs',
    targets.map((t, n) => ({
      name: t.name,
      op: async () => {
        const page = await containers[n]!.listBlobsFlat({ prefix: 'p004/' }).byPage({ maxPageSize: 5000 }).next();
        const items = page.done === true ? 0 : page.value.segment.blobItems.length;
        if (items !== LIST_PER_PREFIX) throw new Error(`List Blobs from ${t.name} returned ${items} blobs`);
      },
    })),
    { concurrency: 1, seconds },
  );
  return {
    row: row(`List Blobs, prefix "p004/" (${LIST_PER_PREFIX} of ${total} blobs), concurrency 1 (ops/s)`, r, '≥ 2×'),
    loadSeconds,
  };
}

/**
 * Put Blob, Get Blob and List Blobs again with the minimal SharedKey client (wire-client.ts) on the
 * containers the SDK rows filled: the servers themselves once the client's own CPU no longer caps
 * them near the SDK's ceiling.
 */
async function wireRows(clients: [WireClient, WireClient, WireClient], seconds: number): Promise<Row[]> {
  const names = ['zenko azure', 'azurite', 'ceiling'];
  const body = Buffer.alloc(SMALL, 0x61);
  const rows: Row[] = [];
  const measure = (what: string, concurrency: number, op: (c: WireClient, i: number) => Promise<void>) =>
    interleaved(
      `wire ${what}`,
      clients.map((c, n) => ({ name: names[n]!, op: (i: number) => op(c, i) })),
      { concurrency, seconds },
    );
  for (const concurrency of [1, 32]) {
    const path = (i: number) => `/${DEV_ACCOUNT}/small/w${concurrency}/${String(i).padStart(8, '0')}`;
    const puts = await measure(`Put Blob c${concurrency}`, concurrency, async (c, i) =>
      expectResponse(await c.send({ method: 'PUT', path: path(i), headers: { 'x-ms-blob-type': 'BlockBlob' }, body }), 201),
    );
    rows.push(row(`minimal client: Put Blob 4 KiB, concurrency ${concurrency} (ops/s)`, puts, '≥ 2×'));
    const gets = await measure(`Get Blob c${concurrency}`, concurrency, async (c, i) =>
      expectResponse(await c.send({ method: 'GET', path: path(i % Math.max(1, puts[clients.indexOf(c)]!.ops)) }), 200, SMALL),
    );
    rows.push(row(`minimal client: Get Blob 4 KiB, concurrency ${concurrency} (ops/s)`, gets, '≥ 2×'));
  }
  const lists = await measure('List Blobs', 1, async (c) => {
    const res = await c.send({ method: 'GET', path: `/${DEV_ACCOUNT}/list`, query: 'restype=container&comp=list&prefix=p004%2F' });
    expectResponse(res, 200);
    const n = occurrences(res.body, '<Blob>');
    if (n !== LIST_PER_PREFIX) throw new Error(`${n} blobs in the listing, expected ${LIST_PER_PREFIX}`);
  });
  rows.push(row(`minimal client: List Blobs, prefix "p004/" (${LIST_PER_PREFIX} blobs), concurrency 1 (ops/s)`, lists, '≥ 2×'));
  return rows;
}

async function largeBlob(targets: [Target, Target], seconds: number): Promise<Row[]> {
  // One buffer reused by every upload (uploadData slices it into blocks).
  const data = Buffer.alloc(LARGE, 0x5a);
  const containers = targets.map((t) => t.service.getContainerClient('large'));
  const upload = (c: ContainerClient) => () =>
    c.getBlockBlobClient('big').uploadData(data, { blockSize: BLOCK, maxSingleShotSize: BLOCK, concurrency: BLOCK_CONCURRENCY });
  for (const c of containers) {
    await c.create();
    await upload(c)();
  }
  const ups = await interleaved(
    '64 MiB uploadData',
    targets.map((t, n) => ({ name: t.name, op: upload(containers[n]!) })),
    { concurrency: 1, seconds, warmUpSeconds: WARM_UP_SECONDS },
  );
  const downs = await interleaved(
    '64 MiB download',
    targets.map((t, n) => ({ name: t.name, op: () => getBlob(containers[n]!, 'big', LARGE) })),
    { concurrency: 1, seconds, warmUpSeconds: WARM_UP_SECONDS },
  );
  const mb = (x: Rate) => mibps(x, LARGE);
  return [
    row(
      `64 MiB uploadData: ${BLOCK / MiB} MiB Put Block × ${LARGE / BLOCK}, ${BLOCK_CONCURRENCY} at a time, Put Block List (MiB/s)`,
      ups,
      '≥ 1.5×',
      mb,
    ),
    row('64 MiB Get Blob, one streamed response (MiB/s)', downs, '≥ 1.5×', mb),
  ];
}

export async function azureBench(seconds: number): Promise<void> {
  const stack = await startStack({ ZENKO_LOG_LEVEL: 'warn' });
  let azurite: Azurite | undefined;
  try {
    azurite = await startAzurite();
    const targets: [Target, Target] = [
      { name: 'zenko azure', service: azureClient(stack) },
      { name: 'azurite', service: azurite.client() },
    ];
    const rows: Row[] = [['operation', 'Zenko', 'Azurite', 'ratio', 'client ceiling', 'target', 'errors (Zenko / Azurite / ceiling)']];
    const ceilingServer = await startCeiling('azure');
    let listed: { row: Row; loadSeconds: number[] };
    try {
      const ceiling = {
        name: 'ceiling',
        service: new BlobServiceClient(`${ceilingServer.url}/${DEV_ACCOUNT}`, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY), {
          retryOptions: { maxTries: 1 },
        }),
      };
      rows.push(...(await smallBlobs(targets, ceiling, seconds)));
      listed = await listBlobs(targets, ceiling, seconds);
      rows.push(listed.row);
      const wire: [WireClient, WireClient, WireClient] = [
        azureWire(stack.azure, DEV_ACCOUNT, DEV_KEY),
        azureWire(new URL(azurite.endpoint).origin, DEV_ACCOUNT, DEV_KEY),
        azureWire(ceilingServer.url, DEV_ACCOUNT, DEV_KEY),
      ];
      try {
        rows.push(...(await wireRows(wire, seconds)));
      } finally {
        for (const c of wire) c.destroy();
      }
    } finally {
      await ceilingServer.stop();
    }
    rows.push(...(await largeBlob(targets, seconds)));
    printTable(
      `azure: Zenko's Azure edge (file location) vs ${AZURITE_MODE}, Azurite ${AZURITE_VERSION} (${SETTINGS}; ${seconds}s each; loading ${LIST_PREFIXES * LIST_PER_PREFIX} blobs took ${listed.loadSeconds.map((s) => s.toFixed(1)).join(' s / ')} s; ${loadAverage()})`,
      rows,
    );
    process.stdout.write(
      '\nzenko acknowledges a Put Blob / Put Block after fdatasync of the data and of its directory and a durable metadata commit.\n' +
        'minimal client: bench/wire-client.ts (SharedKey signed by hand, keep-alive node:http, 64 sockets, bodies counted, not parsed); the SDK rows are what an application using @azure/storage-blob sees, the minimal-client rows show the servers themselves where the SDK client caps both near its ceiling.\n',
    );
  } finally {
    await azurite?.stop();
    await stack.stop();
  }
}
