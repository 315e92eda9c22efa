import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AzureError, type AzureErrorCode } from '../errors/azure-errors.js';
import { extractMetadata, isValidMetadataName, metadataHeaders } from './metadata.js';

function throwsWith(code: AzureErrorCode, fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => e instanceof AzureError && e.code === code, code);
}

test('extracts x-ms-meta-* from raw headers, keeping the case sent', () => {
  const raw = ['Host', 'h', 'X-MS-META-Color', 'blue', 'x-ms-meta-_private1', ' v ', 'x-ms-version', '2025-01-05', 'x-ms-meta-Owner', ''];
  assert.deepEqual(
    [...extractMetadata(raw)],
    [
      ['Color', 'blue'],
      ['_private1', ' v '],
      ['Owner', ''],
    ],
  );
  assert.deepEqual([...extractMetadata([['x-ms-meta-a', '1']])], [['a', '1']]);
  assert.deepEqual(metadataHeaders(new Map([['Color', 'blue']])), [['x-ms-meta-Color', 'blue']]);
});

test('C# identifier names, case-insensitive uniqueness, 8 KiB limit', () => {
  for (const ok of ['a', '_', 'A1_b', 'Ünicode'.replace('Ü', 'U')]) assert.ok(isValidMetadataName(ok), ok);
  for (const bad of ['1a', 'a-b', 'a.b', 'a b', 'é']) assert.equal(isValidMetadataName(bad), false, bad);
  throwsWith('EmptyMetadataKey', () => extractMetadata(['x-ms-meta-', 'v']));
  throwsWith('InvalidMetadata', () => extractMetadata(['x-ms-meta-1abc', 'v']));
  throwsWith('InvalidMetadata', () => extractMetadata(['x-ms-meta-a-b', 'v']));
  throwsWith('InvalidMetadata', () => extractMetadata(['x-ms-meta-Key', '1', 'x-ms-meta-KEY', '2']));
  extractMetadata(['x-ms-meta-k', 'v'.repeat(8191)]);
  throwsWith('MetadataTooLarge', () => extractMetadata(['x-ms-meta-k', 'v'.repeat(8192)]));
});
