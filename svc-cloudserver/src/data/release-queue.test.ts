import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createLogger, MeshError } from '@zenko/mesh';
import { ReleaseQueue, type ReleasedPiece, type WrittenObject } from './release-queue.js';

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
const nothing = async (): Promise<boolean> => false;

test('failed deletes are journaled and retried until they succeed, also by the next process', async () => {
  const file = join(dir, 'releases', 'q.jsonl');
  const t = target();
  const first = new ReleaseQueue({ delete: t.delete, referenced: nothing, file, logger, retryMs: 3_600_000 });
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
  const second = new ReleaseQueue({ delete: t.delete, referenced: nothing, file, logger, retryMs: 3_600_000 });
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
  const queue = new ReleaseQueue({ delete: t.delete, referenced: nothing, file: join(dir, 'timer.jsonl'), logger, retryMs: 50 });
  await queue.start();
  await queue.release([{ location: 'l', key: 'x' }]);
  t.down = false;
  for (let i = 0; i < 100 && queue.pending > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(queue.pending, 0);
  assert.deepEqual(t.deleted, ['l/x']);
  queue.close();
});

test('data of a write whose commit may have landed is deleted only once no version of its object is seen to reference it', async () => {
  const t = target();
  // What the object's versions reference; `undefined` while the metadata cannot be read.
  let references: string[] | undefined = undefined;
  const asked: string[] = [];
  const referenced = async (object: WrittenObject, p: ReleasedPiece): Promise<boolean> => {
    asked.push(`${object.bucket}/${object.key}`);
    if (references === undefined) throw new MeshError('UNAVAILABLE', 'metadata unreachable');
    return references.includes(p.key);
  };
  const file = join(dir, 'failed-writes.jsonl');
  const queue = new ReleaseQueue({ delete: t.delete, referenced, file, logger, retryMs: 100 });
  await queue.start();
  queue.close(); // retries by hand below
  const object = { bucket: 'b', key: 'k' };

  // A definite refusal (the precondition failed): the commit did not happen, deleted at once.
  await queue.releaseFailedWrite([{ location: 'l', key: 'refused' }], new MeshError('PRECONDITION_FAILED', 'no'), object);
  assert.deepEqual(t.deleted, ['l/refused']);

  // Lost answers: kept, journaled, and not even checked before a retry period has passed.
  await queue.releaseFailedWrite([{ location: 'l', key: 'landed' }], new MeshError('UNAVAILABLE', 'gone'), object);
  await queue.releaseFailedWrite([{ location: 'l', key: 'lost' }], new MeshError('DEADLINE_EXCEEDED', 'late'), object);
  assert.equal(queue.pending, 2);
  assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 2);
  await queue.retry();
  assert.deepEqual([queue.pending, asked.length], [2, 0]);

  // Past the period, with the metadata unreachable: nothing is decided.
  await new Promise((r) => setTimeout(r, 150));
  await queue.retry();
  assert.equal(queue.pending, 2);
  assert.deepEqual(t.deleted, ['l/refused']);

  // The metadata answers: the commit that landed keeps its data, the other's is deleted.
  references = ['landed'];
  await queue.retry();
  assert.equal(queue.pending, 0);
  assert.deepEqual(t.deleted, ['l/refused', 'l/lost']);
  assert.ok(asked.every((a) => a === 'b/k'));
  assert.equal(readFileSync(file, 'utf8'), '');
});

test('later: what a failed write left at a target that is down is journaled without a delete, and deleted by the retries', async () => {
  const file = join(dir, 'later.jsonl');
  const t = target();
  const tried: string[] = [];
  const queue = new ReleaseQueue({
    delete: async (p) => {
      tried.push(p.key);
      await t.delete(p);
    },
    referenced: nothing,
    file,
    logger,
    retryMs: 3_600_000,
  });
  await queue.start();
  await queue.later([
    { location: 'l', key: 'upload?upload=1' },
    { location: 'l', key: '' },
  ]);
  assert.deepEqual([queue.pending, tried], [1, []], 'kept, not tried at once');
  assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 1);
  await queue.retry();
  assert.deepEqual([queue.pending, t.deleted], [0, ['l/upload?upload=1']]);
  queue.close();
});

test('a location whose deletes hang does not hold back the retries of another', async () => {
  let unblock = (): void => undefined;
  const hanging = new Promise<void>((r) => (unblock = r));
  const deleted: string[] = [];
  let failing = true;
  const queue = new ReleaseQueue({
    delete: async (p) => {
      if (failing) throw new Error('target unavailable');
      if (p.location === 'silent') await hanging;
      deleted.push(`${p.location}/${p.key}`);
    },
    referenced: nothing,
    file: join(dir, 'side-by-side.jsonl'),
    logger,
    retryMs: 3_600_000,
  });
  await queue.start();
  await queue.release([
    { location: 'silent', key: 'a' },
    { location: 'silent', key: 'b' },
    { location: 'back', key: 'c' },
  ]);
  failing = false;
  const pass = queue.retry();
  for (let i = 0; i < 100 && !deleted.includes('back/c'); i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(deleted, ['back/c'], 'deleted while the silent location still hangs');
  unblock();
  await pass;
  assert.deepEqual(deleted.sort(), ['back/c', 'silent/a', 'silent/b']);
  assert.equal(queue.pending, 0);
  queue.close();
});
