// Listings in UTF-8 byte order with S3's prefix, delimiter, markers, max-keys and truncation.
// A common prefix is skipped with one seek (to the byte-order successor of the prefix), so the
// cost of a page depends on its size, not on the number of keys in the bucket.
import type { metadataV1Metadata, metadataV1MetadataService } from '@zenko/gen';
import { MeshError } from '@zenko/mesh';
import { compareKeys, isWellFormedKey, prefixSuccessor, type KvEntry, type KvStore, type ScanOptions } from '../store/kv.js';
import { clampMax, loadBucket } from './common.js';
import {
  MAX_OBJECT_KEY_BYTES,
  NULL_VERSION_ID,
  bucketBase,
  bucketEnd,
  escapeKey,
  isUploadId,
  isVersionId,
  keyRecordsPrefix,
  parseRecordKey,
  uploadKey,
  versionKey,
} from './keys.js';
import { decodeMasterRecord, decodeUploadRecord, decodeVersion } from './records.js';
import { loadMaster } from './objects.js';

type ObjectVersion = metadataV1Metadata.ObjectVersion;
type MultipartUpload = metadataV1Metadata.MultipartUpload;

type From = { gt: string } | { gte: string };
type Item<T> = { type: 'entry'; key: string; value: T } | { type: 'prefix'; prefix: string };

const PAGE = 1000;
/**
 * With a delimiter, entries fetched past a common prefix are wasted (each one read, checked and
 * copied); pages start at one entry and double while no prefix is met, so a listing made of
 * common prefixes reads one key per prefix (and no value), and a run of plain keys costs a few
 * more scans.
 */
const FIRST_DELIMITED_PAGE = 1;

function boundKey(from: From): string {
  return 'gt' in from ? from.gt : from.gte;
}

/** The later of two start bounds. */
function later(a: From, b: From): From {
  const order = compareKeys(boundKey(a), boundKey(b));
  if (order !== 0) return order > 0 ? a : b;
  return 'gt' in a ? a : b;
}

export function commonPrefix(key: string, prefix: string, delimiter: string): string | undefined {
  if (delimiter === '' || !key.startsWith(prefix)) return undefined;
  const at = key.indexOf(delimiter, prefix.length);
  return at < 0 ? undefined : key.slice(0, at + delimiter.length);
}

interface WalkOptions<T> {
  table: 'objects' | 'versions' | 'mpu';
  prefix: string;
  delimiter: string;
  maxKeys: number;
  from: From;
  end: string | undefined;
  /** The object key of a table key. */
  objectKey(tableKey: string): string;
  /** The table-key prefix of every record whose object key starts with `keyPrefix`. */
  tablePrefix(keyPrefix: string): string;
  /** The listed value of an entry, or undefined to skip it (e.g. a delete marker). */
  accept(entry: KvEntry, objectKey: string): T | undefined;
}

/** The scan options of a walk's next seek from `from`, on the snapshot of the walk's first. */
function seek(from: From, end: string | undefined, limit: number, first: boolean): ScanOptions {
  const options: ScanOptions = 'gt' in from ? { gt: from.gt, limit } : { gte: from.gte, limit };
  if (end !== undefined) options.lt = end;
  if (!first) options.sameSnapshot = true;
  return options;
}

async function walk<T>(store: KvStore, o: WalkOptions<T>): Promise<{ items: Item<T>[]; truncated: boolean }> {
  const items: Item<T>[] = [];
  let from = o.from;
  let batch = o.delimiter === '' ? PAGE : FIRST_DELIMITED_PAGE;
  let first = true;
  /** Lists a common prefix and moves past it; the walk's result when the walk ends there. */
  const skip = (prefix: string): { items: Item<T>[]; truncated: boolean } | undefined => {
    if (items.length === o.maxKeys) return { items, truncated: true };
    items.push({ type: 'prefix', prefix });
    const after = prefixSuccessor(o.tablePrefix(prefix));
    if (after === undefined) return { items, truncated: false };
    from = { gte: after };
    return undefined;
  };
  for (;;) {
    if (batch === FIRST_DELIMITED_PAGE) {
      // Where a common prefix may start (the listing's start, past a prefix), the next key alone
      // tells: a key-only seek, no value read, and one more seek to the prefix's successor.
      const options = seek(from, o.end, 1, first);
      const [next] = store.scanKeysNow?.(o.table, options) ?? (await store.scanKeys(o.table, options));
      first = false;
      if (next === undefined) return { items, truncated: false };
      const prefix = commonPrefix(o.objectKey(next), o.prefix, o.delimiter);
      if (prefix !== undefined) {
        const done = skip(prefix);
        if (done !== undefined) return done;
        continue;
      }
      from = { gte: next };
    }
    const limit = Math.min(Math.max(o.maxKeys - items.length + 1, 1), batch);
    const page = await store.scan(o.table, seek(from, o.end, limit, first));
    first = false;
    let jumped = false;
    for (const entry of page) {
      const key = o.objectKey(entry.key);
      const prefix = commonPrefix(key, o.prefix, o.delimiter);
      if (prefix !== undefined) {
        const done = skip(prefix);
        if (done !== undefined) return done;
        jumped = true;
        break;
      }
      from = { gt: entry.key };
      const value = o.accept(entry, key);
      if (value === undefined) continue;
      if (items.length === o.maxKeys) return { items, truncated: true };
      items.push({ type: 'entry', key, value });
    }
    if (!jumped && page.length < limit) return { items, truncated: false };
    batch = jumped ? FIRST_DELIMITED_PAGE : Math.min(batch * 2, PAGE);
  }
}

/** A listing bound (prefix, delimiter, marker): well-formed text of at most an object key's length. */
export function checkText(value: string, what: string, reason: 'INVALID_ARGUMENT' | 'INVALID_MARKER'): void {
  if (!isWellFormedKey(value) || Buffer.byteLength(value, 'utf8') > MAX_OBJECT_KEY_BYTES) {
    throw new MeshError(reason, `invalid ${what}`, { details: { [what]: value } });
  }
}

function checkQuery(prefix: string, delimiter: string): void {
  checkText(prefix, 'prefix', 'INVALID_ARGUMENT');
  checkText(delimiter, 'delimiter', 'INVALID_ARGUMENT');
}

/** Start after a key marker: past every record of the key, and past its common prefix. */
function afterKey(bucket: string, marker: string, prefix: string, delimiter: string, escaped: boolean): From {
  const base = bucketBase(bucket);
  const tablePrefix = (p: string): string => base + (escaped ? escapeKey(p) : p);
  let from: From = escaped ? { gte: prefixSuccessor(keyRecordsPrefix(bucket, marker))! } : { gt: base + marker };
  const rolled = commonPrefix(marker, prefix, delimiter);
  if (rolled !== undefined) {
    const next = prefixSuccessor(tablePrefix(rolled));
    from = later(from, { gte: next ?? bucketEnd(bucket) });
  }
  return from;
}

function range(bucket: string, prefix: string, escaped: boolean): { from: From; end: string | undefined } {
  const start = bucketBase(bucket) + (escaped ? escapeKey(prefix) : prefix);
  return { from: { gte: start }, end: prefix === '' ? bucketEnd(bucket) : prefixSuccessor(start) };
}

export async function listObjects(
  store: KvStore,
  req: metadataV1MetadataService.ListObjectsRequest,
): Promise<metadataV1MetadataService.ListObjectsResponse> {
  checkQuery(req.prefix, req.delimiter);
  checkText(req.marker, 'marker', 'INVALID_MARKER');
  await loadBucket(store, req.bucket);
  const base = bucketBase(req.bucket);
  const { end, from: rangeStart } = range(req.bucket, req.prefix, false);
  let from = rangeStart;
  if (req.marker !== '') from = later(from, afterKey(req.bucket, req.marker, req.prefix, req.delimiter, false));
  const { items, truncated } = await walk<ObjectVersion>(store, {
    table: 'objects',
    prefix: req.prefix,
    delimiter: req.delimiter,
    maxKeys: clampMax(req.maxKeys),
    from,
    end,
    objectKey: (k) => k.slice(base.length),
    tablePrefix: (p) => base + p,
    accept: (entry) => {
      const { latest } = decodeMasterRecord(entry.value);
      return latest.isDeleteMarker ? undefined : latest;
    },
  });
  const last = items.at(-1);
  return {
    objects: items.flatMap((i) => (i.type === 'entry' ? [i.value] : [])),
    commonPrefixes: items.flatMap((i) => (i.type === 'prefix' ? [i.prefix] : [])),
    isTruncated: truncated,
    nextMarker: truncated && last ? (last.type === 'entry' ? last.key : last.prefix) : '',
  };
}

export async function listObjectVersions(
  store: KvStore,
  req: metadataV1MetadataService.ListObjectVersionsRequest,
): Promise<metadataV1MetadataService.ListObjectVersionsResponse> {
  checkQuery(req.prefix, req.delimiter);
  checkText(req.keyMarker, 'keyMarker', 'INVALID_MARKER');
  if (req.keyMarker === '' && req.versionIdMarker !== '') {
    throw new MeshError('INVALID_MARKER', 'a version id marker needs a key marker');
  }
  await loadBucket(store, req.bucket);
  const base = bucketBase(req.bucket);
  const { end, from: rangeStart } = range(req.bucket, req.prefix, true);
  let from = rangeStart;
  // After a version marker, the versions left of the marker's key are the latest only if the
  // master says so; for every other key the first version listed is the latest.
  let resumeKey: string | undefined;
  let resumeLatestId: string | undefined;
  if (req.keyMarker !== '') {
    let start = afterKey(req.bucket, req.keyMarker, req.prefix, req.delimiter, true);
    if (req.versionIdMarker !== '' && commonPrefix(req.keyMarker, req.prefix, req.delimiter) === undefined) {
      const master = await loadMaster(store, req.bucket, req.keyMarker);
      resumeKey = req.keyMarker;
      resumeLatestId = master?.record.latestId;
      if (req.versionIdMarker === NULL_VERSION_ID) {
        // Without a null version any more, resume after the key.
        if (master?.record.nullId) start = { gt: versionKey(req.bucket, req.keyMarker, master.record.nullId) };
      } else if (isVersionId(req.versionIdMarker)) {
        start = { gt: versionKey(req.bucket, req.keyMarker, req.versionIdMarker) };
      } else {
        throw new MeshError('INVALID_MARKER', 'invalid version id marker', {
          details: { versionIdMarker: req.versionIdMarker },
        });
      }
    }
    from = later(from, start);
  }
  let previousKey: string | undefined;
  const { items, truncated } = await walk<ObjectVersion>(store, {
    table: 'versions',
    prefix: req.prefix,
    delimiter: req.delimiter,
    maxKeys: clampMax(req.maxKeys),
    from,
    end,
    objectKey: (k) => parseRecordKey(req.bucket, k).key,
    tablePrefix: (p) => base + escapeKey(p),
    accept: (entry, key) => {
      const { id } = parseRecordKey(req.bucket, entry.key);
      const first = key !== previousKey;
      previousKey = key;
      const isLatest = key === resumeKey ? id === resumeLatestId : first;
      return { ...decodeVersion(entry.value), isLatest };
    },
  });
  const last = items.at(-1);
  return {
    versions: items.flatMap((i) => (i.type === 'entry' ? [i.value] : [])),
    commonPrefixes: items.flatMap((i) => (i.type === 'prefix' ? [i.prefix] : [])),
    isTruncated: truncated,
    nextKeyMarker: truncated && last ? (last.type === 'entry' ? last.key : last.prefix) : '',
    nextVersionIdMarker: truncated && last?.type === 'entry' ? last.value.versionId : '',
  };
}

export async function listMultipartUploads(
  store: KvStore,
  req: metadataV1MetadataService.ListMultipartUploadsRequest,
): Promise<metadataV1MetadataService.ListMultipartUploadsResponse> {
  checkQuery(req.prefix, req.delimiter);
  checkText(req.keyMarker, 'keyMarker', 'INVALID_MARKER');
  if (req.uploadIdMarker !== '' && (req.keyMarker === '' || !isUploadId(req.uploadIdMarker))) {
    throw new MeshError('INVALID_MARKER', 'invalid upload id marker', { details: { uploadIdMarker: req.uploadIdMarker } });
  }
  await loadBucket(store, req.bucket);
  const base = bucketBase(req.bucket);
  const { end, from: rangeStart } = range(req.bucket, req.prefix, true);
  let from = rangeStart;
  if (req.keyMarker !== '') {
    const start: From =
      req.uploadIdMarker !== '' && commonPrefix(req.keyMarker, req.prefix, req.delimiter) === undefined
        ? { gt: uploadKey(req.bucket, req.keyMarker, req.uploadIdMarker) }
        : afterKey(req.bucket, req.keyMarker, req.prefix, req.delimiter, true);
    from = later(from, start);
  }
  const { items, truncated } = await walk<MultipartUpload>(store, {
    table: 'mpu',
    prefix: req.prefix,
    delimiter: req.delimiter,
    maxKeys: clampMax(req.maxUploads),
    from,
    end,
    objectKey: (k) => parseRecordKey(req.bucket, k).key,
    tablePrefix: (p) => base + escapeKey(p),
    accept: (entry) => decodeUploadRecord(entry.value).upload,
  });
  const last = items.at(-1);
  return {
    uploads: items.flatMap((i) => (i.type === 'entry' ? [i.value] : [])),
    commonPrefixes: items.flatMap((i) => (i.type === 'prefix' ? [i.prefix] : [])),
    isTruncated: truncated,
    nextKeyMarker: truncated && last ? (last.type === 'entry' ? last.key : last.prefix) : '',
    nextUploadIdMarker: truncated && last?.type === 'entry' ? last.value.uploadId : '',
  };
}
