import { test } from 'node:test';
import assert from 'node:assert/strict';
import { S3Error, type S3ErrorCode } from '../errors/s3-errors.js';
import {
  parseCompleteMultipartUpload,
  renderCompleteMultipartUpload,
  renderCompleteMultipartUploadResult,
  type CompletedPart,
} from './complete-multipart.js';

function throwsCode(code: S3ErrorCode, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof S3Error && err.code === code);
}

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
const E1 = 'a54357aff0632cce46d942af68356b38';
const E2 = '0c78aef83f66abc1fa1e8477f296d394';

test('parses parts with quoted, entity-quoted and bare ETags, and checksums', () => {
  const parts = parseCompleteMultipartUpload(
    `<CompleteMultipartUpload ${NS}>\n` +
      `<Part><PartNumber>1</PartNumber><ETag>"${E1}"</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part>\n` +
      `<Part><ETag>&quot;${E2}&quot;</ETag><PartNumber> 2 </PartNumber></Part>\n` +
      `<Part><PartNumber>5</PartNumber><ETag>${E1}</ETag><ChecksumSHA256>x</ChecksumSHA256></Part>\n` +
      '</CompleteMultipartUpload>',
  );
  assert.deepEqual(parts, [
    { partNumber: 1, etag: E1, checksums: { ChecksumCRC32: 'AAAAAA==' } },
    { partNumber: 2, etag: E2, checksums: {} },
    { partNumber: 5, etag: E1, checksums: { ChecksumSHA256: 'x' } },
  ]);
});

test('round-trips', () => {
  const parts: CompletedPart[] = [
    { partNumber: 1, etag: E1, checksums: { ChecksumCRC32C: 'abc=', ChecksumCRC64NVME: 'def=' } },
    { partNumber: 10000, etag: `${E2}`, checksums: {} },
  ];
  assert.deepEqual(parseCompleteMultipartUpload(renderCompleteMultipartUpload(parts)), parts);
});

test('errors: no part, bad numbers, order, missing ETag', () => {
  throwsCode('MalformedXML', () => parseCompleteMultipartUpload(`<CompleteMultipartUpload ${NS}></CompleteMultipartUpload>`));
  throwsCode('MalformedXML', () => parseCompleteMultipartUpload(Buffer.alloc(0)));
  throwsCode('MalformedXML', () =>
    parseCompleteMultipartUpload('<CompleteMultipartUpload><Part><ETag>x</ETag></Part></CompleteMultipartUpload>'),
  );
  throwsCode('MalformedXML', () =>
    parseCompleteMultipartUpload('<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>'),
  );
  throwsCode('MalformedXML', () =>
    parseCompleteMultipartUpload(
      '<CompleteMultipartUpload><Part><PartNumber>one</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>',
    ),
  );
  throwsCode('MalformedXML', () =>
    parseCompleteMultipartUpload(
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag><Size>1</Size></Part></CompleteMultipartUpload>',
    ),
  );
  throwsCode('InvalidArgument', () =>
    parseCompleteMultipartUpload(
      '<CompleteMultipartUpload><Part><PartNumber>0</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>',
    ),
  );
  throwsCode('InvalidArgument', () =>
    parseCompleteMultipartUpload(
      '<CompleteMultipartUpload><Part><PartNumber>10001</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>',
    ),
  );
  throwsCode('InvalidPartOrder', () =>
    parseCompleteMultipartUpload(
      '<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>x</ETag></Part><Part><PartNumber>1</PartNumber><ETag>y</ETag></Part></CompleteMultipartUpload>',
    ),
  );
  throwsCode('InvalidPartOrder', () =>
    parseCompleteMultipartUpload(
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>',
    ),
  );
  throwsCode('InvalidPart', () =>
    parseCompleteMultipartUpload(
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>""</ETag></Part></CompleteMultipartUpload>',
    ),
  );
});

test('renders the result in AWS element order', () => {
  assert.equal(
    renderCompleteMultipartUploadResult({
      location: 'http://s3.example.com/b/k%20k',
      bucket: 'b',
      key: 'k k',
      etag: `${E1}-2`,
      checksums: { ChecksumSHA256: 's=', ChecksumCRC32: 'c=' },
      checksumType: 'COMPOSITE',
    }),
    `<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult ${NS}><Location>http://s3.example.com/b/k%20k</Location>` +
      `<Bucket>b</Bucket><Key>k k</Key><ETag>&quot;${E1}-2&quot;</ETag><ChecksumCRC32>c=</ChecksumCRC32><ChecksumSHA256>s=</ChecksumSHA256>` +
      '<ChecksumType>COMPOSITE</ChecksumType></CompleteMultipartUploadResult>',
  );
});
