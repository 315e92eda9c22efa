// What the namespace stores in each table: a protobuf message, sometimes behind a small JSON
// header for the fields the public message has no room for.
//   buckets  { fencedAt } + Bucket
//   objects  { latestId, nullId } + ObjectVersion (the latest version, copied)
//   versions ObjectVersion
//   mpu      { fencedAt } + MultipartUpload
//   parts    Part
import { metadataV1Metadata } from '@zenko/gen';
import { MeshError } from '@zenko/mesh';

type Bucket = metadataV1Metadata.Bucket;
type ObjectVersion = metadataV1Metadata.ObjectVersion;
type MultipartUpload = metadataV1Metadata.MultipartUpload;

function withHeader(header: object, body: Uint8Array): Uint8Array {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const out = Buffer.allocUnsafe(4 + json.length + body.length);
  out.writeUInt32LE(json.length, 0);
  out.set(json, 4);
  out.set(body, 4 + json.length);
  return out;
}

function splitHeader(bytes: Uint8Array): { header: Record<string, unknown>; body: Uint8Array } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = buf.readUInt32LE(0);
  const header = JSON.parse(buf.subarray(4, 4 + length).toString('utf8')) as unknown;
  if (typeof header !== 'object' || header === null) throw new MeshError('INTERNAL', 'malformed record header');
  return { header: header as Record<string, unknown>, body: buf.subarray(4 + length) };
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * A fence (ms timestamp, 0 when none) marks a record that an operation is about to delete
 * after checking what depends on it (bucket emptiness, the parts of an upload). Writers that
 * depend on the record refuse to proceed while it is fenced, which closes the race between
 * "check that nothing depends on it" and "delete it".
 */
export interface BucketRecord {
  bucket: Bucket;
  fencedAt: number;
}

export function encodeBucketRecord(record: BucketRecord): Uint8Array {
  return withHeader({ fencedAt: record.fencedAt }, metadataV1Metadata.Bucket.encode(record.bucket).finish());
}

export function decodeBucketRecord(bytes: Uint8Array): BucketRecord {
  const { header, body } = splitHeader(bytes);
  return { bucket: metadataV1Metadata.Bucket.decode(body), fencedAt: num(header['fencedAt']) };
}

export interface UploadRecord {
  upload: MultipartUpload;
  fencedAt: number;
}

export function encodeUploadRecord(record: UploadRecord): Uint8Array {
  return withHeader({ fencedAt: record.fencedAt }, metadataV1Metadata.MultipartUpload.encode(record.upload).finish());
}

export function decodeUploadRecord(bytes: Uint8Array): UploadRecord {
  const { header, body } = splitHeader(bytes);
  return { upload: metadataV1Metadata.MultipartUpload.decode(body), fencedAt: num(header['fencedAt']) };
}

/** The master record of a key: its latest version and where its null version is. */
export interface MasterRecord {
  /** Internal id (the `versions` key suffix) of the latest version. */
  latestId: string;
  /** Internal id of the null version, '' when the key has none. */
  nullId: string;
  latest: ObjectVersion;
}

export function encodeMasterRecord(record: MasterRecord): Uint8Array {
  return withHeader({ latestId: record.latestId, nullId: record.nullId }, metadataV1Metadata.ObjectVersion.encode(record.latest).finish());
}

export function decodeMasterRecord(bytes: Uint8Array): MasterRecord {
  const { header, body } = splitHeader(bytes);
  const latest = metadataV1Metadata.ObjectVersion.decode(body);
  return { latestId: str(header['latestId']), nullId: str(header['nullId']), latest };
}

export const encodeVersion = (v: ObjectVersion): Uint8Array => metadataV1Metadata.ObjectVersion.encode(v).finish();
export const decodeVersion = (bytes: Uint8Array): ObjectVersion => metadataV1Metadata.ObjectVersion.decode(bytes);
export const encodePart = (p: metadataV1Metadata.Part): Uint8Array => metadataV1Metadata.Part.encode(p).finish();
export const decodePart = (bytes: Uint8Array): metadataV1Metadata.Part => metadataV1Metadata.Part.decode(bytes);
