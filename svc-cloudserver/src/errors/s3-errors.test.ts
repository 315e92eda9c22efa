import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isS3Error, isS3ErrorCode, renderS3Error, S3_ERRORS, S3Error, toS3Error } from './s3-errors.js';
import { GRPC_TOKEN_SETTING, MeshError } from '@zenko/mesh';
import { s3ErrorOf } from './reason-to-s3.js';
import { parseXml } from '../xml/parser.js';

test('every table entry has a valid status and a message', () => {
  for (const [code, { status, message }] of Object.entries(S3_ERRORS)) {
    assert.match(code, /^[A-Za-z0-9]+$/, code);
    assert.ok(status >= 300 && status <= 599, code);
    assert.ok(message.length > 0, code);
  }
});

test('statuses of the codes clients branch on', () => {
  const expected: Record<string, number> = {
    AccessDenied: 403,
    AuthorizationHeaderMalformed: 400,
    AuthorizationQueryParametersError: 400,
    BucketAlreadyExists: 409,
    BucketAlreadyOwnedByYou: 409,
    BucketNotEmpty: 409,
    EntityTooSmall: 400,
    IncompleteBody: 400,
    InternalError: 500,
    InvalidAccessKeyId: 403,
    InvalidObjectState: 403,
    InvalidRange: 416,
    MalformedXML: 400,
    MethodNotAllowed: 405,
    MissingContentLength: 411,
    NoSuchBucket: 404,
    NoSuchKey: 404,
    NoSuchUpload: 404,
    NotImplemented: 501,
    NotModified: 304,
    PreconditionFailed: 412,
    RequestTimeTooSkewed: 403,
    ServiceUnavailable: 503,
    SignatureDoesNotMatch: 403,
    SlowDown: 503,
    XAmzContentSHA256Mismatch: 400,
  };
  for (const [code, status] of Object.entries(expected)) {
    assert.ok(isS3ErrorCode(code), code);
    assert.equal(new S3Error(code).status, status, code);
  }
  assert.equal(isS3ErrorCode('NoSuchThing'), false);
  assert.equal(isS3ErrorCode('toString'), false);
});

test('S3Error carries code, status, fields and cause', () => {
  const cause = new Error('disk on fire');
  const err = new S3Error('NoSuchKey', { fields: { Key: 'a/b' }, resource: '/bucket/a/b', cause });
  assert.equal(err.code, 'NoSuchKey');
  assert.equal(err.status, 404);
  assert.equal(err.fields['Key'], 'a/b');
  assert.equal(err.cause, cause);
  assert.ok(err instanceof Error);
  assert.ok(isS3Error(err));
});

test('toS3Error hides unexpected errors behind InternalError', () => {
  const inner = new Error('secret detail');
  const err = toS3Error(inner);
  assert.equal(err.code, 'InternalError');
  assert.equal(err.cause, inner);
  assert.ok(!err.message.includes('secret detail'));
  const s3 = new S3Error('SlowDown');
  assert.equal(toS3Error(s3), s3);
});

test('renders the standard error document, escaping every value', () => {
  const err = new S3Error('NoSuchKey', {
    fields: { Key: 'a<&>"b', BucketName: 'bkt', Skipped: undefined, Code: 'spoof' },
    resource: '/bkt/a<&>"b',
  });
  const doc = renderS3Error(err, 'REQ&1', 'host<2>');
  assert.ok(doc.startsWith('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>'));
  const root = parseXml(doc, { maxBytes: 1 << 16 });
  assert.equal(root.name, 'Error');
  assert.deepEqual(
    root.children.map((c) => c.name),
    ['Code', 'Message', 'Key', 'BucketName', 'Resource', 'RequestId', 'HostId'],
  );
  assert.equal(root.requireText('Code'), 'NoSuchKey');
  assert.equal(root.requireText('Key'), 'a<&>"b');
  assert.equal(root.requireText('Resource'), '/bkt/a<&>"b');
  assert.equal(root.requireText('RequestId'), 'REQ&1');
  assert.equal(root.requireText('HostId'), 'host<2>');
});

test('renders without Resource when none is given', () => {
  const root = parseXml(renderS3Error(new S3Error('AccessDenied'), 'r', 'h'), { maxBytes: 4096 });
  assert.equal(root.one('Resource'), undefined);
  assert.equal(root.requireText('Code'), 'AccessDenied');
});

test("a call refused for its ZENKO_GRPC_TOKEN is the server's failure, not the client's AccessDenied", () => {
  const refused = new MeshError('UNAUTHENTICATED', 'token differs', { details: { setting: GRPC_TOKEN_SETTING, problem: 'wrong' } });
  assert.equal(s3ErrorOf(refused).code, 'InternalError');
  assert.equal(s3ErrorOf(new MeshError('UNAUTHENTICATED', 'no such key')).code, 'AccessDenied');
});
