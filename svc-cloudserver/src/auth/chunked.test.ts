import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { getAwsChunkedEncodingStream } from '@smithy/core/serde';
import { S3Error, type S3ErrorCode } from '../errors/s3-errors.js';
import { digestBase64 } from '../checksums/hasher.js';
import { authenticate } from './authenticate.js';
import { AwsChunkedDecoder, createAwsChunkedDecoder, type AwsChunkedOptions } from './chunked.js';
import { deriveSigningKey } from './signing-key-cache.js';
import type { AuthRequest, ChunkSigningContext } from './types.js';

const AKID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

// AWS's published example: "Signature Calculations for the Authorization Header: Transferring
// Payload in Multiple Chunks" — 66560 bytes of 'a' in chunks of 65536, 1024 and 0.
const SEED = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9';
const CHUNK_SIGNATURES = [
  'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
  '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
  'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
] as const;
const EXAMPLE_REQUEST: AuthRequest = {
  method: 'PUT',
  path: '/examplebucket/chunkObject.txt',
  query: '',
  headers: {
    host: 's3.amazonaws.com',
    'x-amz-date': '20130524T000000Z',
    'x-amz-storage-class': 'REDUCED_REDUNDANCY',
    authorization: `AWS4-HMAC-SHA256 Credential=${AKID}/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=${SEED}`,
    'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': '66560',
    'content-length': '66824',
  },
};

function frame(size: number, signature: string | undefined, data: Buffer): Buffer {
  const ext = signature === undefined ? '' : `;chunk-signature=${signature}`;
  return Buffer.concat([Buffer.from(`${size.toString(16)}${ext}\r\n`), data, Buffer.from('\r\n')]);
}

function exampleBody(): Buffer {
  return Buffer.concat([
    frame(65536, CHUNK_SIGNATURES[0], Buffer.alloc(65536, 'a')),
    frame(1024, CHUNK_SIGNATURES[1], Buffer.alloc(1024, 'a')),
    Buffer.from(`0;chunk-signature=${CHUNK_SIGNATURES[2]}\r\n\r\n`),
  ]);
}

/** Authenticates the published seed request, then decodes with (possibly overridden) headers. */
async function exampleDecoder(headers: Record<string, string | undefined> = {}): Promise<AwsChunkedDecoder> {
  const result = await authenticate(EXAMPLE_REQUEST, {
    getSecret: async (id) => (id === AKID ? { secretKey: SECRET } : undefined),
    now: () => Date.parse('2013-05-24T00:05:00Z'),
  });
  assert.equal(result.payload.kind, 'aws-chunked');
  return createAwsChunkedDecoder(result.payload, {
    ...EXAMPLE_REQUEST.headers,
    ...headers,
  });
}

/** Feeds `body` in pieces of `pieceSize` bytes and collects the decoded output. */
async function decode(decoder: AwsChunkedDecoder, body: Buffer, pieceSize = body.length): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < body.length; i += pieceSize) pieces.push(body.subarray(i, i + pieceSize));
  const out: Buffer[] = [];
  await pipeline(Readable.from(pieces), decoder, async (src: AsyncIterable<Buffer>) => {
    for await (const chunk of src) out.push(chunk);
  });
  return Buffer.concat(out);
}

async function decodeFails(decoder: AwsChunkedDecoder, body: Buffer, code: S3ErrorCode, pieceSize?: number): Promise<S3Error> {
  let caught: unknown;
  await assert.rejects(decode(decoder, body, pieceSize), (err: unknown) => {
    caught = err;
    return err instanceof S3Error && err.code === code;
  });
  return caught as S3Error;
}

// An independent chunk signer, written from the AWS specification.
function signChunks(ctx: ChunkSigningContext, chunks: readonly Buffer[]): { body: Buffer[]; finalSignature: string } {
  let previous = ctx.seedSignature;
  const body: Buffer[] = [];
  for (const data of [...chunks, Buffer.alloc(0)]) {
    const toSign = [
      'AWS4-HMAC-SHA256-PAYLOAD',
      ctx.amzDate,
      ctx.scope,
      previous,
      EMPTY_SHA256,
      createHash('sha256').update(data).digest('hex'),
    ].join('\n');
    previous = createHmac('sha256', ctx.signingKey).update(toSign).digest('hex');
    body.push(data.length === 0 ? Buffer.from(`0;chunk-signature=${previous}\r\n`) : frame(data.length, previous, data));
  }
  return { body, finalSignature: previous };
}

function signTrailer(ctx: ChunkSigningContext, previous: string, trailers: [string, string][]): string {
  const canonical = trailers.map(([k, v]) => `${k}:${v}\n`).join('');
  const toSign = ['AWS4-HMAC-SHA256-TRAILER', ctx.amzDate, ctx.scope, previous, createHash('sha256').update(canonical).digest('hex')].join(
    '\n',
  );
  return createHmac('sha256', ctx.signingKey).update(toSign).digest('hex');
}

const CTX: ChunkSigningContext = {
  signingKey: deriveSigningKey(SECRET, '20130524', 'us-east-1', 's3'),
  amzDate: '20130524T000000Z',
  scope: '20130524/us-east-1/s3/aws4_request',
  seedSignature: SEED,
};

function signedDecoder(extra: Partial<AwsChunkedOptions> & { decodedContentLength: number }): AwsChunkedDecoder {
  return new AwsChunkedDecoder({ signed: true, trailer: false, signing: CTX, ...extra });
}

// ---------------------------------------------------------------------------------------------

test('AWS example: the published chunk signatures verify, whatever the read sizes', async () => {
  const body = exampleBody();
  assert.equal(body.length, 66824); // the example's Content-Length
  for (const piece of [1, 2, 3, 7, 86, 4096, 65536, 65600, body.length]) {
    const decoder = await exampleDecoder();
    const out = await decode(decoder, body, piece);
    assert.equal(out.length, 66560, `piece ${piece}`);
    assert.ok(out.equals(Buffer.alloc(66560, 'a')), `piece ${piece}`);
    assert.equal(decoder.decodedLength, 66560);
  }
});

test('our independent chunk signer reproduces the published signatures', () => {
  const { body } = signChunks(CTX, [Buffer.alloc(65536, 'a'), Buffer.alloc(1024, 'a')]);
  assert.ok(Buffer.concat([...body, Buffer.from('\r\n')]).equals(exampleBody()));
});

test('altered data, reordered or replayed chunks: SignatureDoesNotMatch', async () => {
  const altered = exampleBody();
  altered[66_000] = 0x62; // a "b" inside the second chunk (bytes 65712-66735)
  await decodeFails(await exampleDecoder(), altered, 'SignatureDoesNotMatch');

  // Second chunk's signature placed on the first chunk (and vice versa).
  const swapped = Buffer.concat([
    frame(65536, CHUNK_SIGNATURES[1], Buffer.alloc(65536, 'a')),
    frame(1024, CHUNK_SIGNATURES[0], Buffer.alloc(1024, 'a')),
    Buffer.from(`0;chunk-signature=${CHUNK_SIGNATURES[2]}\r\n\r\n`),
  ]);
  await decodeFails(await exampleDecoder(), swapped, 'SignatureDoesNotMatch');

  // Chunks individually valid under another chain (a different seed) do not verify here.
  const other = signChunks({ ...CTX, seedSignature: '0'.repeat(64) }, [Buffer.alloc(65536, 'a'), Buffer.alloc(1024, 'a')]);
  await decodeFails(await exampleDecoder(), Buffer.concat([...other.body, Buffer.from('\r\n')]), 'SignatureDoesNotMatch');

  // The final empty chunk is signed too.
  const badFinal = Buffer.concat([exampleBody().subarray(0, 66824 - 86), Buffer.from(`0;chunk-signature=${'f'.repeat(64)}\r\n\r\n`)]);
  await decodeFails(await exampleDecoder(), badFinal, 'SignatureDoesNotMatch');

  // A chunk without a signature.
  const unsignedChunk = Buffer.concat([frame(65536, undefined, Buffer.alloc(65536, 'a')), exampleBody().subarray(88 + 65536 + 2)]);
  await decodeFails(await exampleDecoder(), unsignedChunk, 'SignatureDoesNotMatch');
});

test('decoded length must match x-amz-decoded-content-length: IncompleteBody', async () => {
  await decodeFails(await exampleDecoder({ 'x-amz-decoded-content-length': '66561' }), exampleBody(), 'IncompleteBody');
  await decodeFails(await exampleDecoder({ 'x-amz-decoded-content-length': '66559' }), exampleBody(), 'IncompleteBody');
});

test('truncated or malformed framing: IncompleteBody', async () => {
  const body = exampleBody();
  for (const cut of [0, 10, 65536, 66000, body.length - 3, body.length - 1]) {
    await decodeFails(await exampleDecoder(), body.subarray(0, cut), 'IncompleteBody', 1000);
  }
  await decodeFails(await exampleDecoder(), Buffer.concat([body, Buffer.from('x')]), 'IncompleteBody');
  const badSize = Buffer.concat([Buffer.from('zz;chunk-signature=00\r\n'), body]);
  await decodeFails(await exampleDecoder(), badSize, 'IncompleteBody');
  const noCrlf = Buffer.from(body);
  noCrlf[88 + 65536] = 0x58; // the CR after the first chunk's data (its header is 88 bytes)
  await decodeFails(await exampleDecoder(), noCrlf, 'IncompleteBody');
  const longHeader = Buffer.from(`1;${'x'.repeat(10_000)}\r\n`);
  await decodeFails(await exampleDecoder(), longHeader, 'IncompleteBody', 100);
});

test('signed streaming needs x-amz-decoded-content-length', async () => {
  await assert.rejects(
    exampleDecoder({ 'x-amz-decoded-content-length': 'lots' }),
    (e: unknown) => e instanceof S3Error && e.code === 'InvalidArgument',
  );
  const { 'x-amz-decoded-content-length': _x, ...headers } = EXAMPLE_REQUEST.headers;
  assert.throws(
    () => createAwsChunkedDecoder({ kind: 'aws-chunked', signed: true, trailer: false, signing: CTX }, headers),
    (e: unknown) => e instanceof S3Error && e.code === 'MissingContentLength',
  );
});

test('only the last chunk may be smaller than 8 KiB: InvalidChunkSizeError', async () => {
  const small = [Buffer.alloc(8192, 1), Buffer.alloc(100, 2), Buffer.alloc(8192, 3)];
  const { body } = signChunks(CTX, small);
  const err = await decodeFails(
    signedDecoder({ decodedContentLength: 16484 }),
    Buffer.concat([...body, Buffer.from('\r\n')]),
    'InvalidChunkSizeError',
  );
  assert.equal(err.fields['Chunk'], 2);
  assert.equal(err.fields['BadChunkSize'], 100);
  // The last data chunk may be small; so may every chunk when the minimum is lifted.
  const ok = signChunks(CTX, [Buffer.alloc(8192, 1), Buffer.alloc(5, 2)]);
  assert.equal(
    (await decode(signedDecoder({ decodedContentLength: 8197 }), Buffer.concat([...ok.body, Buffer.from('\r\n')]))).length,
    8197,
  );
  const out = await decode(signedDecoder({ decodedContentLength: 16484, minChunkSize: 0 }), Buffer.concat([...body, Buffer.from('\r\n')]));
  assert.ok(out.equals(Buffer.concat(small)));
});

test('signed payload with trailer: the published trailer signature (aws-c-auth vector)', async () => {
  // Same chain as the AWS example, then trailing headers first/second/third.
  const trailers: [string, string][] = [
    ['first', '1st'],
    ['second', '2nd'],
    ['third', '3rd'],
  ];
  const trailerSignature = 'df5735bd9f3295cd9386572292562fefc93ba94e80a0a1ddcbd652c4e0a75e6c';
  assert.equal(signTrailer(CTX, CHUNK_SIGNATURES[2], trailers), trailerSignature);
  const body = Buffer.concat([
    exampleBody().subarray(0, exampleBody().length - 2),
    Buffer.from(`${trailers.map(([k, v]) => `${k}:${v}\r\n`).join('')}x-amz-trailer-signature:${trailerSignature}\r\n\r\n`),
  ]);
  const decoder = new AwsChunkedDecoder({ signed: true, trailer: true, signing: CTX, decodedContentLength: 66560 });
  assert.equal((await decode(decoder, body, 333)).length, 66560);
  assert.deepEqual([...decoder.trailers], trailers);
  const tampered = Buffer.from(body.toString('latin1').replace('second:2nd', 'second:2nX'), 'latin1');
  await decodeFails(
    new AwsChunkedDecoder({ signed: true, trailer: true, signing: CTX, decodedContentLength: 66560 }),
    tampered,
    'SignatureDoesNotMatch',
  );
  const unsignedTrailer = Buffer.from(body.toString('latin1').replace(/x-amz-trailer-signature:[0-9a-f]+\r\n/, ''), 'latin1');
  await decodeFails(
    new AwsChunkedDecoder({ signed: true, trailer: true, signing: CTX, decodedContentLength: 66560 }),
    unsignedTrailer,
    'SignatureDoesNotMatch',
  );
});

test('signed payload with a checksum trailer: verified against the data', async () => {
  const data = randomBytes(20_000);
  const chunks = [data.subarray(0, 10_000), data.subarray(10_000)];
  const checksum = digestBase64('crc32c', data);
  const build = (value: string): Buffer => {
    const { body, finalSignature } = signChunks(CTX, chunks);
    const sig = signTrailer(CTX, finalSignature, [['x-amz-checksum-crc32c', value]]);
    return Buffer.concat([...body, Buffer.from(`x-amz-checksum-crc32c:${value}\r\nx-amz-trailer-signature:${sig}\r\n\r\n`)]);
  };
  const headers = { 'x-amz-decoded-content-length': '20000', 'x-amz-trailer': 'x-amz-checksum-crc32c' };
  const mode = { kind: 'aws-chunked', signed: true, trailer: true, signing: CTX } as const;
  const decoder = createAwsChunkedDecoder(mode, headers);
  assert.ok((await decode(decoder, build(checksum), 4096)).equals(data));
  assert.deepEqual(decoder.checksum, { algorithm: 'crc32c', value: checksum });
  await decodeFails(createAwsChunkedDecoder(mode, headers), build(digestBase64('crc32c', Buffer.from('other'))), 'BadDigest');
  await decodeFails(createAwsChunkedDecoder(mode, headers), build('not-base64!'), 'InvalidRequest');
});

// ---------------------------------------------------------------------------------------------
// STREAMING-UNSIGNED-PAYLOAD-TRAILER

const UNSIGNED_TRAILER = { kind: 'aws-chunked', signed: false, trailer: true } as const;

function unsignedBody(chunks: readonly Buffer[], trailerLines: string): Buffer {
  return Buffer.concat([...chunks.map((c) => frame(c.length, undefined, c)), Buffer.from(`0\r\n${trailerLines}\r\n`)]);
}

test('unsigned chunks with a checksum trailer', async () => {
  const data = randomBytes(100_000);
  const chunks = [data.subarray(0, 65536), data.subarray(65536)];
  for (const alg of ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const) {
    const value = digestBase64(alg, data);
    const headers = { 'x-amz-decoded-content-length': '100000', 'x-amz-trailer': `x-amz-checksum-${alg}` };
    const decoder = createAwsChunkedDecoder(UNSIGNED_TRAILER, headers);
    const out = await decode(decoder, unsignedBody(chunks, `x-amz-checksum-${alg}:${value}\r\n`), 1500);
    assert.ok(out.equals(data), alg);
    assert.deepEqual(decoder.checksum, { algorithm: alg, value }, alg);
    const wrong = digestBase64(alg, data.subarray(1));
    await decodeFails(
      createAwsChunkedDecoder(UNSIGNED_TRAILER, headers),
      unsignedBody(chunks, `x-amz-checksum-${alg}:${wrong}\r\n`),
      'BadDigest',
    );
  }
});

test('unsigned trailers: malformed, unannounced, missing, signed', async () => {
  const data = Buffer.alloc(10, 7);
  const value = digestBase64('crc32', data);
  const headers = { 'x-amz-trailer': 'x-amz-checksum-crc32' };
  const cases: [string, S3ErrorCode][] = [
    ['no-colon-here\r\n', 'MalformedTrailerError'],
    [`x-amz-checksum-sha1:${digestBase64('sha1', data)}\r\n`, 'MalformedTrailerError'],
    ['', 'MalformedTrailerError'],
    [`x-amz-checksum-crc32:${value}\r\nx-amz-checksum-crc32:${value}\r\n`, 'MalformedTrailerError'],
    [`x-amz-checksum-crc32:${value}\r\nx-amz-trailer-signature:${'0'.repeat(64)}\r\n`, 'MalformedTrailerError'],
    [`x-amz-checksum-crc32:${value}\n`, 'MalformedTrailerError'],
  ];
  for (const [lines, code] of cases) {
    await decodeFails(createAwsChunkedDecoder(UNSIGNED_TRAILER, headers), unsignedBody([data], lines), code);
  }
  assert.throws(
    () => createAwsChunkedDecoder(UNSIGNED_TRAILER, { 'x-amz-trailer': 'x-amz-meta-foo' }),
    (e: unknown) => e instanceof S3Error && e.code === 'InvalidRequest',
  );
  const hugeTrailer = `x-amz-checksum-crc32:${'A'.repeat(40_000)}\r\n`;
  await decodeFails(createAwsChunkedDecoder(UNSIGNED_TRAILER, {}), unsignedBody([data], hugeTrailer), 'MalformedTrailerError', 512);
});

test('unsigned chunks without a declared length or trailer', async () => {
  const data = randomBytes(30_000);
  const decoder = createAwsChunkedDecoder(UNSIGNED_TRAILER, {});
  const out = await decode(decoder, unsignedBody([data.subarray(0, 9000), data.subarray(9000)], ''), 777);
  assert.ok(out.equals(data));
  assert.equal(decoder.checksum, undefined);
  // The SDK's encoder ends with "0\r\n" when it has no trailer to send.
  const sdkStyle = Buffer.concat([frame(data.length, undefined, data), Buffer.from('0\r\n')]);
  assert.ok((await decode(createAwsChunkedDecoder(UNSIGNED_TRAILER, {}), sdkStyle)).equals(data));
});

test('bodies from the AWS SDK aws-chunked encoder decode and verify', async () => {
  const data = randomBytes(3 * 65536 + 123);
  for (const alg of ['crc32', 'crc32c', 'crc64nvme', 'sha256'] as const) {
    const encoded = getAwsChunkedEncodingStream(
      Readable.from([data.subarray(0, 65536), data.subarray(65536, 200_000), data.subarray(200_000)]),
      {
        base64Encoder: (bytes: Uint8Array) => Buffer.from(bytes).toString('base64'),
        bodyLengthChecker: (body: unknown) => (body as Buffer).length,
        checksumLocationName: `x-amz-checksum-${alg}`,
        checksumAlgorithmFn: class {
          readonly #h = createHash('sha256');
          readonly #data: Buffer[] = [];
          update(chunk: Uint8Array): void {
            this.#data.push(Buffer.from(chunk));
            this.#h.update(chunk);
          }
          async digest(): Promise<Uint8Array> {
            return Buffer.from(digestBase64(alg, Buffer.concat(this.#data)), 'base64');
          }
          reset(): void {}
        },
        // Like the SDK's: listens to 'data' alongside the encoder.
        streamHasher: (Hash: new () => { update(c: Uint8Array): void; digest(): Promise<Uint8Array> }, stream: Readable) =>
          new Promise<Uint8Array>((resolve, reject) => {
            const h = new Hash();
            stream.on('data', (c: Buffer) => h.update(c));
            stream.on('end', () => resolve(h.digest()));
            stream.on('error', reject);
          }),
      },
    );
    const body: Buffer[] = [];
    for await (const chunk of encoded) body.push(Buffer.from(chunk as Buffer));
    const headers = { 'x-amz-decoded-content-length': String(data.length), 'x-amz-trailer': `x-amz-checksum-${alg}` };
    const decoder = createAwsChunkedDecoder(UNSIGNED_TRAILER, headers);
    assert.ok((await decode(decoder, Buffer.concat(body), 10_000)).equals(data), alg);
    assert.equal(decoder.checksum?.value, digestBase64(alg, data), alg);
  }
});

test('large bodies stream through in bounded memory', async () => {
  // 64 MiB in 1 MiB chunks, fed in 64 KiB pieces; the decoder holds no more than one line.
  const chunk = randomBytes(1 << 20);
  const count = 64;
  const header = Buffer.from(`${chunk.length.toString(16)}\r\n`);
  const crlf = Buffer.from('\r\n');
  async function* source(): AsyncGenerator<Buffer> {
    for (let i = 0; i < count; i++) {
      yield header;
      for (let off = 0; off < chunk.length; off += 65536) yield chunk.subarray(off, off + 65536);
      yield crlf;
    }
    yield Buffer.from(`0\r\nx-amz-checksum-crc32c:${expected}\r\n\r\n`);
  }
  let expected = '';
  {
    const h = (await import('../checksums/hasher.js')).createHasher('crc32c');
    for (let i = 0; i < count; i++) h.update(chunk);
    expected = h.digest().toString('base64');
  }
  const decoder = createAwsChunkedDecoder(UNSIGNED_TRAILER, {
    'x-amz-decoded-content-length': String(count * chunk.length),
    'x-amz-trailer': 'x-amz-checksum-crc32c',
  });
  let total = 0;
  let maxBuffered = 0;
  await pipeline(source(), decoder, async (src: AsyncIterable<Buffer>) => {
    for await (const piece of src) {
      total += piece.length;
      maxBuffered = Math.max(maxBuffered, decoder.readableLength);
    }
  });
  assert.equal(total, count * chunk.length);
  assert.ok(maxBuffered <= 4 * 65536, `buffered ${maxBuffered}`);
});
