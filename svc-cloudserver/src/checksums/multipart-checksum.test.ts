import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createHasher, digestBase64, type ChecksumAlgorithm } from './hasher.js';
import { multipartChecksum } from './multipart-checksum.js';

function split(data: Buffer, sizes: number[]): Buffer[] {
  const parts: Buffer[] = [];
  let at = 0;
  for (const size of sizes) {
    parts.push(data.subarray(at, at + size));
    at += size;
  }
  return parts;
}

test('FULL_OBJECT: the CRC combined from the parts is the CRC of the whole object', () => {
  const data = randomBytes(300_000);
  for (const sizes of [[300_000], [100_000, 100_000, 100_000], [1, 99_999, 150_000, 49_999, 1], [0, 300_000], [299_999, 1]]) {
    const parts = split(data, sizes);
    for (const algorithm of ['crc32', 'crc32c', 'crc64nvme'] as const) {
      const combined = multipartChecksum(
        algorithm,
        'FULL_OBJECT',
        parts.map((p) => ({ checksum: digestBase64(algorithm, p), size: p.length })),
      );
      assert.equal(combined, digestBase64(algorithm, data), `${algorithm} over ${sizes.join('+')}`);
    }
  }
});

test("COMPOSITE: the checksum of the parts' binary checksums, with the part count", () => {
  const parts = split(randomBytes(30_000), [10_000, 10_000, 10_000]);
  for (const algorithm of ['crc32', 'crc32c', 'sha1', 'sha256'] as ChecksumAlgorithm[]) {
    const binary = Buffer.concat(parts.map((p) => createHasher(algorithm).update(p).digest()));
    assert.equal(
      multipartChecksum(
        algorithm,
        'COMPOSITE',
        parts.map((p) => ({ checksum: digestBase64(algorithm, p), size: p.length })),
      ),
      `${createHasher(algorithm).update(binary).digest().toString('base64')}-3`,
    );
  }
});
