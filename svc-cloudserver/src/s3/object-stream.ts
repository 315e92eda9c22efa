// The bytes of an object version: its pieces (single data, or the parts of a
// multipart object, each possibly on another location) read in order, limited to
// a range.
import type { metadataV1Metadata } from '@zenko/gen';
import type { ByteRange } from '../data/backend.js';
import type { DataPlacement } from '../data/placement.js';

export async function* objectBytes(
  data: DataPlacement,
  pieces: readonly metadataV1Metadata.DataLocation[],
  range?: ByteRange,
): AsyncGenerator<Uint8Array> {
  const first = range?.start ?? 0;
  const last = range?.end ?? Number.MAX_SAFE_INTEGER;
  for (const piece of pieces) {
    const pieceEnd = piece.start + piece.size - 1;
    if (piece.size === 0 || pieceEnd < first || piece.start > last) continue;
    const sub = { start: Math.max(first, piece.start) - piece.start, end: Math.min(last, pieceEnd) - piece.start };
    const whole = sub.start === 0 && sub.end === piece.size - 1;
    // The file backend reads a whole piece through its known size (no fstat); cloud backends
    // get no Range header for it.
    const stream = await data.get(
      piece.location,
      piece.key,
      whole && data.location(piece.location).backend.type !== 'file' ? undefined : sub,
    );
    try {
      for await (const chunk of stream as AsyncIterable<Uint8Array>) yield chunk;
    } finally {
      stream.destroy();
    }
  }
}

/** Releases data that no version references any more (best effort; failures are logged by the caller). */
export async function releaseData(data: DataPlacement, pieces: readonly metadataV1Metadata.DataLocation[]): Promise<void> {
  await Promise.all(pieces.map((p) => data.delete(p.location, p.key)));
}
