// Location failures: a definition whose target refuses the credentials or lacks
// the bucket is refused at `zenko location add` (the probe); a target that goes
// away, or goes silent, makes a PUT answer 503 ServiceUnavailable and leaves no
// object behind; so does svc-metadata dying after the data was written when the
// edges commit through it, and that data is removed (on one machine the edges commit
// to the store themselves: the PUT succeeds). A commit that lands while its answer
// is lost (a proxy drops it) fails the PUT but keeps the recorded version's data.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { meshV1ServiceInfo } from '@zenko/gen';
import { createClient, createMetadataClient, waitServing } from '@zenko/mesh';
import { freePorts } from '../support/ports.js';
import { s3Client, s3Error } from '../support/s3.js';
import { startStack, startTogether, type TestStack } from '../support/stack.js';
import { zenkoCli } from '../support/zenko-cli.js';

let zenko: TestStack;
let target: TestStack;
let s3: S3Client;

before(async () => {
  // Released data whose delete failed is retried every half second (30 s by default).
  [zenko, target] = await startTogether(startStack({ ZENKO_RELEASE_RETRY_MS: '500' }), startStack());
  s3 = s3Client(zenko);
  const direct = s3Client(target);
  await direct.send(new CreateBucketCommand({ Bucket: 'target' }));
  direct.destroy();
});

after(async () => {
  s3?.destroy();
  await Promise.all([zenko?.stop(), target?.stop()]);
});

function s3Location(name: string, ...extra: string[]): string[] {
  return ['location', 'add', name, '--type', 'aws_s3', '--endpoint', target.s3, '--path-style', '--access-key', 'accessKey1', ...extra];
}

describe('location probe', () => {
  it('wrong credentials, a missing bucket or an unreachable target make `zenko location add` fail; nothing is stored', async () => {
    const cases: string[][] = [
      s3Location('badkey', '--secret-key', 'wrong-secret', '--bucket', 'target'),
      s3Location('nobucket', '--secret-key', 'verySecretKey1', '--bucket', 'no-such-bucket'),
      ['location', 'add', 'noaz', '--type', 'azure', '--endpoint', `${target.s3}/devstoreaccount1`, '--account-name', 'devstoreaccount1'],
    ];
    cases[2]!.push('--account-key', Buffer.from('not the key').toString('base64'), '--container', 'c');
    for (const args of cases) {
      const res = await zenkoCli(zenko, ...args);
      assert.equal(res.code, 1, `${args[2]} must be refused`);
      assert.match(res.stderr, /LOCATION_PROBE_FAILED/);
      assert.equal((await zenkoCli(zenko, 'location', 'show', args[2]!)).code, 1, `${args[2]} was not stored`);
    }
    const skipped = await zenkoCli(zenko, ...s3Location('skipped', '--secret-key', 'wrong-secret', '--bucket', 'target', '--skip-probe'));
    assert.equal(skipped.code, 0, skipped.stderr);
    const good = await zenkoCli(zenko, ...s3Location('good', '--secret-key', 'verySecretKey1', '--bucket', 'target'));
    assert.equal(good.code, 0, good.stderr);
    // An update is probed with the stored secret when none is given, and with the new one when given.
    const kept = await zenkoCli(zenko, ...s3Location('good', '--bucket', 'target').map((a) => (a === 'add' ? 'update' : a)));
    assert.equal(kept.code, 0, kept.stderr);
    const broken = await zenkoCli(
      zenko,
      ...s3Location('good', '--secret-key', 'wrong', '--bucket', 'target').map((a) => (a === 'add' ? 'update' : a)),
    );
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /LOCATION_PROBE_FAILED/);
    // An update changes only the options it gives: the rest of the definition stays.
    const partial = await zenkoCli(zenko, 'location', 'update', 'good', '--size-limit-gb', '5', '--json');
    assert.equal(partial.code, 0, partial.stderr);
    const shown = JSON.parse((await zenkoCli(zenko, 'location', 'show', 'good', '--json')).stdout) as {
      sizeLimitGb: number;
      details: { endpoint: string; bucketName: string; pathStyle: boolean };
      secretsSet: string[];
    };
    assert.deepEqual(
      [shown.sizeLimitGb, shown.details.endpoint, shown.details.bucketName, shown.details.pathStyle, shown.secretsSet],
      [5, target.s3, 'target', true, ['secretKey']],
    );
    const wrongSecret = await zenkoCli(zenko, 'location', 'update', 'good', '--secret-key', 'wrong');
    assert.match(wrongSecret.stderr, /LOCATION_PROBE_FAILED/, 'probed with the kept endpoint and bucket');
    assert.equal((await zenkoCli(zenko, 'location', 'update', 'good', '--size-limit-gb', '0')).code, 0);
    // --json errors are JSON.
    const missing = await zenkoCli(zenko, 'location', 'remove', 'no-such-location', '--json');
    assert.equal(missing.code, 1);
    assert.equal((JSON.parse(missing.stderr) as { error: { reason: string } }).error.reason, 'LOCATION_NOT_FOUND');
  });

  it('a location whose credentials the target refuses answers writes with an error and stores nothing', async () => {
    await createBucketOn('refused', 'skipped');
    const err = await s3Error(s3.send(new PutObjectCommand({ Bucket: 'refused', Key: 'k', Body: 'x' })));
    assert.equal(err.status, 500);
    assert.equal(err.code, 'InternalError');
    assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: 'refused' }))).KeyCount, 0);
  });
});

describe('target limits', () => {
  it('a key the target refuses as too long (with its <bucket>/ prefix) is KeyTooLongError, not an internal error', async () => {
    await createBucketOn('longkeys', 'good');
    const err = await s3Error(s3.send(new PutObjectCommand({ Bucket: 'longkeys', Key: 'k'.repeat(1024), Body: 'x' })));
    assert.deepEqual([err.status, err.code], [400, 'KeyTooLongError']);
    assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: 'longkeys' }))).KeyCount, 0);
  });
});

async function createBucketOn(bucket: string, location: string): Promise<void> {
  let last: unknown;
  for (let i = 0; i < 100; i++) {
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: location as never } }));
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw last;
}

describe('released data', () => {
  it('a delete the target refuses is retried until the data is gone: no orphan is left at the target', async () => {
    const direct = s3Client(target);
    const atTarget = (key: string) =>
      direct.send(new HeadObjectCommand({ Bucket: 'target', Key: key })).then(
        () => true,
        () => false,
      );
    const update = (...extra: string[]) => zenkoCli(zenko, 'location', 'update', 'good', ...s3Location('good', ...extra).slice(3));
    try {
      await createBucketOn('released', 'good');
      await s3.send(new PutObjectCommand({ Bucket: 'released', Key: 'k', Body: 'soon released' }));
      assert.equal(await atTarget('released/k'), true);
      // The target now refuses the location's credentials (as after a key rotation).
      assert.equal((await update('--secret-key', 'wrong', '--bucket', 'target', '--skip-probe')).code, 0);
      await until(
        async () => (await s3Error(s3.send(new PutObjectCommand({ Bucket: 'released', Key: 'probe', Body: 'x' })))).status === 500,
      );
      await s3.send(new DeleteObjectCommand({ Bucket: 'released', Key: 'k' }));
      assert.equal(await atTarget('released/k'), true, 'the delete at the target failed');
      // Fixed: the journaled delete goes through.
      assert.equal((await update('--secret-key', 'verySecretKey1', '--bucket', 'target')).code, 0);
      await until(async () => !(await atTarget('released/k')));
    } finally {
      direct.destroy();
    }
  });
});

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not reached within 20 s');
}

describe('target stalled', () => {
  it('a target that accepts connections and never answers: a PUT answers 503 before the edge idle timeout, nothing is stored', async () => {
    // A server that takes every connection and never says a word (a hung proxy, a blackholed peer).
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const add = await zenkoCli(
        zenko,
        ...['location', 'add', 'stalled', '--type', 'aws_s3', '--endpoint', `http://127.0.0.1:${port}`, '--path-style'],
        ...['--access-key', 'accessKey1', '--secret-key', 'verySecretKey1', '--bucket', 'target', '--skip-probe'],
      );
      assert.equal(add.code, 0, add.stderr);
      await createBucketOn('stalled', 'stalled');
      const started = Date.now();
      const err = await s3Error(s3.send(new PutObjectCommand({ Bucket: 'stalled', Key: 'k', Body: Buffer.alloc(10_000, 1) })));
      assert.deepEqual([err.status, err.code], [503, 'ServiceUnavailable']);
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 30_000, `answered after ${elapsed} ms`);
      assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: 'stalled' }))).KeyCount, 0);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});

describe('target down', () => {
  it('a PUT answers 503 ServiceUnavailable and no metadata entry exists; reads of stored objects fail the same way', async () => {
    await createBucketOn('ondown', 'good');
    await s3.send(new PutObjectCommand({ Bucket: 'ondown', Key: 'before', Body: 'stored while up' }));
    assert.equal(
      await (await s3.send(new GetObjectCommand({ Bucket: 'ondown', Key: 'before' }))).Body?.transformToString(),
      'stored while up',
    );
    assert.equal(await target.stop(), 0);

    const err = await s3Error(s3.send(new PutObjectCommand({ Bucket: 'ondown', Key: 'after', Body: Buffer.alloc(100_000, 1) })));
    assert.equal(err.status, 503);
    assert.equal(err.code, 'ServiceUnavailable');
    assert.equal((await s3Error(s3.send(new HeadObjectCommand({ Bucket: 'ondown', Key: 'after' })))).status, 404);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'ondown' }));
    assert.deepEqual(
      listed.Contents?.map((c) => c.Key),
      ['before'],
    );
    const read = await s3Error(s3.send(new GetObjectCommand({ Bucket: 'ondown', Key: 'before' })));
    assert.equal(read.status, 503);
    assert.equal(read.code, 'ServiceUnavailable');
  });
});

/** Objects' data files of the default location of `stack`. */
function pieces(stack: TestStack): number {
  const root = join(stack.dataDir, 'data', 'us-east-1');
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && /^[0-9a-f]{2}$/.test(e.name))
    .reduce((n, e) => n + readdirSync(join(root, e.name)).length, 0);
}

/**
 * Sends a 1 MiB PUT whose first half is written to the location; then svc-metadata dies (the
 * launcher is held so it cannot restart it yet), then the body ends and the edge records the
 * object. `check` runs before the launcher resumes; resolves once svc-metadata is back.
 */
async function killMetadataDuringPut(
  stack: TestStack,
  client: S3Client,
  bucket: string,
  check: (put: Promise<unknown>, body: Buffer) => Promise<void>,
): Promise<void> {
  const info = createClient(meshV1ServiceInfo.ServiceInfoServiceService, stack.services['svc-metadata'].grpc, { deadlineMs: 2_000 });
  const metadataPid = (await info.getServiceInfo({})).pid;
  info.close();
  const half = Buffer.alloc(512 * 1024, 7);
  let finish: () => void = () => undefined;
  const body = Readable.from(
    (async function* () {
      yield half;
      await new Promise<void>((resolve) => (finish = resolve));
      yield half;
    })(),
  );
  const put = client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: body, ContentLength: 2 * half.length }));
  put.catch(() => undefined);
  await new Promise((r) => setTimeout(r, 500));
  process.kill(stack.launcher.pid!, 'SIGSTOP');
  try {
    process.kill(metadataPid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    finish();
    await check(put, Buffer.concat([half, half]));
  } finally {
    process.kill(stack.launcher.pid!, 'SIGCONT');
  }
  assert.ok(await waitServing(stack.services['svc-metadata'].grpc, 30_000), 'svc-metadata is restarted');
}

/**
 * A TCP proxy in front of svc-metadata. `loseAnswers()`: requests still reach the service but
 * nothing it answers comes back, until `cut()` closes every connection — a commit that lands
 * while its answer is lost.
 */
async function metadataProxy(target: number): Promise<{ port: number; loseAnswers(): void; cut(): void; close(): void }> {
  const pairs = new Set<[Socket, Socket]>();
  let losing = false;
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const close = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (b) => upstream.write(b));
    upstream.on('data', (b) => (losing ? undefined : client.write(b)));
    for (const s of pair) {
      s.on('error', close);
      s.on('close', close);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    loseAnswers() {
      losing = true;
    },
    cut() {
      for (const pair of [...pairs]) for (const s of pair) s.destroy();
      losing = false;
    },
    close() {
      for (const pair of pairs) for (const s of pair) s.destroy();
      server.close();
    },
  };
}

describe('edges committing through svc-metadata (ZENKO_METADATA_LOCAL_WRITES=false, as on Kubernetes), reaching it through a proxy', () => {
  let stack: TestStack;
  let client: S3Client;
  let proxy: Awaited<ReturnType<typeof metadataProxy>>;
  before(async () => {
    const [metadataPort] = await freePorts(1);
    proxy = await metadataProxy(metadataPort!);
    stack = await startStack({
      ZENKO_METADATA_LOCAL_WRITES: 'false',
      ZENKO_RELEASE_RETRY_MS: '500',
      ZENKO_METADATA_GRPC_PORT: String(metadataPort),
      ZENKO_METADATA_ADDRESS: `127.0.0.1:${proxy.port}`,
    });
    stack.services['svc-metadata'] = { ...stack.services['svc-metadata'], grpc: `127.0.0.1:${metadataPort}`, grpcPort: metadataPort! };
    client = s3Client(stack);
    await client.send(new CreateBucketCommand({ Bucket: 'meta-killed' }));
  });
  after(async () => {
    client?.destroy();
    await stack?.stop();
    proxy?.close();
  });

  it('svc-metadata killed after the data write: the PUT fails, no object is visible, and the data it wrote is removed', async () => {
    const before = pieces(stack);
    await killMetadataDuringPut(stack, client, 'meta-killed', async (put) => {
      const err = await s3Error(put);
      assert.equal(err.status, 503, `answered ${err.code}`);
      // No object (the edges read the store directly even with svc-metadata down), no data left:
      // removed in the background, once a retry period has passed and no version references it.
      assert.equal((await s3Error(client.send(new HeadObjectCommand({ Bucket: 'meta-killed', Key: 'k' })))).status, 404);
      for (let i = 0; i < 50 && pieces(stack) !== before; i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(pieces(stack), before, 'the written data is removed');
    });
    assert.equal((await s3Error(client.send(new HeadObjectCommand({ Bucket: 'meta-killed', Key: 'k' })))).status, 404);
  });

  it('the commit lands but its answer is lost: the PUT fails, yet the object it recorded keeps its data', async () => {
    // A write through svc-metadata first: the edge's connection to it is up (the test before
    // restarted svc-metadata), so the next request needs no new connection while answers are lost.
    // (Until the edge has reconnected, its requests fail fast with 503: retried as an SDK would.)
    for (let i = 0; ; i++) {
      try {
        await client.send(new PutObjectCommand({ Bucket: 'meta-killed', Key: 'warm', Body: 'w' }));
        break;
      } catch (err) {
        if (i >= 50) throw err;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const body = Buffer.alloc(256 * 1024, 9);
    let finish: () => void = () => undefined;
    const put = client.send(
      new PutObjectCommand({
        Bucket: 'meta-killed',
        Key: 'lost-answer',
        ContentLength: 2 * body.length,
        Body: Readable.from(
          (async function* () {
            yield body;
            await new Promise<void>((resolve) => (finish = resolve));
            yield body;
          })(),
        ),
      }),
    );
    put.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    proxy.loseAnswers();
    finish();
    // Asked directly (not through the proxy), svc-metadata shows the version once it has
    // committed it, while its answer to the edge is held back; then the connections go.
    const direct = createMetadataClient(stack.services['svc-metadata'].grpc, { deadlineMs: 2_000 });
    let landed = false;
    for (let i = 0; i < 100 && !landed; i++) {
      landed = await direct.getObject({ bucket: 'meta-killed', key: 'lost-answer', versionId: '' }).then(
        () => true,
        () => false,
      );
      if (!landed) await new Promise((r) => setTimeout(r, 100));
    }
    direct.close();
    proxy.cut();
    assert.ok(landed, 'svc-metadata committed the version');
    const err = await s3Error(put);
    assert.equal(err.status, 503, `answered ${err.code}`);
    // The version was recorded; several retry periods later its data is still there.
    await new Promise((r) => setTimeout(r, 2_000));
    const got = await client.send(new GetObjectCommand({ Bucket: 'meta-killed', Key: 'lost-answer' }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat([body, body])));
  });
});

describe('metadata service killed after the data write, edges committing to the local store (the default on one machine)', () => {
  it('the PUT commits without svc-metadata: the object is stored whole and svc-metadata finds it when it is back', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'meta-killed' }));
    const before = pieces(zenko);
    let expected: Buffer = Buffer.alloc(0);
    await killMetadataDuringPut(zenko, s3, 'meta-killed', async (put, body) => {
      await put.catch((err: unknown) => {
        const log = readFileSync(join(zenko.dataDir, 'logs', 'svc-cloudserver.log'), 'utf8')
          .split('\n')
          .slice(-15)
          .join('\n');
        throw new Error(`PUT failed: ${String(err)}; svc-cloudserver's last log lines:\n${log}`);
      });
      expected = body;
      const got = await (await s3.send(new GetObjectCommand({ Bucket: 'meta-killed', Key: 'k' }))).Body!.transformToByteArray();
      assert.ok(Buffer.from(got).equals(body));
      assert.equal(pieces(zenko), before + 1);
    });
    // Through svc-metadata itself (an RPC read), once it is back.
    const metadata = createMetadataClient(zenko.services['svc-metadata'].grpc);
    try {
      const { object } = await metadata.getObject({ bucket: 'meta-killed', key: 'k', versionId: '' });
      assert.equal(object?.size, expected.length);
    } finally {
      metadata.close();
    }
  });
});
