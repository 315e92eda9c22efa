/**
 * One streaming interface over every digest the S3 edge computes: Content-MD5, the
 * x-amz-content-sha256 payload hash and the flexible checksums (`x-amz-checksum-<algorithm>`),
 * whose header values are the base64 of the big-endian digest.
 */
import { createHash } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32c } from './crc32c.js';
import { Crc64Nvme } from './crc64-nvme.js';

/** The `x-amz-checksum-*` algorithms, lower-case as in the header names. */
export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];
export type DigestAlgorithm = ChecksumAlgorithm | 'md5';

/** Digest length in bytes. */
export const DIGEST_LENGTH: Readonly<Record<DigestAlgorithm, number>> = {
  crc32: 4,
  crc32c: 4,
  crc64nvme: 8,
  sha1: 20,
  sha256: 32,
  md5: 16,
};

export interface Hasher {
  readonly algorithm: DigestAlgorithm;
  /** Feeds bytes; returns the hasher for chaining. */
  update(data: Uint8Array): this;
  /** The big-endian digest. Call it once, after the last `update`. */
  digest(): Buffer;
}

class CryptoHasher implements Hasher {
  readonly algorithm: DigestAlgorithm;
  readonly #hash;

  constructor(algorithm: 'md5' | 'sha1' | 'sha256') {
    this.algorithm = algorithm;
    this.#hash = createHash(algorithm);
  }

  update(data: Uint8Array): this {
    this.#hash.update(data);
    return this;
  }

  digest(): Buffer {
    return this.#hash.digest();
  }
}

class Crc32Hasher implements Hasher {
  readonly algorithm = 'crc32';
  #crc = 0;

  update(data: Uint8Array): this {
    this.#crc = zlibCrc32(data, this.#crc);
    return this;
  }

  digest(): Buffer {
    const out = Buffer.allocUnsafe(4);
    out.writeUInt32BE(this.#crc >>> 0, 0);
    return out;
  }
}

class Crc32cHasher implements Hasher {
  readonly algorithm = 'crc32c';
  #crc = 0;

  update(data: Uint8Array): this {
    this.#crc = crc32c(data, this.#crc);
    return this;
  }

  digest(): Buffer {
    const out = Buffer.allocUnsafe(4);
    out.writeUInt32BE(this.#crc, 0);
    return out;
  }
}

class Crc64NvmeHasher implements Hasher {
  readonly algorithm = 'crc64nvme';
  readonly #crc = new Crc64Nvme();

  update(data: Uint8Array): this {
    this.#crc.update(data);
    return this;
  }

  digest(): Buffer {
    return this.#crc.digest();
  }
}

export function createHasher(algorithm: DigestAlgorithm): Hasher {
  switch (algorithm) {
    case 'md5':
    case 'sha1':
    case 'sha256':
      return new CryptoHasher(algorithm);
    case 'crc32':
      return new Crc32Hasher();
    case 'crc32c':
      return new Crc32cHasher();
    case 'crc64nvme':
      return new Crc64NvmeHasher();
  }
}

/** One-shot digest, base64-encoded as in `Content-MD5` and `x-amz-checksum-*` headers. */
export function digestBase64(algorithm: DigestAlgorithm, data: Uint8Array): string {
  return createHasher(algorithm).update(data).digest().toString('base64');
}

/**
 * Accepts the spellings clients use: `CRC32`, `crc64nvme` (x-amz-checksum-algorithm,
 * x-amz-sdk-checksum-algorithm) or a header name `x-amz-checksum-crc32c` (x-amz-trailer).
 */
export function parseChecksumAlgorithm(name: string): ChecksumAlgorithm | undefined {
  let n = name.trim().toLowerCase();
  if (n.startsWith('x-amz-checksum-')) n = n.slice('x-amz-checksum-'.length);
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(n) ? (n as ChecksumAlgorithm) : undefined;
}

/** A checksum's XML element (ListParts, GetObjectAttributes, CompleteMultipartUpload). */
export const CHECKSUM_ELEMENT = {
  crc32: 'ChecksumCRC32',
  crc32c: 'ChecksumCRC32C',
  crc64nvme: 'ChecksumCRC64NVME',
  sha1: 'ChecksumSHA1',
  sha256: 'ChecksumSHA256',
} as const satisfies Record<ChecksumAlgorithm, string>;

export function checksumHeaderName(algorithm: ChecksumAlgorithm): `x-amz-checksum-${ChecksumAlgorithm}` {
  return `x-amz-checksum-${algorithm}`;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Whether `value` is canonical base64 of a digest of the right length for `algorithm`. */
export function isWellFormedDigest(algorithm: DigestAlgorithm, value: string): boolean {
  if (!BASE64.test(value)) return false;
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === DIGEST_LENGTH[algorithm] && bytes.toString('base64') === value;
}
