import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AzureError } from '../errors/azure-errors.js';
import { checkConditions, type ConditionHeaders } from './conditions.js';

const blob = { etag: '"0x8DBB"', lastModified: Date.parse('Tue, 02 Jan 2024 03:04:05 GMT') };
const before = 'Mon, 01 Jan 2024 00:00:00 GMT';
const same = 'Tue, 02 Jan 2024 03:04:05 GMT';
const after = 'Wed, 03 Jan 2024 00:00:00 GMT';

function outcome(method: string, headers: ConditionHeaders, resource: typeof blob | null = blob): number {
  try {
    checkConditions(method, headers, resource ?? undefined);
    return 200;
  } catch (e) {
    assert.ok(e instanceof AzureError);
    assert.equal(e.code, 'ConditionNotMet');
    return e.status;
  }
}

test('If-Match and If-Unmodified-Since fail with 412, reads and writes alike', () => {
  for (const method of ['GET', 'HEAD', 'PUT', 'DELETE']) {
    assert.equal(outcome(method, { 'if-match': '"0x8DBB"' }), 200);
    assert.equal(outcome(method, { 'if-match': '0x8DBB' }), 200);
    assert.equal(outcome(method, { 'if-match': '"other", "0x8DBB"' }), 200);
    assert.equal(outcome(method, { 'if-match': '*' }), 200);
    assert.equal(outcome(method, { 'if-match': '"other"' }), 412);
    assert.equal(outcome(method, { 'if-unmodified-since': after }), 200);
    assert.equal(outcome(method, { 'if-unmodified-since': same }), 200);
    assert.equal(outcome(method, { 'if-unmodified-since': before }), 412);
  }
});

test('If-None-Match and If-Modified-Since: 304 for GET and HEAD, 412 for writes', () => {
  assert.equal(outcome('GET', { 'if-none-match': '"0x8DBB"' }), 304);
  assert.equal(outcome('HEAD', { 'if-none-match': '*' }), 304);
  assert.equal(outcome('PUT', { 'if-none-match': '*' }), 412);
  assert.equal(outcome('GET', { 'if-none-match': '"other"' }), 200);
  assert.equal(outcome('GET', { 'if-modified-since': same }), 304);
  assert.equal(outcome('GET', { 'if-modified-since': before }), 200);
  assert.equal(outcome('PUT', { 'if-modified-since': after }), 412);
});

test('writes: If-Match over If-Unmodified-Since, If-None-Match over If-Modified-Since; bad dates ignored', () => {
  assert.equal(outcome('PUT', { 'if-match': '"0x8DBB"', 'if-unmodified-since': before }), 200);
  assert.equal(outcome('PUT', { 'if-none-match': '"other"', 'if-modified-since': after }), 200);
  assert.equal(outcome('PUT', { 'if-none-match': '"0x8DBB"', 'if-modified-since': before }), 412);
  assert.equal(outcome('GET', { 'if-match': '"other"', 'if-none-match': '"0x8DBB"' }), 412);
  assert.equal(outcome('GET', { 'if-modified-since': 'yesterday' }), 200);
});

test('reads combine every condition: If-Match && If-Unmodified-Since && (If-None-Match || If-Modified-Since)', () => {
  for (const method of ['GET', 'HEAD']) {
    assert.equal(outcome(method, { 'if-match': '"0x8DBB"', 'if-unmodified-since': before }), 412);
    assert.equal(outcome(method, { 'if-match': '"0x8DBB"', 'if-unmodified-since': after }), 200);
    assert.equal(outcome(method, { 'if-none-match': '"0x8DBB"', 'if-modified-since': before }), 200);
    assert.equal(outcome(method, { 'if-none-match': '"other"', 'if-modified-since': after }), 200);
    assert.equal(outcome(method, { 'if-none-match': '"0x8DBB"', 'if-modified-since': after }), 304);
    assert.equal(outcome(method, { 'if-match': '"0x8DBB"', 'if-none-match': '"0x8DBB"', 'if-modified-since': before }), 200);
  }
});

test('missing resources: If-Match fails, If-None-Match: * lets a create through', () => {
  assert.equal(outcome('PUT', { 'if-match': '*' }, null), 412);
  assert.equal(outcome('PUT', { 'if-none-match': '*' }, null), 200);
  assert.equal(outcome('PUT', {}, null), 200);
});
