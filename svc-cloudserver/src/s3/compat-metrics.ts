// Scality CloudServer's request series, beside our own http_server_* ones, so that dashboards
// and alerts written for Zenko keep working: s3_cloudserver_http_requests_total and
// s3_cloudserver_http_request_duration_seconds by method, action (CloudServer's API method
// name) and code, s3_cloudserver_http_active_requests, and the request and response size
// summaries CloudServer keeps for object writes (the body) and reads (the whole response). Its bucket, object and disk gauges are
// not kept (they would need namespace-wide counts).
import type { IncomingMessage } from 'node:http';
import { Counter, Gauge, Histogram, Summary, type EdgeObserver, type Metrics } from '@zenko/mesh';

/** CloudServer's API method names (its `request.apiMethod`, the `action` label) for our operation names. */
const API_METHODS: Readonly<Record<string, string>> = {
  ListBuckets: 'serviceGet',
  CreateBucket: 'bucketPut',
  DeleteBucket: 'bucketDelete',
  HeadBucket: 'bucketHead',
  ListObjects: 'bucketGet',
  ListObjectsV2: 'bucketGet',
  ListObjectVersions: 'bucketGet',
  GetBucketLocation: 'bucketGetLocation',
  GetBucketVersioning: 'bucketGetVersioning',
  PutBucketVersioning: 'bucketPutVersioning',
  GetBucketAcl: 'bucketGetACL',
  PutBucketAcl: 'bucketPutACL',
  GetBucketCors: 'bucketGetCors',
  PutBucketCors: 'bucketPutCors',
  DeleteBucketCors: 'bucketDeleteCors',
  GetBucketPolicy: 'bucketGetPolicy',
  PutBucketPolicy: 'bucketPutPolicy',
  DeleteBucketPolicy: 'bucketDeletePolicy',
  GetBucketLifecycleConfiguration: 'bucketGetLifecycle',
  PutBucketLifecycleConfiguration: 'bucketPutLifecycle',
  DeleteBucketLifecycle: 'bucketDeleteLifecycle',
  GetBucketReplication: 'bucketGetReplication',
  PutBucketReplication: 'bucketPutReplication',
  DeleteBucketReplication: 'bucketDeleteReplication',
  GetObjectLockConfiguration: 'bucketGetObjectLock',
  PutObjectLockConfiguration: 'bucketPutObjectLock',
  GetBucketWebsite: 'bucketGetWebsite',
  GetBucketNotificationConfiguration: 'bucketGetNotification',
  GetBucketEncryption: 'bucketGetEncryption',
  GetBucketTagging: 'bucketGetTagging',
  PutBucketTagging: 'bucketPutTagging',
  DeleteBucketTagging: 'bucketDeleteTagging',
  PutObject: 'objectPut',
  PostObject: 'objectPost',
  GetObject: 'objectGet',
  HeadObject: 'objectHead',
  DeleteObject: 'objectDelete',
  DeleteObjects: 'multiObjectDelete',
  CopyObject: 'objectCopy',
  GetObjectAcl: 'objectGetACL',
  PutObjectAcl: 'objectPutACL',
  GetObjectTagging: 'objectGetTagging',
  PutObjectTagging: 'objectPutTagging',
  DeleteObjectTagging: 'objectDeleteTagging',
  GetObjectRetention: 'objectGetRetention',
  PutObjectRetention: 'objectPutRetention',
  GetObjectLegalHold: 'objectGetLegalHold',
  PutObjectLegalHold: 'objectPutLegalHold',
  GetObjectAttributes: 'objectGetAttributes',
  CreateMultipartUpload: 'initiateMultipartUpload',
  UploadPart: 'objectPutPart',
  UploadPartCopy: 'objectPutCopyPart',
  CompleteMultipartUpload: 'completeMultipartUpload',
  AbortMultipartUpload: 'multipartDelete',
  ListParts: 'listParts',
  ListMultipartUploads: 'listMultipartUploads',
  CorsPreflight: 'corsPreflight',
};

/** The `action` label: CloudServer's name, else ours in its style (lower camel case). */
export function apiMethodOf(operation: string): string {
  return API_METHODS[operation] ?? operation.charAt(0).toLowerCase() + operation.slice(1);
}

/** CloudServer's duration buckets: 0.1 ms to 500 ms. */
const DURATION_BUCKETS = [0.0001, 0.005, 0.015, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5];
const LABELS = ['method', 'action', 'code'] as const;
const WRITES = new Set(['objectPut', 'objectPutPart']);

function lengthOf(value: string | undefined): number | undefined {
  const n = Number(value);
  return value === undefined || !Number.isSafeInteger(n) || n < 0 ? undefined : n;
}

/** Registers the series in `metrics`' registry; the edge reports each request to the observer. */
export function cloudserverCompatMetrics(metrics: Metrics): EdgeObserver {
  const registers = [metrics.registry];
  const requests = new Counter({
    name: 's3_cloudserver_http_requests_total',
    help: 'Total number of cloudserver HTTP requests',
    labelNames: LABELS,
    registers,
  });
  const duration = new Histogram({
    name: 's3_cloudserver_http_request_duration_seconds',
    help: 'Duration of HTTP requests in seconds',
    labelNames: LABELS,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const active = new Gauge({
    name: 's3_cloudserver_http_active_requests',
    help: 'Number of cloudserver HTTP in-flight requests',
    registers,
  });
  const requestSize = new Summary({
    name: 's3_cloudserver_http_request_size_bytes',
    help: 'Cloudserver HTTP request sizes in bytes',
    labelNames: LABELS,
    registers,
  });
  const responseSize = new Summary({
    name: 's3_cloudserver_http_response_size_bytes',
    help: 'Cloudserver HTTP response sizes in bytes',
    labelNames: LABELS,
    registers,
  });
  // What each connection had written when a GET began: its response's size is the difference
  // (headers included; the edge writes most heads with writeHead, which getHeader cannot read back).
  const writtenBefore = new WeakMap<IncomingMessage, number>();
  return {
    started: (req: IncomingMessage) => {
      active.inc();
      if (req.method === 'GET') writtenBefore.set(req, req.socket.bytesWritten);
    },
    completed: (req: IncomingMessage, done) => {
      active.dec();
      const labels = { method: req.method ?? '', action: apiMethodOf(done.operation), code: String(done.status) };
      requests.inc(labels);
      duration.observe(labels, done.seconds);
      if (done.status !== 200) return;
      if (WRITES.has(labels.action)) {
        const decoded = req.headers['x-amz-decoded-content-length'];
        const size = lengthOf(typeof decoded === 'string' ? decoded : req.headers['content-length']);
        if (size !== undefined) requestSize.observe(labels, size);
      } else if (labels.action === 'objectGet') {
        const before = writtenBefore.get(req);
        if (before !== undefined) responseSize.observe(labels, req.socket.bytesWritten - before);
      }
    },
  };
}
