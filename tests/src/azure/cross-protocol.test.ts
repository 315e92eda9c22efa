// One namespace, two protocols: blobs written through Azure are objects S3 reads and lists with
// their content headers and metadata, and the other way round; S3's Block Public Access settings
// govern a container's public access.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
  PutPublicAccessBlockCommand,
  UploadPartCommand,
  type PublicAccessBlockConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { BlobServiceClient } from '@azure/storage-blob';
import { azureClient, azureError, blobEndpoint } from '../support/azure.js';
import { s3Client, s3Error } from '../support/s3.js';
import { startStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let azure: BlobServiceClient;
let s3: S3Client;

before(async () => {
  stack = await startStack();
  azure = azureClient(stack);
  s3 = s3Client(stack);
});
after(async () => {
  s3.destroy();
  await stack.stop();
});

const md5 = (b: Buffer): Buffer => createHash('md5').update(b).digest();

describe('Azure → S3', () => {
  it('a blob is an object: bytes, content headers, metadata, ETag as the MD5, listed', async () => {
    const container = azure.getContainerClient('az-to-s3');
    await container.create();
    const body = randomBytes(64 * 1024);
    await container.getBlockBlobClient('docs/report.pdf').upload(body, body.length, {
      blobHTTPHeaders: { blobContentType: 'application/pdf', blobCacheControl: 'private', blobContentDisposition: 'inline' },
      metadata: { author: 'ada', yearWritten: '1843' },
    });
    const got = await s3.send(new GetObjectCommand({ Bucket: 'az-to-s3', Key: 'docs/report.pdf' }));
    assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), body);
    assert.equal(got.ContentType, 'application/pdf');
    assert.equal(got.CacheControl, 'private');
    assert.equal(got.ContentDisposition, 'inline');
    assert.deepEqual(got.Metadata, { author: 'ada', yearwritten: '1843' }, 'S3 shows names lower-case');
    assert.equal(got.ETag, `"${md5(body).toString('hex')}"`);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'az-to-s3' }));
    assert.deepEqual(
      listed.Contents?.map((o) => [o.Key, o.Size]),
      [['docs/report.pdf', body.length]],
    );
  });

  it('a blob made of blocks is one object S3 reads whole and by range', async () => {
    const container = azure.getContainerClient('az-blocks-to-s3');
    await container.create();
    const body = randomBytes(3 * 1024 * 1024 + 5);
    await container.getBlockBlobClient('big').uploadData(body, {
      blockSize: 1024 * 1024,
      maxSingleShotSize: 1024 * 1024,
      metadata: { parts: 'four' },
    });
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'az-blocks-to-s3', Key: 'big' }));
    assert.equal(head.ContentLength, body.length);
    assert.deepEqual(head.Metadata, { parts: 'four' });
    const got = await s3.send(new GetObjectCommand({ Bucket: 'az-blocks-to-s3', Key: 'big' }));
    assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), body);
    const ranged = await s3.send(new GetObjectCommand({ Bucket: 'az-blocks-to-s3', Key: 'big', Range: 'bytes=1048570-1048580' }));
    assert.deepEqual(Buffer.from(await ranged.Body!.transformToByteArray()), body.subarray(1048570, 1048581));
  });
});

describe('S3 → Azure', () => {
  it('an object is a blob: bytes, content headers, metadata, Content-MD5, listed', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 's3-to-az' }));
    const body = randomBytes(10_000);
    await s3.send(
      new PutObjectCommand({
        Bucket: 's3-to-az',
        Key: 'a/b.txt',
        Body: body,
        ContentType: 'text/plain',
        ContentLanguage: 'en',
        Metadata: { owner: 'grace' },
      }),
    );
    const container = azure.getContainerClient('s3-to-az');
    const blob = container.getBlockBlobClient('a/b.txt');
    const props = await blob.getProperties();
    assert.equal(props.contentLength, body.length);
    assert.equal(props.contentType, 'text/plain');
    assert.equal(props.contentLanguage, 'en');
    assert.deepEqual(props.metadata, { owner: 'grace' });
    assert.deepEqual(props.contentMD5 && Buffer.from(props.contentMD5), md5(body));
    assert.deepEqual(await blob.downloadToBuffer(), body);
    assert.deepEqual(await blob.downloadToBuffer(5, 10), body.subarray(5, 15));
    const names: string[] = [];
    for await (const item of container.listBlobsByHierarchy('/')) names.push(item.name);
    assert.deepEqual(names, ['a/']);
    const props2 = await azure.getContainerClient('s3-to-az').getProperties();
    assert.ok(props2.etag);
    // S3 takes metadata names no XML element can carry; the Azure listing says so instead of failing.
    await s3.send(new PutObjectCommand({ Bucket: 's3-to-az', Key: 'odd-meta', Body: 'x', Metadata: { '1abc': 'v', 'content-hash': 'h' } }));
    const listed: Record<string, string>[] = [];
    for await (const b of container.listBlobsFlat({ includeMetadata: true, prefix: 'odd-meta' })) listed.push(b.metadata ?? {});
    assert.deepEqual(listed, [{ 'content-hash': 'h', 'x-ms-invalid-name': '1abc' }]);
  });

  it('an S3 multipart object is a blob Azure reads whole', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 's3-mpu-to-az' }));
    const body = randomBytes(11 * 1024 * 1024);
    await new Upload({ client: s3, params: { Bucket: 's3-mpu-to-az', Key: 'mpu', Body: body }, partSize: 5 * 1024 * 1024 }).done();
    const blob = azure.getContainerClient('s3-mpu-to-az').getBlockBlobClient('mpu');
    assert.equal((await blob.getProperties()).contentLength, body.length);
    assert.deepEqual(await blob.downloadToBuffer(), body);
  });

  it('List Containers leaves out S3 buckets whose names no Azure request can address', async () => {
    for (const Bucket of ['dotted.bucket', 'double--hyphen', 'plain-bucket']) await s3.send(new CreateBucketCommand({ Bucket }));
    const names: string[] = [];
    for await (const c of azure.listContainers()) names.push(c.name);
    assert.ok(names.includes('plain-bucket'));
    assert.ok(!names.includes('dotted.bucket') && !names.includes('double--hyphen'), names.join());
  });

  it('Delete Container of a bucket holding a locked S3 object refuses before deleting anything', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 's3-locked', ObjectLockEnabledForBucket: true }));
    await s3.send(new PutObjectCommand({ Bucket: 's3-locked', Key: 'a-free', Body: 'free' }));
    await s3.send(
      new PutObjectCommand({
        Bucket: 's3-locked',
        Key: 'z-held',
        Body: 'held',
        ObjectLockLegalHoldStatus: 'ON',
        ContentMD5: md5(Buffer.from('held')).toString('base64'),
      }),
    );
    assert.deepEqual(await azureError(azure.getContainerClient('s3-locked').delete()), { code: 'BlobImmutableDueToPolicy', status: 409 });
    const left = (await s3.send(new ListObjectsV2Command({ Bucket: 's3-locked' }))).Contents?.map((c) => c.Key);
    assert.deepEqual(left, ['a-free', 'z-held']);
    // Its properties and metadata are as immutable as its bytes.
    const held = azure.getContainerClient('s3-locked').getBlockBlobClient('z-held');
    assert.deepEqual(await azureError(held.setMetadata({ changed: 'yes' })), { code: 'BlobImmutableDueToPolicy', status: 409 });
    assert.deepEqual(await azureError(held.setHTTPHeaders({ blobContentType: 'text/changed' })), {
      code: 'BlobImmutableDueToPolicy',
      status: 409,
    });
    assert.deepEqual((await s3.send(new HeadObjectCommand({ Bucket: 's3-locked', Key: 'z-held' }))).Metadata, {});
  });
});

describe('S3 Block Public Access', () => {
  it("governs a container's public access: ignored for anonymous reads (IgnorePublicAcls), refused on Set Container ACL (BlockPublicAcls)", async () => {
    const owner = azure.getContainerClient('az-public');
    await owner.create({ access: 'blob' });
    await owner.getBlockBlobClient('open.txt').upload('open', 4);
    const anonymous = new BlobServiceClient(blobEndpoint(stack), undefined, { retryOptions: { maxTries: 1 } });
    const open = anonymous.getContainerClient('az-public').getBlockBlobClient('open.txt');
    assert.equal((await open.downloadToBuffer()).toString(), 'open');
    const block = (config: PublicAccessBlockConfiguration) =>
      s3.send(new PutPublicAccessBlockCommand({ Bucket: 'az-public', PublicAccessBlockConfiguration: config }));
    await block({ IgnorePublicAcls: true });
    const refused = await fetch(open.url);
    assert.deepEqual([refused.status, refused.headers.get('x-ms-error-code')], [404, 'ResourceNotFound']);
    assert.equal((await owner.getAccessPolicy()).blobPublicAccess, 'blob', 'the setting stays, ignored');
    await block({ BlockPublicAcls: true });
    assert.equal((await open.downloadToBuffer()).toString(), 'open');
    assert.deepEqual(await azureError(owner.setAccessPolicy('container')), { code: 'PublicAccessNotPermitted', status: 409 });
    assert.equal((await owner.getAccessPolicy()).blobPublicAccess, 'blob', 'the refused change wrote nothing');
    await owner.setAccessPolicy(undefined);
    assert.equal((await azureError(open.downloadToBuffer())).status, 404);
  });
});

describe('Azure leases bind S3 writes', () => {
  it('a leased blob: S3 overwrites, copies onto it, multipart completes and deletes are refused; reads and tags are not', async () => {
    const container = azure.getContainerClient('leased-both');
    await container.create();
    const blob = container.getBlockBlobClient('locked');
    await blob.upload('held by a lease', 15);
    const leases = blob.getBlobLeaseClient();
    await leases.acquireLease(-1);
    const held = { code: 'OperationAborted', status: 409 };
    assert.deepEqual(await s3Error(s3.send(new PutObjectCommand({ Bucket: 'leased-both', Key: 'locked', Body: 'x' }))), held);
    await s3.send(new PutObjectCommand({ Bucket: 'leased-both', Key: 'free', Body: 'free' }));
    const copy = s3.send(new CopyObjectCommand({ Bucket: 'leased-both', Key: 'locked', CopySource: 'leased-both/free' }));
    assert.deepEqual(await s3Error(copy), held);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'leased-both', Key: 'locked' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: 'leased-both', Key: 'locked', UploadId, PartNumber: 1, Body: 'p' }));
    const complete = s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'leased-both',
        Key: 'locked',
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    assert.deepEqual(await s3Error(complete), held);
    assert.deepEqual(await s3Error(s3.send(new DeleteObjectCommand({ Bucket: 'leased-both', Key: 'locked' }))), held);
    const many = await s3.send(
      new DeleteObjectsCommand({ Bucket: 'leased-both', Delete: { Objects: [{ Key: 'locked' }, { Key: 'free' }] } }),
    );
    assert.deepEqual(
      [many.Deleted?.map((d) => d.Key), many.Errors?.map((e) => [e.Key, e.Code])],
      [['free'], [['locked', 'OperationAborted']]],
    );
    // Reads, and tags (Azure's Set Blob Tags needs no lease either), go through.
    assert.equal(
      await (await s3.send(new GetObjectCommand({ Bucket: 'leased-both', Key: 'locked' }))).Body?.transformToString(),
      'held by a lease',
    );
    await s3.send(new PutObjectTaggingCommand({ Bucket: 'leased-both', Key: 'locked', Tagging: { TagSet: [{ Key: 't', Value: 'v' }] } }));
    assert.equal((await blob.getProperties()).leaseState, 'leased', 'the lease is intact');
    // Released: S3 writes again.
    await leases.releaseLease();
    await s3.send(new PutObjectCommand({ Bucket: 'leased-both', Key: 'locked', Body: 'rewritten' }));
    assert.equal((await blob.downloadToBuffer()).toString(), 'rewritten');
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'leased-both', Key: 'locked', UploadId }));
  });

  it('a leased container is not deleted over S3', async () => {
    const container = azure.getContainerClient('leased-container');
    await container.create();
    const leases = container.getBlobLeaseClient();
    await leases.acquireLease(-1);
    assert.deepEqual(await s3Error(s3.send(new DeleteBucketCommand({ Bucket: 'leased-container' }))), {
      code: 'OperationAborted',
      status: 409,
    });
    await leases.releaseLease();
    await s3.send(new DeleteBucketCommand({ Bucket: 'leased-container' }));
    assert.equal(await container.exists(), false);
  });

  it('Delete Container removes leased blobs with it', async () => {
    const container = azure.getContainerClient('leased-inside');
    await container.create();
    const blob = container.getBlockBlobClient('leased');
    await blob.upload('x', 1);
    await blob.getBlobLeaseClient().acquireLease(-1);
    await container.delete();
    assert.equal(await container.exists(), false);
  });
});
