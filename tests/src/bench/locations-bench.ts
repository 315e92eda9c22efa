// The locations section: 64 MiB PUT and GET through Zenko's S3 edge on buckets whose
// location is `file` (the built-in us-east-1), `aws_s3` (a second, independent stack
// on other loopback ports, as in tests/src/locations/cloud-locations.test.ts) and
// `azure` (Azurite, persistence in a temporary directory), each next to the same
// transfer done directly in the same run: for `file` the raw disk write rate and a
// plain Node HTTP GET from memory, for `aws_s3` lib-storage's Upload and GetObject
// against the second stack, for `azure` uploadStream and download against Azurite,
// with the block size and concurrency the location backends use
// (svc-cloudserver/src/data/aws-s3-backend.ts, azure-backend.ts).
import { Agent } from 'node:http';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ContainerClient } from '@azure/storage-blob';
import { DEV_ACCOUNT, DEV_KEY } from '../support/azure.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { ACCESS_KEY, SECRET_KEY } from '../support/s3.js';
import { startStack, startTogether, type TestStack } from '../support/stack.js';
import { zenkoCli } from '../support/zenko-cli.js';
import { interleaved, mibps, printTable, ratio, WARM_UP_SECONDS, type Rate } from './measure.js';
import { s3, SETTINGS } from './s3-bench.js';
import { drain, generated, loadAverage, MiB, plainGet, rawDiskRate, startPlainServer } from './transfer.js';

const LARGE = 64 * MiB;
/** The part / block size and concurrency of the aws_s3 and azure backends for a 64 MiB body. */
const PART = 8 * MiB;
const QUEUE = 4;

type Row = (string | number)[];

interface Subject {
  name: string;
  op: () => Promise<unknown>;
}

/** The edge follows the registry: the first request may race the change notification. */
async function createBucketOn(client: S3Client, bucket: string, location?: string): Promise<void> {
  let last: unknown;
  for (let i = 0; i < 100; i++) {
    try {
      await client.send(
        new CreateBucketCommand({
          Bucket: bucket,
          ...(location === undefined ? {} : { CreateBucketConfiguration: { LocationConstraint: location as never } }),
        }),
      );
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw last;
}

async function addLocation(stack: TestStack, ...args: string[]): Promise<void> {
  const res = await zenkoCli(stack, 'location', 'add', ...args);
  if (res.code !== 0) throw new Error(`zenko location add ${args[0]} failed: ${res.stderr}`);
}

/** Zenko's PUT and GET of a 64 MiB object in `bucket`: one stream PutObject with ContentLength (unsigned payload). */
function throughZenko(client: S3Client, bucket: string): { put: Subject; get: Subject } {
  return {
    put: {
      name: `zenko ${bucket}`,
      op: () => client.send(new PutObjectCommand({ Bucket: bucket, Key: 'big', Body: generated(LARGE), ContentLength: LARGE })),
    },
    get: {
      name: `zenko ${bucket}`,
      op: async () => {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'big' }));
        if ((await drain(res.Body)) !== LARGE) throw new Error(`short GetObject body from ${bucket}`);
      },
    },
  };
}

/** PUT and GET interleaved with their direct counterparts (Zenko first), after one PUT and GET each and an unmeasured run (WARM_UP_SECONDS). */
async function compare(
  label: string,
  zenko: { put: Subject; get: Subject },
  direct: { put?: Subject; get: Subject },
  seconds: number,
): Promise<{ label: string; put: Rate[]; get: Rate[] }> {
  for (const s of [zenko.put, direct.put, zenko.get, direct.get]) await s?.op();
  const opts = { concurrency: 1, seconds, warmUpSeconds: WARM_UP_SECONDS };
  const put = await interleaved(`${label} 64 MiB PUT`, [zenko.put, ...(direct.put ? [direct.put] : [])], opts);
  const get = await interleaved(`${label} 64 MiB GET`, [zenko.get, direct.get], opts);
  return { label, put, get };
}

export async function locationsBench(seconds: number): Promise<void> {
  let zenko: TestStack | undefined;
  let target: TestStack | undefined;
  let azurite: Azurite | undefined;
  const agent = new Agent({ keepAlive: true });
  const plain = await startPlainServer(LARGE);
  try {
    azurite = await startAzurite();
    [zenko, target] = await startTogether(startStack({ ZENKO_LOG_LEVEL: 'warn' }), startStack({ ZENKO_LOG_LEVEL: 'warn' }));
    const client = s3(zenko.s3, ACCESS_KEY, SECRET_KEY);
    const direct = s3(target.s3, ACCESS_KEY, SECRET_KEY);
    const blobs = azurite.client();
    const container: ContainerClient = blobs.getContainerClient('zenko');
    await direct.send(new CreateBucketCommand({ Bucket: 'target' }));
    await container.create();
    await addLocation(
      zenko,
      'bench-s3',
      ...['--type', 'aws_s3', '--endpoint', target.s3, '--access-key', ACCESS_KEY, '--secret-key', SECRET_KEY, '--path-style'],
      ...['--bucket', 'target'],
    );
    await addLocation(
      zenko,
      'bench-azure',
      ...['--type', 'azure', '--endpoint', azurite.endpoint, '--account-name', DEV_ACCOUNT, '--account-key', DEV_KEY],
      ...['--container', 'zenko'],
    );
    await createBucketOn(client, 'on-file');
    await createBucketOn(client, 'on-aws-s3', 'bench-s3');
    await createBucketOn(client, 'on-azure', 'bench-azure');

    const disk = await rawDiskRate(zenko.dataDir, LARGE);
    const results = [
      await compare(
        'file',
        throughZenko(client, 'on-file'),
        {
          get: {
            name: 'plain http',
            op: async () => {
              if ((await plainGet(plain.url, agent)) !== LARGE) throw new Error('short plain body');
            },
          },
        },
        seconds,
      ),
      await compare(
        'aws_s3',
        throughZenko(client, 'on-aws-s3'),
        {
          put: {
            name: 'direct s3',
            op: () =>
              new Upload({
                client: direct,
                params: { Bucket: 'target', Key: 'direct/big', Body: generated(LARGE) },
                partSize: PART,
                queueSize: QUEUE,
              }).done(),
          },
          get: {
            name: 'direct s3',
            op: async () => {
              const res = await direct.send(new GetObjectCommand({ Bucket: 'target', Key: 'direct/big' }));
              if ((await drain(res.Body)) !== LARGE) throw new Error('short direct GetObject body');
            },
          },
        },
        seconds,
      ),
      await compare(
        'azure',
        throughZenko(client, 'on-azure'),
        {
          put: { name: 'direct azure', op: () => container.getBlockBlobClient('direct/big').uploadStream(generated(LARGE), PART, QUEUE) },
          get: {
            name: 'direct azure',
            op: async () => {
              const res = await container.getBlobClient('direct/big').download();
              if ((await drain(res.readableStreamBody)) !== LARGE) throw new Error('short direct download body');
            },
          },
        },
        seconds,
      ),
    ];
    client.destroy();
    direct.destroy();

    const mb = (r: Rate | undefined) => (r === undefined ? Number.NaN : mibps(r, LARGE));
    const rows: Row[] = [
      [
        'location (64 MiB, concurrency 1, MiB/s)',
        'PUT through Zenko',
        'PUT direct',
        'ratio',
        'GET through Zenko',
        'GET direct',
        'ratio',
        'target',
        'errors (Zenko / direct, PUT; GET)',
      ],
    ];
    for (const { label, put, get } of results) {
      const putDirect = put[1] === undefined ? disk : mb(put[1]);
      const errors = (r: Rate[]) => r.map((x) => String(x.errors)).join(' / ');
      rows.push([
        label,
        mb(put[0]),
        putDirect,
        ratio(mb(put[0]), putDirect),
        mb(get[0]),
        mb(get[1]),
        ratio(mb(get[0]), mb(get[1])),
        '≥ 0.8×',
        `${put[1] === undefined ? `${put[0]!.errors} / -` : errors(put)}; ${errors(get)}`,
      ]);
    }
    printTable(
      `locations: 64 MiB through Zenko's S3 edge vs direct to the target (${SETTINGS}; Zenko: one stream PutObject with ContentLength; ${seconds}s each; ${loadAverage()})`,
      rows,
    );
    process.stdout.write(
      [
        '',
        'direct, per location:',
        '- file: PUT = raw disk, 1 MiB writes + fdatasync in the data directory (best of 3); GET = plain Node HTTP GET from memory (child process).',
        `- aws_s3: a second stack (its own S3 edge, file location, fsync); PUT = lib-storage Upload (${PART / MiB} MiB parts, ${QUEUE} at a time, as the aws_s3 backend); GET = GetObject.`,
        `- azure: Azurite, persistence in a temporary directory; PUT = uploadStream (${PART / MiB} MiB blocks, ${QUEUE} at a time, as the azure backend); GET = download.`,
        '',
      ].join('\n'),
    );
  } finally {
    agent.destroy();
    await plain.stop();
    await Promise.all([zenko?.stop(), target?.stop(), azurite?.stop()]);
  }
}
