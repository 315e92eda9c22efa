// One interface over every place object bytes can live (a location type). Keys are
// chosen by the backend (generated ids for local types, object-derived names for
// clouds); callers keep them in the object's metadata.
import type { Readable } from 'node:stream';
import type { ChunkSink } from '@zenko/mesh';

export interface PutHint {
  bucket: string;
  key: string;
  /** Expected size in bytes, -1 when unknown. */
  size: number;
  /** Set for a part of a multipart upload: cloud locations name the piece after it. */
  part?: { uploadId: string; number: number };
  signal?: AbortSignal;
  /**
   * Told the key of what a failed put left at the target and could not remove at once (a
   * multipart upload the target did not abort: down, or silent): `delete(key)` removes it later.
   */
  leftover?: (key: string) => void;
}

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

export interface DataBackend {
  readonly type: string;
  /**
   * Whether every write keeps the earlier writes of the same object key readable (each under its
   * own stored name, or as a version of the target's): required for versioned buckets.
   */
  readonly keepsVersions: boolean;
  /**
   * Stores the bytes of `body` and resolves once they are durable. If `body` fails
   * (client gone, digest mismatch), nothing is left visible and the promise rejects
   * with the body's error; if the target fails (down, refusing, silent past the backend's
   * timeouts), with a MeshError (BACKEND_UNAVAILABLE, BACKEND_ERROR...), within bounded time.
   * What either failure leaves at the target is removed, or handed to `hint.leftover`.
   */
  put(body: AsyncIterable<Uint8Array>, hint: PutHint): Promise<{ key: string; size: number }>;
  /** A stream of the bytes (or of a range); DATA_NOT_FOUND if the key is unknown. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /**
   * Optional: sends the bytes (or a range) to `sink` in order, from buffers the backend reuses
   * once the sink's promise resolves (no allocation per chunk); fails before the first chunk if
   * the key is unknown. Without it, readers iterate `get`.
   */
  readTo?(key: string, range: ByteRange | undefined, sink: ChunkSink): Promise<void>;
  head(key: string): Promise<{ size: number }>;
  /** Idempotent: deleting a missing key succeeds. */
  delete(key: string): Promise<void>;
  /**
   * Optional: joins stored pieces, in order, into one new object under the object's own name,
   * inside the target (server-side copy: no byte passes through Zenko). Used to assemble a
   * multipart upload whose parts were stored at this location. The pieces stay untouched.
   */
  compose?(
    pieces: readonly { key: string; size: number }[],
    hint: Pick<PutHint, 'bucket' | 'key' | 'leftover'>,
  ): Promise<{ key: string; size: number }>;
  /** Checks that the target is reachable with the configured credentials (cloud types); LOCATION_PROBE_FAILED otherwise. */
  probe?(): Promise<void>;
  close(): Promise<void>;
}
