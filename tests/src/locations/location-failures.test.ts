// Location failures: a definition whose target refuses the credentials or lacks
// the bucket is refused at `zenko location add` (the probe); a target that goes
// away, or goes silent, makes a PUT answer 503 ServiceUnavailable within bounded
// time and leaves no object behind, also when it fails in the middle of a large
// PUT (aws_s3: the multipart upload it leaves open at the target is aborted once the
// target is back; azure: nothing is committed); so does svc-metadata dying after the data was written when the
// edges commit through it, and that data is removed (on one machine the edges commit
// to the store themselves: the PUT succeeds). A commit that lands while its answer
// is lost (a proxy drops it) fails the PUT but keeps the recorded version's data.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ContainerClient } from '@azure/storage-blob';
import { meshV1ServiceInfo } from '@zenko/gen';
import { createClient, createMetadataClient, isMeshError, waitServing } from '@zenko/mesh';
import { S3Backend } from '@zenko/svc-cloudserver';
import { DEV_ACCOUNT, DEV_KEY } from '../support/azure.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
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

/**
 * A client-side bound on a request to a target that fails: the backends answer within about 20 s
 * (one try the target leaves silent); without that bound they took over a minute, or forever.
 */
const FAILING_TARGET_BOUND_MS = 45_000;
const MIB = 1024 * 1024;

/**
 * A body of `size` bytes in 1 MiB chunks whose last MiB is sent once `release()` is called: the
 * backend holds the rest in parts or blocks (as many as it uploads at once) while the test breaks
 * the target, and the last part goes to the broken target. The body is whole when the answer
 * comes, so the answer is read, not cut by a reset of the connection.
 */
function heldBody(size: number): { body: Readable; release: () => void } {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const chunk = Buffer.alloc(MIB, 0x5a);
  const body = Readable.from(
    (async function* () {
      for (let sent = 0; sent < size; sent += MIB) {
        if (sent === size - MIB) await held;
        yield chunk;
      }
    })(),
  );
  return { body, release: () => release() };
}

async function pidOf(stack: TestStack, service: 'svc-cloudserver'): Promise<number> {
  assert.ok(await waitServing(stack.services[service].grpc, 30_000), `${service} is serving`);
  const info = createClient(meshV1ServiceInfo.ServiceInfoServiceService, stack.services[service].grpc, { deadlineMs: 2_000 });
  try {
    return (await info.getServiceInfo({})).pid;
  } finally {
    info.close();
  }
}

describe('target stalled', () => {
  /** A server that takes every connection, reads what it is sent and never says a word (a hung proxy, a blackholed peer). */
  async function silentServer(): Promise<{ port: number; close(): void }> {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      port: (server.address() as AddressInfo).port,
      close() {
        for (const socket of sockets) socket.destroy();
        server.close();
      },
    };
  }

  const locations: Record<string, (port: number) => string[]> = {
    aws_s3: (port) => [
      ...['--type', 'aws_s3', '--endpoint', `http://127.0.0.1:${port}`, '--path-style'],
      ...['--access-key', 'accessKey1', '--secret-key', 'verySecretKey1', '--bucket', 'target'],
    ],
    azure: (port) => [
      ...['--type', 'azure', '--endpoint', `http://127.0.0.1:${port}/${DEV_ACCOUNT}`, '--account-name', DEV_ACCOUNT],
      ...['--account-key', DEV_KEY, '--container', 'target'],
    ],
  };
  for (const [type, definition] of Object.entries(locations)) {
    it(`${type}: a target that accepts connections and never answers: a PUT answers 503 within bounded time, nothing is stored`, async () => {
      const silent = await silentServer();
      const name = `stalled-${type.replace('_', '')}`;
      try {
        const add = await zenkoCli(zenko, 'location', 'add', name, ...definition(silent.port), '--skip-probe');
        assert.equal(add.code, 0, add.stderr);
        await createBucketOn(name, name);
        const err = await s3Error(
          s3.send(new PutObjectCommand({ Bucket: name, Key: 'k', Body: Buffer.alloc(10_000, 1) }), {
            abortSignal: AbortSignal.timeout(FAILING_TARGET_BOUND_MS),
          }),
        );
        assert.deepEqual([err.status, err.code], [503, 'ServiceUnavailable']);
        assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: name }))).KeyCount, 0);
      } finally {
        silent.close();
      }
    });
  }
});

describe('a target failing during a large PUT (a multipart upload at the target)', () => {
  // Four parts (blocks) of 8 MiB: all of them in flight at once.
  const SIZE = 32 * MIB;
  let azurite: Azurite;
  let container: ContainerClient;
  /** Asked on a new connection each time: the target's edge was restarted, or stopped, since the last question. */
  const askTarget = async <T>(ask: (client: S3Client) => Promise<T>): Promise<T> => {
    const client = s3Client(target);
    try {
      return await ask(client);
    } finally {
      client.destroy();
    }
  };
  /** Multipart uploads open at the aws_s3 target under `prefix`. */
  const openUploads = (prefix: string): Promise<number> =>
    askTarget(async (c) => (await c.send(new ListMultipartUploadsCommand({ Bucket: 'target', Prefix: prefix }))).Uploads?.length ?? 0);
  const objectsAtTarget = (prefix: string): Promise<number> =>
    askTarget(async (c) => (await c.send(new ListObjectsV2Command({ Bucket: 'target', Prefix: prefix }))).KeyCount ?? 0);
  /** Polls the target until `check` holds; a question that fails (the target restarting) is asked again. */
  const untilTarget = (check: () => Promise<boolean>): Promise<void> => until(() => check().catch(() => false));
  /** Until a small PUT through the aws_s3 location succeeds: the target answers it (again). */
  const locationWorks = (): Promise<void> =>
    until(() =>
      s3.send(new PutObjectCommand({ Bucket: 'bigwarm', Key: 'warm', Body: 'w' })).then(
        () => true,
        () => false,
      ),
    );
  const put = (bucket: string, body: Readable): Promise<unknown> => {
    const sent = s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: body, ContentLength: SIZE }), {
      abortSignal: AbortSignal.timeout(FAILING_TARGET_BOUND_MS),
    });
    sent.catch(() => undefined);
    return sent;
  };
  const nothingStored = async (bucket: string): Promise<void> => {
    assert.equal((await s3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' })))).status, 404);
    assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount, 0);
  };

  before(async () => {
    azurite = await startAzurite();
    container = azurite.client().getContainerClient('failing');
    await container.create();
    const s3Add = await zenkoCli(zenko, ...s3Location('big', '--secret-key', 'verySecretKey1', '--bucket', 'target'));
    assert.equal(s3Add.code, 0, s3Add.stderr);
    const azAdd = await zenkoCli(
      zenko,
      ...['location', 'add', 'bigaz', '--type', 'azure', '--endpoint', azurite.endpoint, '--account-name', DEV_ACCOUNT],
      ...['--account-key', DEV_KEY, '--container', 'failing'],
    );
    assert.equal(azAdd.code, 0, azAdd.stderr);
    for (const [bucket, location] of [
      ['bigwarm', 'big'],
      ['bigkilled', 'big'],
      ['bigsilent', 'big'],
      ['azsilent', 'bigaz'],
      ['azkilled', 'bigaz'],
      ['azcompose', 'bigaz'],
    ] as const) {
      await createBucketOn(bucket, location);
    }
  });

  after(async () => {
    await azurite?.stop();
  });

  it('aws_s3, the target killed while parts upload: 503 ServiceUnavailable, no object, and the upload at the target is aborted once it is back', async () => {
    const launcher = target.launcher.pid!;
    const edge = await pidOf(target, 'svc-cloudserver');
    await locationWorks();
    const { body, release } = heldBody(SIZE);
    const sent = put('bigkilled', body);
    // The target's launcher is held: it restarts its S3 edge only when the test says so.
    process.kill(launcher, 'SIGSTOP');
    try {
      await untilTarget(async () => (await openUploads('bigkilled/')) > 0);
      process.kill(edge, 'SIGKILL');
      release();
      const err = await s3Error(sent);
      assert.deepEqual([err.status, err.code], [503, 'ServiceUnavailable']);
      await nothingStored('bigkilled');
    } finally {
      process.kill(launcher, 'SIGCONT');
    }
    assert.ok(await waitServing(target.services['svc-cloudserver'].grpc, 30_000), "the target's S3 edge is restarted");
    // The abort that failed while the target was down is retried from the release journal.
    await untilTarget(async () => (await openUploads('bigkilled/')) === 0);
    assert.equal(await objectsAtTarget('bigkilled/'), 0);
  });

  it('aws_s3, the target silent (stopped) while parts upload: 503 ServiceUnavailable within bounded time, and the upload is aborted once it answers', async () => {
    const launcher = target.launcher.pid!;
    const edge = await pidOf(target, 'svc-cloudserver');
    await locationWorks();
    const { body, release } = heldBody(SIZE);
    const sent = put('bigsilent', body);
    await untilTarget(async () => (await openUploads('bigsilent/')) > 0);
    process.kill(launcher, 'SIGSTOP');
    process.kill(edge, 'SIGSTOP');
    try {
      release();
      const err = await s3Error(sent);
      assert.deepEqual([err.status, err.code], [503, 'ServiceUnavailable']);
      await nothingStored('bigsilent');
    } finally {
      process.kill(edge, 'SIGCONT');
      process.kill(launcher, 'SIGCONT');
    }
    await untilTarget(async () => (await openUploads('bigsilent/')) === 0);
    assert.equal(await objectsAtTarget('bigsilent/'), 0);
  });

  it("aws_s3 backend, the target killed with parts in flight and the body still arriving: the put fails BACKEND_UNAVAILABLE, not with an error taken for the body's; the upload it could not abort is handed back, and its delete aborts it", async () => {
    const launcher = target.launcher.pid!;
    const edge = await pidOf(target, 'svc-cloudserver');
    await locationWorks();
    const backend = new S3Backend('killed-mid-body', {
      ...{ type: 'aws_s3', endpoint: target.s3, region: 'us-east-1', https: false, pathStyle: true },
      ...{ bucket: 'target', mpuBucket: '', bucketMatch: false, serverSideEncryption: false },
      ...{ accessKey: 'accessKey1', secretKey: 'verySecretKey1' },
    });
    // 48 MiB: the upload is created; then, the target stopped, as many parts as are sent at once are
    // in flight and the rest of the body waits for one of them to finish; then the target dies.
    const size = 48 * MIB;
    let pulled = 0;
    let resume: () => void = () => undefined;
    const paused = new Promise<void>((resolve) => (resume = resolve));
    const chunk = Buffer.alloc(MIB, 7);
    async function* body(): AsyncGenerator<Uint8Array> {
      for (; pulled < size; pulled += MIB) {
        if (pulled === 16 * MIB) await paused;
        yield chunk;
      }
    }
    const leftovers: string[] = [];
    const hint = { bucket: 'midbody', key: 'k', size, leftover: (key: string) => void leftovers.push(key) };
    const put = backend.put(body(), hint);
    put.catch(() => undefined);
    let failure: unknown;
    process.kill(launcher, 'SIGSTOP');
    try {
      await untilTarget(async () => (await openUploads('midbody/')) > 0);
      process.kill(edge, 'SIGSTOP');
      resume();
      // Until the backend stops taking the body: every part it sends at once is in flight, stalled.
      let seen = -1;
      let still = 0;
      await until(async () => {
        still = pulled === seen ? still + 1 : 0;
        seen = pulled;
        return pulled >= 32 * MIB && still >= 5;
      });
      assert.ok(pulled < size, 'the body is still arriving');
      process.kill(edge, 'SIGKILL');
      failure = await put.then(
        () => undefined,
        (err: unknown) => err,
      );
    } finally {
      process.kill(launcher, 'SIGCONT');
    }
    try {
      assert.ok(isMeshError(failure, 'BACKEND_UNAVAILABLE'), `the put failed with ${String(failure)}`);
      assert.equal(leftovers.length, 1, 'the upload the target did not abort is handed back');
      assert.ok(await waitServing(target.services['svc-cloudserver'].grpc, 30_000), "the target's S3 edge is restarted");
      await untilTarget(async () => (await openUploads('midbody/')) === 1);
      await backend.delete(leftovers[0]!);
      assert.equal(await openUploads('midbody/'), 0);
      await backend.delete(leftovers[0]!);
    } finally {
      await backend.close();
    }
  });

  /** Until the azure backend has staged a block of `name` at Azurite: it is uploading. */
  const staging = (name: string): Promise<void> =>
    until(async () => {
      const list = await container
        .getBlockBlobClient(name)
        .getBlockList('uncommitted')
        .catch(() => undefined);
      return (list?.uncommittedBlocks?.length ?? 0) > 0;
    });

  it('azure, the target silent (stopped) while blocks upload: 503 ServiceUnavailable within bounded time, no blob committed', async () => {
    const { body, release } = heldBody(SIZE);
    const sent = put('azsilent', body);
    await staging('azsilent/k');
    process.kill(azurite.pid, 'SIGSTOP');
    try {
      release();
      const err = await s3Error(sent);
      assert.deepEqual([err.status, err.code], [503, 'ServiceUnavailable']);
      await nothingStored('azsilent');
    } finally {
      process.kill(azurite.pid, 'SIGCONT');
    }
    // Asked again while Azurite, resumed, resets the connections it held while stopped.
    await until(
      async () =>
        (await container
          .getBlobClient('azsilent/k')
          .exists()
          .catch(() => undefined)) === false,
    );
  });

  it('azure, the target silent (stopped) at CompleteMultipartUpload: the parts are not assembled there, the upload completes within bounded time and reads back once the target answers', async () => {
    const parts = [randomBytes(5 * MIB), randomBytes(MIB)];
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'azcompose', Key: 'k' }));
    const etags = [];
    for (const [i, part] of parts.entries()) {
      const { ETag } = await s3.send(new UploadPartCommand({ Bucket: 'azcompose', Key: 'k', UploadId, PartNumber: i + 1, Body: part }));
      etags.push({ ETag, PartNumber: i + 1 });
    }
    process.kill(azurite.pid, 'SIGSTOP');
    let completed;
    try {
      completed = await s3.send(
        new CompleteMultipartUploadCommand({ Bucket: 'azcompose', Key: 'k', UploadId, MultipartUpload: { Parts: etags } }),
        { abortSignal: AbortSignal.timeout(FAILING_TARGET_BOUND_MS) },
      );
    } finally {
      process.kill(azurite.pid, 'SIGCONT');
    }
    assert.match(completed.ETag ?? '', /-2"$/);
    // Read while Azurite, resumed, resets the connections it held while stopped.
    let read: Buffer | undefined;
    await until(async () => {
      read = await s3.send(new GetObjectCommand({ Bucket: 'azcompose', Key: 'k' })).then(
        async (r) => Buffer.from(await r.Body!.transformToByteArray()),
        () => undefined,
      );
      return read !== undefined;
    });
    assert.ok(read?.equals(Buffer.concat(parts)));
  });

  it('azure, the target killed while blocks upload: 503 ServiceUnavailable, no object', async () => {
    const { body, release } = heldBody(SIZE);
    const sent = put('azkilled', body);
    await staging('azkilled/k');
    process.kill(azurite.pid, 'SIGKILL');
    release();
    const err = await s3Error(sent);
    assert.deepEqual([err.status, err.code], [503, 'ServiceUnavailable']);
    await nothingStored('azkilled');
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
