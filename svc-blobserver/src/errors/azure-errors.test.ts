import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestError } from '@azure/storage-blob';
import {
  AZURE_ERRORS,
  AzureError,
  azureErrorTime,
  isAzureError,
  isAzureErrorCode,
  renderAzureError,
  toAzureError,
} from './azure-errors.js';
import { parseXml } from '../xml/parser.js';
import { GRPC_TOKEN_SETTING, MeshError } from '@zenko/mesh';
import { azureErrorOf } from './reason-to-azure.js';

test('every table entry has a valid status and a message', () => {
  for (const [code, { status, message }] of Object.entries(AZURE_ERRORS)) {
    assert.match(code, /^[A-Za-z0-9]+$/, code);
    assert.ok(status >= 400 && status <= 599, code);
    assert.ok(message.length > 0 && message.endsWith('.'), code);
  }
});

test('statuses of the codes clients branch on', () => {
  const expected: Record<string, number> = {
    AuthenticationFailed: 403,
    AuthorizationFailure: 403,
    AuthorizationPermissionMismatch: 403,
    AuthorizationProtocolMismatch: 403,
    AuthorizationResourceTypeMismatch: 403,
    AuthorizationServiceMismatch: 403,
    AuthorizationSourceIPMismatch: 403,
    BlobAlreadyExists: 409,
    BlobNotFound: 404,
    BlockListTooLong: 400,
    ConditionNotMet: 412,
    ContainerAlreadyExists: 409,
    ContainerBeingDeleted: 409,
    ContainerNotFound: 404,
    FeatureVersionMismatch: 409,
    InternalError: 500,
    InvalidAuthenticationInfo: 400,
    InvalidBlobOrBlock: 400,
    InvalidBlobType: 409,
    InvalidBlockId: 400,
    InvalidBlockList: 400,
    InvalidRange: 416,
    InvalidXmlDocument: 400,
    LeaseAlreadyPresent: 409,
    LeaseIdMismatchWithBlobOperation: 412,
    LeaseIdMismatchWithContainerOperation: 412,
    LeaseIdMismatchWithLeaseOperation: 409,
    LeaseIdMissing: 412,
    LeaseIsBreakingAndCannotBeAcquired: 409,
    LeaseIsBreakingAndCannotBeChanged: 409,
    LeaseIsBrokenAndCannotBeRenewed: 409,
    LeaseLost: 412,
    LeaseNotPresentWithBlobOperation: 412,
    LeaseNotPresentWithLeaseOperation: 409,
    Md5Mismatch: 400,
    MissingContentLengthHeader: 411,
    MissingRequiredHeader: 400,
    NoAuthenticationInformation: 401,
    NotImplemented: 501,
    OperationTimedOut: 500,
    PublicAccessNotPermitted: 409,
    RequestBodyTooLarge: 413,
    ResourceNotFound: 404,
    ServerBusy: 503,
    TargetConditionNotMet: 412,
    UnsupportedHttpVerb: 405,
  };
  for (const [code, status] of Object.entries(expected)) {
    assert.ok(isAzureErrorCode(code), code);
    assert.equal(new AzureError(code).status, status, code);
  }
  assert.equal(isAzureErrorCode('NoSuchKey'), false);
  assert.equal(isAzureErrorCode('hasOwnProperty'), false);
});

test('AzureError carries code, status, fields and cause; unknown errors become InternalError', () => {
  const cause = new Error('disk on fire');
  const err = new AzureError('InvalidHeaderValue', { fields: { HeaderName: 'x-ms-range' }, cause });
  assert.equal(err.code, 'InvalidHeaderValue');
  assert.equal(err.status, 400);
  assert.equal(err.fields['HeaderName'], 'x-ms-range');
  assert.equal(err.cause, cause);
  assert.ok(isAzureError(err));
  assert.equal(toAzureError(err), err);
  const internal = toAzureError(cause);
  assert.equal(internal.code, 'InternalError');
  assert.equal(internal.cause, cause);
  assert.ok(!internal.message.includes('disk'));
  assert.equal(new AzureError('ConditionNotMet', { status: 304 }).status, 304);
});

test('renders Azure’s error body and headers', () => {
  const now = new Date('2024-01-02T03:04:05.678Z');
  const err = AzureError.authenticationFailed("Signature did not match. String to sign used was r\n<&>'");
  const out = renderAzureError(err, 'req-1', { now, version: '2021-08-06' });
  assert.equal(out.status, 403);
  assert.equal(out.headers['x-ms-error-code'], 'AuthenticationFailed');
  assert.equal(out.headers['x-ms-request-id'], 'req-1');
  assert.equal(out.headers['x-ms-version'], '2021-08-06');
  assert.equal(out.headers['content-type'], 'application/xml');
  assert.equal(out.headers['date'], 'Tue, 02 Jan 2024 03:04:05 GMT');
  assert.ok(out.body !== undefined);
  assert.equal(out.headers['content-length'], String(Buffer.byteLength(out.body)));
  assert.ok(out.body.startsWith('\uFEFF<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>'));
  const root = parseXml(out.body, { maxBytes: 1 << 16 });
  assert.equal(root.name, 'Error');
  assert.equal(root.textOf('Code'), 'AuthenticationFailed');
  const message = root.requireText('Message').split('\n');
  assert.equal(message[1], 'RequestId:req-1');
  assert.equal(message[2], `Time:${azureErrorTime(now)}`);
  assert.equal(azureErrorTime(now), '2024-01-02T03:04:05.6780000Z');
  assert.equal(root.textOf('AuthenticationErrorDetail'), "Signature did not match. String to sign used was r\n<&>'");
  // Fields cannot replace Code or Message.
  const sneaky = renderAzureError(new AzureError('InvalidInput', { fields: { Code: 'X', Message: 'Y', Extra: undefined } }), 'r');
  const parsed = parseXml(sneaky.body!, { maxBytes: 1 << 16 });
  assert.equal(parsed.all('Code').length, 1);
  assert.equal(parsed.textOf('Code'), 'InvalidInput');
  assert.equal(parsed.one('Extra'), undefined);
});

test('HEAD and 304 responses carry headers but no body', () => {
  const head = renderAzureError(new AzureError('BlobNotFound'), 'r', { method: 'head' });
  assert.equal(head.status, 404);
  assert.equal(head.body, undefined);
  assert.equal(head.headers['x-ms-error-code'], 'BlobNotFound');
  assert.equal(head.headers['content-type'], undefined);
  const notModified = renderAzureError(new AzureError('ConditionNotMet', { status: 304 }), 'r', { method: 'GET' });
  assert.equal(notModified.status, 304);
  assert.equal(notModified.body, undefined);
});

test('the SDK reads the error code and details from the rendered body', async () => {
  const { createServer } = await import('node:http');
  const { BlobServiceClient, AnonymousCredential } = await import('@azure/storage-blob');
  const rendered = renderAzureError(new AzureError('ContainerNotFound'), 'abc-123');
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(rendered.status, rendered.headers);
    res.end(rendered.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as { port: number };
    const client = new BlobServiceClient(`http://127.0.0.1:${port}/devstoreaccount1`, new AnonymousCredential(), {
      retryOptions: { maxTries: 1 },
    });
    await assert.rejects(client.getContainerClient('c').getProperties(), (err: unknown) => {
      assert.ok(err instanceof RestError);
      assert.equal(err.statusCode, 404);
      assert.equal(err.code, 'ContainerNotFound');
      return true;
    });
    await assert.rejects(client.getContainerClient('c').listBlobsFlat().byPage().next(), (err: unknown) => {
      assert.ok(err instanceof RestError);
      assert.equal(err.code, 'ContainerNotFound');
      const details = err.details as Record<string, string>;
      assert.equal(details['errorCode'], 'ContainerNotFound');
      assert.equal(details['x-ms-request-id'], 'abc-123');
      assert.match(details['message'] ?? '', /^The specified container does not exist\.\nRequestId:abc-123\nTime:/);
      return true;
    });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test("a call refused for its ZENKO_GRPC_TOKEN is the server's failure, not the client's AuthenticationFailed", () => {
  const refused = new MeshError('UNAUTHENTICATED', 'token differs', { details: { setting: GRPC_TOKEN_SETTING, problem: 'wrong' } });
  assert.equal(azureErrorOf(refused).code, 'InternalError');
  assert.equal(azureErrorOf(new MeshError('UNAUTHENTICATED', 'no such key')).code, 'AuthenticationFailed');
});
