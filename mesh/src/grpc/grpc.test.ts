import assert from 'node:assert/strict';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Client as GrpcClient, credentials, status, type ServiceError } from '@grpc/grpc-js';
import { metadataV1Metadata, metadataV1MetadataService, placementV1DataPlacementService } from '@zenko/gen';
import { MAX_DETAIL_CHARS, MeshError, isMeshError } from '../errors.js';
import { ListenError } from '../listen.js';
import { createLogger } from '../logger.js';
import { Metrics } from '../metrics.js';
import { createClient } from './client.js';
import { PROBE_AFTER_MS, PROBE_TIMEOUT_MS } from './peer-watch.js';
import { service, startGrpcServer, type GrpcServer } from './server.js';

const bucket = (name: string): metadataV1Metadata.Bucket =>
  metadataV1Metadata.Bucket.fromPartial({ name, ownerId: 'o', location: 'us-east-1' });

let server: GrpcServer;
const calls = { getBucket: 0, createBucket: 0 };
let internalLogged = 0;
const logger = createLogger('test', 'silent');
logger.error = () => {
  internalLogged++;
};

before(async () => {
  server = await startGrpcServer({
    name: 'svc-metadata',
    version: 'test',
    logger,
    metrics: new Metrics('test'),
    host: '127.0.0.1',
    port: 0,
    services: [
      service(metadataV1MetadataService.MetadataServiceService, {
        getBucket: async (req) => {
          calls.getBucket++;
          if (req.name === 'flaky' && calls.getBucket < 3) throw new MeshError('UNAVAILABLE', 'try again');
          if (req.name.startsWith('missing')) throw new MeshError('BUCKET_NOT_FOUND', 'no such bucket', { details: { bucket: req.name } });
          if (req.name === 'boom') throw new Error('secret internal detail');
          // Long enough for the client's peer watch to probe this server (which answers).
          if (req.name === 'slow') await sleep(PROBE_AFTER_MS + PROBE_TIMEOUT_MS);
          if (req.name.startsWith('named-')) throw new MeshError('BUCKET_NOT_FOUND', `no bucket named ${req.name}`);
          return { bucket: bucket(req.name) };
        },
        createBucket: async () => {
          calls.createBucket++;
          throw new MeshError('UNAVAILABLE', 'try again');
        },
        watchOplog: async function* (req, ctx) {
          for (let i = 0; i < req.fromSequence; i++) {
            if (ctx.signal.aborted) return;
            yield { entry: metadataV1Metadata.OplogEntry.fromPartial({ sequence: i + 1, type: 'put-object' }) };
          }
        },
      }),
      service(placementV1DataPlacementService.DataPlacementServiceService, {
        put: async (requests) => {
          let size = 0;
          for await (const r of requests) if (r.msg?.$case === 'chunk') size += r.msg.value.length;
          return { location: 'mem', key: 'k', size, md5: '', checksums: {}, inline: Buffer.alloc(0) };
        },
      }),
    ],
  });
  server.setServing(true);
});
after(() => server.shutdown(1_000));

describe('gRPC errors and calls', () => {
  const client = () => createClient(metadataV1MetadataService.MetadataServiceService, server.address, { deadlineMs: 5_000 });

  it('a MeshError crosses the wire with its reason and details', async () => {
    const c = client();
    const err = await c.getBucket({ name: 'missing' }).catch((e: unknown) => e);
    c.close();
    assert.ok(isMeshError(err, 'BUCKET_NOT_FOUND'));
    assert.deepEqual(err.details, { bucket: 'missing' });
  });

  it('details in any script, with control characters, cross the wire unchanged', async () => {
    const c = client();
    const name = 'missing-é😀\u0000\u007f\n"\\';
    const err = await c.getBucket({ name }).catch((e: unknown) => e);
    const after = await c.getBucket({ name: 'ok' });
    c.close();
    assert.ok(isMeshError(err, 'BUCKET_NOT_FOUND'));
    assert.deepEqual(err.details, { bucket: name });
    assert.equal(after.bucket?.name, 'ok', 'the server is still up');
  });

  it('over-long details are cut, and the connection keeps working', async () => {
    const c = client();
    const name = `missing-${'é'.repeat(100_000)}`;
    const err = await c.getBucket({ name }).catch((e: unknown) => e);
    const after = await c.getBucket({ name: 'ok' });
    c.close();
    assert.ok(isMeshError(err, 'BUCKET_NOT_FOUND'));
    assert.equal(err.details['bucket'], name.slice(0, MAX_DETAIL_CHARS));
    assert.equal(after.bucket?.name, 'ok');
  });

  it('an over-long message is cut too: the call answers at once, and the connection keeps working', async () => {
    const c = client();
    const name = `named-${'x'.repeat(100_000)}`;
    const err = await c.getBucket({ name }).catch((e: unknown) => e);
    const after = await c.getBucket({ name: 'ok' });
    c.close();
    assert.ok(isMeshError(err, 'BUCKET_NOT_FOUND'), String(err));
    assert.equal(err.message, `no bucket named ${name}`.slice(0, MAX_DETAIL_CHARS));
    assert.equal(after.bucket?.name, 'ok');
  });

  it('a request message that does not decode is INVALID_ARGUMENT with its cause, in every kind of call', async () => {
    const raw = new GrpcClient(server.address, credentials.createInsecure());
    // Field 1 with wire type 7, which does not exist.
    const junk = Buffer.from([0x0f, 0x01]);
    const same = (b: Buffer): Buffer => b;
    const path = (svc: { [m: string]: { path: string } }, m: string): string => svc[m]!.path;
    const handled = calls.getBucket;
    try {
      const unary = await new Promise<ServiceError>((resolve) => {
        raw.makeUnaryRequest(path(metadataV1MetadataService.MetadataServiceService, 'getBucket'), same, same, junk, (err) => resolve(err!));
      });
      const streamed = await new Promise<ServiceError>((resolve) => {
        const call = raw.makeServerStreamRequest(path(metadataV1MetadataService.MetadataServiceService, 'watchOplog'), same, same, junk);
        call.on('data', () => undefined);
        call.on('error', resolve);
      });
      const uploaded = await new Promise<ServiceError>((resolve) => {
        const call = raw.makeClientStreamRequest(
          path(placementV1DataPlacementService.DataPlacementServiceService, 'put'),
          same,
          same,
          (err) => resolve(err!),
        );
        call.write(
          Buffer.from(placementV1DataPlacementService.PutRequest.encode({ msg: { $case: 'chunk', value: Buffer.from('ok') } }).finish()),
        );
        call.write(junk);
        call.end();
      });
      for (const [kind, err] of Object.entries({ unary, streamed, uploaded })) {
        assert.equal(err.code, status.INVALID_ARGUMENT, `${kind}: ${err.message}`);
        assert.match(err.details, /request message could not be decoded: .*wire type 7/, kind);
      }
      assert.equal(calls.getBucket, handled, 'the handler never saw the junk');
    } finally {
      raw.close();
    }
    const c = client();
    assert.equal((await c.getBucket({ name: 'ok' })).bucket?.name, 'ok', 'the server still answers');
    c.close();
  });

  it('an unexpected error becomes INTERNAL; its cause is logged, never sent', async () => {
    const c = client();
    const before = internalLogged;
    const err = await c.getBucket({ name: 'boom' }).catch((e: unknown) => e);
    c.close();
    assert.ok(isMeshError(err, 'INTERNAL'));
    assert.ok(!err.message.includes('secret'));
    assert.equal(internalLogged, before + 1);
  });

  it('an idempotent call is retried on a transient code', async () => {
    const c = client();
    calls.getBucket = 0;
    const res = await c.getBucket({ name: 'flaky' });
    c.close();
    assert.equal(res.bucket?.name, 'flaky');
    assert.equal(calls.getBucket, 3);
  });

  it('a non-idempotent call is not retried', async () => {
    const c = client();
    calls.createBucket = 0;
    const err = await c
      .createBucket({
        name: 'b',
        ownerId: 'o',
        ownerDisplayName: '',
        location: '',
        objectLockEnabled: false,
        attributes: {},
        ingestion: false,
      })
      .catch((e: unknown) => e);
    c.close();
    assert.ok(isMeshError(err, 'UNAVAILABLE'));
    assert.equal(calls.createBucket, 1);
  });

  it('a handler left out answers UNIMPLEMENTED', async () => {
    const c = client();
    const err = await c.deleteBucket({ name: 'x', leaseId: '' }).catch((e: unknown) => e);
    c.close();
    assert.ok(isMeshError(err, 'UNIMPLEMENTED'));
  });

  it('server streams and client streams work through the promise client', async () => {
    const c = client();
    const seqs: number[] = [];
    for await (const m of c.watchOplog({ fromSequence: 5, consumer: '', noFollow: true })) seqs.push(m.entry?.sequence ?? 0);
    c.close();
    assert.deepEqual(seqs, [1, 2, 3, 4, 5]);

    const p = createClient(placementV1DataPlacementService.DataPlacementServiceService, server.address);
    const chunks = function* () {
      yield {
        msg: {
          $case: 'header' as const,
          value: {
            location: 'mem',
            bucket: 'b',
            key: 'k',
            size: -1,
            contentMd5: '',
            checksumAlgorithms: [],
            headers: {},
            userMetadata: {},
            expectedChecksums: {},
            inline: false,
          },
        },
      };
      for (let i = 0; i < 10; i++) yield { msg: { $case: 'chunk' as const, value: Buffer.alloc(100_000, i) } };
    };
    const res = await p.put(chunks());
    p.close();
    assert.equal(res.size, 1_000_000);
  });

  it('a call past its deadline fails with DEADLINE_EXCEEDED', async () => {
    const c = createClient(metadataV1MetadataService.MetadataServiceService, '127.0.0.1:1', { deadlineMs: 200, maxAttempts: 1 });
    const err = await c.getBucket({ name: 'x' }).catch((e: unknown) => e);
    c.close();
    assert.ok(isMeshError(err));
    assert.ok(['DEADLINE_EXCEEDED', 'UNAVAILABLE'].includes(err.reason), err.reason);
  });

  it('a port already taken fails the start naming the address and the cause', async () => {
    const port = Number(server.address.split(':').pop());
    const err = await startGrpcServer({
      name: 'svc-metadata',
      version: 'test',
      logger,
      metrics: new Metrics('test-taken'),
      host: '127.0.0.1',
      port,
      services: [],
    }).catch((e: unknown) => e);
    assert.ok(err instanceof ListenError);
    assert.deepEqual([err.what, err.host, err.port, err.code], ['grpc', '127.0.0.1', port, 'EADDRINUSE']);
  });
});

/**
 * A TCP proxy to the test server that can be "stopped" like a SIGSTOPped process: the kernel still
 * accepts connections, nothing is read or answered; resumed, what was held flows on.
 */
async function stoppableProxy(upstream: string): Promise<{ address: string; resume(): void; close(): Promise<void> }> {
  const [host, port] = [upstream.slice(0, upstream.lastIndexOf(':')), Number(upstream.slice(upstream.lastIndexOf(':') + 1))];
  let stopped = true;
  const held: Socket[] = [];
  const sockets = new Set<Socket>();
  const forward = (socket: Socket): void => {
    const up = connect(port, host);
    sockets.add(up);
    socket.pipe(up).pipe(socket);
    const close = (): void => {
      socket.destroy();
      up.destroy();
    };
    socket.once('error', close).once('close', close);
    up.once('error', close).once('close', close);
  };
  const proxy = createNetServer({ pauseOnConnect: true }, (socket) => {
    sockets.add(socket);
    if (stopped) held.push(socket);
    else forward(socket);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    resume: () => {
      stopped = false;
      for (const socket of held.splice(0)) forward(socket);
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    },
  };
}

describe('a peer that takes connections and answers nothing (a stopped process)', () => {
  it('calls fail UNAVAILABLE once its health check goes unanswered, long before their deadline; it is used again once it answers', async () => {
    const proxy = await stoppableProxy(server.address);
    const c = createClient(metadataV1MetadataService.MetadataServiceService, proxy.address, { deadlineMs: 120_000 });
    try {
      // Without the watch, this call would wait for its deadline (2 minutes) and fail DEADLINE_EXCEEDED.
      const first = await c.getBucket({ name: 'ok' }).catch((e: unknown) => e);
      assert.ok(isMeshError(first, 'UNAVAILABLE'), String(first));
      // Known hung: a new call is refused without waiting, streams included.
      assert.ok(isMeshError(await c.getBucket({ name: 'ok' }).catch((e: unknown) => e), 'UNAVAILABLE'));
      const stream = await (async () => {
        for await (const _ of c.watchOplog({ fromSequence: 1, consumer: '', noFollow: true })) return 'answered';
        return 'ended';
      })().catch((e: unknown) => e);
      assert.ok(isMeshError(stream, 'UNAVAILABLE'));

      proxy.resume();
      let answer: unknown;
      for (let i = 0; i < 100 && !(answer && !(answer instanceof Error)); i++) {
        answer = await c.getBucket({ name: 'ok' }).catch((e: unknown) => e);
        if (answer instanceof Error) await sleep(100);
      }
      assert.deepEqual(answer, { bucket: bucket('ok') });
    } finally {
      c.close();
      await proxy.close();
    }
  });

  it('a slow call to a peer that answers its health check runs to its end', async () => {
    const c = createClient(metadataV1MetadataService.MetadataServiceService, server.address, { deadlineMs: 60_000 });
    try {
      assert.deepEqual(await c.getBucket({ name: 'slow' }), { bucket: bucket('slow') });
    } finally {
      c.close();
    }
  });
});
