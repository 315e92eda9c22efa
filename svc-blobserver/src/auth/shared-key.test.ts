import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { AzureError, type AzureErrorCode } from '../errors/azure-errors.js';
import { parseAddress } from '../protocol/addressing.js';
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME } from './dev-account.js';
import { compareHeaderNames } from './header-order.js';
import { captureHttpClient, startCaptureServer, type CaptureServer, type CapturedRequest } from './sdk-harness.test-util.js';
import {
  canonicalizedHeaders,
  parseSharedKeyAuthorization,
  sharedKeyLiteStringToSign,
  sharedKeyStringToSign,
  verifySharedKey,
  type SharedKeyOptions,
} from './shared-key.js';
import type { AuthRequest } from './types.js';

const devKey = Buffer.from(DEV_ACCOUNT_KEY, 'base64');
const otherKey = Buffer.from('b3RoZXIga2V5IGZvciByb3RhdGlvbiB0ZXN0cyAxMjM0NTY3ODkwMTIzNDU2Nzg5MA==', 'base64');
const keys = async (account: string): Promise<Buffer[] | undefined> => (account === DEV_ACCOUNT_NAME ? [otherKey, devKey] : undefined);
const options: SharedKeyOptions = { getAccountKeys: keys };

async function rejectsWith(code: AzureErrorCode, p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof AzureError && err.code === code);
}

async function verifyCaptured(c: CapturedRequest, opts: SharedKeyOptions = options): Promise<void> {
  const address = parseAddress(c.host, c.auth.path);
  await verifySharedKey(c.auth, address.account, opts);
}

let server: CaptureServer;
before(async () => {
  server = await startCaptureServer();
});
after(async () => {
  await server.close();
});

/** Runs SDK calls against the capture server and returns the requests they sent. */
async function captureSdk(run: (client: BlobServiceClient) => Promise<unknown>[]): Promise<CapturedRequest[]> {
  const start = server.requests.length;
  const client = new BlobServiceClient(
    `${server.url}/${DEV_ACCOUNT_NAME}`,
    new StorageSharedKeyCredential(DEV_ACCOUNT_NAME, DEV_ACCOUNT_KEY),
    {
      retryOptions: { maxTries: 1 },
    },
  );
  await Promise.allSettled(run(client));
  return server.requests.slice(start);
}

test('verifies requests signed by the SDK (path-style, account twice in the resource)', async () => {
  const captured = await captureSdk((client) => {
    const container = client.getContainerClient('photos');
    const blob = container.getBlockBlobClient('dir/sub dir/ü ä+&=%.txt');
    return [
      client.getProperties(),
      client.listContainers({ prefix: 'ph', includeMetadata: true }).byPage({ maxPageSize: 5 }).next(),
      container.create({ metadata: { Owner: 'me', a1: 'one', a_: 'underscore', _b: 'x', Z9: 'z' } }),
      container.listBlobsFlat({ prefix: 'dir/ü &=+', includeMetadata: true, includeTags: true }).byPage({ maxPageSize: 2 }).next(),
      container.listBlobsByHierarchy('/', { prefix: 'dir/' }).byPage().next(),
      blob.upload('hello', 5, {
        metadata: { Color: 'blue', key_1: 'v  with  spaces' },
        blobHTTPHeaders: { blobContentType: 'text/plain', blobContentMD5: new Uint8Array(16) },
        conditions: { ifNoneMatch: '*' },
      }),
      blob.stageBlock(Buffer.from('YmxvY2sx', 'base64').toString('base64'), 'abc', 3, { transactionalContentMD5: new Uint8Array(16) }),
      blob.commitBlockList(['YmxvY2sx'], { conditions: { ifMatch: '"0x8D0"', ifUnmodifiedSince: new Date(0) } }),
      blob.getBlockList('all'),
      blob.download(10, 20, { conditions: { ifModifiedSince: new Date(0) } }),
      blob.getProperties(),
      blob.setMetadata({}),
      blob.setTags({ project: 'zenko', 'a b': 'c=d' }),
      blob.delete({ deleteSnapshots: 'include' }),
      container.setAccessPolicy(undefined, [{ id: 'policy1', accessPolicy: { permissions: 'rl' } }]),
    ];
  });
  assert.ok(captured.length >= 15, `captured ${captured.length} requests`);
  for (const c of captured) {
    assert.ok(c.auth.headers['authorization']?.startsWith('SharedKey devstoreaccount1:'));
    assert.ok(c.auth.path.startsWith('/devstoreaccount1'));
    await verifyCaptured(c);
  }
});

test('verifies a host-style request signed by the SDK (account once in the resource)', async () => {
  const requests: CapturedRequest[] = [];
  const client = new BlobServiceClient(
    `https://${DEV_ACCOUNT_NAME}.blob.core.windows.net`,
    new StorageSharedKeyCredential(DEV_ACCOUNT_NAME, DEV_ACCOUNT_KEY),
    { retryOptions: { maxTries: 1 }, httpClient: captureHttpClient(requests) as never },
  );
  const container = client.getContainerClient('docs');
  await Promise.allSettled([
    container.create(),
    container.getBlockBlobClient('a/b c.txt').upload('x', 1),
    container.listBlobsFlat({ prefix: 'a/' }).byPage().next(),
  ]);
  assert.equal(requests.length, 3);
  for (const c of requests) {
    assert.equal(parseAddress(c.host, c.auth.path).style, 'host');
    assert.match(sharedKeyStringToSign(c.auth, DEV_ACCOUNT_NAME), /\n\/devstoreaccount1\/docs/);
    await verifyCaptured(c);
  }
});

test('any of the account keys may sign; other keys and tampering are refused', async () => {
  const [c] = await captureSdk((client) => [client.getContainerClient('c').getProperties()]);
  assert.ok(c);
  await verifyCaptured(c, { getAccountKeys: async () => [devKey] });
  await rejectsWith('AuthenticationFailed', verifyCaptured(c, { getAccountKeys: async () => [otherKey] }));
  await rejectsWith('AuthenticationFailed', verifyCaptured(c, { getAccountKeys: async () => undefined }));

  const tamper = (changes: Partial<AuthRequest>, headers: Record<string, string | undefined> = {}): AuthRequest => ({
    ...c.auth,
    ...changes,
    headers: { ...c.auth.headers, ...headers },
  });
  const tampered: AuthRequest[] = [
    tamper({ method: 'DELETE' }),
    tamper({ path: '/devstoreaccount1/d' }),
    tamper({ query: `${c.auth.query}&comp=metadata` }),
    tamper({}, { 'x-ms-version': '2020-02-10' }),
    tamper({}, { 'x-ms-meta-extra': 'added' }),
    tamper({}, { 'if-match': '"etag"' }),
    tamper({}, { range: 'bytes=0-1' }),
    tamper({}, { 'content-md5': 'AAAAAAAAAAAAAAAAAAAAAA==' }),
  ];
  for (const req of tampered) {
    await assert.rejects(verifySharedKey(req, DEV_ACCOUNT_NAME, options), (err: unknown) => {
      assert.ok(err instanceof AzureError);
      assert.equal(err.code, 'AuthenticationFailed');
      assert.equal(typeof err.fields['AuthenticationErrorDetail'], 'string');
      return true;
    });
  }
  // A flipped signature byte.
  const auth = c.auth.headers['authorization']!;
  const sig = Buffer.from(auth.split(':')[1]!, 'base64');
  sig[0] = sig[0]! ^ 1;
  await rejectsWith(
    'AuthenticationFailed',
    verifySharedKey(tamper({}, { authorization: `SharedKey devstoreaccount1:${sig.toString('base64')}` }), DEV_ACCOUNT_NAME, options),
  );
  // Signed for another account than the one addressed.
  await rejectsWith('AuthenticationFailed', verifySharedKey(c.auth, 'otheraccount', options));
});

test('request time: x-ms-date wins over Date, 15 minutes of skew either way', async () => {
  const [c] = await captureSdk((client) => [client.getContainerClient('c').getProperties()]);
  assert.ok(c);
  const sent = Date.parse(c.auth.headers['x-ms-date']!);
  const at = (ms: number): SharedKeyOptions => ({ ...options, clock: () => ms });
  await verifyCaptured(c, at(sent + 14 * 60_000));
  await verifyCaptured(c, at(sent - 14 * 60_000));
  await rejectsWith('AuthenticationFailed', verifyCaptured(c, at(sent + 16 * 60_000)));
  await rejectsWith('AuthenticationFailed', verifyCaptured(c, at(sent - 16 * 60_000)));

  const signWith = (headers: Record<string, string>): AuthRequest => {
    const req: AuthRequest = {
      method: 'GET',
      path: '/devstoreaccount1/c',
      query: 'restype=container',
      headers: { 'x-ms-version': '2025-01-05', ...headers },
    };
    const sig = createHmac('sha256', devKey).update(sharedKeyStringToSign(req, DEV_ACCOUNT_NAME), 'utf8').digest('base64');
    return { ...req, headers: { ...req.headers, authorization: `SharedKey devstoreaccount1:${sig}` } };
  };
  const now = Date.parse('Tue, 02 Jan 2024 03:04:05 GMT');
  // Date alone is used when there is no x-ms-date; it is part of the signature.
  await verifySharedKey(signWith({ date: 'Tue, 02 Jan 2024 03:04:05 GMT' }), DEV_ACCOUNT_NAME, at(now));
  // x-ms-date governs the skew check even when Date is present.
  await rejectsWith(
    'AuthenticationFailed',
    verifySharedKey(
      signWith({ date: 'Tue, 02 Jan 2024 03:04:05 GMT', 'x-ms-date': 'Mon, 01 Jan 2024 03:04:05 GMT' }),
      DEV_ACCOUNT_NAME,
      at(now),
    ),
  );
  await rejectsWith('AuthenticationFailed', verifySharedKey(signWith({}), DEV_ACCOUNT_NAME, at(now)));
  await rejectsWith('AuthenticationFailed', verifySharedKey(signWith({ 'x-ms-date': '2024-01-02T03:04:05Z' }), DEV_ACCOUNT_NAME, at(now)));
});

test('x-ms-version is required unless the account has a default version', async () => {
  const [c] = await captureSdk((client) => [client.getContainerClient('c').getProperties()]);
  assert.ok(c);
  const { 'x-ms-version': _omitted, ...headers } = c.auth.headers;
  const req = { ...c.auth, headers };
  await assert.rejects(verifySharedKey(req, DEV_ACCOUNT_NAME, options), (err: unknown) => {
    assert.ok(err instanceof AzureError);
    assert.equal(err.code, 'MissingRequiredHeader');
    assert.equal(err.status, 400);
    assert.equal(err.fields['HeaderName'], 'x-ms-version');
    return true;
  });
  // With a default version the request is processed, and the signature (which covered the
  // x-ms-version header) no longer matches.
  await rejectsWith('AuthenticationFailed', verifySharedKey(req, DEV_ACCOUNT_NAME, { ...options, defaultServiceVersion: '2025-01-05' }));
});

test('malformed Authorization headers', async () => {
  assert.equal(parseSharedKeyAuthorization('Bearer abc'), undefined);
  assert.deepEqual(parseSharedKeyAuthorization('SharedKeyLite acct:c2ln'), { scheme: 'SharedKeyLite', account: 'acct', signature: 'c2ln' });
  for (const bad of ['SharedKey', 'SharedKey acct', 'SharedKey acct:', 'SharedKey :sig', 'SharedKey a b:sig']) {
    assert.throws(
      () => parseSharedKeyAuthorization(bad),
      (e: unknown) => e instanceof AzureError && e.code === 'InvalidAuthenticationInfo',
      bad,
    );
  }
  const req: AuthRequest = {
    method: 'GET',
    path: '/devstoreaccount1/c',
    query: '',
    headers: { 'x-ms-version': '2025-01-05', 'x-ms-date': new Date().toUTCString(), authorization: 'SharedKey devstoreaccount1:notbase64' },
  };
  await rejectsWith('AuthenticationFailed', verifySharedKey(req, DEV_ACCOUNT_NAME, options));
  await rejectsWith(
    'InvalidAuthenticationInfo',
    verifySharedKey({ ...req, headers: { ...req.headers, authorization: 'SharedKey x' } }, DEV_ACCOUNT_NAME, options),
  );
});

test('string-to-sign layout (documented example shape)', () => {
  const req: AuthRequest = {
    method: 'put',
    path: '/myaccount/mycontainer/my%20blob',
    query: 'comp=metadata&Timeout=20&include=snapshots&include=metadata',
    headers: {
      'content-length': '0',
      'content-type': 'text/plain',
      'x-ms-version': '2025-01-05',
      'x-ms-date': 'Tue, 02 Jan 2024 03:04:05 GMT',
      'x-ms-meta-b': 'two',
      'x-ms-meta-a': '  one',
      'if-none-match': '*',
    },
  };
  assert.equal(
    sharedKeyStringToSign(req, 'myaccount'),
    'PUT\n\n\n\n\ntext/plain\n\n\n\n*\n\n\n' +
      'x-ms-date:Tue, 02 Jan 2024 03:04:05 GMT\nx-ms-meta-a:one\nx-ms-meta-b:two\nx-ms-version:2025-01-05\n' +
      '/myaccount/myaccount/mycontainer/my%20blob\ncomp:metadata\ninclude:metadata,snapshots\ntimeout:20',
  );
  // Before 2015-02-21 a zero Content-Length is signed.
  assert.match(sharedKeyStringToSign({ ...req, headers: { ...req.headers, 'x-ms-version': '2014-02-14' } }, 'myaccount'), /^PUT\n\n\n0\n/);
  // Headers with empty values are signed since 2016-05-31, left out before.
  const empty = { ...req.headers, 'x-ms-meta-e': '' };
  assert.match(sharedKeyStringToSign({ ...req, headers: empty }, 'myaccount'), /\nx-ms-meta-e:\n/);
  assert.doesNotMatch(sharedKeyStringToSign({ ...req, headers: { ...empty, 'x-ms-version': '2015-12-11' } }, 'myaccount'), /x-ms-meta-e/);
});

test('Shared Key Lite: string-to-sign and verification', async () => {
  const req: AuthRequest = {
    method: 'GET',
    path: '/devstoreaccount1/c/b',
    query: 'comp=metadata&timeout=30',
    headers: { 'x-ms-version': '2025-01-05', 'x-ms-date': 'Tue, 02 Jan 2024 03:04:05 GMT', 'content-type': 'text/plain' },
  };
  const expected =
    'GET\n\ntext/plain\n\nx-ms-date:Tue, 02 Jan 2024 03:04:05 GMT\nx-ms-version:2025-01-05\n/devstoreaccount1/devstoreaccount1/c/b?comp=metadata';
  assert.equal(sharedKeyLiteStringToSign(req, DEV_ACCOUNT_NAME), expected);
  const sig = createHmac('sha256', devKey).update(expected, 'utf8').digest('base64');
  const signed = { ...req, headers: { ...req.headers, authorization: `SharedKeyLite devstoreaccount1:${sig}` } };
  const clock = (): number => Date.parse('Tue, 02 Jan 2024 03:05:00 GMT');
  const identity = await verifySharedKey(signed, DEV_ACCOUNT_NAME, { ...options, clock });
  assert.equal(identity.scheme, 'SharedKeyLite');
  await rejectsWith('AuthenticationFailed', verifySharedKey({ ...signed, query: 'comp=list' }, DEV_ACCOUNT_NAME, { ...options, clock }));
});

test('x-ms-* headers sort like .NET: punctuation before digits, hyphens ignored first', () => {
  const sorted = ['x-ms-meta-ab', 'x-ms-meta-a1', 'x-ms-meta-a_', 'x-ms-meta-a-b', 'x-ms-date', 'x-ms-meta-A2']
    .map((h) => h.toLowerCase())
    .sort(compareHeaderNames);
  assert.deepEqual(sorted, ['x-ms-date', 'x-ms-meta-a_', 'x-ms-meta-a1', 'x-ms-meta-a2', 'x-ms-meta-ab', 'x-ms-meta-a-b']);
  assert.equal(
    canonicalizedHeaders({ method: 'GET', path: '/', query: '', headers: { 'x-ms-b': 'v', 'x-ms-a': 'w', 'content-type': 'x' } }),
    'x-ms-a:w\nx-ms-b:v\n',
  );
});
