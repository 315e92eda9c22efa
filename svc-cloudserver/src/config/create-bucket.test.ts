import { test } from 'node:test';
import assert from 'node:assert/strict';
import { S3Error, type S3ErrorCode } from '../errors/s3-errors.js';
import { parseXml } from '../xml/parser.js';
import { parseCreateBucket, renderCreateBucket, renderLocationConstraint } from './create-bucket.js';

function throwsCode(code: S3ErrorCode, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof S3Error && err.code === code);
}

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

test('an empty body or an empty LocationConstraint means the default location', () => {
  assert.deepEqual(parseCreateBucket(Buffer.alloc(0)), { ingest: false });
  assert.deepEqual(parseCreateBucket(''), { ingest: false });
  assert.deepEqual(parseCreateBucket(`<CreateBucketConfiguration ${NS}/>`), { ingest: false });
  assert.deepEqual(
    parseCreateBucket(`<CreateBucketConfiguration ${NS}><LocationConstraint></LocationConstraint></CreateBucketConfiguration>`),
    {
      ingest: false,
    },
  );
});

test('a location, and a location with :ingest', () => {
  assert.deepEqual(
    parseCreateBucket(
      `<CreateBucketConfiguration ${NS}>\n  <LocationConstraint>aws-east</LocationConstraint>\n</CreateBucketConfiguration>`,
    ),
    { location: 'aws-east', ingest: false },
  );
  assert.deepEqual(
    parseCreateBucket(
      parseXml('<CreateBucketConfiguration><LocationConstraint> ring-1:ingest </LocationConstraint></CreateBucketConfiguration>', {
        maxBytes: 1024,
      }),
    ),
    { location: 'ring-1', ingest: true },
  );
});

test('round-trips', () => {
  for (const doc of [{ ingest: false }, { location: 'us-east-1', ingest: false }, { location: 'ring-1', ingest: true }]) {
    assert.deepEqual(parseCreateBucket(renderCreateBucket(doc)), doc);
  }
  assert.equal(
    renderCreateBucket({ location: 'ring-1', ingest: true }),
    `<?xml version="1.0" encoding="UTF-8"?><CreateBucketConfiguration ${NS}><LocationConstraint>ring-1:ingest</LocationConstraint></CreateBucketConfiguration>`,
  );
});

test('GetBucketLocation body', () => {
  assert.equal(renderLocationConstraint(undefined), `<?xml version="1.0" encoding="UTF-8"?><LocationConstraint ${NS}/>`);
  assert.equal(
    renderLocationConstraint('eu-west-1'),
    `<?xml version="1.0" encoding="UTF-8"?><LocationConstraint ${NS}>eu-west-1</LocationConstraint>`,
  );
});

test('errors', () => {
  throwsCode('MalformedXML', () =>
    parseCreateBucket('<BucketConfiguration><LocationConstraint>x</LocationConstraint></BucketConfiguration>'),
  );
  throwsCode('MalformedXML', () => parseCreateBucket('not xml'));
  throwsCode('MalformedXML', () =>
    parseCreateBucket('<CreateBucketConfiguration><LocationConstraint>a</LocationConstraint><Other/></CreateBucketConfiguration>'),
  );
  throwsCode('MalformedXML', () =>
    parseCreateBucket(
      '<CreateBucketConfiguration><LocationConstraint>a</LocationConstraint><LocationConstraint>b</LocationConstraint></CreateBucketConfiguration>',
    ),
  );
  throwsCode('InvalidLocationConstraint', () =>
    parseCreateBucket('<CreateBucketConfiguration><LocationConstraint>:ingest</LocationConstraint></CreateBucketConfiguration>'),
  );
  throwsCode('InvalidLocationConstraint', () =>
    parseCreateBucket('<CreateBucketConfiguration><LocationConstraint>a:b</LocationConstraint></CreateBucketConfiguration>'),
  );
  throwsCode('MaxMessageLengthExceeded', () => parseCreateBucket(Buffer.alloc(64 * 1024 + 1, 0x20)));
});
