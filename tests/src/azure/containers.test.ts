// Containers through @azure/storage-blob on a real stack: create, properties, metadata, ACL,
// listing with prefix / paging / metadata, delete; a container is a bucket S3 sees too.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HeadBucketCommand, ListBucketsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient, type ContainerItem } from '@azure/storage-blob';
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

describe('containers', () => {
  it('create answers an ETag, refuses a duplicate with ContainerAlreadyExists, and S3 sees the bucket', async () => {
    const container = azure.getContainerClient('c-create');
    const created = await container.create({ metadata: { project: 'zenko' } });
    assert.match(created.etag ?? '', /^"0x[0-9A-F]+"$/);
    assert.ok(created.requestId);
    assert.ok(created.version);
    const dup = await azureError(container.create());
    assert.deepEqual(dup, { code: 'ContainerAlreadyExists', status: 409 });
    await s3.send(new HeadBucketCommand({ Bucket: 'c-create' }));
    const names = (await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name);
    assert.ok(names?.includes('c-create'));
    // S3 cannot take the name either.
    assert.equal((await s3Error(s3.send(new PutObjectCommand({ Bucket: 'c-missing', Key: 'k', Body: 'x' })))).code, 'NoSuchBucket');
  });

  it('properties and metadata round-trip; set metadata replaces it and changes the ETag', async () => {
    const container = azure.getContainerClient('c-meta');
    await container.create({ metadata: { color: 'blue', size: 'large' } });
    const props = await container.getProperties();
    assert.deepEqual(props.metadata, { color: 'blue', size: 'large' });
    assert.equal(props.leaseState, 'available');
    await container.setMetadata({ shape: 'round' });
    const after = await container.getProperties();
    assert.deepEqual(after.metadata, { shape: 'round' });
    assert.notEqual(after.etag, props.etag);
  });

  it('a missing container is ContainerNotFound', async () => {
    const missing = azure.getContainerClient('c-nope');
    assert.deepEqual(await azureError(missing.getProperties()), { code: 'ContainerNotFound', status: 404 });
    assert.deepEqual(await azureError(missing.delete()), { code: 'ContainerNotFound', status: 404 });
    assert.equal(await missing.exists(), false);
  });

  it('invalid names are refused', async () => {
    assert.equal((await azureError(azure.getContainerClient('Bad_Name').create())).status, 400);
    assert.equal((await azureError(azure.getContainerClient('ab').create())).code, 'OutOfRangeInput');
  });

  it('lists with prefix, maxresults paging and include=metadata', async () => {
    for (const name of ['l-one', 'l-three', 'l-two', 'other-l']) {
      await azure.getContainerClient(name).create({ metadata: { name: name.replace(/-/g, '') } });
    }
    const all: ContainerItem[] = [];
    let pages = 0;
    for await (const page of azure.listContainers({ prefix: 'l-', includeMetadata: true }).byPage({ maxPageSize: 2 })) {
      pages += 1;
      all.push(...page.containerItems);
    }
    assert.equal(pages, 2);
    assert.deepEqual(
      all.map((c) => c.name),
      ['l-one', 'l-three', 'l-two'],
    );
    assert.deepEqual(all[0]?.metadata, { name: 'lone' });
    assert.match(all[0]?.properties.etag ?? '', /^"0x/);
  });

  it('delete removes the container and its blobs (also those written through S3)', async () => {
    const container = azure.getContainerClient('c-delete');
    await container.create();
    await s3.send(new PutObjectCommand({ Bucket: 'c-delete', Key: 'a/b', Body: 'bytes' }));
    await container.delete();
    assert.equal((await s3Error(s3.send(new HeadBucketCommand({ Bucket: 'c-delete' })))).status, 404);
    assert.equal(await container.exists(), false);
  });

  it('public access: anonymous reads of a public container work, of a private one do not', async () => {
    const owner = azure.getContainerClient('c-public');
    await owner.create({ access: 'container' });
    assert.equal((await owner.getAccessPolicy()).blobPublicAccess, 'container');
    const anonymous = new BlobServiceClient(blobEndpoint(stack), undefined, { retryOptions: { maxTries: 1 } });
    const props = await anonymous.getContainerClient('c-public').getProperties();
    assert.equal(props.blobPublicAccess, 'container');
    await owner.setAccessPolicy(undefined, []);
    assert.equal((await owner.getAccessPolicy()).blobPublicAccess, undefined);
    assert.equal((await azureError(anonymous.getContainerClient('c-public').getProperties())).status, 404);
    assert.equal((await azureError(anonymous.getContainerClient('c-public').create())).status, 401);
  });
});
