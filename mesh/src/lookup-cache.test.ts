import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MeshError } from './errors.js';
import { LookupCache } from './lookup-cache.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A lookup whose next answers the test sets: a value, or an error to throw. */
function scripted(): { lookup: (key: string) => Promise<string>; calls: string[]; answer: string | Error } {
  const state = {
    calls: [] as string[],
    answer: 'v1' as string | Error,
    lookup: async (key: string): Promise<string> => {
      state.calls.push(key);
      if (state.answer instanceof Error) throw state.answer;
      return state.answer;
    },
  };
  return state;
}

describe('LookupCache', () => {
  it('asks once per key while an answer is fresh, again once it expires or is forgotten', async () => {
    const s = scripted();
    const cache = new LookupCache(s.lookup, { ttlMs: 60 });
    assert.equal(await cache.get('a'), 'v1');
    s.answer = 'v2';
    assert.equal(await cache.get('a'), 'v1');
    assert.equal(await cache.get('b'), 'v2');
    assert.deepEqual(s.calls, ['a', 'b']);
    await sleep(80);
    assert.equal(await cache.get('a'), 'v2');
    s.answer = 'v3';
    cache.invalidate('a');
    assert.equal(await cache.get('a'), 'v3');
    assert.deepEqual(s.calls, ['a', 'b', 'a', 'a']);
  });

  it('uses an expired answer while the service cannot answer, within the stale window only', async () => {
    const s = scripted();
    const cache = new LookupCache(s.lookup, { ttlMs: 20, staleMs: 100 });
    assert.equal(await cache.get('a'), 'v1');
    await sleep(40);
    s.answer = new MeshError('UNAVAILABLE', 'AccountService is restarting');
    assert.equal(await cache.get('a'), 'v1');
    s.answer = new MeshError('DEADLINE_EXCEEDED', 'too slow');
    assert.equal(await cache.get('a'), 'v1');
    // Nothing was ever known of this key: the failure shows.
    await assert.rejects(cache.get('b'), (err: unknown) => err instanceof MeshError && err.reason === 'DEADLINE_EXCEEDED');
    await sleep(120);
    await assert.rejects(cache.get('a'), (err: unknown) => err instanceof MeshError && err.reason === 'DEADLINE_EXCEEDED');
    // Answered again: fresh from then on.
    s.answer = 'v2';
    assert.equal(await cache.get('a'), 'v2');
  });

  it('does not hide an error the service answered with', async () => {
    const s = scripted();
    const cache = new LookupCache(s.lookup, { ttlMs: 10, staleMs: 10_000 });
    assert.equal(await cache.get('a'), 'v1');
    await sleep(20);
    s.answer = new MeshError('INTERNAL', 'a bug');
    await assert.rejects(cache.get('a'), (err: unknown) => err instanceof MeshError && err.reason === 'INTERNAL');
  });

  it('drops every entry once full', async () => {
    const s = scripted();
    const cache = new LookupCache(s.lookup, { maxEntries: 2 });
    for (const key of ['a', 'b', 'c', 'a']) await cache.get(key);
    assert.deepEqual(s.calls, ['a', 'b', 'c', 'a']);
  });
});
