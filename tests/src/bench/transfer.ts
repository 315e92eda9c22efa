// Byte-moving helpers shared by the benchmark sections: generated bodies, draining
// responses, reference processes (a plain Node HTTP server) and the raw disk rate.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { get as httpGet, type Agent } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/ports.js';

export const KiB = 1024;
export const MiB = 1024 * KiB;

/** Reads a body (Node stream or web-style async iterable) to its end; its length. */
export async function drain(body: unknown): Promise<number> {
  let n = 0;
  for await (const chunk of body as AsyncIterable<Uint8Array>) n += chunk.length;
  return n;
}

/** A stream of `size` bytes made of one reused 1 MiB block: no buffer of the object's size exists. */
export function generated(size: number): Readable {
  const block = Buffer.alloc(MiB, 0x5a);
  return Readable.from(
    (function* () {
      for (let left = size; left > 0; left -= block.length) yield left >= block.length ? block : block.subarray(0, left);
    })(),
    { objectMode: false },
  );
}

export async function waitHttp(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = httpGet(url, (res) => {
        res.resume();
        resolve(true);
      });
      req.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Child {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** A Node child process serving HTTP on `port`; `dir` is removed when it stops. */
export async function startChild(args: string[], port: number, dir?: string): Promise<Child> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/`, 30_000);
  return {
    url,
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The client-ceiling server (ceiling-server.ts) as a child process on a free loopback port. */
export async function startCeiling(mode: 's3' | 'azure'): Promise<Child> {
  const port = await freePort();
  return startChild([fileURLToPath(new URL('./ceiling-server.js', import.meta.url)), String(port), mode], port);
}

/** A plain Node HTTP server (child process) answering every GET with the same in-memory buffer. */
export async function startPlainServer(size: number): Promise<Child> {
  const port = await freePort();
  const code = `const http = require('node:http'); const buf = Buffer.alloc(${size}, 0x5a);
http.createServer((req, res) => { req.resume(); res.writeHead(200, { 'content-length': buf.length }); res.end(buf); })
  .listen(${port}, '127.0.0.1');`;
  return startChild(['-e', code], port);
}

export function plainGet(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    httpGet(url, { agent }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => resolve(n));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** Writes `size` bytes in 1 MiB blocks to a new file in `dir`, fdatasync; MiB/s, best of `tries`. */
export async function rawDiskRate(dir: string, size: number, tries = 3): Promise<number> {
  const block = Buffer.alloc(MiB, 0x5a);
  let best = 0;
  for (let t = 0; t < tries; t++) {
    const path = join(dir, `raw-disk-${t}`);
    const start = performance.now();
    const fh = await open(path, 'wx');
    try {
      for (let left = size; left > 0; left -= block.length) await fh.write(block, 0, Math.min(block.length, left));
      await fh.datasync();
    } finally {
      await fh.close();
    }
    best = Math.max(best, size / MiB / ((performance.now() - start) / 1000));
    await unlink(path);
  }
  return best;
}

/**
 * MD5 of `size` bytes in 1 MiB blocks on this thread; MiB/s, best of `tries`. A single-request
 * PUT's ETag is this digest over the whole stream, so one PUT cannot run faster than this.
 */
export function md5Rate(size: number, tries = 3): number {
  const block = Buffer.alloc(MiB, 0x5a);
  let best = 0;
  for (let t = 0; t < tries; t++) {
    const start = performance.now();
    const hash = createHash('md5');
    for (let left = size; left > 0; left -= block.length) hash.update(block.subarray(0, Math.min(block.length, left)));
    hash.digest();
    best = Math.max(best, size / MiB / ((performance.now() - start) / 1000));
  }
  return best;
}

/** `load average a, b, c` for table titles: the figures are only as quiet as the machine. */
export function loadAverage(): string {
  return `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`;
}
