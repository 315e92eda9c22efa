/**
 * A digest of a large body computed on a worker thread, so the event loop that receives the
 * bytes and writes them out is not also the one hashing them: a single PUT's MD5 (its ETag)
 * costs about as much CPU as the rest of its path. Bytes are copied into 1 MiB blocks that are
 * transferred (not copied again) to the thread and handed back once hashed; at most
 * MAX_IN_FLIGHT blocks per hash wait for the thread, and `ready()` tells the producer to pause
 * until one is done, so a slow thread holds the body back instead of buffering it. One thread
 * per process serves every hash, in the order their blocks arrive.
 */
import { Worker } from 'node:worker_threads';

const BLOCK = 1024 * 1024;
const MAX_IN_FLIGHT = 4;
/** Blocks kept for reuse once the thread gives them back (what one body keeps circulating). */
const POOL_MAX = MAX_IN_FLIGHT + 2;

export type ThreadRequest =
  | { type: 'start'; id: number; algorithm: 'md5' | 'sha1' | 'sha256' }
  | { type: 'block'; id: number; block: ArrayBuffer; length: number }
  | { type: 'finish'; id: number }
  | { type: 'abandon'; id: number };

export type ThreadReply =
  | { type: 'hashed'; id: number; block: ArrayBuffer }
  | { type: 'digest'; id: number; digest: Uint8Array }
  | { type: 'error'; id: number; message: string };

let worker: Worker | undefined;
const hashers = new Map<number, ThreadedHasher>();
const pool: ArrayBuffer[] = [];
let nextId = 1;

function thread(): Worker {
  if (worker !== undefined) return worker;
  // The thread allocates next to nothing on its heap (it hashes transferred blocks): a small
  // young generation keeps its resident memory small.
  const w = new Worker(new URL('./hash-thread.js', import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: 2 } });
  w.on('message', (r: ThreadReply) => {
    if (r.type === 'hashed' && pool.length < POOL_MAX) pool.push(r.block);
    hashers.get(r.id)?.reply(r);
  });
  const lost = (err: Error): void => {
    if (worker === w) worker = undefined;
    for (const h of [...hashers.values()]) h.fail(err);
  };
  w.on('error', lost);
  w.on('exit', (code) => lost(new Error(`hash thread exited with code ${code}`)));
  // After the listeners, which would hold the process otherwise: the thread keeps the process
  // alive only while a hash is pending (track/untrack).
  w.unref();
  worker = w;
  return w;
}

/** Hashes started and neither finished nor abandoned (each holds the thread's process reference). */
export function pendingThreadedHashes(): number {
  return hashers.size;
}

function track(id: number, h: ThreadedHasher): void {
  if (hashers.size === 0) worker?.ref();
  hashers.set(id, h);
}

function untrack(id: number): boolean {
  const had = hashers.delete(id);
  if (had && hashers.size === 0) worker?.unref();
  return had;
}

function takeBlock(): Buffer {
  const reused = pool.pop();
  return reused === undefined ? Buffer.allocUnsafeSlow(BLOCK) : Buffer.from(reused);
}

export class ThreadedHasher {
  readonly #id = nextId++;
  readonly #worker: Worker;
  #block = takeBlock();
  #used = 0;
  #inFlight = 0;
  #failure: Error | undefined;
  #wake: (() => void) | undefined;
  #result: { resolve: (d: Buffer) => void; reject: (e: Error) => void } | undefined;
  #finished = false;

  constructor(readonly algorithm: 'md5' | 'sha1' | 'sha256') {
    this.#worker = thread();
    track(this.#id, this);
    this.#post({ type: 'start', id: this.#id, algorithm });
  }

  update(data: Uint8Array): this {
    if (this.#finished) throw new Error('update after digest');
    for (let offset = 0; offset < data.length;) {
      const n = Math.min(BLOCK - this.#used, data.length - offset);
      this.#block.set(data.subarray(offset, offset + n), this.#used);
      this.#used += n;
      offset += n;
      if (this.#used === BLOCK) this.#send();
    }
    return this;
  }

  /** Undefined when the producer may go on; else a promise of the moment it may (a block hashed). */
  ready(): Promise<void> | undefined {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#inFlight < MAX_IN_FLIGHT) return undefined;
    return new Promise<void>((resolve) => (this.#wake = resolve));
  }

  /** The digest, once the thread hashed every byte given. Call it once, after the last `update`. */
  digest(): Promise<Buffer> {
    if (this.#failure !== undefined) {
      this.#finish();
      return Promise.reject(this.#failure);
    }
    if (this.#used > 0) this.#send();
    this.#finish();
    return new Promise<Buffer>((resolve, reject) => {
      this.#result = { resolve, reject };
      this.#post({ type: 'finish', id: this.#id });
    });
  }

  /** Drops a hash that will not be finished (a failed write); safe to call at any time. */
  abandon(): void {
    if (!untrack(this.#id)) return;
    this.#finish();
    this.#post({ type: 'abandon', id: this.#id });
  }

  reply(r: ThreadReply): void {
    if (r.type === 'hashed') {
      this.#inFlight--;
      const wake = this.#wake;
      this.#wake = undefined;
      wake?.();
    } else if (r.type === 'digest') {
      untrack(this.#id);
      this.#result?.resolve(Buffer.from(r.digest.buffer, r.digest.byteOffset, r.digest.byteLength));
    } else {
      this.fail(new Error(`hash thread: ${r.message}`));
    }
  }

  fail(err: Error): void {
    untrack(this.#id);
    this.#failure = err;
    this.#result?.reject(err);
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** No more updates: the block being filled goes back to the pool. */
  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (pool.length < POOL_MAX) pool.push(this.#block.buffer as ArrayBuffer);
  }

  #send(): void {
    const block = this.#block;
    const length = this.#used;
    this.#block = takeBlock();
    this.#used = 0;
    this.#inFlight++;
    const buffer = block.buffer as ArrayBuffer;
    this.#post({ type: 'block', id: this.#id, block: buffer, length }, [buffer]);
  }

  #post(m: ThreadRequest, transfer: ArrayBuffer[] = []): void {
    if (this.#failure === undefined) this.#worker.postMessage(m, transfer);
  }
}
