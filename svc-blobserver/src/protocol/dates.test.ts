import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIso8601Seconds, formatRfc1123, parseIso8601, parseRfc1123 } from './dates.js';

test('RFC 1123', () => {
  const t = Date.UTC(2024, 0, 2, 3, 4, 5);
  assert.equal(formatRfc1123(t), 'Tue, 02 Jan 2024 03:04:05 GMT');
  assert.equal(formatRfc1123(new Date(t)), 'Tue, 02 Jan 2024 03:04:05 GMT');
  assert.equal(parseRfc1123('Tue, 02 Jan 2024 03:04:05 GMT'), t);
  assert.equal(parseRfc1123('Tue, 02 Jan 2024 03:04:05 UTC'), t);
  for (const bad of [
    'Wed, 02 Jan 2024 03:04:05 GMT',
    'Tue, 31 Feb 2024 03:04:05 GMT',
    'Tue, 02 Jan 2024 24:04:05 GMT',
    '2024-01-02T03:04:05Z',
    'Tue, 2 Jan 2024 03:04:05 GMT',
  ]) {
    assert.equal(parseRfc1123(bad), undefined, bad);
  }
});

test('ISO 8601 forms of SAS and access policies', () => {
  const t = Date.UTC(2024, 0, 2, 3, 4, 5);
  assert.equal(parseIso8601('2024-01-02T03:04:05Z'), t);
  assert.equal(parseIso8601('2024-01-02T03:04:05.1234567Z'), t + 123);
  assert.equal(parseIso8601('2024-01-02T03:04Z'), t - 5000);
  assert.equal(parseIso8601('2024-01-02'), Date.UTC(2024, 0, 2));
  for (const bad of ['2024-01-02T03:04:05', '2024-02-30', '2024-01-02T25:00Z', 'tomorrow', '2024-01-02T03:04:05+01:00']) {
    assert.equal(parseIso8601(bad), undefined, bad);
  }
  assert.equal(formatIso8601Seconds(t + 999), '2024-01-02T03:04:05Z');
});
