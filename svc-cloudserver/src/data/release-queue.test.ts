import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createLogger } from '@zenko/mesh';
import { ReleaseQueue, type ReleasedPiece } from './release-queue.js';

const dir = mkdtempSync(join(tmpdir(), 'zenko-release-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A target whose deletes fail while `down` holds; `deleted` records what it removed. */
function target(): { down: boolean; deleted: string[]; delete: (p: ReleasedPiece) => Promise<void> } {
  const t = {
    down: false,
    deleted: [] as string[],
    delete: async (p: ReleasedPiece): Promise<void> => {
      if (t.down) throw new Error('target unavailable');
      t.deleted.push(`${p.location}/${p.key}`);
    },
  };
  return t;
}

const logger = createLogger('test', 'silent');

test('failed deletes are journaled and retried until they succeed, also by the next process', async () => {
  const file = join(dir, 'releases', 'q.jsonl');
  const t = target();
  const first = new ReleaseQueue({ delete: t.delete, file, logger, retryMs: 3_600_000 });
  await first.start();
  // Up: deleted at once, once per distinct piece; an inline piece (no key) deletes nothing.
  await first.release([
    { location: 'l', key: 'a' },
    { location: 'l', key: 'a' },
    { location: 'l', key: '' },
  ]);
  assert.deepEqual(t.deleted, ['l/a']);
  // Down: kept, in memory and in the journal.
  t.down = true;
  await first.release([
    { location: 'l', key: 'b' },
    { location: 'm', key: 'c' },
  ]);
  assert.equal(first.pending, 2);
  assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 2);
  await first.retry();
  assert.equal(first.pending, 2, 'still down: still pending');
  first.close();

  // A restart: the next process finds the journal and deletes once the target is back.
  t.down = false;
  const second = new ReleaseQueue({ delete: t.delete, file, logger, retryMs: 3_600_000 });
  await second.start();
  await second.retry();
  assert.equal(second.pending, 0);
  assert.deepEqual(t.deleted.sort(), ['l/a', 'l/b', 'm/c']);
  assert.equal(readFileSync(file, 'utf8'), '', 'the journal is emptied');
  second.close();
});

test('the timer retries on its own', async () => {
  const t = target();
  t.down = true;
  const queue = new ReleaseQueue({ delete: t.delete, file: join(dir, 'timer.jsonl'), logger, retryMs: 50 });
  await queue.start();
  await queue.release([{ location: 'l', key: 'x' }]);
  t.down = false;
  for (let i = 0; i < 100 && queue.pending > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(queue.pending, 0);
  assert.deepEqual(t.deleted, ['l/x']);
  queue.close();
});
