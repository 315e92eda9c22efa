// The `aws_s3` location type (AWS and every S3-compatible store: GCS interop,
// Wasabi, Ceph RGW, MinIO, another Zenko) and `gcp` (the same protocol on
// storage.googleapis.com). Objects are stored under their own key
// (`bucketMatch`) or under `<zenkoBucket>/<key>`, each tagged with a fresh data id
// (user metadata `zenko-data-id`) so that data an overwrite replaced is told
// apart from the data that replaced it: reads and deletes of a replaced piece find
// another id and leave the newer bytes alone. The key kept in Zenko's metadata is
// the cloud key followed by `?id=<data id>` (and `&v=<version id>` when the target
// bucket is versioned, `&mpu=1` when the piece lives in the multipart bucket).
//
// A body that fits in one part is one PutObject, sent once the body has ended; a larger
// one is a multipart upload, a few parts in flight. A body that fails, or a target that
// fails, never completes either, so nothing becomes visible; the failed upload is aborted,
// or, when the target does not take the abort, handed back (PutHint.leftover) under a key
// whose delete() aborts it later. The body's own errors reach the caller unchanged; every
// failure of the target is a mesh reason (BACKEND_UNAVAILABLE when it is down or silent).
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { MeshError } from '@zenko/mesh';
import type { ByteRange, DataBackend, PutHint } from './backend.js';
import { cloudKeyOf, partKeyOf } from './cloud-names.js';
import { KeyLocks } from './key-locks.js';

export interface S3BackendConfig {
  type: 'aws_s3' | 'gcp';
  /** URL or host[:port]; empty: AWS (aws_s3) or storage.googleapis.com (gcp). */
  endpoint: string;
  region: string;
  /** Scheme for an endpoint given without one. */
  https: boolean;
  pathStyle: boolean;
  bucket: string;
  /** Bucket holding multipart-upload parts; empty: the target bucket. */
  mpuBucket: string;
  bucketMatch: boolean;
  serverSideEncryption: boolean;
  accessKey: string;
  secretKey: string;
  /** The target bucket has versioning enabled (the probe checks it): versioned buckets may use the location. */
  supportsVersioning?: boolean;
  /** Connection and idle-socket timeouts of every request. */
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}

const GCS_ENDPOINT = 'https://storage.googleapis.com';
const DATA_ID = 'zenko-data-id';
const MIB = 1024 * 1024;
const MAX_PARTS = 10_000;
/** Parts of one body in flight at once. */
const PARTS_IN_FLIGHT = 4;
/**
 * How long a failed write waits for the abort of its multipart upload before answering: a target
 * that does not take it by then (down, silent) gets it later, from the caller's release journal.
 */
const ABORT_WAIT_MS = 3_000;

interface StoredKey {
  cloudKey: string;
  id: string;
  versionId: string;
  mpu: boolean;
  /** Set on the key of an open multipart upload a failed write left (PutHint.leftover): delete() aborts it. */
  uploadId: string;
}

function encodeKey(k: Omit<StoredKey, 'uploadId'> & { uploadId?: string }): string {
  const params = new URLSearchParams({ id: k.id });
  if (k.versionId !== '' && k.versionId !== 'null') params.set('v', k.versionId);
  if (k.mpu) params.set('mpu', '1');
  if (k.uploadId !== undefined && k.uploadId !== '') params.set('upload', k.uploadId);
  return `${k.cloudKey}?${params.toString()}`;
}

function decodeKey(key: string): StoredKey {
  const at = key.lastIndexOf('?');
  if (at < 0) return { cloudKey: key, id: '', versionId: '', mpu: false, uploadId: '' };
  const params = new URLSearchParams(key.slice(at + 1));
  return {
    cloudKey: key.slice(0, at),
    id: params.get('id') ?? '',
    versionId: params.get('v') ?? '',
    mpu: params.get('mpu') === '1',
    uploadId: params.get('upload') ?? '',
  };
}

/** What every write names at the target. */
interface ObjectParams {
  Bucket: string;
  Key: string;
  Metadata: Record<string, string>;
  ServerSideEncryption?: 'AES256';
}

interface Part {
  data: Buffer;
  last: boolean;
}

/**
 * The body in parts of `size` bytes (the last one at most that), each told whether it is the
 * last. Only the body's own errors come out of it (and `signal`'s reason once it aborts).
 */
async function* partsOf(body: AsyncIterable<Uint8Array>, size: number, signal: AbortSignal | undefined): AsyncGenerator<Part, void> {
  let chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of body) {
    if (signal?.aborted) throw signal.reason;
    chunks.push(chunk);
    length += chunk.length;
    while (length > size) {
      // More than a part: the next byte exists, so this part is not the last.
      const all = Buffer.concat(chunks, length);
      yield { data: all.subarray(0, size), last: false };
      chunks = [all.subarray(size)];
      length -= size;
    }
  }
  if (signal?.aborted) throw signal.reason;
  yield { data: Buffer.concat(chunks, length), last: true };
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ECONNABORTED',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const DENIED = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'AllAccessDisabled',
]);

type RetryStrategyV2 = Extract<NonNullable<S3ClientConfig['retryStrategy']>, { acquireInitialRetryToken: unknown }>;
type RetryToken = Awaited<ReturnType<RetryStrategyV2['acquireInitialRetryToken']>>;

const retryToken = (count: number): RetryToken => ({
  getRetryCount: () => count,
  getRetryDelay: () => (count === 0 ? 0 : 100 + Math.random() * 100),
});

/**
 * The SDK's own timers (the socket timeout: a target silent that long; the connection timeout):
 * their errors are named TimeoutError and carry no errno code, unlike a reset connection's.
 */
function targetSilent(err: unknown): boolean {
  const e = err as { name?: string; code?: unknown } | undefined;
  return e?.name === 'TimeoutError' && e.code === undefined;
}

/**
 * One retry at most, 100–200 ms later, of what another try may fix (a kept-alive connection the
 * target had closed, a 5xx, throttling); none of a refusal (4xx), nor of a try the target left
 * silent past the socket timeout: waiting for it twice would only double the time to the 503.
 */
const RETRY_STRATEGY: RetryStrategyV2 = {
  acquireInitialRetryToken: async () => retryToken(0),
  refreshRetryTokenForRetry: async (token, info) => {
    if (token.getRetryCount() >= 1 || info.errorType === 'CLIENT_ERROR' || targetSilent(info.error))
      throw info.error ?? new Error('not retried');
    return retryToken(token.getRetryCount() + 1);
  },
  recordSuccess: () => undefined,
};

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** Maps an SDK failure onto the mesh reasons; the location name goes into the details. */
export function s3Failure(err: unknown, location: string, what: string): MeshError {
  if (err instanceof MeshError) return err;
  const e = err as { name?: string; code?: string; Code?: string };
  const name = e.name ?? '';
  const code = e.code ?? e.Code ?? '';
  const status = statusOf(err);
  const details = { location, operation: what };
  if (name === 'NoSuchKey' || name === 'NotFound' || (status === 404 && name !== 'NoSuchBucket'))
    return new MeshError('DATA_NOT_FOUND', `${location}: no data while ${what}`, { cause: err, details });
  if (name === 'KeyTooLongError')
    return new MeshError('KEY_TOO_LONG', `${location}: the key is too long for the target (with its bucket prefix)`, {
      cause: err,
      details,
    });
  if (status === 416 || name === 'InvalidRange')
    return new MeshError('INVALID_RANGE', `${location}: range not satisfiable`, { cause: err });
  if (DENIED.has(name) || status === 403)
    return new MeshError('BACKEND_ERROR', `${location}: access denied while ${what}`, { cause: err, details });
  if (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_CODES.has(name) || name === 'AbortError' || (status !== undefined && status >= 500))
    return new MeshError('BACKEND_UNAVAILABLE', `${location}: target unavailable while ${what}`, { cause: err, details });
  if (!(err instanceof S3ServiceException) && status === undefined)
    return new MeshError('BACKEND_UNAVAILABLE', `${location}: target unreachable while ${what}`, { cause: err, details });
  return new MeshError('BACKEND_ERROR', `${location}: target refused ${what}`, { cause: err, details });
}

function endpointUrl(c: S3BackendConfig): string | undefined {
  const raw = c.endpoint.trim() || (c.type === 'gcp' ? GCS_ENDPOINT : '');
  if (raw === '') return undefined;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `${c.https ? 'https' : 'http'}://${raw}`;
}

export class S3Backend implements DataBackend {
  readonly type: 'aws_s3' | 'gcp';
  /** Only a versioned target bucket keeps what a new write of the same key replaces (supportsVersioning, checked by the probe). */
  readonly keepsVersions: boolean;
  readonly #client: S3Client;
  /** Writes and deletes of one name at the target, one at a time (data/key-locks.ts). */
  readonly #names = new KeyLocks();

  constructor(
    readonly location: string,
    private readonly config: S3BackendConfig,
  ) {
    this.type = config.type;
    this.keepsVersions = config.supportsVersioning === true;
    const endpoint = endpointUrl(config);
    this.#client = new S3Client({
      ...(endpoint !== undefined ? { endpoint } : {}),
      region: config.region || 'us-east-1',
      forcePathStyle: config.pathStyle,
      credentials: { accessKeyId: config.accessKey, secretAccessKey: config.secretKey },
      // One retry at most (none after a silent try): a target that is down or silent answers
      // BACKEND_UNAVAILABLE within bounded time.
      maxAttempts: 2,
      retryStrategy: RETRY_STRATEGY,
      // Plain bodies (no aws-chunked trailing checksums), which every S3-compatible store accepts.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // No Expect: 100-continue: a target that never answers it would hold each part's body back
      // 6 s before the socket timeout even starts counting.
      expectContinueHeader: false,
      // A target that takes the connection and then goes silent (no byte for this long, while
      // sending or awaiting an answer) fails the try, and the request: a stalled target is a 503
      // within about 20 s (the SDK starts the timer 3 s into a request, and node lets a write
      // that moved since the last check run one more period). Transfers that keep moving are never cut.
      requestHandler: { connectionTimeout: config.connectTimeoutMs ?? 5_000, socketTimeout: config.requestTimeoutMs ?? 8_000 },
    });
  }

  #bucketOf(k: StoredKey): string {
    return k.mpu ? this.config.mpuBucket : this.config.bucket;
  }

  async put(body: AsyncIterable<Uint8Array>, hint: PutHint): Promise<{ key: string; size: number }> {
    const objectKey = cloudKeyOf(this.config.bucketMatch, hint.bucket, hint.key);
    const mpu = hint.part !== undefined && this.config.mpuBucket !== '';
    const id = randomBytes(16).toString('hex');
    const cloudKey = hint.part ? partKeyOf(hint.bucket, hint.key, hint.part.uploadId, hint.part.number, id) : objectKey;
    const target: ObjectParams = {
      Bucket: mpu ? this.config.mpuBucket : this.config.bucket,
      Key: cloudKey,
      Metadata: { [DATA_ID]: id },
      ...(this.config.serverSideEncryption ? { ServerSideEncryption: 'AES256' as const } : {}),
    };
    const partSize = Math.max(8 * MIB, hint.size > 0 ? Math.ceil(hint.size / MAX_PARTS) : 16 * MIB);
    const parts = partsOf(body, partSize, hint.signal);
    // Not between another delete's check of this name and its delete (see delete()). When the
    // target fails midway, the rest of the body is left unread, to the edge that answers: ending
    // the iteration here would destroy a request read directly, and the answer with it.
    const { versionId, size } = await this.#names.with(`${target.Bucket}/${cloudKey}`, async () => {
      const first = await parts.next();
      if (first.done === true) throw new MeshError('INTERNAL', 'a body without its last part');
      if (first.value.last) {
        const data = first.value.data;
        const res = await this.#send('writing', hint.signal, (o) => this.#client.send(new PutObjectCommand({ ...target, Body: data }), o));
        return { versionId: res.VersionId ?? '', size: data.length };
      }
      return this.#putParts(target, first.value, parts, { mpu, signal: hint.signal, leftover: hint.leftover });
    });
    return { key: encodeKey({ cloudKey, id, versionId, mpu }), size };
  }

  /**
   * A request to the target; its failure as a mesh reason, unless `signal` (the caller's) aborted
   * it: then the caller's reason, as a failure of the body would be.
   */
  async #send<T>(
    what: string,
    signal: AbortSignal | undefined,
    request: (options: { abortSignal?: AbortSignal }) => Promise<T>,
  ): Promise<T> {
    try {
      return await request(signal ? { abortSignal: signal } : {});
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw s3Failure(err, this.location, what);
    }
  }

  /** The body from its second part on: a multipart upload at the target, completed once every part is there. */
  async #putParts(
    target: ObjectParams,
    first: Part,
    parts: AsyncGenerator<Part, void>,
    opts: { mpu: boolean; signal: AbortSignal | undefined; leftover: PutHint['leftover'] },
  ): Promise<{ versionId: string; size: number }> {
    // A failure of one part (or of the body, or the caller going away) cancels the others at once:
    // none is left to run out its own timeouts against a target that is gone.
    const cancel = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, cancel.signal]) : cancel.signal;
    const created = await this.#send('writing', opts.signal, (o) => this.#client.send(new CreateMultipartUploadCommand(target), o));
    const uploadId = created.UploadId;
    if (uploadId === undefined) throw new MeshError('BACKEND_ERROR', `${this.location}: no upload id while writing`);
    const upload = { Bucket: target.Bucket, Key: target.Key, UploadId: uploadId };
    const done: CompletedPart[] = [];
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    let size = 0;
    try {
      for (let part = first, number = 1; ; number++) {
        const PartNumber = number;
        const data = part.data;
        size += data.length;
        const sent = this.#send('writing', signal, (o) =>
          this.#client.send(new UploadPartCommand({ ...upload, PartNumber, Body: data }), o),
        )
          .then(
            (res) => void done.push({ PartNumber, ETag: res.ETag ?? '' }),
            (err: unknown) => {
              failure ??= { error: err };
              cancel.abort();
            },
          )
          .finally(() => inFlight.delete(sent));
        inFlight.add(sent);
        if (part.last) break;
        while (inFlight.size >= PARTS_IN_FLIGHT && failure === undefined) await Promise.race(inFlight);
        if (failure !== undefined) break;
        const next = await parts.next();
        if (next.done === true) throw new MeshError('INTERNAL', 'a body without its last part');
        part = next.value;
      }
      await Promise.all(inFlight);
      if (failure !== undefined) throw failure.error;
      done.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
      const res = await this.#send('writing', opts.signal, (o) =>
        this.#client.send(new CompleteMultipartUploadCommand({ ...upload, MultipartUpload: { Parts: done } }), o),
      );
      return { versionId: res.VersionId ?? '', size };
    } catch (err) {
      cancel.abort();
      await Promise.allSettled(inFlight);
      await this.#abandon(upload, opts.mpu, opts.leftover);
      // The caller gone: its reason, whatever the cancelled requests failed with.
      if (opts.signal?.aborted) throw opts.signal.reason;
      throw err;
    }
  }

  /**
   * Aborts the multipart upload of a failed write, waiting for it a short while; one the target
   * does not take by then goes to `leftover`, to be aborted later through delete().
   */
  async #abandon(upload: { Bucket: string; Key: string; UploadId: string }, mpu: boolean, leftover: PutHint['leftover']): Promise<void> {
    try {
      await this.#abort(upload, AbortSignal.timeout(ABORT_WAIT_MS));
    } catch {
      leftover?.(encodeKey({ cloudKey: upload.Key, id: '', versionId: '', mpu, uploadId: upload.UploadId }));
    }
  }

  /** Aborts a multipart upload at the target; one already gone is no failure. */
  async #abort(upload: { Bucket: string; Key: string; UploadId: string }, abortSignal?: AbortSignal): Promise<void> {
    try {
      await this.#client.send(new AbortMultipartUploadCommand(upload), abortSignal ? { abortSignal } : {});
    } catch (err) {
      const failure = s3Failure(err, this.location, 'aborting an upload');
      if (failure.reason !== 'DATA_NOT_FOUND') throw failure;
    }
  }

  /**
   * A multipart upload at the target whose parts are server-side copies (UploadPartCopy) of the
   * pieces, completed under the object's own cloud key: the object is whole at the target, as
   * other readers of the bucket expect. Pieces must respect S3's part sizes (≥ 5 MiB but the last).
   */
  async compose(
    pieces: readonly { key: string; size: number }[],
    hint: Pick<PutHint, 'bucket' | 'key' | 'leftover'>,
  ): Promise<{ key: string; size: number }> {
    const Bucket = this.config.bucket;
    const Key = cloudKeyOf(this.config.bucketMatch, hint.bucket, hint.key);
    const id = randomBytes(16).toString('hex');
    let uploadId: string | undefined;
    try {
      const created = await this.#client.send(
        new CreateMultipartUploadCommand({
          Bucket,
          Key,
          Metadata: { [DATA_ID]: id },
          ...(this.config.serverSideEncryption ? { ServerSideEncryption: 'AES256' as const } : {}),
        }),
      );
      uploadId = created.UploadId;
      if (uploadId === undefined) throw new MeshError('BACKEND_ERROR', `${this.location}: no upload id while assembling`);
      const UploadId = uploadId;
      const etags: string[] = new Array<string>(pieces.length);
      let next = 0;
      const worker = async (): Promise<void> => {
        for (let i = next++; i < pieces.length; i = next++) {
          const k = decodeKey(pieces[i]!.key);
          const source = `${this.#bucketOf(k)}/${encodeURIComponent(k.cloudKey).replace(/%2F/g, '/')}`;
          const res = await this.#client.send(
            new UploadPartCopyCommand({
              Bucket,
              Key,
              UploadId,
              PartNumber: i + 1,
              CopySource: k.versionId ? `${source}?versionId=${encodeURIComponent(k.versionId)}` : source,
            }),
          );
          etags[i] = res.CopyPartResult?.ETag ?? '';
        }
      };
      await Promise.all(Array.from({ length: Math.min(4, pieces.length) }, worker));
      const done = await this.#client.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key,
          UploadId,
          MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
        }),
      );
      const size = pieces.reduce((total, p) => total + p.size, 0);
      return { key: encodeKey({ cloudKey: Key, id, versionId: done.VersionId ?? '', mpu: false }), size };
    } catch (err) {
      if (uploadId !== undefined) await this.#abandon({ Bucket, Key, UploadId: uploadId }, false, hint.leftover);
      throw s3Failure(err, this.location, 'assembling');
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const k = decodeKey(key);
    let res;
    try {
      res = await this.#client.send(
        new GetObjectCommand({
          Bucket: this.#bucketOf(k),
          Key: k.cloudKey,
          ...(k.versionId ? { VersionId: k.versionId } : {}),
          ...(range ? { Range: `bytes=${range.start}-${range.end >= Number.MAX_SAFE_INTEGER ? '' : range.end}` } : {}),
        }),
      );
    } catch (err) {
      throw s3Failure(err, this.location, 'reading');
    }
    const stream = res.Body as Readable | undefined;
    if (k.id !== '' && k.versionId === '' && res.Metadata?.[DATA_ID] !== k.id) {
      stream?.destroy();
      throw new MeshError('DATA_NOT_FOUND', `${this.location}: the data under ${k.cloudKey} was replaced`, {
        details: { location: this.location },
      });
    }
    return stream ?? Readable.from([]);
  }

  async head(key: string): Promise<{ size: number }> {
    const k = decodeKey(key);
    const res = await this.#head(k);
    if (res === undefined || (k.id !== '' && k.versionId === '' && res.id !== k.id)) {
      throw new MeshError('DATA_NOT_FOUND', `${this.location}: no data under ${k.cloudKey}`, { details: { location: this.location } });
    }
    return { size: res.size };
  }

  async #head(k: StoredKey): Promise<{ size: number; id: string } | undefined> {
    try {
      const res = await this.#client.send(
        new HeadObjectCommand({ Bucket: this.#bucketOf(k), Key: k.cloudKey, ...(k.versionId ? { VersionId: k.versionId } : {}) }),
      );
      return { size: res.ContentLength ?? 0, id: res.Metadata?.[DATA_ID] ?? '' };
    } catch (err) {
      const failure = s3Failure(err, this.location, 'reading');
      if (failure.reason === 'DATA_NOT_FOUND') return undefined;
      throw failure;
    }
  }

  async delete(key: string): Promise<void> {
    const k = decodeKey(key);
    if (k.uploadId !== '') {
      // An upload a failed write left open (PutHint.leftover): aborted, its parts go with it.
      await this.#abort({ Bucket: this.#bucketOf(k), Key: k.cloudKey, UploadId: k.uploadId });
      return;
    }
    const remove = async (): Promise<void> => {
      try {
        await this.#client.send(
          new DeleteObjectCommand({ Bucket: this.#bucketOf(k), Key: k.cloudKey, ...(k.versionId ? { VersionId: k.versionId } : {}) }),
        );
      } catch (err) {
        const failure = s3Failure(err, this.location, 'deleting');
        if (failure.reason !== 'DATA_NOT_FOUND') throw failure;
      }
    };
    if (k.id === '' || k.versionId !== '') return remove();
    // Unversioned target: the name may hold newer data written since; leave it alone. The check
    // and the delete hold the name, so a write of this process cannot land between them.
    await this.#names.with(`${this.#bucketOf(k)}/${k.cloudKey}`, async () => {
      const current = await this.#head(k);
      if (current !== undefined && current.id === k.id) await remove();
    });
  }

  /** Checks the credentials and the target bucket (and the multipart bucket when set). */
  async probe(): Promise<void> {
    for (const bucket of [this.config.bucket, this.config.mpuBucket].filter((b) => b !== '')) {
      try {
        await this.#client.send(new HeadBucketCommand({ Bucket: bucket }));
      } catch (err) {
        const status = statusOf(err);
        const reason =
          status === 404
            ? `bucket ${bucket} does not exist at the target`
            : status === 403
              ? `access to bucket ${bucket} denied (credentials)`
              : `target unreachable or failing (${s3Failure(err, this.location, 'probing').reason})`;
        throw new MeshError('LOCATION_PROBE_FAILED', `${this.location}: ${reason}`, {
          cause: err,
          details: { location: this.location, bucket, status: String(status ?? 0) },
        });
      }
    }
    if (this.keepsVersions) {
      const versioning = await this.#client.send(new GetBucketVersioningCommand({ Bucket: this.config.bucket })).catch((err: unknown) => {
        throw new MeshError('LOCATION_PROBE_FAILED', `${this.location}: cannot read the versioning of bucket ${this.config.bucket}`, {
          cause: err,
          details: { location: this.location, bucket: this.config.bucket },
        });
      });
      if (versioning.Status !== 'Enabled') {
        throw new MeshError(
          'LOCATION_PROBE_FAILED',
          `${this.location}: supportsVersioning is set but versioning is not enabled on bucket ${this.config.bucket} at the target`,
          { details: { location: this.location, bucket: this.config.bucket } },
        );
      }
    }
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }
}
