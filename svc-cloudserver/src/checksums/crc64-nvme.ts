/**
 * CRC-64/NVME (reflected polynomial 0x9A6C9329AC4BC9B5, init and xorout all ones), the
 * `x-amz-checksum-crc64nvme` algorithm. Check value: crc64nvme("123456789") = 0xAE8B14860A799888.
 *
 * JavaScript has no fast 64-bit integers, so the state is two 32-bit halves and the slicing-by-8
 * tables are split into low and high words; BigInt only appears at the API boundary.
 */
const POLY_HI = 0x9a6c9329;
const POLY_LO = 0xac4bc9b5 | 0;

const TABLES = buildTables();
const TL = TABLES.lo;
const TH = TABLES.hi;

function buildTables(): { lo: Int32Array; hi: Int32Array } {
  const lo = new Int32Array(8 * 256);
  const hi = new Int32Array(8 * 256);
  for (let i = 0; i < 256; i++) {
    let l = i;
    let h = 0;
    for (let k = 0; k < 8; k++) {
      const carry = l & 1;
      l = (l >>> 1) | (h << 31);
      h = h >>> 1;
      if (carry) {
        l ^= POLY_LO;
        h ^= POLY_HI;
      }
    }
    lo[i] = l;
    hi[i] = h;
  }
  for (let i = 0; i < 256; i++) {
    let l = lo[i]!;
    let h = hi[i]!;
    for (let k = 1; k < 8; k++) {
      const idx = l & 0xff;
      l = ((l >>> 8) | (h << 24)) ^ lo[idx]!;
      h = (h >>> 8) ^ hi[idx]!;
      lo[k * 256 + i] = l;
      hi[k * 256 + i] = h;
    }
  }
  return { lo, hi };
}

/** Incremental CRC-64/NVME. */
export class Crc64Nvme {
  #lo = -1; // inverted state (init all ones)
  #hi = -1;

  update(data: Uint8Array): this {
    const tl = TL;
    const th = TH;
    let lo = this.#lo;
    let hi = this.#hi;
    const n = data.length;
    let i = 0;
    for (const end = n - 7; i < end; i += 8) {
      const a = lo ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
      const b = hi ^ (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24));
      const i0 = 0x700 + (a & 0xff);
      const i1 = 0x600 + ((a >>> 8) & 0xff);
      const i2 = 0x500 + ((a >>> 16) & 0xff);
      const i3 = 0x400 + (a >>> 24);
      const i4 = 0x300 + (b & 0xff);
      const i5 = 0x200 + ((b >>> 8) & 0xff);
      const i6 = 0x100 + ((b >>> 16) & 0xff);
      const i7 = b >>> 24;
      lo = tl[i0]! ^ tl[i1]! ^ tl[i2]! ^ tl[i3]! ^ tl[i4]! ^ tl[i5]! ^ tl[i6]! ^ tl[i7]!;
      hi = th[i0]! ^ th[i1]! ^ th[i2]! ^ th[i3]! ^ th[i4]! ^ th[i5]! ^ th[i6]! ^ th[i7]!;
    }
    for (; i < n; i++) {
      const idx = (lo ^ data[i]!) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ tl[idx]!;
      hi = (hi >>> 8) ^ th[idx]!;
    }
    this.#lo = lo;
    this.#hi = hi;
    return this;
  }

  /** The 8-byte big-endian digest (the byte order S3 base64-encodes). Non-destructive. */
  digest(): Buffer {
    const out = Buffer.allocUnsafe(8);
    out.writeUInt32BE(~this.#hi >>> 0, 0);
    out.writeUInt32BE(~this.#lo >>> 0, 4);
    return out;
  }

  /** The CRC as an unsigned 64-bit integer. Non-destructive. */
  value(): bigint {
    return this.digest().readBigUInt64BE(0);
  }
}

/** One-shot CRC-64/NVME as an unsigned 64-bit integer. */
export function crc64nvme(data: Uint8Array): bigint {
  return new Crc64Nvme().update(data).value();
}
