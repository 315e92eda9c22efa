import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { route } from './route.js';

const EP = ['localhost', 's3.example.com'];
const r = (method: string, url: string, headers: Record<string, string> = {}) =>
  route(method, url, { host: 'localhost:8000', ...headers }, EP);

describe('S3 routes', () => {
  it('resolves path-style and virtual-hosted-style addressing to the same bucket and key', () => {
    const path = r('GET', '/photos/2024/cat%20one.jpg');
    assert.equal(path.bucket, 'photos');
    assert.equal(path.key, '2024/cat one.jpg');
    const vhost = route('GET', '/2024/cat%20one.jpg', { host: 'photos.s3.example.com' }, EP);
    assert.equal(vhost.bucket, 'photos');
    assert.equal(vhost.key, '2024/cat one.jpg');
    assert.equal(vhost.operation, 'GetObject');
    // An unknown host name is path-style, never an error.
    assert.equal(route('GET', '/b/k', { host: 'anything.example.org' }, EP).bucket, 'b');
  });

  it('keeps keys that look like paths as they are', () => {
    assert.equal(r('PUT', '/b/../../etc/passwd').key, '../../etc/passwd');
    assert.equal(r('PUT', '/b/a//b').key, 'a//b');
    assert.equal(r('PUT', '/b/%252F').key, '%2F');
    assert.equal(r('PUT', '/b/a%2Fb').key, 'a/b');
    assert.equal(r('PUT', '/b/nul%00key').key, 'nul\0key');
    assert.throws(() => r('GET', '/b/%E0%A4%A'), { code: 'InvalidURI' });
  });

  it('maps sub-resources and headers to operations', () => {
    const cases: [string, string, string, Record<string, string>?][] = [
      ['GET', '/', 'ListBuckets'],
      ['PUT', '/b', 'CreateBucket'],
      ['GET', '/b?list-type=2&prefix=a', 'ListObjectsV2'],
      ['GET', '/b?prefix=a', 'ListObjects'],
      ['GET', '/b?versions', 'ListObjectVersions'],
      ['GET', '/b?uploads', 'ListMultipartUploads'],
      ['GET', '/b?location', 'GetBucketLocation'],
      ['PUT', '/b?versioning', 'PutBucketVersioning'],
      ['DELETE', '/b?lifecycle', 'DeleteBucketLifecycle'],
      ['POST', '/b?delete', 'DeleteObjects'],
      ['POST', '/b', 'PostObject', { 'content-type': 'multipart/form-data; boundary=x' }],
      ['PUT', '/b/k', 'PutObject'],
      ['PUT', '/b/k', 'CopyObject', { 'x-amz-copy-source': '/a/b' }],
      ['PUT', '/b/k?partNumber=1&uploadId=u', 'UploadPart'],
      ['PUT', '/b/k?partNumber=1&uploadId=u', 'UploadPartCopy', { 'x-amz-copy-source': '/a/b' }],
      ['POST', '/b/k?uploads', 'CreateMultipartUpload'],
      ['POST', '/b/k?uploadId=u', 'CompleteMultipartUpload'],
      ['DELETE', '/b/k?uploadId=u', 'AbortMultipartUpload'],
      ['GET', '/b/k?uploadId=u', 'ListParts'],
      ['GET', '/b/k?legal-hold', 'GetObjectLegalHold'],
      ['GET', '/b/k?attributes', 'GetObjectAttributes'],
      ['OPTIONS', '/b/k', 'CorsPreflight'],
    ];
    for (const [method, url, op, headers] of cases) assert.equal(r(method, url, headers).operation, op, `${method} ${url}`);
  });

  it('names what it does not support', () => {
    assert.equal(r('GET', '/b?website').operation, 'GetBucketWebsite', 'what S3 says of a bucket without one');
    assert.equal(r('PUT', '/b?publicAccessBlock').operation, 'PutPublicAccessBlock');
    const website = r('PUT', '/b?website');
    assert.equal(website.operation, undefined);
    assert.equal(website.unsupported, 'PUT ?website');
    assert.equal(r('POST', '/b/k?restore').operation, undefined);
    assert.equal(r('PATCH', '/b/k').operation, undefined);
  });
});
