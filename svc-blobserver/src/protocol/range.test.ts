import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AzureError, type AzureErrorCode } from '../errors/azure-errors.js';
import { parseRangeHeaders, rangeDigest, resolveRange } from './range.js';

function throwsWith(code: AzureErrorCode, fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => e instanceof AzureError && e.code === code, code);
}

test('parses x-ms-range (preferred) and Range', () => {
  assert.equal(parseRangeHeaders({}), undefined);
  assert.deepEqual(parseRangeHeaders({ range: 'bytes=0-99' }), { start: 0, end: 99, header: 'range' });
  assert.deepEqual(parseRangeHeaders({ 'x-ms-range': 'bytes=100-', range: 'bytes=0-1' }), {
    start: 100,
    end: undefined,
    header: 'x-ms-range',
  });
  // Forms Azure does not serve: Range is ignored, x-ms-range is refused.
  for (const bad of ['bytes=-10', 'bytes=5-1', 'bytes=0-1,5-6', 'items=0-1', 'bytes=a-b']) {
    assert.equal(parseRangeHeaders({ range: bad }), undefined, bad);
    throwsWith('InvalidHeaderValue', () => parseRangeHeaders({ 'x-ms-range': bad }));
  }
});

test('resolves against the blob size', () => {
  assert.deepEqual(resolveRange({ start: 0, end: 99, header: 'range' }, 1000), {
    start: 0,
    end: 99,
    length: 100,
    contentRange: 'bytes 0-99/1000',
  });
  assert.deepEqual(resolveRange({ start: 990, end: 2000, header: 'range' }, 1000), {
    start: 990,
    end: 999,
    length: 10,
    contentRange: 'bytes 990-999/1000',
  });
  assert.deepEqual(resolveRange({ start: 999, end: undefined, header: 'range' }, 1000).length, 1);
  throwsWith('InvalidRange', () => resolveRange({ start: 1000, end: undefined, header: 'range' }, 1000));
  throwsWith('InvalidRange', () => resolveRange({ start: 0, end: 0, header: 'x-ms-range' }, 0));
});

test('x-ms-range-get-content-md5 / -crc64 need a range of at most 4 MiB, and not both', () => {
  const small = resolveRange({ start: 0, end: 4 * 1024 * 1024 - 1, header: 'x-ms-range' }, 10 * 1024 * 1024);
  const big = resolveRange({ start: 0, end: 4 * 1024 * 1024, header: 'x-ms-range' }, 10 * 1024 * 1024);
  assert.equal(rangeDigest({}, small), undefined);
  assert.equal(rangeDigest({ 'x-ms-range-get-content-md5': 'false' }, small), undefined);
  assert.equal(rangeDigest({ 'x-ms-range-get-content-md5': 'true' }, small), 'md5');
  assert.equal(rangeDigest({ 'x-ms-range-get-content-crc64': 'TRUE' }, small), 'crc64');
  for (const header of ['x-ms-range-get-content-md5', 'x-ms-range-get-content-crc64']) {
    throwsWith('OutOfRangeInput', () => rangeDigest({ [header]: 'true' }, big));
    throwsWith('OutOfRangeInput', () => rangeDigest({ [header]: 'true' }, undefined));
  }
  throwsWith('InvalidHeaderValue', () =>
    rangeDigest({ 'x-ms-range-get-content-md5': 'true', 'x-ms-range-get-content-crc64': 'true' }, small),
  );
});
