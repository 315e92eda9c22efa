// Cloud locations end to end: a bucket of the first stack on an `aws_s3` location
// whose target is a second, independent stack, and on an `azure` location whose
// target is Azurite. Every operation goes through the first stack's S3 edge with the
// SDK; the bytes are then read directly from the target under the expected names.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ContainerClient } from '@azure/storage-blob';
import { DEV_ACCOUNT, DEV_KEY, azureClient, azureError } from '../support/azure.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { s3Client, s3Error } from '../support/s3.js';
import { startStack, startTogether, type TestStack } from '../support/stack.js';
import { zenkoCli } from '../support/zenko-cli.js';

const MIB = 1024 * 1024;

let zenko: TestStack;
let target: TestStack;
let azurite: Azurite;
let s3: S3Client;
let direct: S3Client;

function bytes(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) % 251;
  return b;
}

async function body(client: S3Client, bucket: string, key: string, range?: string): Promise<Buffer> {
  const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(range ? { Range: range } : {}) }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

async function blobBytes(container: ContainerClient, name: string): Promise<Buffer> {
  return container.getBlobClient(name).downloadToBuffer();
}

async function blobExists(container: ContainerClient, name: string): Promise<boolean> {
  return container.getBlobClient(name).exists();
}

async function targetHas(bucket: string, key: string): Promise<boolean> {
  return direct.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
    () => true,
    (err: unknown) => {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
      throw err;
    },
  );
}

/** Data a delete or an overwrite releases is removed in the background: wait (bounded) until `check` holds. */
async function eventually(check: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** The edge follows the registry: the first request may race the change notification. */
async function createBucketOn(bucket: string, location: string): Promise<void> {
  let last: unknown;
  for (let i = 0; i < 100; i++) {
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: location as never } }));
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw last;
}

async function addLocation(...args: string[]): Promise<void> {
  const res = await zenkoCli(zenko, 'location', 'add', ...args);
  assert.equal(res.code, 0, res.stderr);
}

before(async () => {
  azurite = await startAzurite();
  [zenko, target] = await startTogether(startStack(), startStack());
  s3 = s3Client(zenko);
  direct = s3Client(target);
  for (const b of ['target', 'target-match']) await direct.send(new CreateBucketCommand({ Bucket: b }));
  const blobs = azurite.client();
  for (const c of ['zenko', 'zenko-match']) await blobs.getContainerClient(c).create();
  // Probed at creation: the targets exist and the credentials are good.
  const s3Target = [
    '--type',
    'aws_s3',
    '--endpoint',
    target.s3,
    '--access-key',
    'accessKey1',
    '--secret-key',
    'verySecretKey1',
    '--path-style',
  ];
  await addLocation('cloud1', ...s3Target, '--bucket', 'target');
  await addLocation('cloud1m', ...s3Target, '--bucket', 'target-match', '--bucket-match');
  await addLocation('cloud1small', ...s3Target, '--bucket', 'target', '--size-limit-gb', '0.000001');
  const azTarget = ['--type', 'azure', '--endpoint', azurite.endpoint, '--account-name', DEV_ACCOUNT, '--account-key', DEV_KEY];
  await addLocation('az1', ...azTarget, '--container', 'zenko');
  await addLocation('az1m', ...azTarget, '--container', 'zenko-match', '--bucket-match');
});

after(async () => {
  s3?.destroy();
  direct?.destroy();
  await Promise.all([zenko?.stop(), target?.stop(), azurite?.stop()]);
});

describe('aws_s3 location (another S3 server as the target)', () => {
  for (const match of [false, true]) {
    const location = match ? 'cloud1m' : 'cloud1';
    const targetBucket = match ? 'target-match' : 'target';
    const bucket = match ? 'mirrored' : 'shared';
    const cloudKey = (key: string): string => (match ? key : `${bucket}/${key}`);

    it(`bucketMatch=${match}: put, ranged get, head, overwrite, copy, delete; bytes at the target under ${match ? '<key>' : '<bucket>/<key>'}`, async () => {
      await createBucketOn(bucket, location);
      const small = bytes(300_000, 1);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'dir/small.bin', Body: small }));
      assert.ok((await body(s3, bucket, 'dir/small.bin')).equals(small));
      assert.ok((await body(s3, bucket, 'dir/small.bin', 'bytes=1000-200999')).equals(small.subarray(1000, 201_000)));
      assert.ok((await body(s3, bucket, 'dir/small.bin', 'bytes=-10')).equals(small.subarray(-10)));
      assert.equal((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'dir/small.bin' }))).ContentLength, small.length);
      assert.ok((await body(direct, targetBucket, cloudKey('dir/small.bin'))).equals(small), 'stored under the expected cloud key');

      // Larger than one part of the backend: a multipart upload at the target, one object there.
      const large = bytes(20 * MIB + 17, 2);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'large.bin', Body: large }));
      assert.ok(
        (await body(s3, bucket, 'large.bin', `bytes=${8 * MIB - 5}-${8 * MIB + 5}`)).equals(large.subarray(8 * MIB - 5, 8 * MIB + 6)),
      );
      assert.ok((await body(direct, targetBucket, cloudKey('large.bin'))).equals(large));

      // An overwrite reuses the cloud key; cleaning up the replaced data must not remove the new bytes.
      const second = bytes(1_000, 3);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'dir/small.bin', Body: second }));
      for (let i = 0; i < 10; i++) {
        await new Promise((r) => setTimeout(r, 100));
        assert.ok((await body(direct, targetBucket, cloudKey('dir/small.bin'))).equals(second));
      }
      assert.ok((await body(s3, bucket, 'dir/small.bin')).equals(second));

      await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy.bin', CopySource: `${bucket}/dir/small.bin` }));
      assert.ok((await body(s3, bucket, 'copy.bin')).equals(second));
      assert.ok((await body(direct, targetBucket, cloudKey('copy.bin'))).equals(second));

      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'copy.bin' }));
      assert.ok(await eventually(async () => !(await targetHas(targetBucket, cloudKey('copy.bin')))), 'deleted at the target');
      assert.equal((await s3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'copy.bin' })))).code, 'NoSuchKey');
      assert.equal(await targetHas(targetBucket, cloudKey('dir/small.bin')), true, 'the other objects stay');
    });
  }

  it('multipart upload through Zenko (lib-storage, 5 MiB parts): assembled at the target under its own key, part by part readable', async () => {
    const data = bytes(12 * MIB + 3, 4);
    await new Upload({ client: s3, params: { Bucket: 'mirrored', Key: 'mpu.bin', Body: data }, partSize: 5 * MIB, queueSize: 2 }).done();
    assert.ok((await body(s3, 'mirrored', 'mpu.bin')).equals(data));
    assert.ok(
      (await body(s3, 'mirrored', 'mpu.bin', `bytes=${5 * MIB - 2}-${10 * MIB + 2}`)).equals(data.subarray(5 * MIB - 2, 10 * MIB + 3)),
    );
    const part2 = await s3.send(new GetObjectCommand({ Bucket: 'mirrored', Key: 'mpu.bin', PartNumber: 2 }));
    assert.equal(part2.PartsCount, 3);
    assert.ok(Buffer.from(await part2.Body!.transformToByteArray()).equals(data.subarray(5 * MIB, 10 * MIB)));
    // Whole at the target, as any other reader of the bucket expects; the parts are cleaned up.
    assert.ok((await body(direct, 'target-match', 'mpu.bin')).equals(data), 'the object is whole at the target');
    const partsGone = await eventually(
      async () => (await direct.send(new ListObjectsV2Command({ Bucket: 'target-match', Prefix: '.zenko-mpu/' }))).KeyCount === 0,
    );
    assert.ok(partsGone, 'the uploaded parts are removed once assembled');
    const uploads = await direct.send(new ListMultipartUploadsCommand({ Bucket: 'target-match' }));
    assert.deepEqual(uploads.Uploads ?? [], [], 'no multipart upload left open at the target');
    // A copy reads it through the assembled pieces, then the object goes with its data.
    await s3.send(new CopyObjectCommand({ Bucket: 'mirrored', Key: 'mpu-copy.bin', CopySource: 'mirrored/mpu.bin' }));
    assert.ok((await body(s3, 'mirrored', 'mpu-copy.bin')).equals(data));
    await s3.send(new DeleteObjectCommand({ Bucket: 'mirrored', Key: 'mpu.bin' }));
    assert.ok(await eventually(async () => !(await targetHas('target-match', 'mpu.bin'))), 'deleted at the target with the object');
    assert.ok((await body(s3, 'mirrored', 'mpu-copy.bin')).equals(data), 'the copy has its own data');
  });

  it('a key with ".." path segments is stored under exactly that name at the target, never outside its place', async () => {
    const data = bytes(1_000, 15);
    await s3.send(new PutObjectCommand({ Bucket: 'shared', Key: 'x/../../escape.bin', Body: data }));
    assert.ok((await body(s3, 'shared', 'x/../../escape.bin')).equals(data));
    assert.ok((await body(direct, 'target', 'shared/x/../../escape.bin')).equals(data), 'the literal name at the target');
    assert.equal(await targetHas('target', 'escape.bin'), false);
    assert.equal(await targetHas('target', 'shared/escape.bin'), false);
  });

  it('a body that fails its digest leaves nothing at the target (multipart aborted)', async () => {
    const data = bytes(10 * MIB, 5);
    const wrongMd5 = Buffer.alloc(16, 7).toString('base64');
    const err = await s3Error(s3.send(new PutObjectCommand({ Bucket: 'shared', Key: 'bad.bin', Body: data, ContentMD5: wrongMd5 })));
    assert.equal(err.code, 'BadDigest');
    assert.equal(await targetHas('target', 'shared/bad.bin'), false);
    const uploads = await direct.send(new ListMultipartUploadsCommand({ Bucket: 'target' }));
    assert.deepEqual(uploads.Uploads ?? [], [], 'no multipart upload left open at the target');
    assert.equal((await s3Error(s3.send(new HeadObjectCommand({ Bucket: 'shared', Key: 'bad.bin' })))).status, 404);
  });

  it('a bucket-match location serves one bucket: a second bucket on it, or another bucket placing an object there, is refused', async () => {
    // The bucketMatch=true test above made `mirrored` on cloud1m; made here if it runs alone.
    await s3
      .send(new CreateBucketCommand({ Bucket: 'mirrored', CreateBucketConfiguration: { LocationConstraint: 'cloud1m' as never } }))
      .catch((err: unknown) => assert.equal((err as Error).name, 'BucketAlreadyOwnedByYou'));
    const second = s3.send(
      new CreateBucketCommand({ Bucket: 'mirrored-too', CreateBucketConfiguration: { LocationConstraint: 'cloud1m' as never } }),
    );
    assert.deepEqual(await s3Error(second), { code: 'InvalidLocationConstraint', status: 400 });
    await createBucketOn('placer', 'cloud1');
    const placed = s3.send(
      new PutObjectCommand({
        Bucket: 'placer',
        Key: 'dir/small.bin',
        Body: 'would overwrite',
        Metadata: { 'scal-location-constraint': 'cloud1m' },
      }),
    );
    assert.deepEqual(await s3Error(placed), { code: 'InvalidArgument', status: 400 });
  });

  it('sizeLimitGB bounds the bytes a location holds: writes past it are refused until deletes free space', async () => {
    // 0.000001 GiB: 1,074 bytes.
    await createBucketOn('limited', 'cloud1small');
    const used = async (): Promise<number> => {
      const res = await zenkoCli(zenko, 'location', 'show', 'cloud1small');
      assert.equal(res.code, 0, res.stderr);
      return Number((JSON.parse(res.stdout) as { usageBytes: number | string }).usageBytes);
    };
    const put = (key: string, n: number) => s3.send(new PutObjectCommand({ Bucket: 'limited', Key: key, Body: bytes(n, 6) }));
    await put('a', 600);
    assert.equal(await used(), 600);
    const refused = await put('b', 600).then(
      () => assert.fail('a write past the limit was accepted'),
      (e: Error & { name: string; $metadata: { httpStatusCode?: number } }) => e,
    );
    assert.deepEqual([refused.name, refused.$metadata.httpStatusCode], ['AccessDenied', 403], 'as Zenko answers');
    assert.match(refused.message, /storage space limit for location cloud1small will be exceeded \(limit 1074 bytes, 600 in use\)/);
    assert.equal(await targetHas('target', 'limited/b'), false, 'nothing written at the target');
    assert.equal(await used(), 600);

    await put('a', 400);
    assert.equal(await used(), 400, 'an overwrite counts the new size only');
    await put('b', 600);
    assert.equal(await used(), 1000);
    assert.equal((await s3Error(put('c', 100))).code, 'AccessDenied');
    await s3.send(new DeleteObjectCommand({ Bucket: 'limited', Key: 'a' }));
    assert.equal(await used(), 600, 'a delete frees its bytes');
    // The Azure edge writes through the same placement (the account owning the bucket is the dev account's twin).
    const blob = azureClient(zenko).getContainerClient('limited').getBlockBlobClient('from-azure');
    assert.deepEqual(await azureError(blob.upload(bytes(500, 6), 500)), { code: 'RequestBodyTooLarge', status: 413 });
    await put('c', 400);
    assert.ok((await body(s3, 'limited', 'c')).equals(bytes(400, 6)));
    assert.equal(await targetHas('target', 'limited/c'), true);

    const listed = await zenkoCli(zenko, 'location', 'list');
    assert.match(listed.stdout, /cloud1small\s.*\s1000\s/, 'the list shows the bytes in use');
  });
});

describe('azure location (Azurite as the target)', () => {
  for (const match of [false, true]) {
    const location = match ? 'az1m' : 'az1';
    const bucket = match ? 'az-mirrored' : 'az-shared';
    const blobName = (key: string): string => (match ? key : `${bucket}/${key}`);

    it(`bucketMatch=${match}: put, ranged get, staged blocks, multipart, overwrite, copy, delete; blobs visible to the Azure SDK`, async () => {
      const container = azurite.client().getContainerClient(match ? 'zenko-match' : 'zenko');
      await createBucketOn(bucket, location);
      const small = bytes(200_000, 7);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a/small.bin', Body: small }));
      assert.ok((await body(s3, bucket, 'a/small.bin')).equals(small));
      assert.ok((await body(s3, bucket, 'a/small.bin', 'bytes=100-199')).equals(small.subarray(100, 200)));
      assert.ok((await body(s3, bucket, 'a/small.bin', 'bytes=199990-')).equals(small.subarray(199_990)));
      assert.ok((await blobBytes(container, blobName('a/small.bin'))).equals(small));

      const large = bytes(19 * MIB + 5, 8);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'large.bin', Body: large }));
      assert.ok(
        (await body(s3, bucket, 'large.bin', `bytes=${16 * MIB - 3}-${16 * MIB + 3}`)).equals(large.subarray(16 * MIB - 3, 16 * MIB + 4)),
      );
      assert.ok((await blobBytes(container, blobName('large.bin'))).equals(large));
      const blocks = await container.getBlockBlobClient(blobName('large.bin')).getBlockList('committed');
      assert.equal(blocks.committedBlocks?.length, 3, 'staged as 8 MiB blocks, committed once');

      const data = bytes(11 * MIB, 9);
      await new Upload({ client: s3, params: { Bucket: bucket, Key: 'mpu.bin', Body: data }, partSize: 5 * MIB, queueSize: 2 }).done();
      assert.ok((await body(s3, bucket, 'mpu.bin')).equals(data));
      assert.ok((await body(s3, bucket, 'mpu.bin', `bytes=${5 * MIB - 1}-${5 * MIB}`)).equals(data.subarray(5 * MIB - 1, 5 * MIB + 1)));
      assert.ok((await blobBytes(container, blobName('mpu.bin'))).equals(data), 'assembled at the target under its own name');
      const partBlobsGone = await eventually(async () => {
        for await (const b of container.listBlobsFlat({ prefix: '.zenko-mpu/' })) if (b.name.includes('/mpu.bin/')) return false;
        return true;
      });
      assert.ok(partBlobsGone, 'the uploaded parts are removed once assembled');

      const second = bytes(5_000, 10);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a/small.bin', Body: second }));
      for (let i = 0; i < 10; i++) {
        await new Promise((r) => setTimeout(r, 100));
        assert.ok(
          (await blobBytes(container, blobName('a/small.bin'))).equals(second),
          'the overwrite survives the cleanup of the replaced data',
        );
      }

      await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy.bin', CopySource: `${bucket}/large.bin` }));
      assert.ok((await blobBytes(container, blobName('copy.bin'))).equals(large));
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'copy.bin' }));
      assert.ok(await eventually(async () => !(await blobExists(container, blobName('copy.bin')))), 'deleted at the target');
      assert.equal(await blobExists(container, blobName('large.bin')), true);
    });
  }

  it('a body that fails its digest leaves no blob', async () => {
    const container = azurite.client().getContainerClient('zenko');
    const wrongMd5 = Buffer.alloc(16, 1).toString('base64');
    const err = await s3Error(
      s3.send(new PutObjectCommand({ Bucket: 'az-shared', Key: 'bad.bin', Body: bytes(10 * MIB, 11), ContentMD5: wrongMd5 })),
    );
    assert.equal(err.code, 'BadDigest');
    assert.equal(await blobExists(container, 'az-shared/bad.bin'), false);
  });

  it('a key with a ".." path segment is refused on an azure location and nothing lands outside its container', async () => {
    const err = await s3Error(s3.send(new PutObjectCommand({ Bucket: 'az-shared', Key: '../../escape.bin', Body: bytes(1_000, 12) })));
    assert.equal(err.code, 'InvalidArgument');
    assert.equal(err.status, 400);
    assert.equal((await s3Error(s3.send(new HeadObjectCommand({ Bucket: 'az-shared', Key: '../../escape.bin' })))).status, 404);
    const service = azurite.client();
    for await (const c of service.listContainers()) {
      for await (const b of service.getContainerClient(c.name).listBlobsFlat())
        assert.ok(!b.name.endsWith('escape.bin'), `${c.name}/${b.name}`);
    }
  });
});

describe('locations that keep one object per name', () => {
  it('a refused conditional write (PUT, Complete) leaves the current object whole; concurrent overwrites leave the last committed readable', async () => {
    for (const bucket of ['shared', 'az-shared']) {
      const a = bytes(50_000, 21);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'cond.bin', Body: a }));
      const refused = [
        await s3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'cond.bin', Body: bytes(60_000, 22), IfNoneMatch: '*' }))),
        await s3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'cond.bin', Body: bytes(60_000, 23), IfMatch: '"0123"' }))),
      ];
      const mpu = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'cond.bin' }));
      const part = await s3.send(
        new UploadPartCommand({ Bucket: bucket, Key: 'cond.bin', UploadId: mpu.UploadId, PartNumber: 1, Body: bytes(70_000, 24) }),
      );
      refused.push(
        await s3Error(
          s3.send(
            new CompleteMultipartUploadCommand({
              Bucket: bucket,
              Key: 'cond.bin',
              UploadId: mpu.UploadId,
              IfNoneMatch: '*',
              MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
            }),
          ),
        ),
      );
      assert.deepEqual(
        refused.map((e) => e.status),
        [412, 412, 412],
        bucket,
      );
      await new Promise((r) => setTimeout(r, 300)); // what a refused write released is gone by now
      assert.ok((await body(s3, bucket, 'cond.bin')).equals(a), `${bucket}: the current object is untouched`);
      await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'cond.bin', UploadId: mpu.UploadId }));

      // Overwrites racing on one key: metadata and the target agree on the last one.
      for (let round = 0; round < 5; round++) {
        const writes = [bytes(40_000, 30 + round), bytes(90_000, 40 + round), bytes(10_000, 50 + round)];
        await Promise.all(writes.map((Body) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'race.bin', Body }))));
        const got = await body(s3, bucket, 'race.bin');
        assert.ok(
          writes.some((w) => w.equals(got)),
          `${bucket} round ${round}: one of the writes, whole`,
        );
      }
    }
  });

  it('a key with a backslash is refused on an azure location (Azure reads it as a slash)', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'az-shared', Key: 'b1/c', Body: 'slash' }));
    const err = await s3Error(s3.send(new PutObjectCommand({ Bucket: 'az-shared', Key: 'b1\\c', Body: 'backslash' })));
    assert.deepEqual(err, { code: 'InvalidArgument', status: 400 });
    assert.equal((await body(s3, 'az-shared', 'b1/c')).toString(), 'slash');
  });
});

describe('versioned buckets on cloud locations', () => {
  it('need a target that keeps versions: azure and an unversioned aws_s3 target refuse versioning; a versioned one keeps every version', async () => {
    const notImplemented = { code: 'NotImplemented', status: 501 };
    const enable = (Bucket: string) => s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    for (const [bucket, location] of [
      ['ver-s3', 'cloud1'],
      ['ver-az', 'az1'],
    ] as const) {
      await createBucketOn(bucket, location);
      assert.deepEqual(await s3Error(enable(bucket)), notImplemented, location);
      const locked = s3.send(
        new CreateBucketCommand({
          Bucket: `${bucket}-lock`,
          ObjectLockEnabledForBucket: true,
          CreateBucketConfiguration: { LocationConstraint: location as never },
        }),
      );
      assert.deepEqual(await s3Error(locked), notImplemented, `${location}, object lock`);
    }
    // A versioned bucket on local disk cannot place one object on such a location either.
    await s3.send(new CreateBucketCommand({ Bucket: 'ver-local' }));
    await enable('ver-local');
    const placed = s3.send(
      new PutObjectCommand({ Bucket: 'ver-local', Key: 'k', Body: 'x', Metadata: { 'scal-location-constraint': 'az1' } }),
    );
    assert.deepEqual(await s3Error(placed), notImplemented);

    // supportsVersioning is checked against the target bucket when the location is added.
    const s3Target = ['--type', 'aws_s3', '--endpoint', target.s3, '--access-key', 'accessKey1', '--secret-key', 'verySecretKey1'];
    const unversioned = await zenkoCli(
      zenko,
      'location',
      'add',
      'cloudv',
      ...s3Target,
      '--path-style',
      '--bucket',
      'target',
      '--supports-versioning',
    );
    assert.equal(unversioned.code, 1);
    assert.match(unversioned.stderr, /versioning is not enabled/);
    await direct.send(new CreateBucketCommand({ Bucket: 'target-versioned' }));
    await direct.send(new PutBucketVersioningCommand({ Bucket: 'target-versioned', VersioningConfiguration: { Status: 'Enabled' } }));
    await addLocation('cloudv', ...s3Target, '--path-style', '--bucket', 'target-versioned', '--supports-versioning');
    await createBucketOn('ver-s3v', 'cloudv');
    await enable('ver-s3v');
    const ids: string[] = [];
    for (const text of ['one', 'two', 'three']) {
      ids.push((await s3.send(new PutObjectCommand({ Bucket: 'ver-s3v', Key: 'k', Body: text }))).VersionId!);
    }
    for (const [i, text] of ['one', 'two', 'three'].entries()) {
      const res = await s3.send(new GetObjectCommand({ Bucket: 'ver-s3v', Key: 'k', VersionId: ids[i] }));
      assert.equal(await res.Body?.transformToString(), text);
    }
  });
});

describe('removing a location', () => {
  it('is refused while a bucket keeps objects placed there by header; allowed once they are gone', async () => {
    const s3Target = ['--type', 'aws_s3', '--endpoint', target.s3, '--access-key', 'accessKey1', '--secret-key', 'verySecretKey1'];
    await addLocation('cloudp', ...s3Target, '--path-style', '--bucket', 'target');
    await s3.send(new CreateBucketCommand({ Bucket: 'placing' }));
    let placed = false;
    for (let i = 0; i < 100 && !placed; i++) {
      // The edge learns of the new location from the registry's change stream.
      placed = await s3
        .send(new PutObjectCommand({ Bucket: 'placing', Key: 'there', Body: 'x', Metadata: { 'scal-location-constraint': 'cloudp' } }))
        .then(
          () => true,
          async () => (await new Promise((r) => setTimeout(r, 100)), false),
        );
    }
    assert.ok(placed);
    const refused = await zenkoCli(zenko, 'location', 'remove', 'cloudp');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /LOCATION_IN_USE.*placing/);
    await s3.send(new DeleteObjectCommand({ Bucket: 'placing', Key: 'there' }));
    const removed = await zenkoCli(zenko, 'location', 'remove', 'cloudp');
    assert.equal(removed.code, 0, removed.stderr);
  });
});

describe('one bucket, objects on three location types', () => {
  it('x-amz-meta-scal-location-constraint places each object; each reads back; copies cross location types', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'mixed' }));
    const objects = { local: bytes(70_000, 12), aws: bytes(80_000, 13), az: bytes(90_000, 14) };
    const where: Record<keyof typeof objects, string> = { local: 'us-east-1', aws: 'cloud1', az: 'az1' };
    for (const [key, data] of Object.entries(objects) as [keyof typeof objects, Buffer][]) {
      const meta = key === 'local' ? {} : { 'scal-location-constraint': where[key] };
      await s3.send(new PutObjectCommand({ Bucket: 'mixed', Key: key, Body: data, Metadata: meta }));
    }
    for (const [key, data] of Object.entries(objects)) assert.ok((await body(s3, 'mixed', key)).equals(data), key);
    assert.ok((await body(direct, 'target', 'mixed/aws')).equals(objects.aws));
    const zenkoContainer = azurite.client().getContainerClient('zenko');
    assert.ok((await blobBytes(zenkoContainer, 'mixed/az')).equals(objects.az));
    assert.equal(await targetHas('target', 'mixed/local'), false, 'the unmarked object stays on the bucket location');

    // Across buckets and location types: aws → azure bucket, azure → aws bucket, local → aws bucket.
    await s3.send(new CopyObjectCommand({ Bucket: 'az-shared', Key: 'from-aws', CopySource: 'mixed/aws' }));
    assert.ok((await blobBytes(zenkoContainer, 'az-shared/from-aws')).equals(objects.aws));
    await s3.send(new CopyObjectCommand({ Bucket: 'shared', Key: 'from-az', CopySource: 'mixed/az' }));
    assert.ok((await body(direct, 'target', 'shared/from-az')).equals(objects.az));
    await s3.send(new CopyObjectCommand({ Bucket: 'shared', Key: 'from-local', CopySource: 'mixed/local' }));
    assert.ok((await body(s3, 'shared', 'from-local')).equals(objects.local));
    assert.ok((await body(direct, 'target', 'shared/from-local')).equals(objects.local));
  });
});
