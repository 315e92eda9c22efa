import assert from 'node:assert/strict';
import test from 'node:test';
import { AzureError } from '../errors/azure-errors.js';
import { matchesTags, parseTagQuery } from './tag-query.js';

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof AzureError ? err.code : 'other';
  }
  return undefined;
};

test('where: comparisons, AND, @container, ranges; string comparison', () => {
  const q = parseTagQuery(`"Project" = 'Zen ko' and size >= '10' AND size < '20' AND @container = 'c1'`, 'where');
  assert.equal(q.container, 'c1');
  assert.deepEqual(q.keys, ['Project', 'size']);
  assert.equal(matchesTags(q.expression, { Project: 'Zen ko', size: '15' }, 'c1'), true);
  assert.equal(matchesTags(q.expression, { Project: 'Zen ko', size: '15' }, 'c2'), false);
  assert.equal(matchesTags(q.expression, { Project: 'Zen ko', size: '25' }, 'c1'), false);
  assert.equal(matchesTags(q.expression, { project: 'Zen ko', size: '15' }, 'c1'), false);
});

test('where: what Azure refuses is InvalidQueryParameterValue', () => {
  for (const bad of [
    '',
    `"a" = b`,
    `"a" <> 'b'`,
    `"a" = 'b' OR "c" = 'd'`,
    `"a" = 'b' AND "a" = 'c'`,
    `"a" > 'b' AND "a" >= 'c'`,
    `@container > 'x'`,
    `@other = 'x'`,
    `"a*" = 'b'`,
    `"a" = 'b`,
    `"a" = 'b' AND`,
    Array.from({ length: 11 }, (_, i) => `"k${i}" = 'v'`).join(' AND '),
    // Nesting far beyond the stack: refused, not a RangeError.
    `${'('.repeat(5000)}"a" = 'b'${')'.repeat(5000)}`,
    Array.from({ length: 5000 }, () => `"a" = 'b'`).join(' AND '),
  ]) {
    assert.equal(
      code(() => parseTagQuery(bad, 'where')),
      'InvalidQueryParameterValue',
      bad,
    );
  }
});

test('x-ms-if-tags: OR, <> and parentheses; errors are InvalidHeaderValue', () => {
  const q = parseTagQuery(`("a" = '1' OR "b" <> '2') AND "c" = '3'`, 'if-tags');
  assert.equal(matchesTags(q.expression, { a: '1', c: '3' }, 'x'), true);
  assert.equal(matchesTags(q.expression, { b: '3', c: '3' }, 'x'), true);
  assert.equal(matchesTags(q.expression, { b: '2', c: '3' }, 'x'), false);
  assert.equal(
    code(() => parseTagQuery(`@container = 'x'`, 'if-tags')),
    'InvalidHeaderValue',
  );
  assert.equal(
    code(() => parseTagQuery(`${'('.repeat(64)}"a" = 'b'${')'.repeat(64)}`, 'if-tags')),
    undefined,
  );
  assert.equal(
    code(() => parseTagQuery(`${'('.repeat(5000)}"a" = 'b'${')'.repeat(5000)}`, 'if-tags')),
    'InvalidHeaderValue',
  );
  assert.equal(
    code(() => parseTagQuery(Array.from({ length: 5000 }, () => `"a" = 'b'`).join(' OR '), 'if-tags')),
    'InvalidHeaderValue',
  );
});
