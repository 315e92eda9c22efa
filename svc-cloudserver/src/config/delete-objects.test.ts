import { test } from 'node:test';
import assert from 'node:assert/strict';
import { S3Error, type S3ErrorCode } from '../errors/s3-errors.js';
import { parseDeleteObjects, renderDeleteResult } from './delete-objects.js';

function throwsCode(code: S3ErrorCode, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof S3Error && err.code === code);
}

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

function objects(n: number): string {
  return Array.from({ length: n }, (_, i) => `<Object><Key>k${i}</Key></Object>`).join('');
}

test('parses keys verbatim, version ids, quiet and conditional fields', () => {
  const req = parseDeleteObjects(
    `<Delete ${NS}><Quiet>true</Quiet><Object><Key> a &amp; b </Key><VersionId>v1</VersionId></Object>` +
      '<Object><Key>c</Key><ETag>"abc"</ETag><Size>12</Size><LastModifiedTime>2024-01-02T03:04:05Z</LastModifiedTime></Object></Delete>',
  );
  assert.deepEqual(req, {
    quiet: true,
    objects: [
      { key: ' a & b ', versionId: 'v1' },
      { key: 'c', etag: 'abc', lastModifiedTime: '2024-01-02T03:04:05.000Z', size: 12 },
    ],
  });
  assert.equal(parseDeleteObjects(`<Delete>${objects(1)}</Delete>`).quiet, false);
  assert.equal(parseDeleteObjects(`<Delete><Quiet>false</Quiet>${objects(1)}</Delete>`).quiet, false);
});

test('1000 objects at most; none is MalformedXML', () => {
  assert.equal(parseDeleteObjects(`<Delete>${objects(1000)}</Delete>`).objects.length, 1000);
  throwsCode('MalformedXML', () => parseDeleteObjects(`<Delete>${objects(1001)}</Delete>`));
  throwsCode('MalformedXML', () => parseDeleteObjects('<Delete><Quiet>true</Quiet></Delete>'));
});

test('schema violations are MalformedXML', () => {
  throwsCode('MalformedXML', () => parseDeleteObjects('<Delete><Object><VersionId>v</VersionId></Object></Delete>'));
  throwsCode('MalformedXML', () => parseDeleteObjects('<Delete><Quiet>yes</Quiet><Object><Key>k</Key></Object></Delete>'));
  throwsCode('MalformedXML', () => parseDeleteObjects('<Delete><Object><Key>k</Key><Bogus/></Object></Delete>'));
  throwsCode('MalformedXML', () => parseDeleteObjects('<Delete><Object><Key>k</Key><Size>-1</Size></Object></Delete>'));
  throwsCode('MalformedXML', () =>
    parseDeleteObjects('<Delete><Object><Key>k</Key><LastModifiedTime>yesterday</LastModifiedTime></Object></Delete>'),
  );
  throwsCode('MalformedXML', () => parseDeleteObjects('<Remove><Object><Key>k</Key></Object></Remove>'));
});

test('renders deletions and errors in order, Quiet leaving out deletions', () => {
  const entries = [
    { kind: 'deleted', key: 'a', versionId: 'v1' },
    { kind: 'deleted', key: 'b<', deleteMarker: true, deleteMarkerVersionId: 'dm1' },
    { kind: 'error', key: 'c', code: 'AccessDenied', message: 'Access Denied' },
    { kind: 'error', key: 'd', versionId: 'v9', code: 'NoSuchVersion', message: 'The specified version does not exist.' },
  ] as const;
  assert.equal(
    renderDeleteResult(entries, false),
    `<?xml version="1.0" encoding="UTF-8"?><DeleteResult ${NS}>` +
      '<Deleted><Key>a</Key><VersionId>v1</VersionId></Deleted>' +
      '<Deleted><Key>b&lt;</Key><DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>dm1</DeleteMarkerVersionId></Deleted>' +
      '<Error><Key>c</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>' +
      '<Error><Key>d</Key><VersionId>v9</VersionId><Code>NoSuchVersion</Code><Message>The specified version does not exist.</Message></Error>' +
      '</DeleteResult>',
  );
  assert.equal(
    renderDeleteResult(entries, true),
    `<?xml version="1.0" encoding="UTF-8"?><DeleteResult ${NS}>` +
      '<Error><Key>c</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>' +
      '<Error><Key>d</Key><VersionId>v9</VersionId><Code>NoSuchVersion</Code><Message>The specified version does not exist.</Message></Error>' +
      '</DeleteResult>',
  );
  assert.equal(renderDeleteResult([], true), `<?xml version="1.0" encoding="UTF-8"?><DeleteResult ${NS}></DeleteResult>`);
});
