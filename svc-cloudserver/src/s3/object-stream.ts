// The bytes of an object version: its pieces (single data, or the parts of a
// multipart object, each possibly on another location) read in order, limited to
// a range. A piece kept in the version's record (`inline`) is served from it.
import type { metadataV1Metadata } from '@zenko/gen';
import type { ChunkSink } from '@zenko/mesh';
import type { ByteRange } from '../data/backend.js';
import { inlineBytes, pieceReads } from '../data/pieces.js';
import type { DataPlacement } from '../data/placement.js';

/** The backend reads of an object's bytes (or a range of them), in order. */
function* backendReads(
  data: DataPlacement,
  pieces: readonly metadataV1Metadata.DataLocation[],
  range?: ByteRange,
): Generator<{ location: string; key: string; range: ByteRange | undefined; inline: Buffer | undefined }> {
  for (const read of pieceReads(pieces, range)) {
    const { piece, start, end, whole } = read;
    const inline = inlineBytes(read);
    if (inline !== undefined) {
      yield { location: piece.location, key: '', range: undefined, inline };
      continue;
    }
    // The file backend reads a whole piece through its known size (no fstat); cloud backends
    // get no Range header for it. A piece within a larger backend object is read by range.
    const asWhole = whole && data.location(piece.location).backend.type !== 'file';
    yield { location: piece.location, key: piece.key, range: asWhole ? undefined : { start, end }, inline: undefined };
  }
}

/** The bytes as a stream of fresh chunks (never reused: the consumer may keep them, as copies and multipart copies do). */
export async function* objectBytes(
  data: DataPlacement,
  pieces: readonly metadataV1Metadata.DataLocation[],
  range?: ByteRange,
): AsyncGenerator<Uint8Array> {
  for (const read of backendReads(data, pieces, range)) {
    if (read.inline !== undefined) {
      // A copy: the consumer may keep the chunk, the record's buffer is not shared.
      yield Buffer.from(read.inline);
      continue;
    }
    const stream = await data.get(read.location, read.key, read.range);
    try {
      for await (const chunk of stream as AsyncIterable<Uint8Array>) yield chunk;
    } finally {
      stream.destroy();
    }
  }
}

/**
 * Sends the bytes to `sink` (a response), from reused buffers where the location can; fails
 * before the first chunk when the first piece is missing.
 */
export async function sendObjectBytes(
  data: DataPlacement,
  pieces: readonly metadataV1Metadata.DataLocation[],
  range: ByteRange | undefined,
  sink: ChunkSink,
): Promise<void> {
  for (const read of backendReads(data, pieces, range)) {
    if (read.inline !== undefined) await sink(read.inline);
    else await data.readTo(read.location, read.key, read.range, sink);
  }
}
