// Durability across a crash: a child process writes objects into an LMDB store as fast as it
// can and prints each acknowledged put; we SIGKILL it at a random moment, reopen the store and
// check that every acknowledged put is there, that the oplog has no gap and that it agrees with
// the objects (an entry for every acknowledged put, an object for every put entry). Three kills
// on the same store, each run adding to it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { metadataV1MetadataService } from '@zenko/gen';
import { getObject, openLmdbStore, readOplog } from '@zenko/svc-metadata';

const WRITER = fileURLToPath(new URL('./crash-writer.js', import.meta.url));
const BUCKET = 'crash';
const RUNS = 3;
const MIN_ACKS = 300;
const RUN_TIMEOUT_MS = 30_000;

interface Ack {
  key: string;
  sequence: number;
}

/** Runs the writer until it has acknowledged `killAfter` puts, SIGKILLs it, returns every ack it printed. */
function writeUntilKilled(path: string, run: number, killAfter: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, path, String(run)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acks: Ack[] = [];
    let pending = '';
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer did not reach ${killAfter} acks in ${RUN_TIMEOUT_MS} ms (${acks.length}); stderr:\n${stderr}`));
    }, RUN_TIMEOUT_MS);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!; // a line cut by the kill was never fully printed: not an ack
      for (const line of lines) {
        const [tag, key, sequence] = line.split(' ');
        if (tag !== 'ack') continue;
        acks.push({ key: key!, sequence: Number(sequence) });
      }
      if (!killed && acks.length >= killAfter) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && killed) resolve(acks);
      else reject(new Error(`writer exited on its own (code ${code}, signal ${signal}); stderr:\n${stderr}`));
    });
  });
}

describe('crash: SIGKILL during writes', () => {
  it('every acknowledged put survives and the oplog has no gap', { timeout: RUNS * RUN_TIMEOUT_MS + 60_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zenko-crash-'));
    const path = join(dir, 'metadata');
    const acked: Ack[] = [];
    try {
      for (let run = 0; run < RUNS; run++) {
        const killAfter = MIN_ACKS + Math.floor(Math.random() * 700);
        const acks = await writeUntilKilled(path, run, killAfter);
        assert.ok(acks.length >= killAfter);
        acked.push(...acks);

        const store = await openLmdbStore({ path });
        try {
          const { first, last } = await store.oplogBounds();
          assert.equal(first, 1);
          const entries = await readOplog(store, 1, last + 1);
          assert.deepEqual(
            entries.map((e) => e.sequence),
            Array.from({ length: last }, (_, i) => i + 1),
            'oplog sequences from first to last, each once',
          );
          const bySequence = new Map(entries.map((e) => [e.sequence, e]));
          const seenSequences = new Set<number>();
          for (const ack of acked) {
            const entry = bySequence.get(ack.sequence);
            assert.ok(entry !== undefined, `acknowledged put ${ack.key} (sequence ${ack.sequence}) has an oplog entry`);
            assert.equal(entry.type, 'put-object');
            assert.equal(entry.key, ack.key);
            assert.ok(!seenSequences.has(ack.sequence), 'no two puts share a sequence');
            seenSequences.add(ack.sequence);
            const { object } = await getObject(
              store,
              metadataV1MetadataService.GetObjectRequest.fromPartial({ bucket: BUCKET, key: ack.key }),
            );
            assert.equal(object?.key, ack.key);
          }
          // Puts that committed but were not acknowledged yet are fine; each entry still has its object.
          for (const entry of entries) {
            if (entry.type !== 'put-object') continue;
            await getObject(store, metadataV1MetadataService.GetObjectRequest.fromPartial({ bucket: BUCKET, key: entry.key }));
          }
        } finally {
          await store.close();
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
