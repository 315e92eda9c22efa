// Regression: in a versioned bucket (S3 versioning Enabled or Suspended), Put Block List that
// reuses committed blocks of the current blob makes the new version share their data with the
// previous one. Deleting the previous version over S3 (DeleteObject with its VersionId), or
// replacing the null version, must not release data the remaining versions still use.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { BlobServiceClient, BlockBlobClient } from '@azure/storage-blob';
import { azureClient } from '../support/azure.js';
import { s3Client } from '../support/s3.js';
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

const id = (n: number): string => Buffer.from(`blk-${n}`).toString('base64');

async function versionedBucket(name: string, status: 'Enabled' | 'Suspended'): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
  if (status === 'Suspended') {
    await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Suspended' } }));
  }
}

async function stage(blob: BlockBlobClient, n: number, data: Buffer): Promise<void> {
  await blob.stageBlock(id(n), data, data.length);
}

async function s3Bytes(bucket: string, key: string, versionId?: string): Promise<Buffer> {
  const got = await s3.send(
    new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId === undefined ? {} : { VersionId: versionId }) }),
  );
  return Buffer.from(await got.Body!.transformToByteArray());
}

/** Lets the edge's background deletion of released data run before the bytes are read again. */
const settle = (): Promise<void> => sleep(500);

describe('versioned buckets: committed blocks reused by Put Block List', () => {
  it('Enabled: deleting the previous version over S3 keeps the new version readable', async () => {
    const bucket = 'vblocks-enabled';
    await versionedBucket(bucket, 'Enabled');
    const blob = azure.getContainerClient(bucket).getBlockBlobClient('doc');
    const [a, b, c] = [randomBytes(100_000), randomBytes(100_000), randomBytes(50_000)];
    await stage(blob, 1, a);
    await stage(blob, 2, b);
    await blob.commitBlockList([id(1), id(2)]);
    // The new version reuses block 1 (committed) and adds block 3.
    await stage(blob, 3, c);
    await blob.commitBlockList([id(1), id(3)]);
    const expected = Buffer.concat([a, c]);

    const versions = (await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }))).Versions ?? [];
    assert.equal(versions.length, 2);
    const old = versions.find((v) => v.IsLatest !== true)!;
    assert.deepEqual(await s3Bytes(bucket, 'doc', old.VersionId), Buffer.concat([a, b]));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'doc', VersionId: old.VersionId }));
    await settle();
    assert.deepEqual(await blob.downloadToBuffer(), expected);
    assert.deepEqual(await s3Bytes(bucket, 'doc'), expected);

    // The last version goes too: nothing is left.
    const [latest] = (await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }))).Versions ?? [];
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'doc', VersionId: latest!.VersionId }));
    assert.equal(((await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }))).Versions ?? []).length, 0);
  });

  it('Enabled: deleting the newer version keeps the older one readable', async () => {
    const bucket = 'vblocks-newer';
    await versionedBucket(bucket, 'Enabled');
    const blob = azure.getContainerClient(bucket).getBlockBlobClient('doc');
    const [a, b] = [randomBytes(80_000), randomBytes(80_000)];
    await stage(blob, 1, a);
    await blob.commitBlockList([id(1)]);
    await stage(blob, 2, b);
    await blob.commitBlockList([id(1), id(2)]);
    const versions = (await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }))).Versions ?? [];
    const newest = versions.find((v) => v.IsLatest === true)!;
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'doc', VersionId: newest.VersionId }));
    await settle();
    assert.deepEqual(await blob.downloadToBuffer(), a);
  });

  it('Suspended: the null version reusing blocks of a retained version, either deleted, keeps the other readable', async () => {
    const bucket = 'vblocks-suspended';
    await versionedBucket(bucket, 'Enabled');
    const blob = azure.getContainerClient(bucket).getBlockBlobClient('doc');
    const [a, b, c] = [randomBytes(60_000), randomBytes(60_000), randomBytes(60_000)];
    await stage(blob, 1, a);
    await stage(blob, 2, b);
    await blob.commitBlockList([id(1), id(2)]); // a real version, retained
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Suspended' } }));
    await stage(blob, 3, c);
    await blob.commitBlockList([id(2), id(3)]); // the null version, sharing block 2
    // Replacing the null version (reusing block 3 only) must keep block 2 for the retained version.
    await blob.commitBlockList([id(3)]);
    await settle();
    assert.deepEqual(await blob.downloadToBuffer(), c);
    const versions = (await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }))).Versions ?? [];
    const retained = versions.find((v) => v.VersionId !== 'null')!;
    assert.deepEqual(await s3Bytes(bucket, 'doc', retained.VersionId), Buffer.concat([a, b]));
    // Deleting the retained version keeps the null version's block 3.
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'doc', VersionId: retained.VersionId }));
    await settle();
    assert.deepEqual(await blob.downloadToBuffer(), c);
    assert.deepEqual(await s3Bytes(bucket, 'doc', 'null'), c);
  });
});
