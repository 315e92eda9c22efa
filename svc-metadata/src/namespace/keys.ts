// Table keys of the namespace, version ids and upload ids.
//
// objects  (master)  <bucket>\0<object key>                      → latest version of the key
// versions           <bucket>\0<esc(object key)>\0\0<internal id> → one version (or delete marker)
// mpu                <bucket>\0<esc(object key)>\0\0<upload id>   → an upload in progress
// parts              <bucket>\0<upload id>\0<part number, 5 digits>
//
// Bucket names never contain NUL, so `<bucket>\0` is a prefix only that bucket's keys have.
// Object keys may contain NUL: in keys where something follows the object key, NUL is escaped
// as \0\x01 and the key ends with \0\0, which keeps UTF-8 byte order (a key sorts before every
// longer key it is a prefix of) and makes the end of the object key unambiguous.
import { randomBytes } from 'node:crypto';
import { MeshError } from '@zenko/mesh';
import { isWellFormedKey } from '../store/kv.js';

export const MAX_OBJECT_KEY_BYTES = 1024;

export function validateObjectKey(key: string): void {
  if (key === '') throw new MeshError('INVALID_ARGUMENT', 'object key is empty');
  if (!isWellFormedKey(key)) throw new MeshError('INVALID_ARGUMENT', 'object key is not well-formed Unicode');
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_OBJECT_KEY_BYTES) {
    throw new MeshError('KEY_TOO_LONG', 'object key is longer than 1024 bytes', {
      details: { bytes: String(bytes) },
    });
  }
}

/** Whether some object could have this key (lookups of any other key are simply not found). */
export function isPossibleObjectKey(key: string): boolean {
  return key !== '' && isWellFormedKey(key) && Buffer.byteLength(key, 'utf8') <= MAX_OBJECT_KEY_BYTES;
}

export const bucketBase = (bucket: string): string => `${bucket}\0`;
/** The first key after every key of the bucket. */
export const bucketEnd = (bucket: string): string => `${bucket}\x01`;

export const escapeKey = (key: string): string => key.replaceAll('\0', '\0\x01');
export const unescapeKey = (escaped: string): string => escaped.replaceAll('\0\x01', '\0');

export const masterKey = (bucket: string, key: string): string => bucketBase(bucket) + key;

/** Prefix of every record (version or upload) of one object key. */
export const keyRecordsPrefix = (bucket: string, key: string): string => `${bucketBase(bucket)}${escapeKey(key)}\0\0`;

export const versionKey = (bucket: string, key: string, internalId: string): string => keyRecordsPrefix(bucket, key) + internalId;

export const uploadKey = versionKey;

/** Splits a `versions` or `mpu` table key into object key and id. */
export function parseRecordKey(bucket: string, tableKey: string): { key: string; id: string } {
  const rest = tableKey.slice(bucketBase(bucket).length);
  const end = rest.indexOf('\0\0');
  if (end < 0) throw new MeshError('INTERNAL', 'malformed record key');
  return { key: unescapeKey(rest.slice(0, end)), id: rest.slice(end + 2) };
}

export const partsPrefix = (bucket: string, uploadId: string): string => `${bucketBase(bucket)}${uploadId}\0`;
export const partKey = (bucket: string, uploadId: string, partNumber: number): string =>
  partsPrefix(bucket, uploadId) + String(partNumber).padStart(5, '0');

// Version ids: 12 hex digits of (2^48 - 1 - ms), 4 of (2^16 - 1 - counter), 6 random, so that
// newer ids sort first in byte order. They are opaque to clients.
const VERSION_ID = /^[0-9a-f]{22}$/;
const MAX_MS = 0xffffffffffff;
const MAX_COUNTER = 0xffff;
export const NULL_VERSION_ID = 'null';

let lastMs = 0;
let counter = 0;

// Random bytes are drawn 4 KiB at a time: a call to the system's generator per id cost more
// than the rest of the id.
const RANDOM_POOL = 4096;
let pool = Buffer.alloc(0);
let poolUsed = 0;

function randomHex(chars: number): string {
  const bytes = Math.ceil(chars / 2);
  if (poolUsed + bytes > pool.length) {
    pool = randomBytes(RANDOM_POOL);
    poolUsed = 0;
  }
  poolUsed += bytes;
  return pool.toString('hex', poolUsed - bytes, poolUsed).slice(0, chars);
}

function parseVersionId(id: string): { ms: number; counter: number } {
  return { ms: MAX_MS - parseInt(id.slice(0, 12), 16), counter: MAX_COUNTER - parseInt(id.slice(12, 16), 16) };
}

/**
 * A new version id, newer (sorting before) every id this process made and before `before`
 * (the key's current latest version) when given, whatever the clock says.
 */
export function newVersionId(before?: string): string {
  let ms = Date.now();
  if (before !== undefined && VERSION_ID.test(before)) {
    const bound = parseVersionId(before);
    if (bound.ms > lastMs || (bound.ms === lastMs && bound.counter > counter)) {
      lastMs = bound.ms;
      counter = bound.counter;
    }
  }
  if (ms > lastMs) {
    lastMs = ms;
    counter = 0;
  } else {
    ms = lastMs;
    counter += 1;
    if (counter > MAX_COUNTER) {
      lastMs = ms = lastMs + 1;
      counter = 0;
    }
  }
  return (MAX_MS - ms).toString(16).padStart(12, '0') + (MAX_COUNTER - counter).toString(16).padStart(4, '0') + randomHex(6);
}

export function isVersionId(id: string): boolean {
  return VERSION_ID.test(id);
}

// Upload ids: 12 hex digits of ms, 4 of a counter, 16 random: they sort by initiation time.
const UPLOAD_ID = /^[0-9a-f]{32}$/;
let uploadMs = 0;
let uploadCounter = 0;

export function newUploadId(): string {
  const ms = Date.now();
  if (ms > uploadMs) {
    uploadMs = ms;
    uploadCounter = 0;
  } else uploadCounter = (uploadCounter + 1) & MAX_COUNTER;
  return uploadMs.toString(16).padStart(12, '0') + uploadCounter.toString(16).padStart(4, '0') + randomHex(16);
}

export function isUploadId(id: string): boolean {
  return UPLOAD_ID.test(id);
}

// S3 bucket naming rules (general purpose buckets).
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d{1,3}(\.\d{1,3}){3}$/;
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

export function isValidBucketName(name: string): boolean {
  return (
    BUCKET_NAME.test(name) &&
    !name.includes('..') &&
    !name.includes('.-') &&
    !name.includes('-.') &&
    !IP_ADDRESS.test(name) &&
    !RESERVED_PREFIXES.some((p) => name.startsWith(p)) &&
    !RESERVED_SUFFIXES.some((s) => name.endsWith(s))
  );
}
