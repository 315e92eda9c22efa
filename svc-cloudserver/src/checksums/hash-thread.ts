// The worker thread of ThreadedHasher (threaded-hasher.ts): keeps one hash per id, hashes the
// blocks it is sent in order, and gives each block back (transferred) once hashed so the
// sender reuses it.
import { createHash, type Hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import type { ThreadReply, ThreadRequest } from './threaded-hasher.js';

const port = parentPort;
if (port === null) throw new Error('hash-thread runs as a worker thread');

const hashes = new Map<number, Hash>();

port.on('message', (m: ThreadRequest) => {
  let reply: ThreadReply | undefined;
  try {
    switch (m.type) {
      case 'start':
        hashes.set(m.id, createHash(m.algorithm));
        return;
      case 'block': {
        hashes.get(m.id)?.update(new Uint8Array(m.block, 0, m.length));
        port.postMessage({ type: 'hashed', id: m.id, block: m.block } satisfies ThreadReply, [m.block]);
        return;
      }
      case 'finish': {
        const hash = hashes.get(m.id);
        hashes.delete(m.id);
        if (hash === undefined) throw new Error(`no hash ${m.id}`);
        reply = { type: 'digest', id: m.id, digest: hash.digest() };
        break;
      }
      case 'abandon':
        hashes.delete(m.id);
        return;
    }
  } catch (err) {
    hashes.delete(m.id);
    reply = { type: 'error', id: m.id, message: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
