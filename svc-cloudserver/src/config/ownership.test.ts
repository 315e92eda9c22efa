import { test } from 'node:test';
import assert from 'node:assert/strict';
import { S3Error, type S3ErrorCode } from '../errors/s3-errors.js';
import { OBJECT_OWNERSHIPS, aclsDisabled, parseOwnershipControls, renderOwnershipControls } from './ownership.js';

function throwsCode(code: S3ErrorCode, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof S3Error && err.code === code);
}

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

test('parses, renders and round-trips each ObjectOwnership', () => {
  for (const objectOwnership of OBJECT_OWNERSHIPS) {
    const xml = renderOwnershipControls({ objectOwnership });
    assert.equal(
      xml,
      `<?xml version="1.0" encoding="UTF-8"?><OwnershipControls ${NS}><Rule><ObjectOwnership>${objectOwnership}</ObjectOwnership></Rule></OwnershipControls>`,
    );
    assert.deepEqual(parseOwnershipControls(xml), { objectOwnership });
  }
  assert.equal(aclsDisabled({ objectOwnership: 'BucketOwnerEnforced' }), true);
  assert.equal(aclsDisabled({ objectOwnership: 'ObjectWriter' }), false);
  assert.equal(aclsDisabled(undefined), false);
});

test('errors are MalformedXML', () => {
  throwsCode('MalformedXML', () => parseOwnershipControls('<OwnershipControls/>'));
  throwsCode('MalformedXML', () => parseOwnershipControls('<OwnershipControls><Rule/></OwnershipControls>'));
  throwsCode('MalformedXML', () =>
    parseOwnershipControls('<OwnershipControls><Rule><ObjectOwnership>Owner</ObjectOwnership></Rule></OwnershipControls>'),
  );
  throwsCode('MalformedXML', () =>
    parseOwnershipControls(
      '<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>',
    ),
  );
  throwsCode('MalformedXML', () =>
    parseOwnershipControls('<Ownership><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></Ownership>'),
  );
});
