// One contract for every local backend type.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { isMeshError, MeshError } from '@zenko/mesh';
import type { DataBackend } from './backend.js';
import { FileBackend } from './file-backend.js';
import { MemBackend } from './mem-backend.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function* chunksOf(data: Buffer, size = 7_001): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const TYPES: [string, () => Promise<DataBackend>][] = [
  ['mem', async () => new MemBackend()],
  [
    'file',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'zenko-file-'));
      dirs.push(dir);
      return FileBackend.open(dir);
    },
  ],
];

for (const [type, open] of TYPES) {
  describe(`${type} backend`, () => {
    const data = Buffer.from(Array.from({ length: 3_000_000 }, (_, i) => (i * 31) % 251));
    const hint = { bucket: 'b', key: '../../etc/passwd', size: data.length };

    it('stores and returns bytes, whole and by range', async () => {
      const b = await open();
      const { key, size } = await b.put(chunksOf(data), hint);
      assert.equal(size, data.length);
      assert.ok(!key.includes('/') && !key.includes('..'), 'keys never come from object keys');
      assert.ok((await readAll(await b.get(key))).equals(data));
      assert.ok((await readAll(await b.get(key, { start: 10, end: 1_999_999 }))).equals(data.subarray(10, 2_000_000)));
      assert.ok((await readAll(await b.get(key, { start: data.length - 1, end: data.length - 1 }))).equals(data.subarray(-1)));
      assert.deepEqual(await b.head(key), { size: data.length });
    });

    it('gives each put its own key and stores empty data', async () => {
      const b = await open();
      const one = await b.put(chunksOf(Buffer.from('x')), { ...hint, size: 1 });
      const two = await b.put(chunksOf(Buffer.from('x')), { ...hint, size: 1 });
      assert.notEqual(one.key, two.key);
      const empty = await b.put(chunksOf(Buffer.alloc(0)), { ...hint, size: 0 });
      assert.equal(empty.size, 0);
      assert.equal((await readAll(await b.get(empty.key))).length, 0);
    });

    it('reads a small object whole in one chunk of its size', async () => {
      const b = await open();
      const small = data.subarray(0, 4096);
      const { key } = await b.put(chunksOf(small), { ...hint, size: small.length });
      const chunks: number[] = [];
      for await (const c of await b.get(key)) chunks.push((c as Buffer).length);
      assert.deepEqual(chunks, [4096]);
    });

    it('delete is idempotent and unknown or malformed keys are DATA_NOT_FOUND', async () => {
      const b = await open();
      const { key } = await b.put(chunksOf(Buffer.from('bye')), { ...hint, size: 3 });
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
      await assert.rejects(b.put(failing(), hint), (e: unknown) => e === bodyError);
    });

    it('a body that fails midway leaves nothing behind', async () => {
      const b = await open();
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield Buffer.alloc(2_000_000, 1);
        throw new MeshError('BAD_DIGEST', 'digest mismatch');
      }
      await assert.rejects(b.put(failing(), hint), (e: unknown) => isMeshError(e, 'BAD_DIGEST'));
      if (b instanceof FileBackend) {
        assert.deepEqual(readdirSync(join(b.root, 'tmp')), []);
        const files = readdirSync(b.root)
          .filter((d) => d !== 'tmp')
          .flatMap((d) => readdirSync(join(b.root, d)));
        assert.deepEqual(files, []);
      }
    });
  });
}

describe('file backend start-up', () => {
  it('removes what an interrupted write left in tmp/', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zenko-file-'));
    dirs.push(dir);
    const first = await FileBackend.open(dir);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(first.root, 'tmp', 'deadbeef'), 'partial');
    await FileBackend.open(dir);
    assert.deepEqual(readdirSync(join(dir, 'tmp')), []);
  });
});
