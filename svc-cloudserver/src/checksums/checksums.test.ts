import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Crc32c as AwsCrc32c, Crc64Nvme as AwsCrc64Nvme } from '@aws-sdk/checksums/crc';
import { crc32c } from './crc32c.js';
import { Crc64Nvme, crc64nvme } from './crc64-nvme.js';
import {
  CHECKSUM_ALGORITHMS,
  checksumHeaderName,
  createHasher,
  digestBase64,
  type DigestAlgorithm,
  isWellFormedDigest,
  parseChecksumAlgorithm,
} from './hasher.js';

const CHECK = Buffer.from('123456789');

test('standard check values', () => {
  assert.equal(crc32c(CHECK), 0xe3069283);
  assert.equal(crc64nvme(CHECK), 0xae8b14860a799888n);
  assert.equal(createHasher('crc32').update(CHECK).digest().toString('hex'), 'cbf43926');
  assert.equal(crc32c(Buffer.alloc(0)), 0);
  assert.equal(crc64nvme(Buffer.alloc(0)), 0n);
  // CRC-32C of 32 zero bytes and 32 0xFF bytes (RFC 3720, B.4).
  assert.equal(crc32c(Buffer.alloc(32, 0)), 0x8a9136aa);
  assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
});

test('AWS x-amz-checksum values for "" and "Hello world"', () => {
  const hello = Buffer.from('Hello world');
  const expected: Record<DigestAlgorithm, [string, string]> = {
    crc32: ['AAAAAA==', 'i9aeUg=='],
    crc32c: ['AAAAAA==', 'crUfeA=='],
    crc64nvme: ['AAAAAAAAAAA=', 'OOJZ0D8xKts='],
    sha1: ['2jmj7l5rSw0yVb/vlWAYkK/YBwk=', 'e1AsOh9IyGCa4hLN+2Od7jlnP14='],
    sha256: ['47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=', 'ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw='],
    md5: ['1B2M2Y8AsgTpgAmY7PhCfg==', 'PiWWCnnbxptnTNTsZ6csYg=='],
  };
  for (const [alg, [empty, hw]] of Object.entries(expected) as [DigestAlgorithm, [string, string]][]) {
    assert.equal(digestBase64(alg, Buffer.alloc(0)), empty, alg);
    assert.equal(digestBase64(alg, hello), hw, alg);
  }
});

test('streaming updates equal one-shot for every split, including unaligned tails', () => {
  const data = randomBytes(1000);
  for (const alg of [...CHECKSUM_ALGORITHMS, 'md5'] as const) {
    const whole = digestBase64(alg, data);
    for (const split of [0, 1, 3, 7, 8, 9, 500, 999, 1000]) {
      const h = createHasher(alg);
      h.update(data.subarray(0, split)).update(data.subarray(split));
      assert.equal(h.digest().toString('base64'), whole, `${alg} split ${split}`);
    }
    // byte-by-byte
    const h = createHasher(alg);
    for (let i = 0; i < 37; i++) h.update(data.subarray(i, i + 1));
    assert.equal(h.digest().toString('base64'), digestBase64(alg, data.subarray(0, 37)), `${alg} bytewise`);
  }
});

test('crc32c and crc64nvme agree with the AWS SDK implementations on random data', async () => {
  for (const len of [1, 7, 8, 15, 16, 17, 255, 256, 4096, 65_537, 1_000_003]) {
    const data = randomBytes(len);
    const a = new AwsCrc32c();
    a.update(data);
    assert.equal(digestBase64('crc32c', data), Buffer.from(await a.digest()).toString('base64'), `crc32c ${len}`);
    const b = new AwsCrc64Nvme();
    b.update(data);
    assert.equal(digestBase64('crc64nvme', data), Buffer.from(await b.digest()).toString('base64'), `crc64 ${len}`);
  }
});

test('crc32c continues from a previous value; Crc64Nvme digest is non-destructive', () => {
  const data = randomBytes(333);
  assert.equal(crc32c(data.subarray(100), crc32c(data.subarray(0, 100))), crc32c(data));
  const c = new Crc64Nvme().update(data.subarray(0, 10));
  const first = c.value();
  assert.equal(c.value(), first);
  c.update(data.subarray(10));
  assert.equal(c.value(), crc64nvme(data));
});

test('digests work on Uint8Array views with offsets', () => {
  const backing = randomBytes(64);
  const view = new Uint8Array(backing.buffer, backing.byteOffset + 5, 40);
  assert.equal(digestBase64('crc32c', view), digestBase64('crc32c', Buffer.from(view)));
  assert.equal(digestBase64('crc64nvme', view), digestBase64('crc64nvme', Buffer.from(view)));
});

test('algorithm names, header names and digest validation', () => {
  assert.equal(parseChecksumAlgorithm('CRC64NVME'), 'crc64nvme');
  assert.equal(parseChecksumAlgorithm('x-amz-checksum-crc32c'), 'crc32c');
  assert.equal(parseChecksumAlgorithm(' SHA256 '), 'sha256');
  assert.equal(parseChecksumAlgorithm('md5'), undefined);
  assert.equal(parseChecksumAlgorithm('crc16'), undefined);
  assert.equal(checksumHeaderName('sha1'), 'x-amz-checksum-sha1');
  assert.ok(isWellFormedDigest('crc32', 'i9aeUg=='));
  assert.ok(isWellFormedDigest('crc64nvme', 'OOJZ0D8xKts='));
  assert.ok(!isWellFormedDigest('crc32', 'OOJZ0D8xKts='));
  assert.ok(!isWellFormedDigest('crc32', 'i9aeUg='));
  assert.ok(!isWellFormedDigest('crc32', 'i9ae Ug=='));
  assert.ok(!isWellFormedDigest('crc32', 'i9aeUh=='));
  assert.ok(!isWellFormedDigest('sha256', ''));
});
