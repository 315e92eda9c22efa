// The `mem` location type: bytes in this process's memory (tests, ephemeral use).
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { MeshError } from '@zenko/mesh';
import type { ByteRange, DataBackend, PutHint } from './backend.js';

export class MemBackend implements DataBackend {
  readonly type = 'mem';
  readonly keepsVersions = true;
  readonly #objects = new Map<string, Buffer>();

  async put(body: AsyncIterable<Uint8Array>, _hint: PutHint): Promise<{ key: string; size: number }> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body) chunks.push(chunk);
    const key = randomBytes(16).toString('hex');
    const data = Buffer.concat(chunks);
    this.#objects.set(key, data);
    return { key, size: data.length };
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const data = this.#find(key);
    const slice = range ? data.subarray(range.start, range.end + 1) : data;
    return Readable.from([slice], { objectMode: false });
  }

  async head(key: string): Promise<{ size: number }> {
    return { size: this.#find(key).length };
  }

  async delete(key: string): Promise<void> {
    this.#objects.delete(key);
  }

  async close(): Promise<void> {
    this.#objects.clear();
  }

  #find(key: string): Buffer {
    const data = this.#objects.get(key);
    if (data === undefined) throw new MeshError('DATA_NOT_FOUND', `no data under key ${key}`);
    return data;
  }
}
