import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newRequestId } from './http.js';

test('request ids are 16 upper-case hex digits, distinct across refills of the random pool', () => {
  const ids = Array.from({ length: 2_000 }, () => newRequestId());
  for (const id of ids) assert.match(id, /^[0-9A-F]{16}$/);
  assert.equal(new Set(ids).size, ids.length);
});
