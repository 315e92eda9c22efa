import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeyLocks } from './key-locks.js';

test('holders of one name run one at a time, in arrival order; other names do not wait; a failure releases', async () => {
  const locks = new KeyLocks();
  const events: string[] = [];
  const step = (name: string, label: string, ms: number, fail = false) =>
    locks.with(name, async () => {
      events.push(`${label} start`);
      await sleep(ms);
      events.push(`${label} end`);
      if (fail) throw new Error(label);
      return label;
    });
  const results = await Promise.allSettled([step('k', 'a', 30, true), step('k', 'b', 5), step('other', 'c', 1), step('k', 'd', 1)]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'fulfilled', 'fulfilled', 'fulfilled'],
  );
  assert.deepEqual(
    events.filter((e) => !e.startsWith('c')),
    ['a start', 'a end', 'b start', 'b end', 'd start', 'd end'],
  );
  assert.ok(events.indexOf('c end') < events.indexOf('a end'), 'another name ran meanwhile');
  assert.equal(locks.size, 0, 'nothing left held');
});
