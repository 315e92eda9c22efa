import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
import { S3Error, type S3ErrorCode } from '../errors/s3-errors.js';
import { authenticate } from './authenticate.js';
import { createPayloadHashVerifier } from './payload-hash.js';
import { SigningKeyCache } from './signing-key-cache.js';
import type { AuthOptions, AuthRequest, AuthResult, SecretRecord } from './types.js';

// ---------------------------------------------------------------------------------------------
// Fixtures

const AKID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

interface Account extends SecretRecord {
  readonly accountId: string;
  readonly displayName: string;
}

const ACCOUNTS = new Map<string, Account>([
  [AKID, { secretKey: SECRET, accountId: '123456789012', displayName: 'example' }],
  ['TEMPKEY', { secretKey: 'tempsecret', accountId: '2', displayName: 'temp', sessionToken: 'token-1' }],
]);
const getSecret = async (id: string): Promise<Account | undefined> => ACCOUNTS.get(id);

function at(iso: string): () => number {
  const t = Date.parse(iso);
  return () => t;
}

function options(now: () => number, extra: Partial<AuthOptions<Account>> = {}): AuthOptions<Account> {
  return { getSecret, now, signingKeyCache: new SigningKeyCache(), ...extra };
}

async function rejectsWith(promise: Promise<unknown>, code: S3ErrorCode): Promise<S3Error> {
  let caught: unknown;
  await assert.rejects(promise, (err: unknown) => {
    caught = err;
    return err instanceof S3Error && err.code === code;
  });
  return caught as S3Error;
}

function authenticated(result: AuthResult<Account>): Exclude<AuthResult<Account>, { kind: 'anonymous' }> {
  assert.notEqual(result.kind, 'anonymous');
  return result as Exclude<AuthResult<Account>, { kind: 'anonymous' }>;
}

// The AWS SDK signer, with a node:crypto SHA-256 (the SDK's own hash packages are not installed).
class NodeSha256 {
  readonly #secret: Buffer | undefined;
  #hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#secret =
      secret === undefined
        ? undefined
        : typeof secret === 'string'
          ? Buffer.from(secret)
          : ArrayBuffer.isView(secret)
            ? Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength)
            : Buffer.from(secret);
    this.#hash = this.#fresh();
  }
  #fresh(): ReturnType<typeof createHash> | ReturnType<typeof createHmac> {
    return this.#secret === undefined ? createHash('sha256') : createHmac('sha256', this.#secret);
  }
  update(data: Uint8Array | string): void {
    this.#hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.#hash.digest();
  }
  reset(): void {
    this.#hash = this.#fresh();
  }
}

function signer(region = 'us-east-1', secretAccessKey = SECRET, accessKeyId = AKID, sessionToken?: string): SignatureV4 {
  return new SignatureV4({
    service: 's3',
    region,
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }) },
    sha256: NodeSha256,
    uriEscapePath: false,
    applyChecksum: true,
  });
}

/** The SDK's query encoding (encodeURIComponent plus !'()*). */
function sdkEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sdkRequest(init: {
  method: string;
  path: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  body?: string;
}): HttpRequest {
  return {
    method: init.method,
    protocol: 'http:',
    hostname: 'zenko.local',
    port: 8000,
    path: init.path,
    query: init.query ?? {},
    headers: { host: 'zenko.local:8000', ...init.headers },
    ...(init.body === undefined ? {} : { body: init.body }),
  };
}

/** What the server sees for a request the SDK signed. */
function onTheWire(req: HttpRequest): AuthRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
  const query = Object.entries(req.query ?? {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]))
    .map(([k, v]) => (v === null ? sdkEscape(k as string) : `${sdkEscape(k as string)}=${sdkEscape(v as string)}`))
    .join('&');
  return { method: req.method, path: req.path, query, headers };
}

const NOW = '2024-05-24T12:00:00Z';
const SIGNING_DATE = new Date(NOW);

async function signed(init: Parameters<typeof sdkRequest>[0], region?: string): Promise<AuthRequest> {
  return onTheWire(await signer(region).sign(sdkRequest(init), { signingDate: SIGNING_DATE }));
}

async function presigned(init: Parameters<typeof sdkRequest>[0], expiresIn = 3600, signingDate = SIGNING_DATE): Promise<AuthRequest> {
  const req = sdkRequest(init);
  // As @aws-sdk/s3-request-presigner does: the payload is unsigned, hoisted into the query.
  req.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  return onTheWire(await signer().presign(req, { expiresIn, signingDate }));
}

// ---------------------------------------------------------------------------------------------
// AWS's published SigV4 examples for S3 (sig-v4-header-based-auth, 2013-05-24, us-east-1)

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const AWS_EXAMPLE_TIME = at('2013-05-24T00:00:00Z');

function awsExample(
  path: string,
  query: string,
  signedHeaders: string,
  signature: string,
  headers: Record<string, string>,
  method = 'GET',
): AuthRequest {
  return {
    method,
    path,
    query,
    headers: {
      host: 'examplebucket.s3.amazonaws.com',
      'x-amz-date': '20130524T000000Z',
      ...headers,
      authorization: `AWS4-HMAC-SHA256 Credential=${AKID}/20130524/us-east-1/s3/aws4_request,SignedHeaders=${signedHeaders},Signature=${signature}`,
    },
  };
}

test('AWS example: GET Object with Range', async () => {
  const req = awsExample(
    '/test.txt',
    '',
    'host;range;x-amz-content-sha256;x-amz-date',
    'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    {
      range: 'bytes=0-9',
      'x-amz-content-sha256': EMPTY_SHA256,
    },
  );
  const result = authenticated(await authenticate(req, options(AWS_EXAMPLE_TIME)));
  assert.equal(result.kind, 'sigv4-header');
  assert.equal(result.accessKeyId, AKID);
  assert.equal(result.accountId, '123456789012');
  assert.equal(result.identity.displayName, 'example');
  assert.ok(!('secretKey' in result.identity));
  assert.equal(result.region, 'us-east-1');
  assert.deepEqual(result.payload, { kind: 'sha256', sha256Hex: EMPTY_SHA256 });
});

test('AWS example: PUT Object (path with $, Date and x-amz-storage-class signed)', async () => {
  const req = awsExample(
    '/test%24file.text',
    '',
    'date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class',
    '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
    {
      date: 'Fri, 24 May 2013 00:00:00 GMT',
      'x-amz-storage-class': 'REDUCED_REDUNDANCY',
      'x-amz-content-sha256': '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
    },
    'PUT',
  );
  const result = authenticated(await authenticate(req, options(AWS_EXAMPLE_TIME)));
  assert.deepEqual(result.payload, {
    kind: 'sha256',
    sha256Hex: '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
  });
  // The same body must hash to the signed value.
  await pipeline(
    Readable.from([Buffer.from('Welcome to Amazon S3.')]),
    createPayloadHashVerifier(result.payload.kind === 'sha256' ? result.payload.sha256Hex : ''),
    async (src: AsyncIterable<Buffer>) => {
      for await (const _ of src) {
        /* drain */
      }
    },
  );
});

test('AWS example: GET Bucket Lifecycle (valueless sub-resource)', async () => {
  const req = awsExample(
    '/',
    'lifecycle',
    'host;x-amz-content-sha256;x-amz-date',
    'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543',
    {
      'x-amz-content-sha256': EMPTY_SHA256,
    },
  );
  assert.equal((await authenticate(req, options(AWS_EXAMPLE_TIME))).kind, 'sigv4-header');
});

test('AWS example: GET Bucket (List Objects) with sorted query', async () => {
  const req = awsExample(
    '/',
    'max-keys=2&prefix=J',
    'host;x-amz-content-sha256;x-amz-date',
    '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
    {
      'x-amz-content-sha256': EMPTY_SHA256,
    },
  );
  assert.equal((await authenticate(req, options(AWS_EXAMPLE_TIME))).kind, 'sigv4-header');
  // Parameter order on the wire does not matter.
  const reordered = { ...req, query: 'prefix=J&max-keys=2' };
  assert.equal((await authenticate(reordered, options(AWS_EXAMPLE_TIME))).kind, 'sigv4-header');
  // A changed value does.
  await rejectsWith(authenticate({ ...req, query: 'max-keys=3&prefix=J' }, options(AWS_EXAMPLE_TIME)), 'SignatureDoesNotMatch');
});

test('AWS example: presigned GET Object', async () => {
  const req: AuthRequest = {
    method: 'GET',
    path: '/test.txt',
    query:
      'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    headers: { host: 'examplebucket.s3.amazonaws.com' },
  };
  const result = authenticated(await authenticate(req, options(at('2013-05-24T12:00:00Z'))));
  assert.equal(result.kind, 'sigv4-query');
  assert.deepEqual(result.payload, { kind: 'unsigned' });
  // One second after X-Amz-Expires.
  await rejectsWith(authenticate(req, options(at('2013-05-25T00:00:01Z'))), 'AccessDenied');
});

// ---------------------------------------------------------------------------------------------
// Requests signed by the AWS SDK signer

test('SDK-signed requests with awkward paths and queries verify', async () => {
  const cases: Parameters<typeof sdkRequest>[0][] = [
    { method: 'GET', path: '/bucket/key' },
    { method: 'GET', path: '/' },
    { method: 'GET', path: `/bucket/${sdkEscape("a b+c(d)!*~'é😀")}`, query: { versionId: 'v+1/2=' } },
    { method: 'GET', path: '/bucket', query: { 'list-type': '2', prefix: 'photos/2024 q&a', delimiter: '/', 'continuation-token': 'x==' } },
    { method: 'GET', path: '/bucket', query: { uploads: '', 'key-marker': 'é' } },
    {
      method: 'PUT',
      path: '/bucket/k',
      query: { partNumber: '3', uploadId: 'a~b-c_d.e' },
      headers: { 'x-amz-meta-x': '  spaced   value  ', 'content-type': 'text/plain' },
    },
    { method: 'DELETE', path: '/bucket/k', query: { tagging: '' } },
  ];
  for (const c of cases) {
    const req = await signed(c);
    const result = authenticated(await authenticate(req, options(at(NOW))));
    assert.equal(result.kind, 'sigv4-header', JSON.stringify(c));
  }
});

test('lax client encodings canonicalize to the same request', async () => {
  const req = await signed({ method: 'GET', path: `/bucket/${sdkEscape("a(b)!'*~")}` });
  // A client that left sub-delimiters raw and encoded ~ signs the same canonical path.
  const lax = { ...req, path: "/bucket/a(b)!'*%7E" };
  assert.equal((await authenticate(lax, options(at(NOW)))).kind, 'sigv4-header');
  // A lower-case escape is the same byte.
  const lower = await signed({ method: 'GET', path: '/bucket/%C3%A9' });
  assert.equal((await authenticate({ ...lower, path: '/bucket/%c3%a9' }, options(at(NOW)))).kind, 'sigv4-header');
});

test('a body hash is returned for the caller to verify while streaming', async () => {
  const body = 'hello world';
  const req = await signed({ method: 'PUT', path: '/bucket/k', body, headers: { 'content-length': String(body.length) } });
  const result = authenticated(await authenticate(req, options(at(NOW))));
  assert.equal(result.payload.kind, 'sha256');
  const expected = result.payload.kind === 'sha256' ? result.payload.sha256Hex : '';
  assert.equal(expected, createHash('sha256').update(body).digest('hex'));
  const sink = async (src: AsyncIterable<Buffer>): Promise<void> => {
    for await (const _ of src) {
      /* drain */
    }
  };
  await pipeline(Readable.from([Buffer.from('hello '), Buffer.from('world')]), createPayloadHashVerifier(expected), sink);
  await assert.rejects(
    pipeline(Readable.from([Buffer.from('hello there')]), createPayloadHashVerifier(expected), sink),
    (e: unknown) => e instanceof S3Error && e.code === 'XAmzContentSHA256Mismatch',
  );
});

test('payload modes follow x-amz-content-sha256', async () => {
  const modes: [string, unknown][] = [
    ['UNSIGNED-PAYLOAD', { kind: 'unsigned' }],
    ['STREAMING-UNSIGNED-PAYLOAD-TRAILER', { kind: 'aws-chunked', signed: false, trailer: true }],
  ];
  for (const [value, expected] of modes) {
    const req = await signed({ method: 'PUT', path: '/b/k', headers: { 'x-amz-content-sha256': value } });
    assert.deepEqual(authenticated(await authenticate(req, options(at(NOW)))).payload, expected);
  }
  for (const value of ['STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER']) {
    const req = await signed({ method: 'PUT', path: '/b/k', headers: { 'x-amz-content-sha256': value } });
    const payload = authenticated(await authenticate(req, options(at(NOW)))).payload;
    assert.equal(payload.kind, 'aws-chunked');
    if (payload.kind !== 'aws-chunked') return;
    assert.equal(payload.signed, true);
    assert.equal(payload.trailer, value.endsWith('TRAILER'));
    assert.equal(payload.signing?.seedSignature, /Signature=([0-9a-f]{64})/.exec(req.headers['authorization'] ?? '')?.[1]);
    assert.equal(payload.signing?.scope, '20240524/us-east-1/s3/aws4_request');
    assert.equal(payload.signing?.amzDate, '20240524T120000Z');
  }
});

test('any region is accepted', async () => {
  for (const region of ['eu-west-3', 'us-east-1', 'zenko-local']) {
    const req = await signed({ method: 'GET', path: '/b' }, region);
    assert.equal(authenticated(await authenticate(req, options(at(NOW)))).region, region);
  }
});

test('signing keys are derived once per secret, date and region', async () => {
  const cache = new SigningKeyCache(2);
  const opts = options(at(NOW), { signingKeyCache: cache });
  await authenticate(await signed({ method: 'GET', path: '/a' }), opts);
  await authenticate(await signed({ method: 'GET', path: '/b' }), opts);
  assert.equal(cache.misses, 1);
  await authenticate(await signed({ method: 'GET', path: '/a' }, 'eu-west-1'), opts);
  await authenticate(await signed({ method: 'GET', path: '/a' }, 'eu-west-2'), opts);
  assert.equal(cache.size, 2);
  await authenticate(await signed({ method: 'GET', path: '/a' }), opts); // evicted: derived again
  assert.equal(cache.misses, 4);
});

test('tampering is detected: SignatureDoesNotMatch', async () => {
  const req = await signed({
    method: 'PUT',
    path: '/bucket/key',
    headers: { 'x-amz-meta-a': '1', 'content-type': 'text/plain' },
    body: 'x',
  });
  const opts = options(at(NOW));
  const mismatch = await rejectsWith(authenticate({ ...req, method: 'POST' }, opts), 'SignatureDoesNotMatch');
  // What the server signed, as text and as S3's space-separated hex bytes.
  const { StringToSign, StringToSignBytes, CanonicalRequest, CanonicalRequestBytes } = mismatch.fields;
  assert.match(String(CanonicalRequest), /^POST\n\/bucket\/key\n/);
  assert.equal(StringToSignBytes, Buffer.from(String(StringToSign)).toString('hex').match(/../g)!.join(' '));
  assert.equal(CanonicalRequestBytes, Buffer.from(String(CanonicalRequest)).toString('hex').match(/../g)!.join(' '));
  await rejectsWith(authenticate({ ...req, path: '/bucket/key2' }, opts), 'SignatureDoesNotMatch');
  await rejectsWith(authenticate({ ...req, query: 'acl' }, opts), 'SignatureDoesNotMatch');
  await rejectsWith(authenticate({ ...req, headers: { ...req.headers, 'x-amz-meta-a': '2' } }, opts), 'SignatureDoesNotMatch');
  await rejectsWith(authenticate({ ...req, headers: { ...req.headers, host: 'evil:8000' } }, opts), 'SignatureDoesNotMatch');
  await rejectsWith(
    authenticate({ ...req, headers: { ...req.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }, opts),
    'SignatureDoesNotMatch',
  );
  const wrongSecret = onTheWire(
    await signer('us-east-1', 'not-the-secret').sign(sdkRequest({ method: 'GET', path: '/b' }), { signingDate: SIGNING_DATE }),
  );
  const err = await rejectsWith(authenticate(wrongSecret, opts), 'SignatureDoesNotMatch');
  assert.equal(err.fields['AWSAccessKeyId'], AKID);
  const truncated = req.headers['authorization']?.replace(/Signature=([0-9a-f]{63})[0-9a-f]/, 'Signature=$1');
  await rejectsWith(authenticate({ ...req, headers: { ...req.headers, authorization: truncated } }, opts), 'SignatureDoesNotMatch');
});

test('unknown access key: InvalidAccessKeyId', async () => {
  const req = onTheWire(
    await signer('us-east-1', SECRET, 'NOSUCHKEY').sign(sdkRequest({ method: 'GET', path: '/b' }), { signingDate: SIGNING_DATE }),
  );
  await rejectsWith(authenticate(req, options(at(NOW))), 'InvalidAccessKeyId');
});

test('clock skew beyond 15 minutes: RequestTimeTooSkewed', async () => {
  const req = await signed({ method: 'GET', path: '/b' });
  const t = Date.parse(NOW);
  await rejectsWith(
    authenticate(
      req,
      options(() => t + 15 * 60_000 + 1000),
    ),
    'RequestTimeTooSkewed',
  );
  await rejectsWith(
    authenticate(
      req,
      options(() => t - 15 * 60_000 - 1000),
    ),
    'RequestTimeTooSkewed',
  );
  assert.equal(
    (
      await authenticate(
        req,
        options(() => t + 14 * 60_000),
      )
    ).kind,
    'sigv4-header',
  );
  assert.equal(
    (
      await authenticate(
        req,
        options(() => t - 14 * 60_000),
      )
    ).kind,
    'sigv4-header',
  );
});

test('a signed x-amz-date replaced by Date: mismatch; no date at all: AccessDenied', async () => {
  const base = await signed({ method: 'GET', path: '/b', headers: { 'x-amz-date': '20240524T120000Z' } });
  const { 'x-amz-date': _drop, ...headers } = base.headers;
  const withDate = { ...base, headers: { ...headers, date: 'Fri, 24 May 2024 12:00:00 GMT' } };
  // The timestamp is taken from Date, but x-amz-date was signed and is now empty.
  await rejectsWith(authenticate(withDate, options(at(NOW))), 'SignatureDoesNotMatch');
  // An unparseable Date is no date.
  await rejectsWith(authenticate({ ...base, headers: { ...headers, date: 'yesterday' } }, options(at(NOW))), 'AccessDenied');
  const noDate = { ...base, headers };
  await rejectsWith(authenticate(noDate, options(at(NOW))), 'AccessDenied');
});

test('malformed Authorization headers', async () => {
  const req = await signed({ method: 'GET', path: '/b' });
  const auth = req.headers['authorization'] as string;
  const opts = options(at(NOW));
  const variants: [string, S3ErrorCode][] = [
    [auth.replace('/s3/', '/ec2/'), 'AuthorizationHeaderMalformed'],
    [auth.replace('aws4_request', 'aws5_request'), 'AuthorizationHeaderMalformed'],
    [auth.replace('/20240524/', '/20240523/'), 'AuthorizationHeaderMalformed'],
    [auth.replace('/20240524/', '/2024-05-24/'), 'AuthorizationHeaderMalformed'],
    [auth.replace(/Credential=[^,]+/, `Credential=${AKID}/20240524/us-east-1/s3`), 'AuthorizationHeaderMalformed'],
    [auth.replace(/, SignedHeaders=[^,]+/, ''), 'AuthorizationHeaderMalformed'],
    [auth.replace(/SignedHeaders=/, 'SignedHeaders=Host;'), 'AuthorizationHeaderMalformed'],
    [`${auth}, Extra=1`, 'AuthorizationHeaderMalformed'],
    ['AWS4-HMAC-SHA256 garbage', 'AuthorizationHeaderMalformed'],
    ['AWS4-ECDSA-P256-SHA256 Credential=x', 'NotImplemented'],
    ['Bearer abc', 'InvalidArgument'],
    ['AWS ', 'InvalidArgument'],
    ['AWS nocolon', 'InvalidArgument'],
  ];
  for (const [authorization, code] of variants) {
    await rejectsWith(authenticate({ ...req, headers: { ...req.headers, authorization } }, opts), code);
  }
});

test('x-amz-content-sha256 is required and validated', async () => {
  const req = await signed({ method: 'GET', path: '/b' });
  const { 'x-amz-content-sha256': _x, ...headers } = req.headers;
  await rejectsWith(authenticate({ ...req, headers }, options(at(NOW))), 'InvalidRequest');
  await rejectsWith(authenticate({ ...req, headers: { ...headers, 'x-amz-content-sha256': 'nope' } }, options(at(NOW))), 'InvalidArgument');
  await rejectsWith(
    authenticate({ ...req, headers: { ...headers, 'x-amz-content-sha256': 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD' } }, options(at(NOW))),
    'NotImplemented',
  );
});

test('only one authentication mechanism per request', async () => {
  const req = await signed({ method: 'GET', path: '/b' });
  await rejectsWith(authenticate({ ...req, query: 'X-Amz-Algorithm=AWS4-HMAC-SHA256' }, options(at(NOW))), 'InvalidArgument');
  await rejectsWith(authenticate({ ...req, query: 'AWSAccessKeyId=x&Signature=y&Expires=1' }, options(at(NOW))), 'InvalidArgument');
  const pre = await presigned({ method: 'GET', path: '/b' });
  await rejectsWith(authenticate({ ...pre, query: `${pre.query}&Signature=x` }, options(at(NOW))), 'InvalidArgument');
});

test('temporary credentials need their session token', async () => {
  const sign = (token?: string): Promise<HttpRequest> =>
    signer('us-east-1', 'tempsecret', 'TEMPKEY', token).sign(sdkRequest({ method: 'GET', path: '/b' }), { signingDate: SIGNING_DATE });
  assert.equal((await authenticate(onTheWire(await sign('token-1')), options(at(NOW)))).kind, 'sigv4-header');
  await rejectsWith(authenticate(onTheWire(await sign('token-2')), options(at(NOW))), 'InvalidToken');
  await rejectsWith(authenticate(onTheWire(await sign()), options(at(NOW))), 'InvalidToken');
  // A long-term key with a (stale) token: refused too, as S3 does.
  const longTerm = await signer('us-east-1', SECRET, AKID, 'stale').sign(sdkRequest({ method: 'GET', path: '/b' }), {
    signingDate: SIGNING_DATE,
  });
  await rejectsWith(authenticate(onTheWire(longTerm), options(at(NOW))), 'InvalidToken');
});

test('anonymous requests', async () => {
  const req: AuthRequest = { method: 'GET', path: '/b/k', query: 'versionId=1', headers: { host: 'h' } };
  assert.deepEqual(await authenticate(req, options(at(NOW))), { kind: 'anonymous', payload: { kind: 'unsigned' } });
  await rejectsWith(authenticate(req, options(at(NOW), { allowAnonymous: false })), 'AccessDenied');
  const withHash = { ...req, headers: { ...req.headers, 'x-amz-content-sha256': EMPTY_SHA256 } };
  assert.deepEqual((await authenticate(withHash, options(at(NOW)))).payload, { kind: 'sha256', sha256Hex: EMPTY_SHA256 });
  const signedChunks = { ...req, headers: { ...req.headers, 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' } };
  await rejectsWith(authenticate(signedChunks, options(at(NOW))), 'AccessDenied');
});

// ---------------------------------------------------------------------------------------------
// Presigned URLs (SigV4 query)

test('SDK-presigned URLs verify, including PUT with extra query parameters', async () => {
  const get = await presigned({
    method: 'GET',
    path: `/bucket/${sdkEscape('dir/a b.txt').replace(/%2F/g, '/')}`,
    query: { 'response-content-disposition': 'attachment; filename="x y.txt"' },
  });
  assert.match(get.query, /x-amz-content-sha256=UNSIGNED-PAYLOAD/i);
  const r1 = authenticated(await authenticate(get, options(at(NOW))));
  assert.equal(r1.kind, 'sigv4-query');
  assert.deepEqual(r1.payload, { kind: 'unsigned' });
  // A presigned PUT whose body hash was signed (hoisted as a lower-case query parameter).
  const body = 'presigned body';
  const hashed = sdkRequest({
    method: 'PUT',
    path: '/bucket/k',
    headers: { 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex') },
  });
  const hashedUrl = onTheWire(await signer().presign(hashed, { expiresIn: 60, signingDate: SIGNING_DATE }));
  assert.deepEqual(authenticated(await authenticate(hashedUrl, options(at(NOW)))).payload, {
    kind: 'sha256',
    sha256Hex: createHash('sha256').update(body).digest('hex'),
  });
  const put = await presigned({ method: 'PUT', path: '/bucket/k', query: { partNumber: '2', uploadId: 'u' } });
  assert.equal((await authenticate(put, options(at(NOW)))).kind, 'sigv4-query');
  await rejectsWith(authenticate({ ...put, method: 'GET' }, options(at(NOW))), 'SignatureDoesNotMatch');
  await rejectsWith(
    authenticate({ ...put, query: put.query.replace('partNumber=2', 'partNumber=3') }, options(at(NOW))),
    'SignatureDoesNotMatch',
  );
});

test('presigned URL lifetime: expired, not yet valid, too long', async () => {
  const t = Date.parse(NOW);
  const url = await presigned({ method: 'GET', path: '/b/k' }, 600);
  assert.equal(
    (
      await authenticate(
        url,
        options(() => t + 599_000),
      )
    ).kind,
    'sigv4-query',
  );
  const expired = await rejectsWith(
    authenticate(
      url,
      options(() => t + 601_000),
    ),
    'AccessDenied',
  );
  assert.equal(expired.fields['X-Amz-Expires'], 600);
  // Dated in the future: tolerated within the skew, refused beyond it.
  assert.equal(
    (
      await authenticate(
        url,
        options(() => t - 14 * 60_000),
      )
    ).kind,
    'sigv4-query',
  );
  await rejectsWith(
    authenticate(
      url,
      options(() => t - 16 * 60_000),
    ),
    'AccessDenied',
  );
  // A week is the maximum.
  const week = await presigned({ method: 'GET', path: '/b/k' }, 604_800);
  assert.equal(
    (
      await authenticate(
        week,
        options(() => t + 604_000_000),
      )
    ).kind,
    'sigv4-query',
  );
  const tooLong = { ...week, query: week.query.replace('X-Amz-Expires=604800', 'X-Amz-Expires=604801') };
  await rejectsWith(authenticate(tooLong, options(at(NOW))), 'AuthorizationQueryParametersError');
  const negative = { ...week, query: week.query.replace('X-Amz-Expires=604800', 'X-Amz-Expires=-1') };
  await rejectsWith(authenticate(negative, options(at(NOW))), 'AuthorizationQueryParametersError');
  const nan = { ...week, query: week.query.replace('X-Amz-Expires=604800', 'X-Amz-Expires=soon') };
  await rejectsWith(authenticate(nan, options(at(NOW))), 'AuthorizationQueryParametersError');
});

test('malformed presigned query parameters: AuthorizationQueryParametersError', async () => {
  const url = await presigned({ method: 'GET', path: '/b/k' });
  const opts = options(at(NOW));
  const without = (name: string): AuthRequest => ({
    ...url,
    query: url.query
      .split('&')
      .filter((p) => !p.startsWith(`${name}=`))
      .join('&'),
  });
  for (const name of ['X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Algorithm']) {
    await rejectsWith(authenticate(without(name), opts), 'AuthorizationQueryParametersError');
  }
  const replace = (from: RegExp, to: string): AuthRequest => ({ ...url, query: url.query.replace(from, to) });
  await rejectsWith(
    authenticate(replace(/X-Amz-Algorithm=[^&]+/, 'X-Amz-Algorithm=AWS4-HMAC-SHA1'), opts),
    'AuthorizationQueryParametersError',
  );
  await rejectsWith(authenticate(replace(/X-Amz-Date=[^&]+/, 'X-Amz-Date=2024-05-24'), opts), 'AuthorizationQueryParametersError');
  await rejectsWith(authenticate(replace(/%2Fs3%2F/, '%2Fsqs%2F'), opts), 'AuthorizationQueryParametersError');
  await rejectsWith(authenticate(replace(/%2F20240524%2F/, '%2F20240525%2F'), opts), 'AuthorizationQueryParametersError');
  await rejectsWith(authenticate({ ...url, query: `${url.query}&X-Amz-Date=20240524T120000Z` }, opts), 'AuthorizationQueryParametersError');
  await rejectsWith(authenticate(replace(/X-Amz-Signature=[0-9a-f]+/, 'X-Amz-Signature=' + '0'.repeat(64)), opts), 'SignatureDoesNotMatch');
});

test('presigned requests may not carry unsigned x-amz-* headers', async () => {
  const url = await presigned({ method: 'PUT', path: '/b/k' });
  const err = await rejectsWith(
    authenticate({ ...url, headers: { ...url.headers, 'x-amz-acl': 'public-read' } }, options(at(NOW))),
    'AccessDenied',
  );
  assert.equal(err.fields['HeadersNotSigned'], 'x-amz-acl');
  // Signed ones are fine (unhoistable headers stay headers and are signed).
  const req = sdkRequest({
    method: 'PUT',
    path: '/b/k',
    headers: { 'x-amz-acl': 'public-read', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  });
  const signedAcl = onTheWire(
    await signer().presign(req, { expiresIn: 60, signingDate: SIGNING_DATE, unhoistableHeaders: new Set(['x-amz-acl']) }),
  );
  assert.equal(signedAcl.headers['x-amz-acl'], 'public-read');
  assert.equal((await authenticate(signedAcl, options(at(NOW)))).kind, 'sigv4-query');
});

test('header-signed requests may not carry unsigned x-amz-* headers either; x-amz-content-sha256 may be unsigned', async () => {
  const req = await signed({ method: 'PUT', path: '/b/k', body: 'x' });
  const opts = options(at(NOW));
  const err = await rejectsWith(
    authenticate({ ...req, headers: { ...req.headers, 'x-amz-acl': 'public-read', 'x-amz-meta-added': '1' } }, opts),
    'AccessDenied',
  );
  assert.equal(err.fields['HeadersNotSigned'], 'x-amz-acl, x-amz-meta-added');
  // A client that leaves x-amz-content-sha256 out of SignedHeaders is let through (the body is checked against it).
  const lax = onTheWire(
    await signer().sign(sdkRequest({ method: 'PUT', path: '/b/k', body: 'x' }), {
      signingDate: SIGNING_DATE,
      unsignableHeaders: new Set(['x-amz-content-sha256']),
    }),
  );
  assert.ok(lax.headers['x-amz-content-sha256'] !== undefined);
  assert.doesNotMatch(lax.headers['authorization']!, /x-amz-content-sha256/);
  assert.equal((await authenticate(lax, opts)).kind, 'sigv4-header');
});

// ---------------------------------------------------------------------------------------------
// Signature Version 2 (AWS's published examples, "Signing and Authenticating REST Requests")

function v2(
  method: string,
  path: string,
  headers: Record<string, string>,
  signature: string,
  extra: Partial<AuthRequest> = {},
): AuthRequest {
  return { method, path, query: '', headers: { ...headers, authorization: `AWS ${AKID}:${signature}` }, ...extra };
}

test('SigV2 header examples', async () => {
  const examples: [AuthRequest, string][] = [
    [
      v2(
        'GET',
        '/photos/puppy.jpg',
        { host: 'johnsmith.s3.amazonaws.com', date: 'Tue, 27 Mar 2007 19:36:42 +0000' },
        'bWq2s1WEIj+Ydj0vQ697zp+IXMU=',
        { virtualHostedBucket: 'johnsmith' },
      ),
      '2007-03-27T19:36:42Z',
    ],
    [
      v2(
        'PUT',
        '/photos/puppy.jpg',
        {
          host: 'johnsmith.s3.amazonaws.com',
          date: 'Tue, 27 Mar 2007 21:15:45 +0000',
          'content-type': 'image/jpeg',
          'content-length': '94328',
        },
        'MyyxeRY7whkBe+bq8fHCL/2kKUg=',
        { virtualHostedBucket: 'johnsmith' },
      ),
      '2007-03-27T21:15:45Z',
    ],
    [
      v2(
        'GET',
        '/',
        { host: 'johnsmith.s3.amazonaws.com', date: 'Tue, 27 Mar 2007 19:42:41 +0000', 'user-agent': 'Mozilla/5.0' },
        'htDYFYduRNen8P9ZfE/s9SuKy0U=',
        { virtualHostedBucket: 'johnsmith', query: 'prefix=photos&max-keys=50&marker=puppy' },
      ),
      '2007-03-27T19:42:41Z',
    ],
    [
      v2('GET', '/', { host: 'johnsmith.s3.amazonaws.com', date: 'Tue, 27 Mar 2007 19:44:46 +0000' }, 'c2WLPFtWHVgbEmeEG93a4cG37dM=', {
        virtualHostedBucket: 'johnsmith',
        query: 'acl',
      }),
      '2007-03-27T19:44:46Z',
    ],
    [
      v2(
        'DELETE',
        '/johnsmith/photos/puppy.jpg',
        {
          host: 's3.amazonaws.com',
          'user-agent': 'dotnet',
          date: 'Tue, 27 Mar 2007 21:20:27 +0000',
          'x-amz-date': 'Tue, 27 Mar 2007 21:20:26 +0000',
        },
        'lx3byBScXR6KzyMaifNkardMwNk=',
      ),
      '2007-03-27T21:20:26Z',
    ],
    [
      v2(
        'PUT',
        '/db-backup.dat.gz',
        {
          host: 'static.johnsmith.net:8080',
          'user-agent': 'curl/7.15.5',
          date: 'Tue, 27 Mar 2007 21:06:08 +0000',
          'x-amz-acl': 'public-read',
          'content-type': 'application/x-download',
          'content-md5': '4gJE4saaMU4BqNR0kLY+lw==',
          'x-amz-meta-reviewedby': 'joe@johnsmith.net,jane@johnsmith.net',
          'x-amz-meta-filechecksum': '0x02661779',
          'x-amz-meta-checksumalgorithm': 'crc32',
          'content-disposition': 'attachment; filename=database.dat',
          'content-encoding': 'gzip',
          'content-length': '5913339',
        },
        'ilyl83RwaSoYIEdixDQcA4OnAnc=',
        { virtualHostedBucket: 'static.johnsmith.net' },
      ),
      '2007-03-27T21:06:08Z',
    ],
    [
      v2('GET', '/', { host: 's3.amazonaws.com', date: 'Wed, 28 Mar 2007 01:29:59 +0000' }, 'qGdzdERIC03wnaRNKh6OqZehG9s='),
      '2007-03-28T01:29:59Z',
    ],
    [
      v2(
        'GET',
        '/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re',
        { host: 's3.amazonaws.com', date: 'Wed, 28 Mar 2007 01:49:49 +0000' },
        'DNEZGsoieTZ92F3bUfSPQcbGmlM=',
      ),
      '2007-03-28T01:49:49Z',
    ],
  ];
  for (const [req, time] of examples) {
    const result = authenticated(await authenticate(req, options(at(time))));
    assert.equal(result.kind, 'sigv2-header', `${req.method} ${req.path}`);
    assert.equal(result.accessKeyId, AKID);
  }
  const [first] = examples[0] as [AuthRequest, string];
  await rejectsWith(authenticate({ ...first, path: '/photos/kitten.jpg' }, options(at('2007-03-27T19:36:42Z'))), 'SignatureDoesNotMatch');
  await rejectsWith(authenticate(first, options(at('2007-03-27T20:00:00Z'))), 'RequestTimeTooSkewed');
  await rejectsWith(authenticate(first, options(at('2007-03-27T19:36:42Z'), { allowSigV2: false })), 'InvalidRequest');
  const { date: _d, ...noDate } = first.headers;
  await rejectsWith(authenticate({ ...first, headers: noDate }, options(at('2007-03-27T19:36:42Z'))), 'AccessDenied');
});

test('SigV2 sub-resources are signed, other query parameters are not', async () => {
  const date = 'Tue, 27 Mar 2007 19:44:46 +0000';
  const sign = (toSign: string): string => createHmac('sha1', SECRET).update(toSign).digest('base64');
  const sig = sign(`GET\n\n\n${date}\n/johnsmith/k?acl&response-content-type=text/plain; a=b&versionId=v 1`);
  const req = v2('GET', '/johnsmith/k', { date }, sig, {
    query: 'versionId=v%201&max-keys=5&response-content-type=text%2Fplain%3B%20a%3Db&acl',
  });
  assert.equal((await authenticate(req, options(at('2007-03-27T19:44:46Z')))).kind, 'sigv2-header');
  await rejectsWith(
    authenticate(
      { ...req, query: 'versionId=v%202&acl&response-content-type=text%2Fplain%3B%20a%3Db' },
      options(at('2007-03-27T19:44:46Z')),
    ),
    'SignatureDoesNotMatch',
  );
});

test('SigV2 with x-amz-date as the AWS SDKs sign it (empty Date line)', async () => {
  const xAmzDate = 'Tue, 27 Mar 2007 21:20:26 +0000';
  const sig = createHmac('sha1', SECRET).update(`GET\n\n\n\nx-amz-date:${xAmzDate}\n/b/k`).digest('base64');
  const req = v2('GET', '/b/k', { 'x-amz-date': xAmzDate }, sig);
  assert.equal((await authenticate(req, options(at('2007-03-27T21:20:26Z')))).kind, 'sigv2-header');
});

test('SigV2 query-string authentication', async () => {
  const req: AuthRequest = {
    method: 'GET',
    path: '/photos/puppy.jpg',
    query: 'AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620',
    headers: { host: 'johnsmith.s3.amazonaws.com' },
    virtualHostedBucket: 'johnsmith',
  };
  const result = authenticated(await authenticate(req, options(at('2007-03-29T03:00:00Z'))));
  assert.equal(result.kind, 'sigv2-query');
  // A raw '+' in the signature is taken literally.
  const raw = { ...req, query: req.query.replace('%2B', '+') };
  assert.equal((await authenticate(raw, options(at('2007-03-29T03:00:00Z')))).kind, 'sigv2-query');
  await rejectsWith(authenticate(req, options(at('2007-03-30T00:00:00Z'))), 'AccessDenied');
  await rejectsWith(authenticate({ ...req, path: '/photos/kitten.jpg' }, options(at('2007-03-29T03:00:00Z'))), 'SignatureDoesNotMatch');
  await rejectsWith(
    authenticate({ ...req, query: 'AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=x' }, options(at('2007-03-29T03:00:00Z'))),
    'AccessDenied',
  );
  await rejectsWith(
    authenticate({ ...req, query: req.query.replace(AKID, 'NOPE') }, options(at('2007-03-29T03:00:00Z'))),
    'InvalidAccessKeyId',
  );
});
