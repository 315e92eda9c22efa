/**
 * CRC-32C (Castagnoli; reflected polynomial 0x82F63B78, init and xorout 0xFFFFFFFF), the
 * `x-amz-checksum-crc32c` algorithm. Table-driven, slicing-by-8: eight bytes per step, no per-bit
 * work. Check value: crc32c("123456789") = 0xE3069283.
 */
const POLY = 0x82f63b78;

/** 8 tables of 256 entries: T[k * 256 + b] is the CRC of byte b followed by k zero bytes. */
const T = buildTables();

function buildTables(): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[i] = c;
  }
  for (let i = 0; i < 256; i++) {
    let c = t[i] as number;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + i] = c;
    }
  }
  return t;
}

/**
 * Continues a CRC-32C over `data`. `crc` is the value returned for the preceding bytes
 * (0 for none), so `crc32c(b, crc32c(a)) === crc32c(a ++ b)`. Returns an unsigned 32-bit value.
 */
export function crc32c(data: Uint8Array, crc = 0): number {
  const t = T;
  let c = ~crc | 0;
  const n = data.length;
  let i = 0;
  for (const end = n - 7; i < end; i += 8) {
    const a = c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    c =
      t[0x700 + (a & 0xff)]! ^
      t[0x600 + ((a >>> 8) & 0xff)]! ^
      t[0x500 + ((a >>> 16) & 0xff)]! ^
      t[0x400 + (a >>> 24)]! ^
      t[0x300 + data[i + 4]!]! ^
      t[0x200 + data[i + 5]!]! ^
      t[0x100 + data[i + 6]!]! ^
      t[data[i + 7]!]!;
  }
  for (; i < n; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
