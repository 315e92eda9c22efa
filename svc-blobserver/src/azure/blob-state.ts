// How an object version appears on the Azure wire and how Azure requests set its stored fields.
//
// - ETag: Azure's is opaque and quoted (`"0x8D…"`), derived here from the version's identity and
//   revision so that it changes with every write and every property or metadata change. The S3
//   ETag (hex MD5 of a single upload, `<md5>-<n>` otherwise) is a different value.
// - Content-MD5: the S3 ETag of a single upload is the hex MD5 of the bytes, sent as base64;
//   blobs made of blocks carry the `content-md5` the client set (x-ms-blob-content-md5), if any.
// - Content headers are the object's stored `headers` (content-type, content-encoding, …) that
//   S3 reads too; user metadata is `user_metadata`, lower-case names.
import { createHash } from 'node:crypto';
import type { metadataV1Metadata } from '@zenko/gen';
import { createHasher } from '@zenko/svc-cloudserver/local-data';
import { AzureError } from '../errors/azure-errors.js';
import { readBody } from '../xml/read-xml-body.js';
import type { ResourceState } from '../protocol/conditions.js';
import { formatRfc1123 } from '../protocol/dates.js';
import { metadataHeaders } from '../protocol/metadata.js';
import { copyHeaders } from './copy-state.js';
import { effectiveLease, leaseHeaders } from './lease.js';

type ObjectVersion = metadataV1Metadata.ObjectVersion;

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** Stored header name → the Azure request header that sets it (Put Blob, Put Block List, Set Blob Properties). */
export const BLOB_HEADERS = {
  'content-type': 'x-ms-blob-content-type',
  'content-encoding': 'x-ms-blob-content-encoding',
  'content-language': 'x-ms-blob-content-language',
  'cache-control': 'x-ms-blob-cache-control',
  'content-disposition': 'x-ms-blob-content-disposition',
  'content-md5': 'x-ms-blob-content-md5',
} as const;

export type StoredHeaderName = keyof typeof BLOB_HEADERS;

const HEX_MD5 = /^[0-9a-f]{32}$/;

/** A map's entries in key order as JSON (`[]` for none, the common case, without sorting or encoding). */
function sortedJson(m: Readonly<Record<string, string>>): string {
  const entries = Object.entries(m);
  if (entries.length === 0) return '[]';
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Derived from what Azure's ETag follows: the version, its bytes, Last-Modified, content headers
 * and metadata, and not the record's revision, so that changes Azure makes without a new ETag
 * (Set Blob Tags, S3 tagging and ACLs, leases) keep it.
 */
/** What conditional headers are evaluated against: ETag, Last-Modified and index tags. */
export function blobConditionState(v: ObjectVersion): ResourceState {
  return { etag: blobEtag(v), lastModified: v.lastModified?.getTime() ?? 0, tags: { tags: v.tags, container: v.bucket } };
}

/** A version under legal hold or unexpired retention (an S3 object lock): Azure's immutable blob. */
export function isImmutable(v: ObjectVersion, now = Date.now()): boolean {
  return v.legalHold || (v.retention?.retainUntil !== undefined && v.retention.retainUntil.getTime() > now);
}

/** When the blob's data was written (Azure's creation time); versions from before `created` existed use their last change. */
export function blobCreationTime(v: ObjectVersion): number {
  return (v.created ?? v.lastModified)?.getTime() ?? 0;
}

export function blobEtag(v: ObjectVersion): string {
  const h = createHash('sha256')
    .update(
      `${v.bucket}\0${v.key}\0${v.versionId}\0${v.lastModified?.getTime() ?? 0}\0${v.etag}\0${sortedJson(v.headers)}\0${sortedJson(v.userMetadata)}`,
    )
    .digest('hex');
  return `"0x8D${h.slice(0, 13).toUpperCase()}"`;
}

/** Number of the blob's tags (`x-ms-tag-count`, `TagCount`); `undefined` when it has none. */
export function tagCount(v: ObjectVersion): number | undefined {
  const n = Object.keys(v.tags).length;
  return n === 0 ? undefined : n;
}

/** Base64 MD5 of the whole blob, when known. */
export function contentMd5(v: ObjectVersion): string | undefined {
  const stored = v.headers['content-md5'];
  if (stored !== undefined) return stored === '' ? undefined : stored; // '': cleared by Set Blob Properties
  return HEX_MD5.test(v.etag) ? Buffer.from(v.etag, 'hex').toString('base64') : undefined;
}

/** A base64 MD5 header value (16 bytes) or InvalidMd5 / InvalidHeaderValue. */
export function checkMd5Header(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length !== 16 || bytes.toString('base64') !== value) {
    throw name === 'content-md5'
      ? new AzureError('InvalidMd5')
      : new AzureError('InvalidHeaderValue', { fields: { HeaderName: name, HeaderValue: value } });
  }
  return value;
}

/**
 * The transactional `x-ms-content-crc64` of Put Blob / Put Block: Azure's CRC64 is CRC-64/NVME
 * sent as 8 little-endian bytes; returned as the big-endian base64 the data path's `crc64nvme`
 * checksum is. With Content-MD5 as well, Azure refuses the request.
 */
export function checkCrc64Header(value: string | undefined, contentMd5: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (contentMd5 !== undefined) throw new AzureError('BothCrc64AndMd5HeaderPresent');
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length !== 8 || bytes.toString('base64') !== value)
    throw new AzureError('InvalidHeaderValue', { fields: { HeaderName: 'x-ms-content-crc64', HeaderValue: value } });
  return Buffer.from(bytes).reverse().toString('base64');
}

/**
 * A small request body (block list, tags, ACL, service properties) read whole and checked against
 * its Content-MD5 (Md5Mismatch) or x-ms-content-crc64 (Crc64Mismatch), as Azure checks them.
 * Returns the body and its MD5 (base64), which Put Block List answers in Content-MD5.
 */
export async function readVerifiedBody(
  headers: Readonly<Record<string, string | undefined>>,
  source: AsyncIterable<Uint8Array | string>,
  maxBytes: number,
): Promise<{ body: Buffer; md5: string }> {
  const expectedMd5 = checkMd5Header('content-md5', headers['content-md5']);
  const expectedCrc64 = checkCrc64Header(headers['x-ms-content-crc64'], expectedMd5);
  const body = await readBody(source, maxBytes);
  const md5 = createHash('md5').update(body).digest('base64');
  if (expectedMd5 !== undefined && md5 !== expectedMd5) throw new AzureError('Md5Mismatch');
  if (expectedCrc64 !== undefined && createHasher('crc64nvme').update(body).digest().toString('base64') !== expectedCrc64)
    throw new AzureError('Crc64Mismatch');
  return { body, md5 };
}

/** The big-endian base64 `crc64nvme` of the data path as Azure's little-endian x-ms-content-crc64. */
export function azureCrc64(crc64nvme: string): string {
  return Buffer.from(crc64nvme, 'base64').reverse().toString('base64');
}

/**
 * The stored headers an Azure write sets: `x-ms-blob-*`, else (Put Blob only, `standard`) the
 * request's own Content-Type, Content-Encoding, Content-Language, Cache-Control; absent ones are
 * unset (Azure: properties not given are cleared; a cleared MD5 is stored as '').
 */
export function headersFromRequest(headers: Readonly<Record<string, string | undefined>>, standard: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [stored, azure] of Object.entries(BLOB_HEADERS) as Array<[StoredHeaderName, string]>) {
    let value = headers[azure];
    if (value === undefined && standard && stored !== 'content-md5' && stored !== 'content-disposition') value = headers[stored];
    if (value !== undefined && value !== '') out[stored] = value;
  }
  checkMd5Header(BLOB_HEADERS['content-md5'], out['content-md5']);
  out['content-type'] ??= DEFAULT_CONTENT_TYPE;
  // Set Blob Properties without x-ms-blob-content-md5 clears the MD5, also the one Put Blob computed.
  if (!standard) out['content-md5'] ??= '';
  return out;
}

/** The headers of Get Blob / Get Blob Properties that describe the blob (not the range). */
export function blobHeaders(v: ObjectVersion): Record<string, string> {
  const out: Record<string, string> = {
    etag: blobEtag(v),
    'last-modified': formatRfc1123(v.lastModified ?? 0),
    'x-ms-creation-time': formatRfc1123(blobCreationTime(v)),
    'x-ms-blob-type': 'BlockBlob',
    ...leaseHeaders(effectiveLease(v.attributes)),
    ...copyHeaders(v.attributes),
    'x-ms-server-encrypted': 'true',
    'accept-ranges': 'bytes',
    'content-type': v.headers['content-type'] ?? DEFAULT_CONTENT_TYPE,
  };
  for (const name of ['content-encoding', 'content-language', 'cache-control', 'content-disposition'] as const) {
    const value = v.headers[name];
    if (value !== undefined && value !== '') out[name] = value;
  }
  for (const [name, value] of metadataHeaders(v.userMetadata)) out[name] = value;
  const tags = tagCount(v);
  if (tags !== undefined) out['x-ms-tag-count'] = String(tags);
  return out;
}
