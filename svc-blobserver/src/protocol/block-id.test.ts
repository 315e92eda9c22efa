import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AzureError, type AzureErrorCode } from '../errors/azure-errors.js';
import { checkBlockListIds, checkPutBlockId, checkSameBlockIdLength, isValidBlockId } from './block-id.js';

function throwsWith(code: AzureErrorCode, fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => e instanceof AzureError && e.code === code, code);
}

test('block ids are canonical base64 of 1 to 64 bytes', () => {
  assert.ok(isValidBlockId('QUFB'));
  assert.ok(isValidBlockId('QQ=='));
  assert.ok(isValidBlockId(Buffer.alloc(64, 7).toString('base64')));
  for (const bad of ['', 'QUF', 'QUFB=', 'QQ', 'QR==', 'a b=', 'QUFB\n', Buffer.alloc(65).toString('base64'), 'QUFB-_==']) {
    assert.equal(isValidBlockId(bad), false, bad);
  }
});

test('Put Block: blockid required and valid; one length per blob', () => {
  assert.equal(checkPutBlockId('QUFB'), 'QUFB');
  throwsWith('MissingRequiredQueryParameter', () => checkPutBlockId(undefined));
  throwsWith('InvalidQueryParameterValue', () => checkPutBlockId('not base64'));
  checkSameBlockIdLength('QUFB', []);
  checkSameBlockIdLength('QUFB', ['QkJC', 'Q0ND']);
  throwsWith('InvalidBlobOrBlock', () => checkSameBlockIdLength('QUFBQQ==', ['QkJC']));
});

test('block lists: every id valid, all the same length', () => {
  checkBlockListIds(['QUFB', 'QkJC']);
  checkBlockListIds([]);
  throwsWith('InvalidBlockList', () => checkBlockListIds(['QUFB', 'QQ==']));
  throwsWith('InvalidBlockList', () => checkBlockListIds(['QUFB', '!!!!']));
});
