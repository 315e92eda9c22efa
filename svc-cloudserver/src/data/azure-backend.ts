// The `azure` location type: Azure Blob Storage (or Azurite), one block blob per
// stored piece in the location's container, named after the object (`bucketMatch`)
// or `<zenkoBucket>/<key>`. What fits in one block is one Put Blob; larger bodies are
// staged block by block and committed with one Put Block List, so a body that fails
// leaves only uncommitted blocks, which are invisible and collected by the service.
// The key kept in Zenko's metadata is the blob name followed by `?etag=<etag>`:
// reads and deletes are conditional on that ETag, so data an overwrite replaced is
// never confused with the data that replaced it.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AnonymousCredential,
  BlobSASPermissions,
  BlobServiceClient,
  RestError,
  StorageSharedKeyCredential,
  type ContainerClient,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import { MeshError } from '@zenko/mesh';
import type { ByteRange, DataBackend, PutHint } from './backend.js';
import { cloudKeyOf, partKeyOf } from './cloud-names.js';

export interface AzureBackendConfig {
  /** Blob service URL (`https://<account>.blob.core.windows.net`, Azurite's `http://host:port/<account>`); empty: Azure's. */
  endpoint: string;
  accountName: string;
  /** Shared key; empty when a SAS token is used. */
  accountKey: string;
  sasToken: string;
  container: string;
  bucketMatch: boolean;
  https: boolean;
  /**
   * How long the target may stay silent (taking no byte of a body, sending no answer) before a
   * request fails BACKEND_UNAVAILABLE; also the server-side timeout of each try.
   */
  tryTimeoutMs?: number;
}

const MIB = 1024 * 1024;
const BLOCK = 8 * MIB;
const PARALLEL_BLOCKS = 4;
/** A block's bytes go out in slices this large: each one the target takes shows the upload moving. */
const SLICE = 256 * 1024;
/** The slowest rate a target is given to copy a block from a URL itself (Put Block From URL). */
const SERVER_COPY_BYTES_PER_S = 4 * MIB;

/** `data` as a stream of slices (no copy), made anew for each try. */
function sliced(data: Buffer): () => NodeJS.ReadableStream {
  return () =>
    Readable.from(
      (function* () {
        for (let i = 0; i < data.length; i += SLICE) yield data.subarray(i, i + SLICE);
      })(),
      { objectMode: false },
    );
}

interface StoredKey {
  blob: string;
  etag: string;
}

function encodeKey(k: StoredKey): string {
  return `${k.blob}?${new URLSearchParams({ etag: k.etag }).toString()}`;
}

function decodeKey(key: string): StoredKey {
  const at = key.lastIndexOf('?');
  if (at < 0) return { blob: key, etag: '' };
  return { blob: key.slice(0, at), etag: new URLSearchParams(key.slice(at + 1)).get('etag') ?? '' };
}

/**
 * A blob name with a `.` or `..` path segment cannot be addressed: URL parsing (WHATWG, in the
 * SDK and in the service) resolves those segments, even percent-encoded, so `a/../../x` would
 * name a blob of another container or account.
 */
/**
 * The chunks of a download, failing once the target has sent nothing for `idleMs` while one is
 * awaited (a reader that is slow itself never counts): a target gone silent mid-body is an
 * error, not a response that never ends.
 */
async function* whileMoving(source: NodeJS.ReadableStream, idleMs: number, stalled: () => Error): AsyncGenerator<Buffer> {
  const chunks = (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(stalled()), idleMs);
    });
    let next: IteratorResult<Buffer>;
    try {
      next = await Promise.race([chunks.next(), idle]);
    } catch (err) {
      (source as { destroy?: (e?: Error) => void }).destroy?.();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    if (next.done === true) return;
    yield next.value;
  }
}

function addressable(blob: string): boolean {
  // Azure reads a backslash as a slash: `a\b` would be the blob `a/b`, and `\..\` a `..` segment.
  return !blob.includes('\\') && !blob.split('/').some((segment) => segment === '.' || segment === '..');
}

const DENIED = new Set([
  'AuthenticationFailed',
  'AuthorizationFailure',
  'AuthorizationPermissionMismatch',
  'InsufficientAccountPermissions',
  'AccountIsDisabled',
]);

/** Maps a storage-blob failure onto the mesh reasons. */
export function azureFailure(err: unknown, location: string, what: string): MeshError {
  if (err instanceof MeshError) return err;
  const details = { location, operation: what };
  if (err instanceof RestError) {
    const status = err.statusCode;
    const code = err.code ?? '';
    if (status === 404 || code === 'BlobNotFound' || status === 412 || code === 'ConditionNotMet')
      return new MeshError('DATA_NOT_FOUND', `${location}: no data while ${what}`, { cause: err, details });
    if (status === 416 || code === 'InvalidRange')
      return new MeshError('INVALID_RANGE', `${location}: range not satisfiable`, { cause: err });
    if (status === 403 || DENIED.has(code))
      return new MeshError('BACKEND_ERROR', `${location}: access denied while ${what}`, { cause: err, details });
    if (status === undefined || status >= 500 || status === 408)
      return new MeshError('BACKEND_UNAVAILABLE', `${location}: target unavailable while ${what}`, { cause: err, details });
    return new MeshError('BACKEND_ERROR', `${location}: target refused ${what}`, { cause: err, details });
  }
  if ((err as { name?: string }).name === 'AbortError')
    return new MeshError('BACKEND_UNAVAILABLE', `${location}: request aborted while ${what}`, { cause: err, details });
  return new MeshError('BACKEND_UNAVAILABLE', `${location}: target unreachable while ${what}`, { cause: err, details });
}

function serviceUrl(c: AzureBackendConfig): string {
  const raw = c.endpoint.trim() || `https://${c.accountName}.blob.core.windows.net`;
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `${c.https ? 'https' : 'http'}://${raw}`;
  return url.replace(/\/+$/, '');
}

export class AzureBackend implements DataBackend {
  readonly type = 'azure';
  /** A blob name holds one blob: a write replaces the one before. */
  readonly keepsVersions = false;
  readonly #container: ContainerClient;

  constructor(
    readonly location: string,
    private readonly config: AzureBackendConfig,
  ) {
    const options: StoragePipelineOptions = {
      // One retry at most. The SDK's tryTimeoutInMs is only the server-side timeout of a try (the
      // `timeout` parameter): a target that went silent is bounded by #watched, not by the SDK.
      retryOptions: { maxTries: 2, tryTimeoutInMs: config.tryTimeoutMs ?? 9_000, retryDelayInMs: 200, maxRetryDelayInMs: 1_000 },
    };
    const base = serviceUrl(config);
    const service =
      config.accountKey !== ''
        ? new BlobServiceClient(base, new StorageSharedKeyCredential(config.accountName, config.accountKey), options)
        : new BlobServiceClient(`${base}?${config.sasToken.replace(/^\?/, '')}`, new AnonymousCredential(), options);
    this.#container = service.getContainerClient(config.container);
  }

  #nameFor(hint: Pick<PutHint, 'bucket' | 'key'>): string {
    const name = cloudKeyOf(this.config.bucketMatch, hint.bucket, hint.key);
    if (!addressable(name)) {
      throw new MeshError(
        'INVALID_ARGUMENT',
        `${this.location}: an object key with a backslash, or a "." or ".." path segment, cannot be stored on an azure location`,
        {
          details: { location: this.location },
        },
      );
    }
    return name;
  }

  /** The stored key's blob, or DATA_NOT_FOUND for a name no blob of this container can have. */
  #stored(key: string): StoredKey {
    const k = decodeKey(key);
    if (!addressable(k.blob))
      throw new MeshError('DATA_NOT_FOUND', `${this.location}: no data under ${k.blob}`, { details: { location: this.location } });
    return k;
  }

  /**
   * One call to the target, failed BACKEND_UNAVAILABLE once the target has been silent for
   * tryTimeoutMs: it took no slice of the body (each one reported through the SDK's onProgress)
   * and sent no answer. The SDK does not retry an aborted try, so that is the call's bound. A call
   * the target works on without a word (a copy it makes itself) is given `extraMs` more. Other
   * failures are mapped by azureFailure; `signal` (the caller's) aborting the call rethrows as is.
   */
  async #watched<T>(
    what: string,
    signal: AbortSignal | undefined,
    call: (options: { abortSignal: AbortSignal; onProgress: () => void }) => Promise<T>,
    extraMs = 0,
  ): Promise<T> {
    const idleMs = (this.config.tryTimeoutMs ?? 9_000) + extraMs;
    const silent = new AbortController();
    const timer = setTimeout(() => silent.abort(), idleMs);
    try {
      return await call({
        abortSignal: signal ? AbortSignal.any([signal, silent.signal]) : silent.signal,
        onProgress: () => timer.refresh(),
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      if (silent.signal.aborted) {
        throw new MeshError('BACKEND_UNAVAILABLE', `${this.location}: the target was silent for ${idleMs} ms while ${what}`, {
          cause: err,
          details: { location: this.location, operation: what },
        });
      }
      throw azureFailure(err, this.location, what);
    } finally {
      clearTimeout(timer);
    }
  }

  async put(body: AsyncIterable<Uint8Array>, hint: PutHint): Promise<{ key: string; size: number }> {
    const objectName = this.#nameFor(hint);
    // Block ids are unique to this write: concurrent writes to one name never mix their blocks.
    const writeId = randomBytes(12).toString('hex');
    const blob = hint.part ? partKeyOf(hint.bucket, hint.key, hint.part.uploadId, hint.part.number, writeId) : objectName;
    const client = this.#container.getBlockBlobClient(blob);
    // A failed block (or body, or the caller going away) cancels the blocks in flight at once:
    // none is left to run out its own tries against a target that is gone or silent.
    const cancel = new AbortController();
    const signal = hint.signal ? AbortSignal.any([hint.signal, cancel.signal]) : cancel.signal;
    const blockIds: string[] = [];
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    let size = 0;
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;

    const stage = (data: Buffer): Promise<void> => {
      const id = Buffer.from(`${writeId}-${String(blockIds.length).padStart(6, '0')}`).toString('base64');
      blockIds.push(id);
      const p = this.#watched('writing', signal, (o) => client.stageBlock(id, sliced(data), data.length, o))
        .then(
          () => undefined,
          (err: unknown) => {
            failure ??= { error: err };
            cancel.abort();
          },
        )
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
      return p;
    };
    const drain = async (): Promise<void> => {
      await Promise.all(inFlight);
      if (failure !== undefined) throw failure.error;
    };

    try {
      for await (const chunk of body) {
        if (hint.signal?.aborted) throw hint.signal.reason;
        if (failure !== undefined) throw failure.error;
        pending.push(chunk);
        pendingBytes += chunk.length;
        size += chunk.length;
        while (pendingBytes > BLOCK) {
          // More than one block: stage the first BLOCK bytes, keep the rest.
          const all = Buffer.concat(pending);
          pending = [all.subarray(BLOCK)];
          pendingBytes = all.length - BLOCK;
          void stage(all.subarray(0, BLOCK));
          while (inFlight.size >= PARALLEL_BLOCKS) await Promise.race(inFlight);
        }
      }
    } catch (err) {
      // The body's own failure reaches the caller unchanged (the target's is a MeshError already);
      // staged blocks stay uncommitted (invisible).
      cancel.abort();
      await Promise.allSettled(inFlight);
      throw err;
    }
    const rest = Buffer.concat(pending);
    let etag: string | undefined;
    try {
      if (blockIds.length === 0) {
        etag = (await this.#watched('writing', hint.signal, (o) => client.upload(sliced(rest), rest.length, o))).etag;
      } else {
        if (rest.length > 0) void stage(rest);
        await drain();
        etag = (await this.#watched('writing', hint.signal, (o) => client.commitBlockList(blockIds, { abortSignal: o.abortSignal }))).etag;
      }
    } catch (err) {
      cancel.abort();
      await Promise.allSettled(inFlight);
      if (hint.signal?.aborted) throw hint.signal.reason;
      throw err;
    }
    if (etag === undefined) throw new MeshError('BACKEND_ERROR', `${this.location}: the target returned no ETag`);
    return { key: encodeKey({ blob, etag }), size };
  }

  /**
   * One block blob under the object's own name made of the pieces, each staged by the service
   * itself from the piece's URL (Put Block From URL, readable through a short read-only SAS or the
   * location's SAS), then committed with one Put Block List: no byte passes through Zenko.
   */
  async compose(
    pieces: readonly { key: string; size: number }[],
    hint: Pick<PutHint, 'bucket' | 'key'>,
  ): Promise<{ key: string; size: number }> {
    const blob = this.#nameFor(hint);
    const client = this.#container.getBlockBlobClient(blob);
    const writeId = randomBytes(12).toString('hex');
    const ids = pieces.map((_, i) => Buffer.from(`${writeId}-${String(i).padStart(6, '0')}`).toString('base64'));
    // A failed block cancels the copies in flight: none is left waiting on a silent target.
    const cancel = new AbortController();
    try {
      let next = 0;
      const worker = async (): Promise<void> => {
        for (let i = next++; i < pieces.length && !cancel.signal.aborted; i = next++) {
          const piece = pieces[i]!;
          const source = this.#container.getBlobClient(decodeKey(piece.key).blob);
          const url =
            this.config.accountKey !== ''
              ? await source.generateSasUrl({ permissions: BlobSASPermissions.parse('r'), expiresOn: new Date(Date.now() + 3_600_000) })
              : source.url;
          // The target copies the piece before it answers: its time to copy is not silence.
          await this.#watched(
            'assembling',
            cancel.signal,
            ({ abortSignal }) => client.stageBlockFromURL(ids[i]!, url, 0, piece.size, { abortSignal }),
            (piece.size / SERVER_COPY_BYTES_PER_S) * 1000,
          );
        }
      };
      await Promise.all(
        Array.from({ length: Math.min(PARALLEL_BLOCKS, pieces.length) }, () =>
          worker().catch((err: unknown) => {
            cancel.abort();
            throw err;
          }),
        ),
      );
      const etag = (await this.#watched('assembling', undefined, ({ abortSignal }) => client.commitBlockList(ids, { abortSignal }))).etag;
      if (etag === undefined) throw new MeshError('BACKEND_ERROR', `${this.location}: the target returned no ETag`);
      return { key: encodeKey({ blob, etag }), size: pieces.reduce((total, p) => total + p.size, 0) };
    } catch (err) {
      // Staged blocks stay uncommitted (invisible) and are collected by the service.
      throw azureFailure(err, this.location, 'assembling');
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const k = this.#stored(key);
    const count = range && range.end < Number.MAX_SAFE_INTEGER ? range.end - range.start + 1 : undefined;
    try {
      // Bounded until the answer's headers; the body is watched by whileMoving.
      const res = await this.#watched('reading', undefined, ({ abortSignal }) =>
        this.#container
          .getBlobClient(k.blob)
          .download(range?.start ?? 0, count, { conditions: k.etag ? { ifMatch: k.etag } : {}, maxRetryRequests: 2, abortSignal }),
      );
      const stream = res.readableStreamBody;
      if (stream === undefined) return Readable.from([]);
      const idleMs = this.config.tryTimeoutMs ?? 9_000;
      const stalled = (): MeshError =>
        new MeshError('BACKEND_UNAVAILABLE', `${this.location}: the download stalled (no bytes for ${idleMs} ms)`, {
          details: { location: this.location },
        });
      return Readable.from(whileMoving(stream, idleMs, stalled), { objectMode: false });
    } catch (err) {
      throw azureFailure(err, this.location, 'reading');
    }
  }

  async head(key: string): Promise<{ size: number }> {
    const k = this.#stored(key);
    try {
      const res = await this.#watched('reading', undefined, ({ abortSignal }) =>
        this.#container.getBlobClient(k.blob).getProperties({ conditions: k.etag ? { ifMatch: k.etag } : {}, abortSignal }),
      );
      return { size: res.contentLength ?? 0 };
    } catch (err) {
      throw azureFailure(err, this.location, 'reading');
    }
  }

  async delete(key: string): Promise<void> {
    const k = decodeKey(key);
    if (!addressable(k.blob)) return;
    try {
      // Conditional on the ETag: a blob an overwrite replaced since is left alone.
      await this.#watched('deleting', undefined, ({ abortSignal }) =>
        this.#container.getBlobClient(k.blob).delete({ conditions: k.etag ? { ifMatch: k.etag } : {}, abortSignal }),
      );
    } catch (err) {
      const failure = azureFailure(err, this.location, 'deleting');
      if (failure.reason !== 'DATA_NOT_FOUND') throw failure;
    }
  }

  /** Checks the credentials and the container. */
  async probe(): Promise<void> {
    try {
      await this.#watched('probing', undefined, ({ abortSignal }) => this.#container.getProperties({ abortSignal }));
    } catch (err) {
      // #watched maps the SDK's error; its answer's status is on the cause.
      const rest = err instanceof MeshError ? err.cause : err;
      const status = rest instanceof RestError ? rest.statusCode : undefined;
      const reason =
        status === 404
          ? `container ${this.config.container} does not exist`
          : status === 403
            ? `access to container ${this.config.container} denied (credentials)`
            : `target unreachable or failing (${azureFailure(err, this.location, 'probing').reason})`;
      throw new MeshError('LOCATION_PROBE_FAILED', `${this.location}: ${reason}`, {
        cause: err,
        details: { location: this.location, container: this.config.container, status: String(status ?? 0) },
      });
    }
  }

  async close(): Promise<void> {}
}
