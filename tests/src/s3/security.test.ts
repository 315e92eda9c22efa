// Hostile and broken requests against the S3 edge: each answers the S3 error AWS
// returns and leaves no partial object.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { find, parsePrometheus } from '../support/prometheus.js';
import { ACCESS_KEY, SECRET_KEY, s3Client, s3Error } from '../support/s3.js';
import { sha256, signedChunks, signV4 } from '../support/sigv4.js';
import { startStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let s3: S3Client;
let host: string;
let port: number;
const creds = { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY };

before(async () => {
  stack = await startStack({ ZENKO_HTTP_IDLE_TIMEOUT_MS: '1000' });
  s3 = s3Client(stack);
  const url = new URL(stack.s3);
  host = url.host;
  port = Number(url.port);
  await s3.send(new CreateBucketCommand({ Bucket: 'sec' }));
});
after(async () => {
  s3.destroy();
  await stack.stop();
});

/** Sends raw bytes and reads everything until the server closes or `waitMs` passes. */
function raw(parts: (string | Buffer)[], waitMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.on('connect', () => {
      for (const p of parts) socket.write(p);
    });
  });
}

/** The partial data of an interrupted PutObject is removed (its handler does not wait on a body that cannot come). */
async function noPartialData(): Promise<void> {
  const tmp = join(stack.dataDir, 'data', 'us-east-1', 'tmp', 'svc-cloudserver');
  for (let i = 0; i < 100 && readdirSync(tmp).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(readdirSync(tmp), []);
}

const codeOf = (response: string): string | undefined => /<Code>([^<]+)<\/Code>/.exec(response)?.[1];
const statusOf = (response: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);

async function absent(key: string): Promise<void> {
  assert.equal((await s3Error(s3.send(new HeadObjectCommand({ Bucket: 'sec', Key: key })))).status, 404, `${key} must not exist`);
}

describe('signatures and time', () => {
  it('a request signed 20 minutes off is RequestTimeTooSkewed', async () => {
    const skewed = new S3Client({
      endpoint: stack.s3,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: creds,
      maxAttempts: 1,
      systemClockOffset: -20 * 60_000,
    });
    assert.equal((await s3Error(skewed.send(new ListBucketsCommand({})))).code, 'RequestTimeTooSkewed');
    skewed.destroy();
  });

  it('expired and future-dated presigned URLs are AccessDenied', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'sec', Key: 'presigned', Body: 'x' }));
    const expired = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'sec', Key: 'presigned' }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 3_600_000),
    });
    const res1 = await fetch(expired);
    assert.equal(res1.status, 403);
    assert.equal(codeOf(await res1.text()), 'AccessDenied');
    const future = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'sec', Key: 'presigned' }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() + 3_600_000),
    });
    const res2 = await fetch(future);
    assert.equal(res2.status, 403);
    assert.equal(codeOf(await res2.text()), 'AccessDenied');
    const tooLong = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'sec', Key: 'presigned' }), { expiresIn: 604_801 }).catch(
      () => undefined,
    );
    if (tooLong !== undefined) {
      const res3 = await fetch(tooLong);
      assert.equal(codeOf(await res3.text()), 'AuthorizationQueryParametersError');
    }
  });

  it('aws-chunked bodies with an altered or reordered chunk are refused and leave nothing', async () => {
    const chunks = [Buffer.alloc(8192, 'a'), Buffer.alloc(8192, 'b'), Buffer.from('tail')];
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const send = async (key: string, tamper: (encoded: Buffer[]) => Buffer[]): Promise<string> => {
      const signed = signV4(creds, {
        method: 'PUT',
        host,
        path: `/sec/${key}`,
        payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
        headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(total) },
      });
      const body = Buffer.concat(tamper(signedChunks(signed.seed, chunks)));
      const head = Object.entries({ ...signed.headers, 'content-length': String(body.length), connection: 'close' })
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      return raw([`PUT /sec/${key} HTTP/1.1\r\n${head}\r\n`, body]);
    };
    const ok = await send('chunked-ok', (e) => e);
    assert.equal(statusOf(ok), 200, ok);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'sec', Key: 'chunked-ok' }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat(chunks)));

    const altered = await send('chunked-altered', (e) => {
      const copy = e.map((b) => Buffer.from(b));
      copy[1]![copy[1]!.indexOf('\r\n') + 10] = 'z'.charCodeAt(0);
      return copy;
    });
    assert.equal(codeOf(altered), 'SignatureDoesNotMatch', altered);
    await absent('chunked-altered');

    const reordered = await send('chunked-reordered', (e) => [e[1]!, e[0]!, ...e.slice(2)]);
    assert.equal(codeOf(reordered), 'SignatureDoesNotMatch', reordered);
    await absent('chunked-reordered');
  });

  it('a header value sent as raw UTF-8 bytes is checked over those bytes, as S3 does', async () => {
    const body = Buffer.from('utf-8 metadata');
    const signed = signV4(creds, {
      method: 'PUT',
      host,
      path: '/sec/utf8-meta',
      headers: { 'x-amz-meta-city': 'Zürich' },
      payloadHash: sha256(body),
    });
    const head = Object.entries({ ...signed.headers, 'content-length': String(body.length), connection: 'close' })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    // The socket writes the string as UTF-8: the value's bytes are the ones the signer hashed.
    const res = await raw([`PUT /sec/utf8-meta HTTP/1.1\r\n${head}\r\n`, body]);
    assert.equal(statusOf(res), 200, res);
  });

  it('a signed payload whose hash does not match is refused and leaves nothing', async () => {
    const body = Buffer.from('the real body');
    const signed = signV4(creds, { method: 'PUT', host, path: '/sec/hash-mismatch', payloadHash: sha256('another body') });
    const head = Object.entries({ ...signed.headers, 'content-length': String(body.length), connection: 'close' })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    const res = await raw([`PUT /sec/hash-mismatch HTTP/1.1\r\n${head}\r\n`, body]);
    assert.equal(codeOf(res), 'XAmzContentSHA256Mismatch', res);
    await absent('hash-mismatch');
  });
});

describe('large bodies refused on their headers', () => {
  const MIB = 1024 * 1024;

  it('the SDK (Expect: 100-continue) gets the error, not a reset, and sends no body', async () => {
    const wrong = s3Client(stack, { accessKeyId: ACCESS_KEY, secretAccessKey: 'wrong secret' });
    try {
      for (const size of [8 * MIB, 64 * MIB]) {
        assert.deepEqual(await s3Error(wrong.send(new PutObjectCommand({ Bucket: 'sec', Key: 'refused', Body: Buffer.alloc(size, 1) }))), {
          code: 'SignatureDoesNotMatch',
          status: 403,
        });
      }
      assert.deepEqual(await s3Error(s3.send(new PutObjectCommand({ Bucket: 'no-such-sec', Key: 'k', Body: Buffer.alloc(8 * MIB, 1) }))), {
        code: 'NoSuchBucket',
        status: 404,
      });
    } finally {
      wrong.destroy();
    }
    await absent('refused');
  });

  it('a client that sends the whole body without asking gets the error, not a reset, and can reuse its connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const put = (path: string, body: Buffer): Promise<{ status: number; code: string | undefined; socket: unknown }> =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method: 'PUT', path, agent, headers: { 'content-length': body.length } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, code: codeOf(Buffer.concat(chunks).toString()), socket: req.socket }));
        });
        req.on('error', reject);
        req.end(body);
      });
    try {
      // Anonymous: refused on the headers, before any byte of the 64 MiB is read.
      const first = await put('/sec/anonymous', Buffer.alloc(64 * MIB, 2));
      assert.deepEqual([first.status, first.code], [403, 'AccessDenied']);
      const second = await put('/no-such-sec/k', Buffer.alloc(8 * MIB, 2));
      assert.deepEqual([second.status, second.code], [404, 'NoSuchBucket']);
      assert.equal(second.socket, first.socket, 'the connection stays usable once the rest of the body is read');
    } finally {
      agent.destroy();
    }
    await absent('anonymous');
  });
});

describe('trailing checksums', () => {
  /** A STREAMING-UNSIGNED-PAYLOAD-TRAILER PUT whose x-amz-checksum-crc32 trailer is `crc32` (base64). */
  async function putWithTrailer(path: string, query: string, data: Buffer, crc32: string): Promise<string> {
    const signed = signV4(creds, {
      method: 'PUT',
      host,
      path,
      query,
      headers: {
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': String(data.length),
        'x-amz-trailer': 'x-amz-checksum-crc32',
      },
      payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    });
    const body = Buffer.concat([
      Buffer.from(`${data.length.toString(16)}\r\n`),
      data,
      Buffer.from(`\r\n0\r\nx-amz-checksum-crc32:${crc32}\r\n\r\n`),
    ]);
    const head = Object.entries({ ...signed.headers, 'content-length': String(body.length), connection: 'close' })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    return raw([`PUT ${path}${query === '' ? '' : `?${query}`} HTTP/1.1\r\n${head}\r\n`, body]);
  }
  const data = Buffer.alloc(100_000, 'checksummed ');
  const right = Buffer.alloc(4);
  right.writeUInt32BE(crc32(data));
  const wrong = Buffer.alloc(4);
  wrong.writeUInt32BE((crc32(data) ^ 1) >>> 0);

  it('PutObject: a trailer that does not match the body is BadDigest and stores nothing; a matching one is stored', async () => {
    const bad = await putWithTrailer('/sec/trailer-bad', '', data, wrong.toString('base64'));
    assert.equal(statusOf(bad), 400, bad);
    assert.equal(codeOf(bad), 'BadDigest', bad);
    assert.match(bad, /The CRC32 you specified did not match the calculated checksum\./);
    await absent('trailer-bad');
    const good = await putWithTrailer('/sec/trailer-good', '', data, right.toString('base64'));
    assert.equal(statusOf(good), 200, good);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'sec', Key: 'trailer-good', ChecksumMode: 'ENABLED' }));
    assert.equal(head.ChecksumCRC32, right.toString('base64'));
  });

  it('UploadPart: a trailer that does not match the part is BadDigest and records no part', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'sec', Key: 'trailer-mpu', ChecksumAlgorithm: 'CRC32' }));
    const query = `partNumber=1&uploadId=${UploadId}`;
    const bad = await putWithTrailer('/sec/trailer-mpu', query, data, wrong.toString('base64'));
    assert.equal(codeOf(bad), 'BadDigest', bad);
    assert.deepEqual((await s3.send(new ListPartsCommand({ Bucket: 'sec', Key: 'trailer-mpu', UploadId }))).Parts ?? [], []);
    const good = await putWithTrailer('/sec/trailer-mpu', query, data, right.toString('base64'));
    assert.equal(statusOf(good), 200, good);
    const parts = (await s3.send(new ListPartsCommand({ Bucket: 'sec', Key: 'trailer-mpu', UploadId }))).Parts ?? [];
    assert.deepEqual(
      parts.map((p) => [p.PartNumber, p.Size, p.ChecksumCRC32]),
      [[1, data.length, right.toString('base64')]],
    );
  });
});

describe('integrity headers', () => {
  /** A signed request with `body` and `headers`, through fetch; the status and the S3 error code. */
  async function signed(method: string, path: string, query: string, body: string, headers: Record<string, string>) {
    const sig = signV4(creds, { method, host, path, query, headers, payloadHash: sha256(body) });
    const res = await fetch(`${stack.s3}${path}${query ? `?${query}` : ''}`, { method, body, headers: sig.headers });
    const text = await res.text();
    return { status: res.status, code: codeOf(text) };
  }
  const md5 = (s: string): string => createHash('md5').update(s).digest('base64');
  const crc = (s: string): string => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(crc32(s));
    return b.toString('base64');
  };
  const tagging = '<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>';
  const cors =
    '<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>';
  const del = '<Delete><Object><Key>nothing-here</Key></Object></Delete>';

  it('Content-MD5 and x-amz-checksum-* of an XML body are checked: BadDigest, InvalidDigest; the configuration is not stored', async () => {
    for (const [path, query, body] of [
      ['/sec', 'cors', cors],
      ['/sec', 'tagging', tagging],
      ['/sec', 'delete', del],
    ] as const) {
      const method = query === 'delete' ? 'POST' : 'PUT';
      assert.deepEqual(await signed(method, path, query, body, { 'content-md5': md5('other') }), { status: 400, code: 'BadDigest' }, query);
      assert.deepEqual(await signed(method, path, query, body, { 'content-md5': 'abc' }), { status: 400, code: 'InvalidDigest' }, query);
      assert.deepEqual(
        await signed(method, path, query, body, { 'x-amz-checksum-crc32': crc('other') }),
        { status: 400, code: 'BadDigest' },
        query,
      );
      const ok = await signed(method, path, query, body, { 'x-amz-checksum-crc32': crc(body) });
      assert.ok(ok.status === 200 || ok.status === 204, `${query}: ${ok.status} ${ok.code}`);
    }
    // The refused bodies stored nothing: the tag set is the one stored by the last, valid request.
    assert.deepEqual(await signed('PUT', '/sec', 'tagging', tagging.replace('<Value>v', '<Value>w'), { 'content-md5': md5('x') }), {
      status: 400,
      code: 'BadDigest',
    });
    const tags = await fetch(`${stack.s3}/sec?tagging`, {
      headers: signV4(creds, { method: 'GET', host, path: '/sec', query: 'tagging', payloadHash: sha256('') }).headers,
    });
    assert.match(await tags.text(), /<Value>v<\/Value>/);
  });

  it('an upload with object lock parameters needs Content-MD5 or a checksum', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'sec-locked', ObjectLockEnabledForBucket: true }));
    const lock = {
      'x-amz-object-lock-mode': 'GOVERNANCE',
      'x-amz-object-lock-retain-until-date': new Date(Date.now() + 3600_000).toISOString(),
    };
    assert.deepEqual(await signed('PUT', '/sec-locked/locked', '', 'body', lock), { status: 400, code: 'InvalidRequest' });
    assert.equal((await signed('PUT', '/sec-locked/locked', '', 'body', { ...lock, 'content-md5': md5('body') })).status, 200);
    assert.equal((await signed('PUT', '/sec-locked/plain', '', 'body', {})).status, 200, 'no lock parameters: no integrity header needed');
  });

  it('DeleteObjects needs Content-MD5 or a checksum; one checksum header at most; x-amz-sdk-checksum-algorithm needs its checksum', async () => {
    assert.deepEqual(await signed('POST', '/sec', 'delete', del, {}), { status: 400, code: 'InvalidRequest' });
    assert.equal((await signed('POST', '/sec', 'delete', del, { 'content-md5': md5(del) })).status, 200);
    const two = await signed('PUT', '/sec/two-checksums', '', 'body', {
      'x-amz-checksum-crc32': crc('body'),
      'x-amz-checksum-sha1': createHash('sha1').update('body').digest('base64'),
    });
    assert.deepEqual(two, { status: 400, code: 'InvalidRequest' });
    await absent('two-checksums');
    const announced = await signed('PUT', '/sec/announced', '', 'body', { 'x-amz-sdk-checksum-algorithm': 'CRC32' });
    assert.deepEqual(announced, { status: 400, code: 'InvalidRequest' });
    await absent('announced');
  });
});

describe('malformed requests', () => {
  it('a 64 KiB header is RequestHeaderSectionTooLarge', async () => {
    const res = await raw([`GET /sec HTTP/1.1\r\nhost: ${host}\r\nx-amz-meta-big: ${'x'.repeat(64 * 1024)}\r\n\r\n`]);
    assert.equal(statusOf(res), 400);
    assert.equal(codeOf(res), 'RequestHeaderSectionTooLarge');
  });

  it('a body shorter than its Content-Length times out as RequestTimeout and stores nothing', async () => {
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'sec', Key: 'short-body' }), { expiresIn: 300 });
    const path = url.slice(url.indexOf('/sec/'));
    const res = await raw(
      [`PUT ${path} HTTP/1.1\r\nhost: ${host}\r\ncontent-length: 100\r\n\r\n`, 'only fifty bytes.................................'],
      10_000,
    );
    assert.equal(statusOf(res), 400, res);
    assert.equal(codeOf(res), 'RequestTimeout');
    await noPartialData();
    await absent('short-body');
  });

  it('a body sent with Transfer-Encoding: chunked and no length is NotImplemented (as S3), one with no length at all MissingContentLength', async () => {
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'sec', Key: 'unsized' }), { expiresIn: 300 });
    const path = url.slice(url.indexOf('/sec/'));
    const chunked = await raw([
      `PUT ${path} HTTP/1.1\r\nhost: ${host}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
    ]);
    assert.deepEqual([statusOf(chunked), codeOf(chunked)], [501, 'NotImplemented'], chunked);
    assert.match(chunked, /<Header>Transfer-Encoding<\/Header>/);
    const unsized = await raw([`PUT ${path} HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n\r\n`]);
    assert.deepEqual([statusOf(unsized), codeOf(unsized)], [411, 'MissingContentLength'], unsized);
    await absent('unsized');
  });

  it('a PutObject whose client goes away mid-body is aborted (499), and its partial data removed', async () => {
    const aborted = async (): Promise<number> => {
      const text = await (await fetch(stack.services['svc-cloudserver'].metrics)).text();
      return find(parsePrometheus(text), 'http_server_requests_total', { operation: 'PutObject', status: '499' })?.value ?? 0;
    };
    const before = await aborted();
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'sec', Key: 'gone' }), { expiresIn: 300 });
    const path = url.slice(url.indexOf('/sec/'));
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.on('connect', resolve));
    socket.write(`PUT ${path} HTTP/1.1\r\nhost: ${host}\r\ncontent-length: 1000000\r\n\r\n`);
    socket.write(Buffer.alloc(300_000, 0x61));
    await new Promise((r) => setTimeout(r, 200));
    socket.end(); // the client closes its side: the body can never be complete
    // Not the idle timeout's RequestTimeout (400): the request is aborted as soon as the client leaves.
    for (let i = 0; i < 100 && (await aborted()) === before; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await aborted()) - before, 1);
    await noPartialData();
    await absent('gone');
  });

  it('a body longer than its Content-Length stores exactly Content-Length bytes', async () => {
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'sec', Key: 'long-body' }), { expiresIn: 300 });
    const path = url.slice(url.indexOf('/sec/'));
    const res = await raw([
      `PUT ${path} HTTP/1.1\r\nhost: ${host}\r\ncontent-length: 10\r\n\r\n0123456789EXTRA-BYTES-THAT-ARE-NOT-HTTP\r\n\r\n`,
    ]);
    assert.equal(statusOf(res), 200, res);
    assert.match(res, /HTTP\/1\.1 400/, 'the bytes after the body are a malformed request');
    const got = await s3.send(new GetObjectCommand({ Bucket: 'sec', Key: 'long-body' }));
    assert.equal(await got.Body?.transformToString(), '0123456789');
  });

  it('XML with a DOCTYPE is MalformedXML', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'sec', Key: 'xml' }));
    const body = Buffer.from(
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&lol;</ETag></Part></CompleteMultipartUpload>',
    );
    const signed = signV4(creds, { method: 'POST', host, path: '/sec/xml', query: `uploadId=${UploadId}`, payloadHash: sha256(body) });
    const res = await fetch(`${stack.s3}/sec/xml?uploadId=${UploadId}`, {
      method: 'POST',
      headers: { ...signed.headers, 'content-length': String(body.length) },
      body,
    });
    assert.equal(res.status, 400);
    assert.equal(codeOf(await res.text()), 'MalformedXML');
    await absent('xml');
  });
});
