// The checksummed frame every store keeps its values in:
// [u8 format][u32 crc32 of (key, rest)][f64 number][value], where the number is the record's
// revision (the oplog puts its timestamp there). The CRC covers the key too, so a value
// that ends up under another key is caught as well.
import { crc32 } from 'node:zlib';
import { MeshError } from '@zenko/mesh';

const FORMAT = 1;
export const FRAME_HEADER_BYTES = 13;

export function frame(key: Uint8Array, number: number, value: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + value.length);
  out[0] = FORMAT;
  out.writeDoubleLE(number, 5);
  out.set(value, FRAME_HEADER_BYTES);
  out.writeUInt32LE(crc32(out.subarray(5), crc32(key)), 1);
  return out;
}

/** Checks a framed record and returns its number (revision or timestamp) and value. */
export function unframe(key: Uint8Array, raw: Buffer): { number: number; value: Buffer } {
  if (raw.length < FRAME_HEADER_BYTES || raw[0] !== FORMAT || raw.readUInt32LE(1) !== crc32(raw.subarray(5), crc32(key))) {
    throw corrupted(key);
  }
  return { number: raw.readDoubleLE(5), value: raw.subarray(FRAME_HEADER_BYTES) };
}

export function corrupted(key: Uint8Array): MeshError {
  return new MeshError('INTERNAL', 'corrupted record', { details: { key: Buffer.from(key).toString('hex') } });
}
