// The one contract every DataBackend implementation passes: local types in this
// package's unit tests (backends.test.ts), cloud types against real targets (a second
// S3 server, Azurite) in tests/src/locations/backend-contract.test.ts.
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { isMeshError, MeshError } from '@zenko/mesh';
import type { DataBackend, PutHint } from './backend.js';
import { readBytesTo } from './placement.js';

export interface BackendContractOptions {
  /** Keys are generated ids (local types); cloud keys are derived from the object's name. */
  readonly generatedKeys: boolean;
  /** The object name given with every put (a cloud type stores under it). */
  readonly hint: Pick<PutHint, 'bucket' | 'key'>;
  /** The type offers `compose` (cloud types); the contract then checks it. */
  readonly composes?: boolean;
  /** What a failed put may have left where readers would see it (names or paths); must be empty. */
  readonly visibleLeftovers?: (b: DataBackend) => Promise<string[]>;
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function* chunksOf(data: Buffer, size = 7_001): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

const MIB = 1024 * 1024;

/** Registers the contract's tests for one backend type; `open` gives a fresh backend each time. */
export function backendContract(type: string, open: () => Promise<DataBackend>, options: BackendContractOptions): void {
  describe(`${type} backend contract`, () => {
    const data = Buffer.from(Array.from({ length: 3_000_000 }, (_, i) => (i * 31) % 251));
    const hint = { ...options.hint, size: data.length };

    it('stores and returns bytes, whole and by range', async () => {
      const b = await open();
      const { key, size } = await b.put(chunksOf(data), hint);
      assert.equal(size, data.length);
      if (options.generatedKeys) assert.ok(!key.includes('/') && !key.includes('..'), 'keys never come from object keys');
      assert.ok((await readAll(await b.get(key))).equals(data));
      assert.ok((await readAll(await b.get(key, { start: 10, end: 1_999_999 }))).equals(data.subarray(10, 2_000_000)));
      assert.ok((await readAll(await b.get(key, { start: data.length - 1, end: data.length - 1 }))).equals(data.subarray(-1)));
      assert.deepEqual(await b.head(key), { size: data.length });
    });

    it('stores a body of many blocks, in uneven chunks, byte for byte', async () => {
      // Larger than a backend's write and flush blocks (the file type's are 1 and 8 MiB), so
      // writes and flushes overlap the arrival of the next chunks.
      const big = Buffer.alloc(21 * MIB + 12_345);
      for (let i = 0; i + 4 <= big.length; i += 4) big.writeUInt32LE(i, i);
      const b = await open();
      const { key, size } = await b.put(chunksOf(big, 300_007), { ...hint, size: big.length });
      assert.equal(size, big.length);
      assert.ok((await readAll(await b.get(key))).equals(big));
    });

    it('sends bytes to a slow sink, whole and by range, never refilling a chunk the sink still holds', async () => {
      const b = await open();
      const { key } = await b.put(chunksOf(data), hint);
      // The sink keeps each chunk a while before copying it: a buffer the backend refilled meanwhile shows as wrong bytes.
      const viaSink = async (range?: { start: number; end: number }): Promise<Buffer> => {
        const copies: Buffer[] = [];
        await readBytesTo(b, key, range, async (chunk) => {
          await new Promise((r) => setTimeout(r, 2));
          copies.push(Buffer.from(chunk));
        });
        return Buffer.concat(copies);
      };
      assert.ok((await viaSink()).equals(data));
      for (const range of [
        { start: 10, end: 1_999_999 },
        { start: 100, end: 700_099 },
        { start: 5, end: 4_100 },
        { start: data.length - 1, end: data.length - 1 },
      ]) {
        assert.ok((await viaSink(range)).equals(data.subarray(range.start, range.end + 1)), `range ${range.start}-${range.end}`);
      }
    });

    it('a sink that fails stops the read with its error; a missing key fails before the first chunk', async () => {
      const b = await open();
      const { key } = await b.put(chunksOf(data), hint);
      const sinkError = new Error('connection closed');
      let calls = 0;
      await assert.rejects(
        readBytesTo(b, key, undefined, async () => {
          calls++;
          throw sinkError;
        }),
        (e: unknown) => e === sinkError,
      );
      assert.equal(calls, 1, 'no chunk after the failure');
      let sent = 0;
      await readBytesTo(b, key, undefined, async (chunk) => void (sent += chunk.length));
      assert.equal(sent, data.length, 'the next read is whole');
      await b.delete(key);
      for (const range of [undefined, { start: 0, end: 10 }]) {
        await assert.rejects(
          readBytesTo(b, key, range, async () => assert.fail('no chunk of a missing key')),
          (e: unknown) => isMeshError(e, 'DATA_NOT_FOUND'),
        );
      }
    });

    it('gives each put its own key and stores empty data', async () => {
      const b = await open();
      const one = await b.put(chunksOf(Buffer.from('x')), { ...hint, key: `${hint.key}.one`, size: 1 });
      const two = await b.put(chunksOf(Buffer.from('x')), { ...hint, key: `${hint.key}.one`, size: 1 });
      assert.notEqual(one.key, two.key);
      const empty = await b.put(chunksOf(Buffer.alloc(0)), { ...hint, key: `${hint.key}.empty`, size: 0 });
      assert.equal(empty.size, 0);
      assert.equal((await readAll(await b.get(empty.key))).length, 0);
    });

    if (options.generatedKeys) {
      it('reads a small object whole in one chunk of its size', async () => {
        const b = await open();
        const small = data.subarray(0, 4096);
        const { key } = await b.put(chunksOf(small), { ...hint, size: small.length });
        const chunks: number[] = [];
        for await (const c of await b.get(key)) chunks.push((c as Buffer).length);
        assert.deepEqual(chunks, [4096]);
      });
    }

    it('delete is idempotent and unknown or malformed keys are DATA_NOT_FOUND', async () => {
      const b = await open();
      const { key } = await b.put(chunksOf(Buffer.from('bye')), { ...hint, key: `${hint.key}.bye`, size: 3 });
      await b.delete(key);
      await b.delete(key);
      await b.delete('../../etc/passwd');
      for (const k of [key, '../../etc/passwd', 'not-a-key']) {
        await assert.rejects(b.get(k), (e: unknown) => isMeshError(e, 'DATA_NOT_FOUND'));
        await assert.rejects(b.head(k), (e: unknown) => isMeshError(e, 'DATA_NOT_FOUND'));
      }
    });

    it("the body's own error reaches the caller unchanged, even with an errno-like code", async () => {
      const b = await open();
      const bodyError = Object.assign(new Error('chunk signature mismatch'), { code: 'SignatureDoesNotMatch' });
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield Buffer.alloc(10, 1);
        throw bodyError;
      }
      await assert.rejects(b.put(failing(), { ...hint, key: `${hint.key}.failing` }), (e: unknown) => e === bodyError);
    });

    it('a body that fails midway leaves nothing behind', async () => {
      const b = await open();
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield Buffer.alloc(2_000_000, 1);
        yield Buffer.alloc(10_000_000, 2);
        throw new MeshError('BAD_DIGEST', 'digest mismatch');
      }
      await assert.rejects(b.put(failing(), { ...hint, key: `${hint.key}.midway`, size: 20_000_000 }), (e: unknown) =>
        isMeshError(e, 'BAD_DIGEST'),
      );
      if (options.visibleLeftovers) assert.deepEqual(await options.visibleLeftovers(b), []);
    });

    if (options.composes !== true) return;
    it('compose joins pieces in order into one new object; the pieces stay', async () => {
      const b = await open();
      assert.ok(b.compose !== undefined, `${type} offers compose`);
      const sizes = [5 * MIB + 1, 5 * MIB, 1_000];
      const parts = sizes.map((n, i) => Buffer.alloc(n, i + 1));
      const stored = [];
      for (const [i, part] of parts.entries()) {
        stored.push(await b.put(chunksOf(part, 1 << 20), { ...hint, key: `${hint.key}.part${i}`, size: part.length }));
      }
      const joined = await b.compose(stored, { ...hint, key: `${hint.key}.joined` });
      const whole = Buffer.concat(parts);
      assert.equal(joined.size, whole.length);
      assert.ok((await readAll(await b.get(joined.key))).equals(whole));
      const edge = { start: 5 * MIB - 2, end: 5 * MIB + 2 };
      assert.ok((await readAll(await b.get(joined.key, edge))).equals(whole.subarray(edge.start, edge.end + 1)));
      for (const [i, s] of stored.entries()) assert.ok((await readAll(await b.get(s.key))).equals(parts[i]!), 'pieces untouched');
      await b.delete(joined.key);
      await assert.rejects(b.head(joined.key), (e: unknown) => isMeshError(e, 'DATA_NOT_FOUND'));
    });
  });
}
