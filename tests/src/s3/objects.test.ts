// The S3 edge end to end through the AWS SDK (default settings: CRC32 trailers and
// aws-chunked bodies), on a real stack.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  type CompletedPart,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetBucketLocationCommand,
  PutBucketWebsiteCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { azureClient } from '../support/azure.js';
import { s3Client, s3Error } from '../support/s3.js';
import { startStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let s3: S3Client;

before(async () => {
  // Small objects kept in their metadata record (off by default) are exercised here.
  stack = await startStack({ ZENKO_INLINE_MAX_BYTES: String(16 * 1024) });
  s3 = s3Client(stack);
});
after(async () => {
  s3.destroy();
  await stack.stop();
});

const md5 = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');

async function eventually(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(check(), what);
}

/** The base64 CRC32 S3 returns (big-endian). */
const crc32b64 = (b: Buffer): string => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(b));
  return out.toString('base64');
};
describe('buckets', () => {
  it('create, head, list, locate, refuse duplicates and non-empty deletes, delete', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'b-lifecycle' }));
    assert.equal((await s3Error(s3.send(new CreateBucketCommand({ Bucket: 'b-lifecycle' })))).code, 'BucketAlreadyOwnedByYou');
    await s3.send(new HeadBucketCommand({ Bucket: 'b-lifecycle' }));
    const names = (await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name);
    assert.ok(names?.includes('b-lifecycle'));
    const loc = await s3.send(new GetBucketLocationCommand({ Bucket: 'b-lifecycle' }));
    assert.equal(loc.LocationConstraint ?? '', '');
    await s3.send(new PutObjectCommand({ Bucket: 'b-lifecycle', Key: 'k', Body: 'x' }));
    assert.equal((await s3Error(s3.send(new DeleteBucketCommand({ Bucket: 'b-lifecycle' })))).code, 'BucketNotEmpty');
    await s3.send(new DeleteObjectCommand({ Bucket: 'b-lifecycle', Key: 'k' }));
    await s3.send(new DeleteBucketCommand({ Bucket: 'b-lifecycle' }));
    assert.equal((await s3Error(s3.send(new HeadBucketCommand({ Bucket: 'b-lifecycle' })))).status, 404);
  });

  it('refuses invalid names and unknown locations', async () => {
    assert.equal((await s3Error(s3.send(new CreateBucketCommand({ Bucket: 'Bad_Name' })))).code, 'InvalidBucketName');
    const err = await s3Error(
      s3.send(new CreateBucketCommand({ Bucket: 'b-nowhere', CreateBucketConfiguration: { LocationConstraint: 'nowhere' as never } })),
    );
    assert.equal(err.code, 'InvalidLocationConstraint');
    assert.equal((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket-here', Key: 'k' })))).code, 'NoSuchBucket');
  });

  it('creates a bucket on the memory location', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'b-mem', CreateBucketConfiguration: { LocationConstraint: 'memory' as never } }));
    assert.equal((await s3.send(new GetBucketLocationCommand({ Bucket: 'b-mem' }))).LocationConstraint, 'memory');
    await s3.send(new PutObjectCommand({ Bucket: 'b-mem', Key: 'k', Body: 'in memory' }));
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'b-mem', Key: 'k' }))).Body?.transformToString(), 'in memory');
  });

  it('ListBuckets filters by prefix and region and pages with max-buckets and a continuation token', async () => {
    for (const name of ['lb-b1', 'lb-a2', 'lb-a1']) await s3.send(new CreateBucketCommand({ Bucket: name }));
    await s3.send(new CreateBucketCommand({ Bucket: 'lb-m', CreateBucketConfiguration: { LocationConstraint: 'memory' as never } }));
    const prefixed = await s3.send(new ListBucketsCommand({ Prefix: 'lb-a' }));
    assert.deepEqual(
      prefixed.Buckets?.map((b) => `${b.Name} ${b.BucketRegion}`),
      ['lb-a1 us-east-1', 'lb-a2 us-east-1'],
    );
    assert.equal(prefixed.Prefix, 'lb-a');
    assert.equal(prefixed.ContinuationToken, undefined);
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListBucketsCommand({ Prefix: 'lb-', MaxBuckets: 2, ContinuationToken: token }));
      pages.push((page.Buckets ?? []).map((b) => b.Name!));
      token = page.ContinuationToken;
    } while (token);
    assert.deepEqual(pages, [
      ['lb-a1', 'lb-a2'],
      ['lb-b1', 'lb-m'],
    ]);
    const inMemory = await s3.send(new ListBucketsCommand({ Prefix: 'lb-', BucketRegion: 'memory' }));
    assert.deepEqual(
      inMemory.Buckets?.map((b) => b.Name),
      ['lb-m'],
    );
    assert.equal((await s3Error(s3.send(new ListBucketsCommand({ MaxBuckets: 0 })))).code, 'InvalidArgument');
  });
});

describe('objects', () => {
  before(() => s3.send(new CreateBucketCommand({ Bucket: 'b-obj' })));

  it('stores bytes, content headers and user metadata; returns them on GET and HEAD', async () => {
    const body = randomBytes(300_000);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'b-obj',
        Key: 'dir/file.bin',
        Body: body,
        ContentType: 'application/x-test',
        CacheControl: 'max-age=60',
        ContentDisposition: 'attachment; filename="f.bin"',
        Metadata: { color: 'blue', 'two-words': 'x y' },
      }),
    );
    assert.equal(put.ETag, `"${md5(body)}"`);
    const get = await s3.send(new GetObjectCommand({ Bucket: 'b-obj', Key: 'dir/file.bin', ChecksumMode: 'ENABLED' }));
    assert.ok(Buffer.from(await get.Body!.transformToByteArray()).equals(body));
    assert.equal(get.ContentType, 'application/x-test');
    assert.equal(get.CacheControl, 'max-age=60');
    assert.equal(get.ContentDisposition, 'attachment; filename="f.bin"');
    assert.deepEqual(get.Metadata, { color: 'blue', 'two-words': 'x y' });
    assert.ok(get.ChecksumCRC32, 'the SDK sent a CRC32 and gets it back');
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'b-obj', Key: 'dir/file.bin' }));
    assert.equal(head.ContentLength, body.length);
    assert.equal(head.ETag, put.ETag);
  });

  it('response-* parameters override the content headers: UTF-8 sent as its bytes, control characters refused', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'b-obj', Key: 'overridden', Body: 'o', ContentType: 'text/plain' }));
    const disposition = 'attachment; filename="☃ é.txt"';
    const got = await s3.send(
      new GetObjectCommand({
        Bucket: 'b-obj',
        Key: 'overridden',
        ResponseContentDisposition: disposition,
        ResponseContentType: 'application/x-over',
        ResponseCacheControl: 'no-store',
      }),
    );
    assert.equal(Buffer.from(got.ContentDisposition ?? '', 'latin1').toString('utf8'), disposition);
    assert.deepEqual([got.ContentType, got.CacheControl], ['application/x-over', 'no-store']);
    assert.deepEqual(
      await s3Error(
        s3.send(new GetObjectCommand({ Bucket: 'b-obj', Key: 'overridden', ResponseContentType: 'text/plain\r\nX-Injected: 1' })),
      ),
      { code: 'InvalidArgument', status: 400 },
    );
  });

  it('serves ranges, suffix ranges and refuses unsatisfiable ones', async () => {
    const body = Buffer.from('0123456789abcdefghij');
    await s3.send(new PutObjectCommand({ Bucket: 'b-obj', Key: 'range', Body: body }));
    const r = await s3.send(new GetObjectCommand({ Bucket: 'b-obj', Key: 'range', Range: 'bytes=5-9' }));
    assert.equal(await r.Body?.transformToString(), '56789');
    assert.equal(r.ContentRange, 'bytes 5-9/20');
    const suffix = await s3.send(new GetObjectCommand({ Bucket: 'b-obj', Key: 'range', Range: 'bytes=-3' }));
    assert.equal(await suffix.Body?.transformToString(), 'hij');
    const open = await s3.send(new GetObjectCommand({ Bucket: 'b-obj', Key: 'range', Range: 'bytes=18-' }));
    assert.equal(await open.Body?.transformToString(), 'ij');
    assert.equal(
      (await s3Error(s3.send(new GetObjectCommand({ Bucket: 'b-obj', Key: 'range', Range: 'bytes=20-30' })))).code,
      'InvalidRange',
    );
    // The 416 names the object's size (RFC 9110).
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'b-obj', Key: 'range' }), { expiresIn: 300 });
    const refused = await fetch(url, { headers: { range: 'bytes=20-30' } });
    assert.equal(refused.status, 416);
    assert.equal(refused.headers.get('content-range'), 'bytes */20');
  });

  it('evaluates conditional GETs and conditional PUTs', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: 'b-obj', Key: 'cond', Body: 'v1' }));
    assert.equal((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'b-obj', Key: 'cond', IfNoneMatch: put.ETag })))).status, 304);
    assert.equal(
      (await s3Error(s3.send(new GetObjectCommand({ Bucket: 'b-obj', Key: 'cond', IfMatch: '"nope"' })))).code,
      'PreconditionFailed',
    );
    const ok = await s3.send(new GetObjectCommand({ Bucket: 'b-obj', Key: 'cond', IfMatch: put.ETag }));
    assert.equal(await ok.Body?.transformToString(), 'v1');
    assert.equal(
      (await s3Error(s3.send(new PutObjectCommand({ Bucket: 'b-obj', Key: 'cond', Body: 'v2', IfNoneMatch: '*' })))).code,
      'PreconditionFailed',
    );
    await s3.send(new PutObjectCommand({ Bucket: 'b-obj', Key: 'cond-new', Body: 'v1', IfNoneMatch: '*' }));
  });

  it('a wrong Content-MD5 is BadDigest and leaves no object', async () => {
    const err = await s3Error(
      s3.send(
        new PutObjectCommand({
          Bucket: 'b-obj',
          Key: 'bad-md5',
          Body: 'data',
          ContentMD5: Buffer.from(md5('other'), 'hex').toString('base64'),
        }),
      ),
    );
    assert.equal(err.code, 'BadDigest');
    assert.equal((await s3Error(s3.send(new HeadObjectCommand({ Bucket: 'b-obj', Key: 'bad-md5' })))).status, 404);
  });

  it('keys that look like paths are distinct objects, listed as they are', async () => {
    const keys = ['../../etc/passwd', 'a//b', 'a/b', '%2F', 'nul\0key', 'emoji-😀', 'été'];
    for (const [i, key] of keys.entries()) await s3.send(new PutObjectCommand({ Bucket: 'b-obj', Key: key, Body: `v${i}` }));
    for (const [i, key] of keys.entries()) {
      assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'b-obj', Key: key }))).Body?.transformToString(), `v${i}`, key);
    }
    const contents = (await s3.send(new ListObjectsV2Command({ Bucket: 'b-obj', EncodingType: 'url' }))).Contents ?? [];
    const listed = contents.map((c) => decodeURIComponent(c.Key!.replace(/\+/g, ' ')));
    for (const key of keys) assert.ok(listed.includes(key), `listing has ${JSON.stringify(key)}`);
    // The SDK sent a CRC32 with each PUT: the listing names the algorithm, as S3's does.
    assert.deepEqual(contents[listed.indexOf('a/b')]?.ChecksumAlgorithm, ['CRC32']);
    assert.equal(contents[listed.indexOf('a/b')]?.ChecksumType, 'FULL_OBJECT');
    const tooLong = 'k'.repeat(1025);
    assert.equal((await s3Error(s3.send(new PutObjectCommand({ Bucket: 'b-obj', Key: tooLong, Body: 'x' })))).code, 'KeyTooLongError');
  });

  it('deleting a missing key succeeds; a deleted key is NoSuchKey', async () => {
    await s3.send(new DeleteObjectCommand({ Bucket: 'b-obj', Key: 'never-was' }));
    await s3.send(new PutObjectCommand({ Bucket: 'b-obj', Key: 'gone', Body: 'x' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'b-obj', Key: 'gone' }));
    assert.equal((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'b-obj', Key: 'gone' })))).code, 'NoSuchKey');
  });

  it('copies objects within and across buckets, with COPY and REPLACE metadata', async () => {
    await s3.send(
      new CreateBucketCommand({ Bucket: 'b-copy-target', CreateBucketConfiguration: { LocationConstraint: 'memory' as never } }),
    );
    await s3.send(new PutObjectCommand({ Bucket: 'b-obj', Key: 'src', Body: 'copy me', ContentType: 'text/plain', Metadata: { a: '1' } }));
    await s3.send(new CopyObjectCommand({ Bucket: 'b-copy-target', Key: 'dst', CopySource: 'b-obj/src' }));
    const copied = await s3.send(new GetObjectCommand({ Bucket: 'b-copy-target', Key: 'dst' }));
    assert.equal(await copied.Body?.transformToString(), 'copy me');
    assert.deepEqual(copied.Metadata, { a: '1' });
    await s3.send(
      new CopyObjectCommand({
        Bucket: 'b-obj',
        Key: 'src',
        CopySource: 'b-obj/src',
        MetadataDirective: 'REPLACE',
        Metadata: { b: '2' },
        ContentType: 'text/x',
      }),
    );
    const replaced = await s3.send(new HeadObjectCommand({ Bucket: 'b-obj', Key: 'src' }));
    assert.deepEqual(replaced.Metadata, { b: '2' });
    assert.equal(replaced.ContentType, 'text/x');
    assert.equal(
      (await s3Error(s3.send(new CopyObjectCommand({ Bucket: 'b-obj', Key: 'src', CopySource: 'b-obj/src' })))).code,
      'InvalidRequest',
    );
    assert.equal(
      (await s3Error(s3.send(new CopyObjectCommand({ Bucket: 'b-obj', Key: 'x', CopySource: 'b-obj/missing' })))).code,
      'NoSuchKey',
    );
  });

  it('copy-source conditions, If-Modified-Since among them (412 unless modified since, ignored in the future); a copy is STANDARD unless told', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: 'b-obj', Key: 'cond-src', Body: 'conditional', StorageClass: 'STANDARD_IA' }));
    const modified = (await s3.send(new HeadObjectCommand({ Bucket: 'b-obj', Key: 'cond-src' }))).LastModified!;
    const copy = (Key: string, extra: Partial<ConstructorParameters<typeof CopyObjectCommand>[0]>) =>
      s3.send(new CopyObjectCommand({ Bucket: 'b-obj', Key, CopySource: 'b-obj/cond-src', ...extra }));
    const refused = { code: 'PreconditionFailed', status: 412 };
    assert.deepEqual(await s3Error(copy('c1', { CopySourceIfModifiedSince: modified })), refused);
    assert.deepEqual(await s3Error(copy('c1', { CopySourceIfMatch: '"nope"' })), refused);
    assert.deepEqual(await s3Error(copy('c1', { CopySourceIfNoneMatch: put.ETag })), refused);
    assert.deepEqual(await s3Error(copy('c1', { CopySourceIfUnmodifiedSince: new Date(modified.getTime() - 60_000) })), refused);
    assert.equal((await s3Error(s3.send(new HeadObjectCommand({ Bucket: 'b-obj', Key: 'c1' })))).status, 404, 'nothing copied');
    await copy('c1', { CopySourceIfModifiedSince: new Date(modified.getTime() - 60_000) });
    await copy('c2', { CopySourceIfModifiedSince: new Date(Date.now() + 3_600_000) });
    // If-Match that holds wins over a failing If-Unmodified-Since (S3's documented pair).
    await copy('c3', { CopySourceIfMatch: put.ETag, CopySourceIfUnmodifiedSince: new Date(modified.getTime() - 60_000) });
    const classes = await Promise.all(['c1', 'c2', 'c3'].map((Key) => s3.send(new HeadObjectCommand({ Bucket: 'b-obj', Key }))));
    assert.deepEqual(
      classes.map((h) => h.StorageClass),
      [undefined, undefined, undefined],
      'STANDARD (not sent), not the source class',
    );
    await copy('c4', { StorageClass: 'ONEZONE_IA' });
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: 'b-obj', Key: 'c4' }))).StorageClass, 'ONEZONE_IA');
    const mpu = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'b-obj', Key: 'c5' }));
    assert.deepEqual(
      await s3Error(
        s3.send(
          new UploadPartCopyCommand({
            Bucket: 'b-obj',
            Key: 'c5',
            UploadId: mpu.UploadId,
            PartNumber: 1,
            CopySource: 'b-obj/cond-src',
            CopySourceIfModifiedSince: modified,
          }),
        ),
      ),
      refused,
    );
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'b-obj', Key: 'c5', UploadId: mpu.UploadId }));
    // Archive classes would need RestoreObject before a read: refused rather than pretended.
    for (const StorageClass of ['GLACIER', 'DEEP_ARCHIVE'] as const) {
      assert.deepEqual(await s3Error(s3.send(new PutObjectCommand({ Bucket: 'b-obj', Key: 'archived', Body: 'x', StorageClass }))), {
        code: 'InvalidStorageClass',
        status: 400,
      });
      assert.equal((await s3Error(copy('archived', { StorageClass }))).code, 'InvalidStorageClass');
    }
    assert.equal((await s3Error(s3.send(new HeadObjectCommand({ Bucket: 'b-obj', Key: 'archived' })))).status, 404);
  });

  it("a copy keeps the source's checksum algorithm, or takes x-amz-checksum-algorithm's (also copying an object onto itself)", async () => {
    const body = Buffer.from('checksummed copy');
    await s3.send(new PutObjectCommand({ Bucket: 'b-obj', Key: 'sum-src', Body: body, ChecksumAlgorithm: 'CRC32' }));
    const sha256 = createHash('sha256').update(body).digest('base64');
    const head = (Key: string) => s3.send(new HeadObjectCommand({ Bucket: 'b-obj', Key, ChecksumMode: 'ENABLED' }));
    await s3.send(new CopyObjectCommand({ Bucket: 'b-obj', Key: 'sum-same', CopySource: 'b-obj/sum-src' }));
    assert.equal((await head('sum-same')).ChecksumCRC32, crc32b64(body));
    const changed = await s3.send(
      new CopyObjectCommand({ Bucket: 'b-obj', Key: 'sum-sha', CopySource: 'b-obj/sum-src', ChecksumAlgorithm: 'SHA256' }),
    );
    assert.equal(changed.CopyObjectResult?.ChecksumSHA256, sha256);
    assert.deepEqual([(await head('sum-sha')).ChecksumSHA256, (await head('sum-sha')).ChecksumCRC32], [sha256, undefined]);
    // In place: a new algorithm is a change S3 accepts.
    await s3.send(new CopyObjectCommand({ Bucket: 'b-obj', Key: 'sum-src', CopySource: 'b-obj/sum-src', ChecksumAlgorithm: 'SHA256' }));
    assert.equal((await head('sum-src')).ChecksumSHA256, sha256);
    const bad = await s3Error(
      s3.send(new CopyObjectCommand({ Bucket: 'b-obj', Key: 'x', CopySource: 'b-obj/sum-src', ChecksumAlgorithm: 'MD4' as never })),
    );
    assert.equal(bad.code, 'InvalidRequest');
  });
});

describe('small objects kept in their metadata record (inline)', () => {
  /** Piece files in the default `file` location's shard directories. */
  const pieceFiles = (): number => {
    const root = join(stack.dataDir, 'data', 'us-east-1');
    return readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory() && /^[0-9a-f]{2}$/.test(e.name))
      .reduce((n, e) => n + readdirSync(join(root, e.name)).length, 0);
  };
  const get = async (params: { Key: string; Range?: string; PartNumber?: number }) => {
    const r = await s3.send(new GetObjectCommand({ Bucket: 'b-inline', ...params }));
    return { status: r.$metadata.httpStatusCode, range: r.ContentRange, body: Buffer.from(await r.Body!.transformToByteArray()) };
  };

  it('up to 16 KiB: no data file; GET, ranges, partNumber, copy, part copy, listing, Azure reads and deletes as any object', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'b-inline' }));
    const before = pieceFiles();
    const body = randomBytes(16 * 1024);
    // The SDK's default CRC32 trailer over an aws-chunked body, as any upload.
    const put = await s3.send(new PutObjectCommand({ Bucket: 'b-inline', Key: 'small', Body: body, ContentType: 'text/x-small' }));
    assert.equal(put.ETag, `"${md5(body)}"`);
    assert.equal(pieceFiles(), before, 'no piece file for a 16 KiB object');
    assert.deepEqual((await get({ Key: 'small' })).body, body);
    const ranged = await get({ Key: 'small', Range: 'bytes=100-199' });
    assert.deepEqual([ranged.status, ranged.range, ranged.body], [206, `bytes 100-199/${body.length}`, body.subarray(100, 200)]);
    assert.deepEqual((await get({ Key: 'small', Range: 'bytes=-5' })).body, body.subarray(-5));
    const part = await get({ Key: 'small', PartNumber: 1 });
    assert.deepEqual([part.status, part.body], [206, body]);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'b-inline', Key: 'small', ChecksumMode: 'ENABLED' }));
    assert.equal(head.ContentLength, body.length);
    assert.equal(head.ContentType, 'text/x-small');
    assert.equal(head.ChecksumCRC32, Buffer.from(crc32(body).toString(16).padStart(8, '0'), 'hex').toString('base64'));

    await s3.send(new CopyObjectCommand({ Bucket: 'b-inline', Key: 'copy', CopySource: 'b-inline/small' }));
    assert.deepEqual((await get({ Key: 'copy' })).body, body);
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'b-inline', Key: 'assembled' }));
    const copied = await s3.send(
      new UploadPartCopyCommand({
        Bucket: 'b-inline',
        Key: 'assembled',
        UploadId: upload.UploadId,
        PartNumber: 1,
        CopySource: 'b-inline/small',
        CopySourceRange: 'bytes=10-19',
      }),
    );
    const completed = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'b-inline',
        Key: 'assembled',
        UploadId: upload.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: copied.CopyPartResult?.ETag }] },
      }),
    );
    assert.equal(completed.Location, `${stack.s3}/b-inline/assembled`, 'Location is the object URL');
    assert.deepEqual((await get({ Key: 'assembled' })).body, body.subarray(10, 20));
    assert.equal(pieceFiles(), before + 1, 'only the multipart part has a piece file');

    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'b-inline' }));
    const entry = listed.Contents?.find((c) => c.Key === 'small');
    assert.deepEqual([entry?.Size, entry?.ETag], [body.length, `"${md5(body)}"`]);
    const blob = azureClient(stack).getContainerClient('b-inline').getBlobClient('small');
    assert.deepEqual(await blob.downloadToBuffer(), body);
    assert.deepEqual(await blob.downloadToBuffer(5, 10), body.subarray(5, 15));

    // Overwritten by a larger object: that one is stored in a file; deletes leave no file behind.
    const larger = randomBytes(16 * 1024 + 1);
    await s3.send(new PutObjectCommand({ Bucket: 'b-inline', Key: 'small', Body: larger }));
    assert.equal(pieceFiles(), before + 2);
    assert.deepEqual((await get({ Key: 'small' })).body, larger);
    for (const Key of ['small', 'copy', 'assembled']) await s3.send(new DeleteObjectCommand({ Bucket: 'b-inline', Key }));
    await eventually('released data deleted', () => pieceFiles() === before);
    await s3.send(new DeleteBucketCommand({ Bucket: 'b-inline' }));
  });
});

describe('listings', () => {
  before(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'b-list' }));
    const keys = ['a/1', 'a/2', 'b/1', 'b/2/x', 'c', 'd', 'e'];
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: 'b-list', Key: key, Body: key }));
  });

  it('v2 with delimiter and continuation tokens walks every entry once', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: 'b-list', Delimiter: '/', MaxKeys: 2, ContinuationToken: token }));
      seen.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix!), ...(page.Contents ?? []).map((c) => c.Key!));
      assert.ok((page.KeyCount ?? 0) <= 2);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    assert.deepEqual(seen.sort(), ['a/', 'b/', 'c', 'd', 'e']);
  });

  it('v1 with prefix, marker and max-keys', async () => {
    const page = await s3.send(new ListObjectsCommand({ Bucket: 'b-list', Prefix: 'b/', Marker: 'b/1', MaxKeys: 10 }));
    assert.deepEqual(
      page.Contents?.map((c) => c.Key),
      ['b/2/x'],
    );
    const start = await s3.send(new ListObjectsV2Command({ Bucket: 'b-list', StartAfter: 'c' }));
    assert.deepEqual(
      start.Contents?.map((c) => c.Key),
      ['d', 'e'],
    );
  });

  it('max-keys=0 lists nothing and is not truncated, in every listing', async () => {
    const v1 = await s3.send(new ListObjectsCommand({ Bucket: 'b-list', MaxKeys: 0 }));
    const v2 = await s3.send(new ListObjectsV2Command({ Bucket: 'b-list', MaxKeys: 0 }));
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: 'b-list', MaxKeys: 0 }));
    for (const [name, page] of Object.entries({ v1, v2, versions })) {
      assert.equal(page.IsTruncated, false, name);
      assert.equal(page.MaxKeys, 0, name);
    }
    assert.deepEqual([v1.Contents, v2.Contents, v2.KeyCount, versions.Versions], [undefined, undefined, 0, undefined]);
    // Beyond a 32-bit integer is not "within integer range"; 2^31 - 1 is, and is capped at 1,000.
    const tooMany = await s3Error(s3.send(new ListObjectsV2Command({ Bucket: 'b-list', MaxKeys: 2 ** 31 })));
    assert.deepEqual(tooMany, { code: 'InvalidArgument', status: 400 });
    assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: 'b-list', MaxKeys: 2 ** 31 - 1 }))).MaxKeys, 1000);
  });
});

describe('multipart uploads', () => {
  before(() => s3.send(new CreateBucketCommand({ Bucket: 'b-mpu' })));

  it('lib-storage uploads a 17 MiB stream in parts; the ETag is md5-of-md5s-N', async () => {
    const body = randomBytes(17 * 1024 * 1024);
    const upload = new Upload({ client: s3, params: { Bucket: 'b-mpu', Key: 'big', Body: body }, partSize: 5 * 1024 * 1024, queueSize: 2 });
    const res = await upload.done();
    const partMd5s = [0, 1, 2, 3].map((i) =>
      createHash('md5')
        .update(body.subarray(i * 5 * 1024 * 1024, (i + 1) * 5 * 1024 * 1024))
        .digest(),
    );
    assert.equal(res.ETag, `"${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-4"`);
    const got = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'b-mpu', Key: 'big' }))).Body!.transformToByteArray());
    assert.ok(got.equals(body));
    const across = await s3.send(
      new GetObjectCommand({ Bucket: 'b-mpu', Key: 'big', Range: `bytes=${5 * 1024 * 1024 - 10}-${5 * 1024 * 1024 + 9}` }),
    );
    assert.ok(Buffer.from(await across.Body!.transformToByteArray()).equals(body.subarray(5 * 1024 * 1024 - 10, 5 * 1024 * 1024 + 10)));
    const part2 = await s3.send(new GetObjectCommand({ Bucket: 'b-mpu', Key: 'big', PartNumber: 2 }));
    assert.equal(part2.PartsCount, 4);
    assert.equal(part2.ContentLength, 5 * 1024 * 1024);
    assert.equal(part2.ContentRange, `bytes ${5 * 1024 * 1024}-${10 * 1024 * 1024 - 1}/${body.length}`);
    // The SDK asks for checksums: the part comes with UploadPart's CRC32 of it, which the SDK checks while reading.
    assert.ok(part2.ChecksumCRC32);
    assert.ok(Buffer.from(await part2.Body!.transformToByteArray()).equals(body.subarray(5 * 1024 * 1024, 10 * 1024 * 1024)));
    const both = await s3Error(s3.send(new GetObjectCommand({ Bucket: 'b-mpu', Key: 'big', PartNumber: 2, Range: 'bytes=0-1' })));
    assert.deepEqual([both.status, both.code], [400, 'InvalidRequest'], 'a part number and a Range together');
    // Part 1 of a single-part object is all of it, as a range (206), with no parts count.
    await s3.send(new PutObjectCommand({ Bucket: 'b-mpu', Key: 'single', Body: '0123456789' }));
    const single = await s3.send(new GetObjectCommand({ Bucket: 'b-mpu', Key: 'single', PartNumber: 1 }));
    assert.deepEqual(
      [single.$metadata.httpStatusCode, single.ContentRange, single.PartsCount, await single.Body?.transformToString()],
      [206, 'bytes 0-9/10', undefined, '0123456789'],
    );
    assert.equal(
      (await s3Error(s3.send(new GetObjectCommand({ Bucket: 'b-mpu', Key: 'single', PartNumber: 2 })))).code,
      'InvalidPartNumber',
    );
    const attrs = await s3.send(
      new GetObjectAttributesCommand({
        Bucket: 'b-mpu',
        Key: 'big',
        ObjectAttributes: ['ETag', 'ObjectParts', 'ObjectSize', 'StorageClass'],
      }),
    );
    assert.equal(`"${attrs.ETag}"`, res.ETag);
    assert.equal(attrs.ObjectSize, body.length);
    assert.equal(attrs.ObjectParts?.TotalPartsCount, 4);
    assert.deepEqual(
      attrs.ObjectParts?.Parts?.map((p) => p.Size),
      [5, 5, 5, 2].map((m) => m * 1024 * 1024),
    );
    assert.equal(attrs.StorageClass, 'STANDARD');
  });

  it('lists parts and uploads, refuses bad completions, aborts', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'b-mpu', Key: 'manual' }));
    const p1 = await s3.send(
      new UploadPartCommand({ Bucket: 'b-mpu', Key: 'manual', UploadId, PartNumber: 1, Body: Buffer.alloc(1024, 1) }),
    );
    const p2 = await s3.send(
      new UploadPartCommand({ Bucket: 'b-mpu', Key: 'manual', UploadId, PartNumber: 2, Body: Buffer.alloc(1024, 2) }),
    );
    const parts = await s3.send(new ListPartsCommand({ Bucket: 'b-mpu', Key: 'manual', UploadId }));
    assert.deepEqual(
      parts.Parts?.map((p) => p.PartNumber),
      [1, 2],
    );
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'b-mpu' }));
    assert.ok(uploads.Uploads?.some((u) => u.UploadId === UploadId));
    // A zero page size lists nothing, untruncated; ListParts still checks that the upload exists.
    const noParts = await s3.send(new ListPartsCommand({ Bucket: 'b-mpu', Key: 'manual', UploadId, MaxParts: 0 }));
    assert.deepEqual([noParts.Parts, noParts.IsTruncated, noParts.MaxParts], [undefined, false, 0]);
    const noUploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'b-mpu', MaxUploads: 0 }));
    assert.deepEqual([noUploads.Uploads, noUploads.IsTruncated, noUploads.MaxUploads], [undefined, false, 0]);
    const odd = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'b-mpu', Key: 'k+x y/z' }));
    const encoded = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'b-mpu', Prefix: 'k+', EncodingType: 'url' }));
    assert.deepEqual([encoded.EncodingType, encoded.Prefix, encoded.Uploads?.map((u) => u.Key)], ['url', 'k%2B', ['k%2Bx+y/z']]);
    const grouped = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'b-mpu', Prefix: 'k+', Delimiter: '/', EncodingType: 'url' }));
    assert.deepEqual(
      grouped.CommonPrefixes?.map((p) => p.Prefix),
      ['k%2Bx+y/'],
    );
    assert.equal(
      (await s3Error(s3.send(new ListMultipartUploadsCommand({ Bucket: 'b-mpu', EncodingType: 'base64' as never })))).code,
      'InvalidArgument',
    );
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'b-mpu', Key: 'k+x y/z', UploadId: odd.UploadId }));
    const unknown = await s3Error(s3.send(new ListPartsCommand({ Bucket: 'b-mpu', Key: 'manual', UploadId: 'nope', MaxParts: 0 })));
    assert.equal(unknown.code, 'NoSuchUpload');
    const small = await s3Error(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'b-mpu',
          Key: 'manual',
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: p1.ETag },
              { PartNumber: 2, ETag: p2.ETag },
            ],
          },
        }),
      ),
    );
    assert.equal(small.code, 'EntityTooSmall');
    const wrong = await s3Error(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'b-mpu',
          Key: 'manual',
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"0000"' }] },
        }),
      ),
    );
    assert.equal(wrong.code, 'InvalidPart');
    const order = await s3Error(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'b-mpu',
          Key: 'manual',
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 2, ETag: p2.ETag },
              { PartNumber: 1, ETag: p1.ETag },
            ],
          },
        }),
      ),
    );
    assert.equal(order.code, 'InvalidPartOrder');
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'b-mpu', Key: 'manual', UploadId }));
    assert.equal((await s3Error(s3.send(new ListPartsCommand({ Bucket: 'b-mpu', Key: 'manual', UploadId })))).code, 'NoSuchUpload');
    assert.equal(
      (await s3Error(s3.send(new UploadPartCommand({ Bucket: 'b-mpu', Key: 'manual', UploadId, PartNumber: 10_001, Body: 'x' })))).code,
      'InvalidArgument',
    );
  });

  it('multipart checksums: COMPOSITE (lib-storage default CRC32) and FULL_OBJECT, on Complete, HEAD, GetObjectAttributes and ListParts', async () => {
    const MiB = 1024 * 1024;
    // lib-storage asks for CRC32 (COMPOSITE): the checksum of the parts' CRC32s, "-N".
    const body = randomBytes(11 * MiB);
    const parts = [body.subarray(0, 5 * MiB), body.subarray(5 * MiB, 10 * MiB), body.subarray(10 * MiB)];
    const composite = `${crc32b64(Buffer.concat(parts.map((p) => Buffer.from(crc32b64(p), 'base64'))))}-3`;
    const done = await new Upload({ client: s3, params: { Bucket: 'b-mpu', Key: 'composite', Body: body }, partSize: 5 * MiB }).done();
    assert.deepEqual([done.ChecksumCRC32, done.ChecksumType], [composite, 'COMPOSITE']);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'b-mpu', Key: 'composite', ChecksumMode: 'ENABLED' }));
    assert.deepEqual([head.ChecksumCRC32, head.ChecksumType], [composite, 'COMPOSITE']);
    const attrs = await s3.send(
      new GetObjectAttributesCommand({ Bucket: 'b-mpu', Key: 'composite', ObjectAttributes: ['Checksum', 'ObjectParts'] }),
    );
    assert.deepEqual([attrs.Checksum?.ChecksumCRC32, attrs.Checksum?.ChecksumType], [composite, 'COMPOSITE']);
    assert.deepEqual(
      attrs.ObjectParts?.Parts?.map((p) => p.ChecksumCRC32),
      parts.map(crc32b64),
    );
    // One part, with its own checksum when asked (the SDK checks the part's bytes against it); a range has none.
    const part2 = await s3.send(new GetObjectCommand({ Bucket: 'b-mpu', Key: 'composite', PartNumber: 2, ChecksumMode: 'ENABLED' }));
    assert.equal(part2.ChecksumCRC32, crc32b64(parts[1]!));
    assert.ok(Buffer.from(await part2.Body!.transformToByteArray()).equals(parts[1]!));
    const ranged = await s3.send(new HeadObjectCommand({ Bucket: 'b-mpu', Key: 'composite', Range: 'bytes=0-9', ChecksumMode: 'ENABLED' }));
    assert.equal(ranged.ChecksumCRC32, undefined);

    // A streamed CRC32C part comes with an x-amz-checksum-crc32c trailer (a name that starts like crc32's).
    const c = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'b-mpu', Key: 'crc32c', ChecksumAlgorithm: 'CRC32C' }));
    const streamed = await s3.send(
      new UploadPartCommand({
        Bucket: 'b-mpu',
        Key: 'crc32c',
        UploadId: c.UploadId,
        PartNumber: 1,
        Body: Readable.from([parts[2]!]),
        ContentLength: parts[2]!.length,
        ChecksumAlgorithm: 'CRC32C',
      }),
    );
    const cDone = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'b-mpu',
        Key: 'crc32c',
        UploadId: c.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: streamed.ETag, ChecksumCRC32C: streamed.ChecksumCRC32C }] },
      }),
    );
    assert.match(cDone.ChecksumCRC32C ?? '', /^[A-Za-z0-9+/]{6}==-1$/);
    assert.equal(cDone.ChecksumType, 'COMPOSITE');

    // FULL_OBJECT CRC32: the CRC of the whole body, which the SDK checks itself on GetObject.
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'b-mpu', Key: 'full', ChecksumAlgorithm: 'CRC32', ChecksumType: 'FULL_OBJECT' }),
    );
    const sent: CompletedPart[] = [];
    for (const [i, p] of parts.entries()) {
      const r = await s3.send(
        new UploadPartCommand({ Bucket: 'b-mpu', Key: 'full', UploadId, PartNumber: i + 1, Body: p, ChecksumAlgorithm: 'CRC32' }),
      );
      sent.push({ PartNumber: i + 1, ETag: r.ETag, ChecksumCRC32: r.ChecksumCRC32 });
    }
    const listed = await s3.send(new ListPartsCommand({ Bucket: 'b-mpu', Key: 'full', UploadId }));
    assert.deepEqual([listed.ChecksumAlgorithm, listed.ChecksumType], ['CRC32', 'FULL_OBJECT']);
    // A part with another algorithm's checksum is refused.
    const mismatch = await s3Error(
      s3.send(new UploadPartCommand({ Bucket: 'b-mpu', Key: 'full', UploadId, PartNumber: 9, Body: 'x', ChecksumAlgorithm: 'SHA256' })),
    );
    assert.deepEqual([mismatch.status, mismatch.code], [400, 'InvalidRequest']);
    // Complete may state the whole object's checksum and type: they must be what the parts make.
    const completeFull = (extra: Record<string, string>) =>
      s3.send(new CompleteMultipartUploadCommand({ Bucket: 'b-mpu', Key: 'full', UploadId, MultipartUpload: { Parts: sent }, ...extra }));
    const wrongFull = await s3Error(completeFull({ ChecksumCRC32: crc32b64(Buffer.from('not the body')), ChecksumType: 'FULL_OBJECT' }));
    assert.deepEqual([wrongFull.status, wrongFull.code], [400, 'BadDigest']);
    const wrongType = await s3Error(completeFull({ ChecksumCRC32: crc32b64(body), ChecksumType: 'COMPOSITE' }));
    assert.deepEqual([wrongType.status, wrongType.code], [400, 'BadDigest']);
    const wrongAlgorithm = await s3Error(completeFull({ ChecksumSHA256: createHash('sha256').update(body).digest('base64') }));
    assert.deepEqual([wrongAlgorithm.status, wrongAlgorithm.code], [400, 'InvalidRequest']);
    const full = await completeFull({ ChecksumCRC32: crc32b64(body), ChecksumType: 'FULL_OBJECT' });
    assert.deepEqual([full.ChecksumCRC32, full.ChecksumType], [crc32b64(body), 'FULL_OBJECT']);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'b-mpu', Key: 'full', ChecksumMode: 'ENABLED' }));
    assert.equal(got.ChecksumCRC32, crc32b64(body));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body));

    // COMPOSITE needs every part's checksum in the Complete request; a wrong one is InvalidPart.
    const second = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'b-mpu', Key: 'strict', ChecksumAlgorithm: 'SHA256' }));
    const p1 = await s3.send(
      new UploadPartCommand({
        Bucket: 'b-mpu',
        Key: 'strict',
        UploadId: second.UploadId,
        PartNumber: 1,
        Body: 'one part',
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    const complete = (part: Record<string, unknown>) =>
      s3Error(
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: 'b-mpu',
            Key: 'strict',
            UploadId: second.UploadId,
            MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag, ...part }] },
          }),
        ),
      );
    assert.deepEqual(await complete({}).then((e) => [e.status, e.code]), [400, 'InvalidRequest']);
    const wrongSha = createHash('sha256').update('another').digest('base64');
    assert.deepEqual(await complete({ ChecksumSHA256: wrongSha }).then((e) => [e.status, e.code]), [400, 'InvalidPart']);
    const bad = await s3Error(
      s3.send(new CreateMultipartUploadCommand({ Bucket: 'b-mpu', Key: 'x', ChecksumAlgorithm: 'SHA1', ChecksumType: 'FULL_OBJECT' })),
    );
    assert.deepEqual([bad.status, bad.code], [400, 'InvalidRequest'], 'SHA-1 has no FULL_OBJECT checksum');
  });

  it('UploadPartCopy copies a range of another object into a part', async () => {
    const src = randomBytes(6 * 1024 * 1024);
    await s3.send(new PutObjectCommand({ Bucket: 'b-mpu', Key: 'copy-src', Body: src }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'b-mpu', Key: 'copied' }));
    const c1 = await s3.send(
      new UploadPartCopyCommand({
        Bucket: 'b-mpu',
        Key: 'copied',
        UploadId,
        PartNumber: 1,
        CopySource: 'b-mpu/copy-src',
        CopySourceRange: `bytes=0-${5 * 1024 * 1024 - 1}`,
      }),
    );
    const c2 = await s3.send(
      new UploadPartCopyCommand({
        Bucket: 'b-mpu',
        Key: 'copied',
        UploadId,
        PartNumber: 2,
        CopySource: 'b-mpu/copy-src',
        CopySourceRange: `bytes=${5 * 1024 * 1024}-${src.length - 1}`,
      }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'b-mpu',
        Key: 'copied',
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: c1.CopyPartResult?.ETag },
            { PartNumber: 2, ETag: c2.CopyPartResult?.ETag },
          ],
        },
      }),
    );
    const got = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'b-mpu', Key: 'copied' }))).Body!.transformToByteArray());
    assert.ok(got.equals(src));
    const { UploadId: other } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'b-mpu', Key: 'copied-2' }));
    const beyond = await s3Error(
      s3.send(
        new UploadPartCopyCommand({
          Bucket: 'b-mpu',
          Key: 'copied-2',
          UploadId: other,
          PartNumber: 1,
          CopySource: 'b-mpu/copy-src',
          CopySourceRange: `bytes=0-${src.length}`,
        }),
      ),
    );
    assert.deepEqual([beyond.status, beyond.code], [400, 'InvalidArgument'], 'a copy range past the source end');
    // upload-id-marker without key-marker is ignored, as S3 documents.
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'b-mpu', UploadIdMarker: other }));
    assert.ok(uploads.Uploads?.some((u) => u.UploadId === other));
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'b-mpu', Key: 'copied-2', UploadId: other }));
  });
});

describe('authentication', () => {
  before(() => s3.send(new CreateBucketCommand({ Bucket: 'b-auth' })));

  it('a wrong secret is SignatureDoesNotMatch, an unknown key InvalidAccessKeyId, anonymous AccessDenied', async () => {
    const wrong = s3Client(stack, { accessKeyId: 'accessKey1', secretAccessKey: 'wrong-secret' });
    assert.equal((await s3Error(wrong.send(new ListBucketsCommand({})))).code, 'SignatureDoesNotMatch');
    wrong.destroy();
    const unknown = s3Client(stack, { accessKeyId: 'nobody', secretAccessKey: 'whatever1' });
    assert.equal((await s3Error(unknown.send(new ListBucketsCommand({})))).code, 'InvalidAccessKeyId');
    unknown.destroy();
    const res = await fetch(`${stack.s3}/b-auth/anything`);
    assert.equal(res.status, 403);
    assert.match(await res.text(), /<Code>AccessDenied<\/Code>/);
  });

  it('presigned GET and PUT work with a plain HTTP client', async () => {
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'b-auth', Key: 'presigned' }), { expiresIn: 300 });
    const put = await fetch(putUrl, { method: 'PUT', body: 'via presigned put' });
    assert.equal(put.status, 200);
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'b-auth', Key: 'presigned' }), { expiresIn: 300 });
    const get = await fetch(getUrl);
    assert.equal(get.status, 200);
    assert.equal(await get.text(), 'via presigned put');
    const tampered = await fetch(getUrl.replace('presigned', 'presignee'));
    assert.equal(tampered.status, 403);
  });

  it('an unimplemented operation answers NotImplemented', async () => {
    const err = await s3Error(
      s3.send(new PutBucketWebsiteCommand({ Bucket: 'b-auth', WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' } } })),
    );
    assert.equal(err.code, 'NotImplemented');
    assert.equal(err.status, 501);
  });
});
