/**
 * The checksum of a multipart object, from its parts' checksums (S3's two kinds):
 *
 * - COMPOSITE (CRC32, CRC32C, SHA-1, SHA-256): the checksum of the concatenated binary part
 *   checksums, shown as `<base64>-<number of parts>`.
 * - FULL_OBJECT (CRC32, CRC32C, CRC64NVME): the CRC of the whole object, combined from the
 *   parts' CRCs and sizes without reading a byte (zlib's crc32_combine, generalised: appending
 *   `len` bytes to a message multiplies its CRC register by the matrix of `len` zero bytes over
 *   GF(2); the all-ones init and xorout of these three CRCs cancel out).
 */
import { createHasher, DIGEST_LENGTH, type ChecksumAlgorithm } from './hasher.js';

export const CHECKSUM_TYPES = ['COMPOSITE', 'FULL_OBJECT'] as const;
export type ChecksumType = (typeof CHECKSUM_TYPES)[number];

type CrcAlgorithm = 'crc32' | 'crc32c' | 'crc64nvme';

/** Reflected polynomials. */
const POLY: Readonly<Record<CrcAlgorithm, bigint>> = {
  crc32: 0xedb88320n,
  crc32c: 0x82f63b78n,
  crc64nvme: 0x9a6c9329ac4bc9b5n,
};

/** The kinds S3 allows for an algorithm; the first is its default. */
export const ALLOWED_TYPES: Readonly<Record<ChecksumAlgorithm, readonly ChecksumType[]>> = {
  crc32: ['COMPOSITE', 'FULL_OBJECT'],
  crc32c: ['COMPOSITE', 'FULL_OBJECT'],
  crc64nvme: ['FULL_OBJECT'],
  sha1: ['COMPOSITE'],
  sha256: ['COMPOSITE'],
};

export interface PartChecksum {
  /** Base64 big-endian digest of the part, as its `x-amz-checksum-*` header. */
  readonly checksum: string;
  readonly size: number;
}

/** The object's checksum value (base64, with `-N` for COMPOSITE). */
export function multipartChecksum(algorithm: ChecksumAlgorithm, type: ChecksumType, parts: readonly PartChecksum[]): string {
  if (type === 'COMPOSITE') {
    const hasher = createHasher(algorithm);
    for (const p of parts) hasher.update(Buffer.from(p.checksum, 'base64'));
    return `${hasher.digest().toString('base64')}-${parts.length}`;
  }
  if (!(algorithm in POLY)) throw new Error(`no FULL_OBJECT checksum for ${algorithm}`);
  const crc = algorithm as CrcAlgorithm;
  const bytes = DIGEST_LENGTH[crc];
  const ops = new Map<number, bigint[]>();
  let value = 0n;
  parts.forEach((p, i) => {
    const partCrc = BigInt(`0x${Buffer.from(p.checksum, 'base64').toString('hex') || '0'}`);
    if (i === 0) {
      value = partCrc;
      return;
    }
    let op = ops.get(p.size);
    if (op === undefined) ops.set(p.size, (op = zeroBytesOperator(crc, p.size)));
    value = times(op, value) ^ partCrc;
  });
  const out = Buffer.alloc(bytes);
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out.toString('base64');
}

/** Matrix (columns as bit vectors) times vector, over GF(2). */
function times(matrix: readonly bigint[], vector: bigint): bigint {
  let sum = 0n;
  for (let i = 0; vector !== 0n; i++, vector >>= 1n) if (vector & 1n) sum ^= matrix[i]!;
  return sum;
}

function square(matrix: readonly bigint[]): bigint[] {
  return matrix.map((column) => times(matrix, column));
}

/** The operator that appends `len` zero bytes to a CRC register (zlib's crc32_combine steps). */
function zeroBytesOperator(algorithm: CrcAlgorithm, len: number): bigint[] {
  const width = DIGEST_LENGTH[algorithm] * 8;
  // One zero bit: the register shifts right, the polynomial folds in the bit that falls out.
  let op: bigint[] = [POLY[algorithm]];
  for (let n = 1, row = 1n; n < width; n++, row <<= 1n) op.push(row);
  op = square(square(square(op))); // one zero byte
  let result: bigint[] | undefined;
  for (let remaining = len; remaining > 0; remaining = Math.floor(remaining / 2)) {
    if (remaining % 2 === 1) result = result === undefined ? op : result.map((column) => times(op, column));
    if (remaining > 1) op = square(op);
  }
  // len 0: identity.
  return result ?? Array.from({ length: width }, (_, i) => 1n << BigInt(i));
}
