import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AzureError, type AzureErrorCode } from '../errors/azure-errors.js';
import { checkBlobName, checkContainerName } from './names.js';

function throwsWith(code: AzureErrorCode, fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => e instanceof AzureError && e.code === code, code);
}

test('container names', () => {
  for (const ok of ['abc', 'a-b-c', '123', 'a'.repeat(63), '$root', '$logs', '$web']) checkContainerName(ok);
  for (const bad of ['Abc', 'a--b', '-ab', 'ab-', 'a_b', 'a.b', '$other']) throwsWith('InvalidResourceName', () => checkContainerName(bad));
  throwsWith('OutOfRangeInput', () => checkContainerName('ab'));
  throwsWith('OutOfRangeInput', () => checkContainerName('a'.repeat(64)));
});

test('blob names: 1 to 1024 characters', () => {
  checkBlobName('a');
  checkBlobName('x'.repeat(1024));
  throwsWith('OutOfRangeInput', () => checkBlobName(''));
  throwsWith('OutOfRangeInput', () => checkBlobName('x'.repeat(1025)));
});
