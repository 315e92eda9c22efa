import assert from 'node:assert/strict';
import { createServer, get, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { responseSink, sinkAll } from './body-sink.js';

const MIB = 1024 * 1024;

async function serve(handler: (res: ServerResponse) => Promise<void>): Promise<{ server: Server; url: string; done: Promise<unknown>[] }> {
  const done: Promise<unknown>[] = [];
  const server = createServer((_req, res) => {
    const p = handler(res);
    p.catch(() => undefined);
    done.push(p);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, done };
}

test('one buffer refilled after each write settles reaches the client intact', async () => {
  const block = Buffer.alloc(MIB);
  let begun = 0;
  const { server, url } = await serve(async (res) => {
    const sink = responseSink(res, () => {
      begun++;
      res.writeHead(200, { 'content-length': String(16 * MIB) });
    });
    for (let i = 0; i < 16; i++) {
      block.fill(i + 1);
      await sink(block);
    }
    res.end();
  });
  try {
    const body = await new Promise<Buffer>((resolve, reject) => {
      get(url, (res) => {
        const chunks: Buffer[] = [];
        // A slow reader: the socket's buffers fill, so writes are still pending when the next block is due.
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          res.pause();
          setTimeout(() => res.resume(), 1);
        });
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      }).on('error', reject);
    });
    assert.equal(body.length, 16 * MIB);
    for (let i = 0; i < 16; i++)
      assert.ok(
        body.subarray(i * MIB, (i + 1) * MIB).every((b) => b === i + 1),
        `block ${i}`,
      );
    assert.equal(begun, 1);
  } finally {
    server.close();
  }
});

test('a client that goes away fails the pending write instead of leaving it hanging', { timeout: 20_000 }, async () => {
  const block = Buffer.alloc(MIB, 7);
  const { server, url, done } = await serve(async (res) => {
    const sink = responseSink(res, () => res.writeHead(200, { 'content-length': String(1024 * MIB) }));
    for (let i = 0; i < 1024; i++) await sink(block);
    res.end();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const req = get(url, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
    });
    assert.equal(done.length, 1);
    await assert.rejects(done[0]!);
  } finally {
    server.close();
  }
});

test('sinkAll keeps the order of a fresh-chunk source, at most 4 chunks in the sink, and sends nothing after a failure', async () => {
  async function* numbers(n: number): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < n; i++) yield Buffer.from([i]);
  }
  const seen: number[] = [];
  let inSink = 0;
  let most = 0;
  await sinkAll(numbers(50), async (chunk) => {
    seen.push(chunk[0]!);
    most = Math.max(most, ++inSink);
    await new Promise((r) => setTimeout(r, 1));
    inSink--;
  });
  assert.deepEqual(
    seen,
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert.ok(most > 1 && most <= 4, `at most 4 in the sink, saw ${most}`);

  const failure = new Error('connection closed');
  let pulled = 0;
  const sent: number[] = [];
  async function* counted(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < 100; i++) {
      pulled++;
      yield Buffer.from([i]);
    }
  }
  await assert.rejects(
    sinkAll(counted(), async (chunk) => {
      sent.push(chunk[0]!);
      if (chunk[0] === 3) throw failure;
    }),
    (e: unknown) => e === failure,
  );
  assert.deepEqual(sent, [0, 1, 2, 3], 'nothing goes to the sink after its failure');
  assert.equal(pulled, 5, 'the source stops at the first chunk after the failure');
});
