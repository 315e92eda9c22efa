// The pieces of an object version (single data, or the parts of a multipart object, each
// possibly on another location) that hold its bytes or a range of them, in order: what both
// edges read to answer a GET and to copy an object.
import type { metadataV1Metadata } from '@zenko/gen';
import { MeshError } from '@zenko/mesh';

type DataLocation = metadataV1Metadata.DataLocation;

export interface PieceRead {
  readonly piece: DataLocation;
  /** First and last byte (inclusive) to read in the piece's stored data. */
  readonly start: number;
  readonly end: number;
  /** The read covers the piece's whole stored data (no other piece shares it). */
  readonly whole: boolean;
}

/** Backend keys several pieces share (a multipart object assembled at its location): read by range. */
function sharedKeys(pieces: readonly { key: string }[]): Set<string> {
  const seen = new Set<string>();
  const shared = new Set<string>();
  for (const p of pieces) (seen.has(p.key) ? shared : seen).add(p.key);
  return shared;
}

/** The reads that make up a version's bytes, or an inclusive range of them. */
export function* pieceReads(pieces: readonly DataLocation[], range?: { start: number; end: number }): Generator<PieceRead> {
  const first = range?.start ?? 0;
  const last = range?.end ?? Number.MAX_SAFE_INTEGER;
  const shared = sharedKeys(pieces);
  for (const piece of pieces) {
    const pieceEnd = piece.start + piece.size - 1;
    if (piece.size === 0 || pieceEnd < first || piece.start > last) continue;
    const rangeStart = Math.max(first, piece.start) - piece.start;
    const rangeEnd = Math.min(last, pieceEnd) - piece.start;
    const whole = rangeStart === 0 && rangeEnd === piece.size - 1 && !shared.has(piece.key);
    yield { piece, start: piece.offset + rangeStart, end: piece.offset + rangeEnd, whole };
  }
}

/**
 * The bytes of a read whose piece is kept in the version's record (`inline`: empty key), or
 * undefined when a location holds them.
 */
export function inlineBytes(read: PieceRead): Buffer | undefined {
  const { piece } = read;
  if (piece.key !== '') return undefined;
  if (read.end >= piece.inline.length) {
    throw new MeshError('BACKEND_ERROR', `inline data ends at byte ${piece.inline.length}, before byte ${read.end}`);
  }
  const bytes = piece.inline.subarray(read.start, read.end + 1);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}
