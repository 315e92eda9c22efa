import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ThreadedHasher } from './threaded-hasher.js';

const MiB = 1024 * 1024;

/** Feeds `data` in chunks of the given sizes (cycled), pausing whenever the hasher asks. */
async function feed(h: ThreadedHasher, data: Buffer, sizes: number[]): Promise<void> {
  for (let offset = 0, i = 0; offset < data.length; i++) {
    const n = Math.min(sizes[i % sizes.length]!, data.length - offset);
    h.update(data.subarray(offset, offset + n));
    offset += n;
    await h.ready();
  }
}

describe('ThreadedHasher', () => {
  it('gives the digest node:crypto gives, whatever the chunking (block boundaries, empty body)', async () => {
    const data = randomBytes(3 * MiB + 12_345);
    for (const algorithm of ['md5', 'sha1', 'sha256'] as const) {
      for (const sizes of [[1], [65_536], [MiB], [MiB - 1, 2], [7_777, 300_001]]) {
        const body = sizes[0] === 1 ? data.subarray(0, 70_000) : data;
        const h = new ThreadedHasher(algorithm);
        await feed(h, body, sizes);
        assert.deepEqual(await h.digest(), createHash(algorithm).update(body).digest(), `${algorithm} in chunks of ${sizes.join(',')}`);
      }
      assert.deepEqual(await new ThreadedHasher(algorithm).digest(), createHash(algorithm).digest(), `${algorithm} of nothing`);
    }
  });

  it('keeps concurrent hashes apart; an abandoned one does not disturb the others', async () => {
    const bodies = Array.from({ length: 5 }, (_, i) => randomBytes(2 * MiB + i * 1000));
    const hashers = bodies.map(() => new ThreadedHasher('md5'));
    const dropped = new ThreadedHasher('md5');
    dropped.update(randomBytes(1_500_000));
    dropped.abandon();
    dropped.abandon();
    await Promise.all(hashers.map((h, i) => feed(h, bodies[i]!, [100_000 + i])));
    const digests = await Promise.all(hashers.map((h) => h.digest()));
    digests.forEach((d, i) => assert.deepEqual(d, createHash('md5').update(bodies[i]!).digest()));
    assert.throws(() => hashers[0]!.update(Buffer.from('late')), /after digest/);
  });

  it('asks the producer to wait once a few blocks are queued for the thread', async () => {
    const h = new ThreadedHasher('md5');
    const block = Buffer.alloc(MiB, 1);
    let paused = 0;
    for (let i = 0; i < 16; i++) {
      h.update(block);
      const wait = h.ready();
      if (wait !== undefined) {
        paused++;
        await wait;
      }
    }
    assert.ok(paused > 0, 'sixteen blocks given without waiting once: nothing bounds what the thread queues');
    const expected = createHash('md5');
    for (let i = 0; i < 16; i++) expected.update(block);
    assert.deepEqual(await h.digest(), expected.digest());
  });
});
