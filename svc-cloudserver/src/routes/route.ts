// One table from (method, bucket/key presence, sub-resource, headers) to the S3
// operation name. Path-style (`/bucket/key`) and virtual-hosted-style
// (`bucket.<endpoint>/key`) addressing both resolve to bucket + key.
import type { IncomingHttpHeaders } from 'node:http';

export const OPERATIONS = [
  'ListBuckets',
  'CreateBucket',
  'HeadBucket',
  'DeleteBucket',
  'GetBucketLocation',
  'GetBucketVersioning',
  'PutBucketVersioning',
  'GetBucketTagging',
  'PutBucketTagging',
  'DeleteBucketTagging',
  'GetBucketAcl',
  'PutBucketAcl',
  'GetBucketCors',
  'PutBucketCors',
  'DeleteBucketCors',
  'GetBucketPolicy',
  'GetBucketPolicyStatus',
  'GetBucketRequestPayment',
  'PutBucketPolicy',
  'DeleteBucketPolicy',
  'GetObjectLockConfiguration',
  'PutObjectLockConfiguration',
  'GetBucketLifecycleConfiguration',
  'PutBucketLifecycleConfiguration',
  'DeleteBucketLifecycle',
  'GetBucketReplication',
  'PutBucketReplication',
  'DeleteBucketReplication',
  'GetBucketOwnershipControls',
  'PutBucketOwnershipControls',
  'DeleteBucketOwnershipControls',
  'GetPublicAccessBlock',
  'PutPublicAccessBlock',
  'DeletePublicAccessBlock',
  'GetBucketEncryption',
  'GetBucketWebsite',
  'GetBucketLogging',
  'GetBucketNotificationConfiguration',
  'GetBucketAccelerateConfiguration',
  'ListObjects',
  'ListObjectsV2',
  'ListObjectVersions',
  'ListMultipartUploads',
  'DeleteObjects',
  'PostObject',
  'PutObject',
  'CopyObject',
  'GetObject',
  'HeadObject',
  'DeleteObject',
  'GetObjectTagging',
  'PutObjectTagging',
  'DeleteObjectTagging',
  'GetObjectAcl',
  'PutObjectAcl',
  'GetObjectRetention',
  'PutObjectRetention',
  'GetObjectLegalHold',
  'PutObjectLegalHold',
  'GetObjectAttributes',
  'CreateMultipartUpload',
  'UploadPart',
  'UploadPartCopy',
  'CompleteMultipartUpload',
  'AbortMultipartUpload',
  'ListParts',
  'CorsPreflight',
] as const;

export type Operation = (typeof OPERATIONS)[number];
const OPERATION_SET: ReadonlySet<string> = new Set(OPERATIONS);

export interface Route {
  /** An operation we know; `undefined` with `unsupported` naming what the client asked for. */
  operation: Operation | undefined;
  unsupported?: string;
  bucket: string | undefined;
  key: string | undefined;
  query: URLSearchParams;
  /** The raw query string, as signed by the client. */
  rawQuery: string;
  /** The raw path, as signed by the client. */
  rawPath: string;
}

/** Sub-resources S3 defines that this server does not implement (answered NotImplemented). */
const UNSUPPORTED_BUCKET_SUBRESOURCES = [
  'accelerate',
  'analytics',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'logging',
  'metrics',
  'notification',
  'requestPayment',
  'website',
  'metadataTable',
] as const;
/** Their GET answers "not configured" (the bucket owner pays, for requestPayment). */
const UNCONFIGURED_GETS: readonly [string, Operation][] = [
  ['requestPayment', 'GetBucketRequestPayment'],
  ['encryption', 'GetBucketEncryption'],
  ['website', 'GetBucketWebsite'],
  ['logging', 'GetBucketLogging'],
  ['notification', 'GetBucketNotificationConfiguration'],
  ['accelerate', 'GetBucketAccelerateConfiguration'],
];
const UNSUPPORTED_OBJECT_SUBRESOURCES = ['restore', 'select', 'torrent', 'renameObject'] as const;

export class RouteError extends Error {
  constructor(
    readonly code: 'InvalidURI' | 'InvalidBucketName',
    message: string,
  ) {
    super(message);
  }
}

function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new RouteError('InvalidURI', 'Couldn\u2019t parse the specified URI.');
  }
}

/**
 * Resolves bucket and key. `endpoints` are the host names the S3 service answers on
 * (e.g. `s3.example.com`, `localhost`): a host `<bucket>.<endpoint>` addresses that
 * bucket; any other host is path-style.
 */
export function parseTarget(
  url: string,
  host: string | undefined,
  endpoints: readonly string[],
): Pick<Route, 'bucket' | 'key' | 'query' | 'rawQuery' | 'rawPath'> {
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  if (!rawPath.startsWith('/')) throw new RouteError('InvalidURI', 'Couldn\u2019t parse the specified URI.');
  const query = new URLSearchParams(rawQuery);
  const hostname = (host ?? '').replace(/:\d+$/, '').toLowerCase();
  const vhostBucket = endpoints
    .map((e) => e.toLowerCase())
    .filter((e) => hostname.endsWith(`.${e}`))
    .map((e) => hostname.slice(0, -(e.length + 1)))[0];
  if (vhostBucket !== undefined && vhostBucket !== '') {
    const key = rawPath.length > 1 ? decodePath(rawPath.slice(1)) : undefined;
    return { bucket: vhostBucket, key, query, rawQuery, rawPath };
  }
  const slash = rawPath.indexOf('/', 1);
  const bucketPart = slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash);
  const keyPart = slash < 0 ? '' : rawPath.slice(slash + 1);
  return {
    bucket: bucketPart === '' ? undefined : decodePath(bucketPart),
    key: keyPart === '' ? undefined : decodePath(keyPart),
    query,
    rawQuery,
    rawPath,
  };
}

function bucketOperation(method: string, query: URLSearchParams, headers: IncomingHttpHeaders): string {
  const has = (name: string): boolean => query.has(name);
  const pick = (table: [string, Operation][], fallback: string): string => {
    for (const [sub, op] of table) if (has(sub)) return op;
    return fallback;
  };
  // Sub-resources whose writes are not implemented: a GET tells what S3 tells of a bucket
  // without that configuration (s3cmd info, SDK tooling and infrastructure-as-code read them all).
  if (method === 'GET') for (const [sub, op] of UNCONFIGURED_GETS) if (has(sub)) return op;
  for (const sub of UNSUPPORTED_BUCKET_SUBRESOURCES) if (has(sub)) return `${method} ?${sub}`;
  switch (method) {
    case 'GET':
      return pick(
        [
          ['location', 'GetBucketLocation'],
          ['versioning', 'GetBucketVersioning'],
          ['tagging', 'GetBucketTagging'],
          ['acl', 'GetBucketAcl'],
          ['cors', 'GetBucketCors'],
          ['policy', 'GetBucketPolicy'],
          ['policyStatus', 'GetBucketPolicyStatus'],
          ['object-lock', 'GetObjectLockConfiguration'],
          ['lifecycle', 'GetBucketLifecycleConfiguration'],
          ['replication', 'GetBucketReplication'],
          ['ownershipControls', 'GetBucketOwnershipControls'],
          ['publicAccessBlock', 'GetPublicAccessBlock'],
          ['uploads', 'ListMultipartUploads'],
          ['versions', 'ListObjectVersions'],
        ],
        query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects',
      );
    case 'PUT':
      return pick(
        [
          ['versioning', 'PutBucketVersioning'],
          ['tagging', 'PutBucketTagging'],
          ['acl', 'PutBucketAcl'],
          ['cors', 'PutBucketCors'],
          ['policy', 'PutBucketPolicy'],
          ['object-lock', 'PutObjectLockConfiguration'],
          ['lifecycle', 'PutBucketLifecycleConfiguration'],
          ['replication', 'PutBucketReplication'],
          ['ownershipControls', 'PutBucketOwnershipControls'],
          ['publicAccessBlock', 'PutPublicAccessBlock'],
        ],
        'CreateBucket',
      );
    case 'DELETE':
      return pick(
        [
          ['tagging', 'DeleteBucketTagging'],
          ['cors', 'DeleteBucketCors'],
          ['policy', 'DeleteBucketPolicy'],
          ['lifecycle', 'DeleteBucketLifecycle'],
          ['replication', 'DeleteBucketReplication'],
          ['ownershipControls', 'DeleteBucketOwnershipControls'],
          ['publicAccessBlock', 'DeletePublicAccessBlock'],
        ],
        'DeleteBucket',
      );
    case 'HEAD':
      return 'HeadBucket';
    case 'POST':
      if (has('delete')) return 'DeleteObjects';
      if ((headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data')) return 'PostObject';
      return 'POST bucket';
    case 'OPTIONS':
      return 'CorsPreflight';
    default:
      return `${method} bucket`;
  }
}

function objectOperation(method: string, query: URLSearchParams, headers: IncomingHttpHeaders): string {
  const has = (name: string): boolean => query.has(name);
  for (const sub of UNSUPPORTED_OBJECT_SUBRESOURCES) if (has(sub)) return `${method} ?${sub}`;
  const copy = headers['x-amz-copy-source'] !== undefined;
  switch (method) {
    case 'GET':
      if (has('uploadId')) return 'ListParts';
      if (has('tagging')) return 'GetObjectTagging';
      if (has('acl')) return 'GetObjectAcl';
      if (has('retention')) return 'GetObjectRetention';
      if (has('legal-hold')) return 'GetObjectLegalHold';
      if (has('attributes')) return 'GetObjectAttributes';
      return 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'PUT':
      if (has('partNumber') && has('uploadId')) return copy ? 'UploadPartCopy' : 'UploadPart';
      if (has('tagging')) return 'PutObjectTagging';
      if (has('acl')) return 'PutObjectAcl';
      if (has('retention')) return 'PutObjectRetention';
      if (has('legal-hold')) return 'PutObjectLegalHold';
      return copy ? 'CopyObject' : 'PutObject';
    case 'DELETE':
      if (has('uploadId')) return 'AbortMultipartUpload';
      if (has('tagging')) return 'DeleteObjectTagging';
      return 'DeleteObject';
    case 'POST':
      if (has('uploads')) return 'CreateMultipartUpload';
      if (has('uploadId')) return 'CompleteMultipartUpload';
      return 'POST object';
    case 'OPTIONS':
      return 'CorsPreflight';
    default:
      return `${method} object`;
  }
}

export function route(method: string, url: string, headers: IncomingHttpHeaders, endpoints: readonly string[]): Route {
  const target = parseTarget(url, headers.host, endpoints);
  let name: string;
  if (target.bucket === undefined) name = method === 'GET' ? 'ListBuckets' : method === 'OPTIONS' ? 'CorsPreflight' : `${method} /`;
  else if (target.key === undefined) name = bucketOperation(method, target.query, headers);
  else name = objectOperation(method, target.query, headers);
  return OPERATION_SET.has(name) ? { ...target, operation: name as Operation } : { ...target, operation: undefined, unsupported: name };
}
