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
// Bodies go through lib-storage's Upload: one PutObject for what fits in a part,
// a multipart upload otherwise; a body that fails aborts the multipart upload and
// never completes a single PUT, so nothing becomes visible.
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
  S3Client,
  S3ServiceException,
  UploadPartCopyCommand,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
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

interface StoredKey {
  cloudKey: string;
  id: string;
  versionId: string;
  mpu: boolean;
}

function encodeKey(k: StoredKey): string {
  const params = new URLSearchParams({ id: k.id });
  if (k.versionId !== '' && k.versionId !== 'null') params.set('v', k.versionId);
  if (k.mpu) params.set('mpu', '1');
  return `${k.cloudKey}?${params.toString()}`;
}

function decodeKey(key: string): StoredKey {
  const at = key.lastIndexOf('?');
  if (at < 0) return { cloudKey: key, id: '', versionId: '', mpu: false };
  const params = new URLSearchParams(key.slice(at + 1));
  return { cloudKey: key.slice(0, at), id: params.get('id') ?? '', versionId: params.get('v') ?? '', mpu: params.get('mpu') === '1' };
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
      // One retry at most: a target that is down answers BACKEND_UNAVAILABLE within bounded time.
      maxAttempts: 2,
      // Plain bodies (no aws-chunked trailing checksums), which every S3-compatible store accepts.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // A target that takes the connection and then goes silent (no byte for this long, while
      // sending or awaiting an answer) fails the try: with the one retry, a stalled target is a
      // 503 well within the edge's idle timeout. Transfers that keep moving are never cut.
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
    let size = 0;
    let bodyError: { error: unknown } | undefined;
    const signal = hint.signal;
    const source = Readable.from(
      (async function* (): AsyncGenerator<Uint8Array> {
        try {
          for await (const chunk of body) {
            if (signal?.aborted) throw signal.reason;
            size += chunk.length;
            yield chunk;
          }
        } catch (err) {
          bodyError = { error: err };
          throw err;
        }
      })(),
      { objectMode: false },
    );
    const params: PutObjectCommandInput = {
      Bucket: mpu ? this.config.mpuBucket : this.config.bucket,
      Key: cloudKey,
      Body: source,
      Metadata: { [DATA_ID]: id },
      ...(this.config.serverSideEncryption ? { ServerSideEncryption: 'AES256' as const } : {}),
    };
    const partSize = Math.max(8 * MIB, hint.size > 0 ? Math.ceil(hint.size / MAX_PARTS) : 16 * MIB);
    const upload = new Upload({ client: this.#client, params, partSize, queueSize: 4, leavePartsOnError: false });
    try {
      // Not between another delete's check of this name and its delete (see delete()).
      const res = await this.#names.with(`${params.Bucket}/${cloudKey}`, () => upload.done());
      return { key: encodeKey({ cloudKey, id, versionId: res.VersionId ?? '', mpu }), size };
    } catch (err) {
      source.destroy();
      // The body's own failure (digest, signature, client gone) reaches the caller unchanged.
      if (bodyError !== undefined) throw bodyError.error;
      throw s3Failure(err, this.location, 'writing');
    }
  }

  /**
   * A multipart upload at the target whose parts are server-side copies (UploadPartCopy) of the
   * pieces, completed under the object's own cloud key: the object is whole at the target, as
   * other readers of the bucket expect. Pieces must respect S3's part sizes (≥ 5 MiB but the last).
   */
  async compose(
    pieces: readonly { key: string; size: number }[],
    hint: Pick<PutHint, 'bucket' | 'key'>,
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
      if (uploadId !== undefined) {
        await this.#client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: uploadId })).catch(() => undefined);
      }
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
