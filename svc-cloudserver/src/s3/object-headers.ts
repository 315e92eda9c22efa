// Object attributes carried in HTTP headers: what PutObject stores, what GET/HEAD
// send back.
import { metadataV1Metadata } from '@zenko/gen';
import { S3Error } from '../errors/s3-errors.js';
import { checksumHeaderName, CHECKSUM_ALGORITHMS } from '../checksums/hasher.js';

/** Standard headers stored with an object and returned as they were sent. */
export const STORED_HEADERS = [
  'content-type',
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'expires',
  'x-amz-website-redirect-location',
] as const;
const META_PREFIX = 'x-amz-meta-';
/** AWS: user metadata (names and values) is limited to 2 KB. */
const MAX_USER_METADATA = 2048;
/**
 * The storage classes an object may be written with: labels, stored and echoed, whose objects
 * read at once. GLACIER and DEEP_ARCHIVE are refused (InvalidStorageClass): on S3 their objects
 * cannot be read before a RestoreObject, which Zenko does not implement, so accepting them would
 * promise an archive tier that does not exist. OUTPOSTS and EXPRESS_ONEZONE belong to other kinds
 * of buckets, which S3 refuses the same way for a general-purpose bucket.
 */
export const STORAGE_CLASSES = ['STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR'];
/** Zenko's per-object placement header. */
export const LOCATION_HEADER = 'x-amz-meta-scal-location-constraint';

export function storedHeaders(headers: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    const v = headers[name];
    if (v !== undefined) out[name] = v;
  }
  out['content-type'] ??= 'binary/octet-stream';
  const redirect = out['x-amz-website-redirect-location'];
  if (redirect !== undefined && !/^(\/|https?:\/\/)/.test(redirect))
    throw new S3Error('InvalidRedirectLocation', {
      message: "The website redirect location must have a prefix of 'http://' or 'https://' or '/'.",
    });
  return out;
}

export function userMetadata(headers: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  let size = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith(META_PREFIX) || value === undefined) continue;
    const key = name.slice(META_PREFIX.length);
    out[key] = value;
    size += key.length + Buffer.byteLength(value);
  }
  if (size > MAX_USER_METADATA) throw new S3Error('MetadataTooLarge', { fields: { Size: size, MaxSizeAllowed: MAX_USER_METADATA } });
  return out;
}

export function storageClass(headers: Readonly<Record<string, string | undefined>>): string {
  const value = headers['x-amz-storage-class'];
  if (value === undefined || value === '') return 'STANDARD';
  if (!STORAGE_CLASSES.includes(value)) throw new S3Error('InvalidStorageClass', { fields: { StorageClassRequested: value } });
  return value;
}

export function httpDate(d: Date | undefined): string {
  return (d ?? new Date(0)).toUTCString();
}

/** ISO 8601 at second precision, as S3 writes dates in XML (`2026-11-25T10:21:00.000Z`). */
export function isoDate(d: Date | undefined): string {
  return new Date(Math.floor((d ?? new Date(0)).getTime() / 1000) * 1000).toISOString();
}

export function quoteEtag(etag: string): string {
  return `"${etag}"`;
}

/** Headers of GET/HEAD for one version. `versioned`: the bucket has (had) versioning. */
export function versionHeaders(
  v: metadataV1Metadata.ObjectVersion,
  opts: { versioned: boolean; checksums: boolean },
): Record<string, string> {
  const out: Record<string, string> = {
    'last-modified': httpDate(v.lastModified),
    etag: quoteEtag(v.etag),
    'accept-ranges': 'bytes',
  };
  for (const [name, value] of Object.entries(v.headers)) if (value !== '') out[name] = value;
  // Names written over Azure keep their case; S3 shows them lower-case, as it shows its own.
  for (const [name, value] of Object.entries(v.userMetadata)) out[`${META_PREFIX}${name.toLowerCase()}`] = value;
  if (opts.versioned) out['x-amz-version-id'] = v.versionId;
  if (v.storageClass && v.storageClass !== 'STANDARD') out['x-amz-storage-class'] = v.storageClass;
  const tags = Object.keys(v.tags).length;
  if (tags > 0) out['x-amz-tagging-count'] = String(tags);
  const replication = v.replication?.status ?? metadataV1Metadata.ReplicationStatus.REPLICATION_STATUS_UNSPECIFIED;
  if (replication !== metadataV1Metadata.ReplicationStatus.REPLICATION_STATUS_UNSPECIFIED) {
    out['x-amz-replication-status'] = metadataV1Metadata.ReplicationStatus[replication].replace('REPLICATION_STATUS_', '');
  }
  if (v.retention?.mode) {
    out['x-amz-object-lock-mode'] = v.retention.mode;
    out['x-amz-object-lock-retain-until-date'] = isoDate(v.retention.retainUntil);
  }
  if (v.legalHold) out['x-amz-object-lock-legal-hold'] = 'ON';
  if (opts.checksums) {
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const value = v.checksums[algorithm];
      if (value !== undefined) out[checksumHeaderName(algorithm)] = value;
    }
    if (Object.keys(v.checksums).length > 0) out['x-amz-checksum-type'] = v.checksumType || 'FULL_OBJECT';
  }
  return out;
}
