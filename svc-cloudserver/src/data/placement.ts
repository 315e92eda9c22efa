// Data placement: streams object bytes into and out of locations. Digests (MD5 and
// the flexible checksums) are computed while the bytes flow; the expected size and
// digests are checked before the backend makes the data durable, so a mismatch
// leaves nothing behind. A small body bound for a `file` location may be kept in memory
// and returned (`inline`) for the caller to store in the object's metadata record: one
// durable commit instead of a data file's write, rename and two fsyncs, and no thread-pool
// round trips.
import type { Readable } from 'node:stream';
import { metadataV1Metadata } from '@zenko/gen';
import { MeshError, int, sinkAll, type ChunkSink } from '@zenko/mesh';
import { createHasher, type ChecksumAlgorithm, type Hasher } from '../checksums/hasher.js';
import { ThreadedHasher } from '../checksums/threaded-hasher.js';
import type { ByteRange, DataBackend } from './backend.js';

export interface Location {
  readonly name: string;
  readonly type: string;
  readonly isTransient: boolean;
  /** 0: no limit. */
  readonly sizeLimitBytes: number;
  /** Objects are stored under their own key (no `<bucket>/` prefix): the location serves one bucket. */
  readonly bucketMatch: boolean;
  readonly backend: DataBackend;
}

/** Bodies of at least this size have their MD5 computed on the hash thread. */
const THREADED_MD5_MIN_BYTES = 4 * 1024 * 1024;

export interface LocationResolver {
  get(name: string): Location | undefined;
}

/**
 * The bytes the namespace holds at a location (LocationRegistryService's `usage_bytes`), read
 * before each write to a location with a size limit. The writes this process has in flight to the
 * location count too (`DataPlacement`'s reservations), so concurrent writes through one edge are
 * refused rather than all let past the limit; writes through another process, and the moment
 * between a write's end and its metadata commit, are not counted.
 */
export type UsageReader = (location: string) => Promise<number>;

function limitExceeded(location: Location, used: number): MeshError {
  return new MeshError(
    'LOCATION_SIZE_LIMIT_EXCEEDED',
    `The assigned storage space limit for location ${location.name} will be exceeded (limit ${location.sizeLimitBytes} bytes, ${used} in use)`,
    { details: { location: location.name } },
  );
}

export interface Expected {
  /** Base64 MD5 (Content-MD5). */
  md5?: string;
  /** Base64 checksums by algorithm. */
  checksums?: Partial<Record<ChecksumAlgorithm, string>>;
}

export interface PutOptions {
  bucket: string;
  key: string;
  /** Expected size, -1 when unknown (chunked bodies). */
  size: number;
  /** Set when the bytes are a part of a multipart upload. */
  part?: { uploadId: string; number: number };
  checksumAlgorithms?: readonly ChecksumAlgorithm[];
  /** Evaluated once the last byte went through (trailing checksums are known by then). */
  expect?: () => Expected;
  signal?: AbortSignal;
  /**
   * The caller stores the result's bytes in the object's metadata record when the location
   * returns them `inline` (whole objects only: never a part).
   */
  inline?: boolean;
}

/**
 * Whole objects up to this size bound for a `file` location are returned inline when the caller
 * asks (0: never, the default). Off by default: inline bytes grow the metadata store (and the
 * memory its readers map) as much as the objects themselves.
 */
export const INLINE_SETTING = int(
  'ZENKO_INLINE_MAX_BYTES',
  'whole objects up to this many bytes on a local-disk location are kept in their metadata record instead of a file (0: never)',
  0,
  0,
  64 * 1024,
);

export interface PutResult {
  location: string;
  key: string;
  size: number;
  /** Hex MD5. */
  md5: string;
  /** Base64 checksums by algorithm. */
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
  /** The bytes, when kept for the metadata record (PutOptions.inline); `key` is then empty. */
  inline?: Buffer;
}

/** The one piece of a single-part version holding stored bytes (with them when they are inline). */
export function pieceOf(stored: PutResult, partNumber = 0): metadataV1Metadata.DataLocation {
  return metadataV1Metadata.DataLocation.fromPartial({
    location: stored.location,
    key: stored.key,
    start: 0,
    size: stored.size,
    partNumber,
    etag: stored.md5,
    ...(stored.inline === undefined ? {} : { inline: stored.inline }),
  });
}

/** A backend's bytes (or a range) sent to `sink`: its own `readTo` (reused buffers), or its `get` stream chunk by chunk. */
export async function readBytesTo(backend: DataBackend, key: string, range: ByteRange | undefined, sink: ChunkSink): Promise<void> {
  if (backend.readTo) return backend.readTo(key, range, sink);
  const stream = await backend.get(key, range);
  try {
    await sinkAll(stream, sink);
  } finally {
    stream.destroy();
  }
}

export class DataPlacement {
  constructor(
    private readonly locations: LocationResolver,
    /** INLINE_SETTING's value: 0, nothing is returned inline. */
    private readonly inlineMaxBytes = 0,
    /** Without it, a size limit is checked against each write alone. */
    private readonly usage?: UsageReader,
    /** Told what a failed write left at a location and could not remove yet (PutHint.leftover), to delete later. */
    private readonly leftovers?: (piece: { location: string; key: string }) => void,
  ) {}

  /** Bytes of writes in flight per limited location: declared sizes, or the bytes so far of a body of unknown size. */
  readonly #reserved = new Map<string, number>();

  #reserve(location: string, bytes: number): void {
    const total = (this.#reserved.get(location) ?? 0) + bytes;
    if (total === 0) this.#reserved.delete(location);
    else this.#reserved.set(location, total);
  }

  location(name: string): Location {
    const location = this.locations.get(name);
    if (location === undefined) throw new MeshError('LOCATION_NOT_FOUND', `no location named ${name}`, { details: { location: name } });
    return location;
  }

  async put(locationName: string, body: AsyncIterable<Uint8Array>, opts: PutOptions): Promise<PutResult> {
    const location = this.location(locationName);
    const limit = location.sizeLimitBytes;
    const stored = limit > 0 && this.usage !== undefined ? await this.usage(location.name) : 0;
    // This write's share of the location's reservation; the rest is what the other writes in flight
    // here will add: they are counted against this one, and it against them.
    let reserved = 0;
    const inUse = (): number => stored + (this.#reserved.get(location.name) ?? 0) - reserved;
    const reserve = (bytes: number): void => {
      if (limit === 0 || bytes <= reserved) return;
      this.#reserve(location.name, bytes - reserved);
      reserved = bytes;
    };
    if (limit > 0 && opts.size !== 0 && inUse() + Math.max(0, opts.size) > limit) throw limitExceeded(location, inUse());
    reserve(Math.max(0, opts.size));
    try {
      return await this.#put(location, body, opts, limit, inUse, reserve);
    } finally {
      if (reserved > 0) this.#reserve(location.name, -reserved);
    }
  }

  async #put(
    location: Location,
    body: AsyncIterable<Uint8Array>,
    opts: PutOptions,
    limit: number,
    inUse: () => number,
    reserve: (bytes: number) => void,
  ): Promise<PutResult> {
    // A large body's MD5 runs on the hash thread, beside the event loop that moves its bytes.
    const md5 = opts.size >= THREADED_MD5_MIN_BYTES ? new ThreadedHasher('md5') : createHasher('md5');
    const hashers = new Map<ChecksumAlgorithm, Hasher>((opts.checksumAlgorithms ?? []).map((a) => [a, createHasher(a)]));
    let size = 0;
    let md5Digest: Buffer | undefined;
    const checked = async function* (): AsyncGenerator<Uint8Array> {
      for await (const chunk of body) {
        md5.update(chunk);
        for (const h of hashers.values()) h.update(chunk);
        size += chunk.length;
        if (opts.size >= 0 && size > opts.size) throw new MeshError('INVALID_ARGUMENT', 'body longer than its declared length');
        if (limit > 0 && inUse() + size > limit) throw limitExceeded(location, inUse());
        reserve(size);
        yield chunk;
        if (md5 instanceof ThreadedHasher) await md5.ready();
      }
      if (opts.size >= 0 && size !== opts.size) {
        throw new MeshError('INCOMPLETE_BODY', `received ${size} of ${opts.size} bytes`);
      }
      md5Digest = await md5.digest();
      const expected = opts.expect?.() ?? {};
      if (expected.md5 !== undefined && expected.md5 !== md5Base64()) {
        throw new MeshError('BAD_DIGEST', 'the Content-MD5 you specified did not match what was received', {
          details: { algorithm: 'md5' },
        });
      }
      for (const [algorithm, value] of Object.entries(expected.checksums ?? {}) as [ChecksumAlgorithm, string][]) {
        const hasher = hashers.get(algorithm);
        if (hasher === undefined) throw new MeshError('INTERNAL', `checksum ${algorithm} expected but not computed`);
        if (digests().get(algorithm) !== value) {
          throw new MeshError('BAD_DIGEST', `the ${algorithm} checksum you specified did not match what was received`, {
            details: { algorithm },
          });
        }
      }
    };
    const md5Base64 = (): string => md5Digest!.toString('base64');
    let checksumDigests: Map<ChecksumAlgorithm, string> | undefined;
    const digests = (): Map<ChecksumAlgorithm, string> =>
      (checksumDigests ??= new Map([...hashers].map(([a, h]) => [a, h.digest().toString('base64')])));

    const inline =
      opts.inline === true &&
      opts.part === undefined &&
      opts.size >= 0 &&
      opts.size <= this.inlineMaxBytes &&
      location.backend.type === 'file';
    let kept: Buffer | undefined;
    let stored: { key: string; size: number };
    try {
      if (inline) {
        const chunks: Uint8Array[] = [];
        for await (const chunk of checked()) {
          if (opts.signal?.aborted) throw opts.signal.reason;
          chunks.push(chunk);
        }
        kept = Buffer.concat(chunks);
      }
      stored =
        kept !== undefined
          ? { key: '', size: kept.length }
          : await location.backend.put(checked(), {
              bucket: opts.bucket,
              key: opts.key,
              size: opts.size,
              ...(opts.part ? { part: opts.part } : {}),
              ...(opts.signal ? { signal: opts.signal } : {}),
              ...(this.leftovers ? { leftover: this.#leftover(location.name) } : {}),
            });
    } finally {
      // Whatever became of the body (read whole, cut off, never read by a failing backend), a
      // threaded hash not finished by now never will be: the thread drops it (no-op once digested).
      if (md5 instanceof ThreadedHasher) md5.abandon();
    }
    if (md5Digest === undefined) throw new MeshError('INTERNAL', 'the body was not read to its end');
    return {
      location: location.name,
      key: stored.key,
      size: stored.size,
      md5: md5Digest.toString('hex'),
      checksums: Object.fromEntries(digests()),
      ...(kept === undefined ? {} : { inline: kept }),
    };
  }

  /** What a backend of `location` could not remove after a failed write, for the leftovers hook. */
  #leftover(location: string): (key: string) => void {
    return (key) => this.leftovers?.({ location, key });
  }

  get(locationName: string, key: string, range?: ByteRange): Promise<Readable> {
    return this.location(locationName).backend.get(key, range);
  }

  /** Sends the bytes (or a range) to `sink`, from reused buffers where the backend can; fails before the first chunk when the data is missing. */
  readTo(locationName: string, key: string, range: ByteRange | undefined, sink: ChunkSink): Promise<void> {
    return readBytesTo(this.location(locationName).backend, key, range, sink);
  }

  head(locationName: string, key: string): Promise<{ size: number }> {
    return this.location(locationName).backend.head(key);
  }

  delete(locationName: string, key: string): Promise<void> {
    return this.location(locationName).backend.delete(key);
  }

  /** Copies (a range of) stored data to another location, inside this process. */
  async copy(
    source: { location: string; key: string; range?: ByteRange },
    target: { location: string; bucket: string; key: string },
  ): Promise<PutResult> {
    const total = (await this.head(source.location, source.key)).size;
    const range = source.range ? { start: source.range.start, end: Math.min(source.range.end, total - 1) } : undefined;
    if (range && range.start > range.end) throw new MeshError('INVALID_RANGE', `range starts past the end (${total} bytes)`);
    const size = range ? range.end - range.start + 1 : total;
    const stream = await this.get(source.location, source.key, range);
    return this.put(target.location, stream, { bucket: target.bucket, key: target.key, size });
  }
}
