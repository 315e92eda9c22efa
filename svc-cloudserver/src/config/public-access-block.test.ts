import { test } from 'node:test';
import assert from 'node:assert/strict';
import { S3Error, type S3ErrorCode } from '../errors/s3-errors.js';
import { aclFromHeaders } from './acl.js';
import { isPublicAcl, parsePublicAccessBlock, renderPublicAccessBlock, withoutPublicGrants } from './public-access-block.js';

function throwsCode(code: S3ErrorCode, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof S3Error && err.code === code);
}

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

test('absent flags are false; GET renders all four; a render parses back', () => {
  const doc = parsePublicAccessBlock(
    `<PublicAccessBlockConfiguration ${NS}><BlockPublicAcls>true</BlockPublicAcls><RestrictPublicBuckets> 1 </RestrictPublicBuckets></PublicAccessBlockConfiguration>`,
  );
  assert.deepEqual(doc, { blockPublicAcls: true, ignorePublicAcls: false, blockPublicPolicy: false, restrictPublicBuckets: true });
  const xml = renderPublicAccessBlock(doc);
  assert.equal(
    xml,
    `<?xml version="1.0" encoding="UTF-8"?><PublicAccessBlockConfiguration ${NS}><BlockPublicAcls>true</BlockPublicAcls>` +
      '<IgnorePublicAcls>false</IgnorePublicAcls><BlockPublicPolicy>false</BlockPublicPolicy>' +
      '<RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>',
  );
  assert.deepEqual(parsePublicAccessBlock(xml), doc);
  assert.deepEqual(parsePublicAccessBlock('<PublicAccessBlockConfiguration/>'), {
    blockPublicAcls: false,
    ignorePublicAcls: false,
    blockPublicPolicy: false,
    restrictPublicBuckets: false,
  });
});

test('schema violations are MalformedXML', () => {
  throwsCode('MalformedXML', () => parsePublicAccessBlock('<PublicAccessBlock/>'));
  throwsCode('MalformedXML', () =>
    parsePublicAccessBlock('<PublicAccessBlockConfiguration><BlockPublicAcls>yes</BlockPublicAcls></PublicAccessBlockConfiguration>'),
  );
  throwsCode('MalformedXML', () =>
    parsePublicAccessBlock('<PublicAccessBlockConfiguration><BlockAll>true</BlockAll></PublicAccessBlockConfiguration>'),
  );
  throwsCode('MalformedXML', () =>
    parsePublicAccessBlock(
      '<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls><BlockPublicAcls>true</BlockPublicAcls></PublicAccessBlockConfiguration>',
    ),
  );
  throwsCode('MalformedXML', () => parsePublicAccessBlock('not xml'));
});

test('an ACL is public when it grants anything to AllUsers or AuthenticatedUsers', () => {
  const owner = { id: 'a'.repeat(64), displayName: 'owner' };
  const canned = (acl: string) => aclFromHeaders({ 'x-amz-acl': acl }, { owner, bucketOwner: owner })!;
  assert.equal(isPublicAcl(canned('private')), false);
  assert.equal(isPublicAcl(canned('bucket-owner-full-control')), false);
  assert.equal(isPublicAcl(canned('log-delivery-write')), false);
  for (const acl of ['public-read', 'public-read-write', 'authenticated-read']) {
    assert.equal(isPublicAcl(canned(acl)), true, acl);
    assert.equal(isPublicAcl(withoutPublicGrants(canned(acl))), false, acl);
    assert.deepEqual(withoutPublicGrants(canned(acl)).grants, canned('private').grants, acl);
  }
  const granted = aclFromHeaders({ 'x-amz-grant-read-acp': 'uri="http://acs.amazonaws.com/groups/global/AuthenticatedUsers"' }, { owner })!;
  assert.equal(isPublicAcl(granted), true);
});
