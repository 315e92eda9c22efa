// Block blobs through @azure/storage-blob on a real stack: Put Blob, Get Blob (whole, ranged,
// with range MD5 and conditions), properties and metadata, delete, List Blobs flat and
// hierarchical, and blocks (Put Block, Put Block List, Get Block List) via uploadData.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { BlobSASPermissions, ContainerSASPermissions, type BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { azureClient, azureError } from '../support/azure.js';
import { s3Client } from '../support/s3.js';
import { startStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let azure: BlobServiceClient;
let s3: S3Client;
let container: ContainerClient;

before(async () => {
  stack = await startStack();
  azure = azureClient(stack);
  s3 = s3Client(stack);
  container = azure.getContainerClient('blobs');
  await container.create();
});
after(async () => {
  s3.destroy();
  await stack.stop();
});

const md5 = (b: Buffer): Buffer => createHash('md5').update(b).digest();
const blockId = (n: number): string => Buffer.from(`block-${String(n).padStart(6, '0')}`).toString('base64');

async function download(client: ContainerClient, name: string, offset?: number, count?: number): Promise<Buffer> {
  return client.getBlockBlobClient(name).downloadToBuffer(offset, count);
}

/** Azure's x-ms-content-crc64: CRC-64/NVME (reflected 0x9a6c9329ac4bc9b5, all-ones init and final XOR), 8 bytes little-endian. */
function azureCrc64(bytes: Uint8Array): Buffer {
  let crc = 0xffff_ffff_ffff_ffffn;
  for (const b of bytes) {
    crc ^= BigInt(b);
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ 0x9a6c_9329_ac4b_c9b5n : crc >> 1n;
  }
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(crc ^ 0xffff_ffff_ffff_ffffn);
  return out;
}
describe('put, get, properties, metadata, delete', () => {
  it('upload keeps bytes, content headers and metadata; Content-MD5 is the bytes MD5', async () => {
    const body = randomBytes(100_000);
    const blob = container.getBlockBlobClient('dir/photo.jpg');
    const put = await blob.upload(body, body.length, {
      blobHTTPHeaders: {
        blobContentType: 'image/jpeg',
        blobCacheControl: 'max-age=60',
        blobContentLanguage: 'fr',
        blobContentDisposition: 'attachment',
        blobContentEncoding: 'identity',
      },
      metadata: { camera: 'nikon', iso: '200' },
    });
    assert.match(put.etag ?? '', /^"0x[0-9A-F]+"$/);
    assert.deepEqual(put.contentMD5 && Buffer.from(put.contentMD5), md5(body));
    const props = await blob.getProperties();
    assert.equal(props.contentLength, body.length);
    assert.equal(props.contentType, 'image/jpeg');
    assert.equal(props.cacheControl, 'max-age=60');
    assert.equal(props.contentLanguage, 'fr');
    assert.equal(props.contentDisposition, 'attachment');
    assert.equal(props.contentEncoding, 'identity');
    assert.equal(props.blobType, 'BlockBlob');
    assert.equal(props.etag, put.etag);
    assert.deepEqual(props.metadata, { camera: 'nikon', iso: '200' });
    assert.deepEqual(props.contentMD5 && Buffer.from(props.contentMD5), md5(body));
    assert.deepEqual(await download(container, 'dir/photo.jpg'), body);
  });

  it('ranged downloads (x-ms-range), range MD5, and ranges past the end', async () => {
    const body = randomBytes(300_000);
    const blob = container.getBlockBlobClient('ranged');
    await blob.upload(body, body.length);
    assert.deepEqual(await download(container, 'ranged', 1000, 5000), body.subarray(1000, 6000));
    assert.deepEqual(await download(container, 'ranged', 299_990), body.subarray(299_990));
    const part = await blob.download(10, 100, { rangeGetContentMD5: true });
    assert.equal(part.contentLength, 100);
    assert.equal(part.contentRange, `bytes 10-109/${body.length}`);
    assert.deepEqual(part.contentMD5 && Buffer.from(part.contentMD5), md5(body.subarray(10, 110)));
    const crcPart = await blob.download(10, 100, { rangeGetContentCrc64: true });
    assert.deepEqual(crcPart.contentCrc64 && Buffer.from(crcPart.contentCrc64), azureCrc64(body.subarray(10, 110)));
    assert.equal(crcPart.contentMD5, undefined);
    assert.deepEqual(await azureError(blob.download(0, undefined, { rangeGetContentCrc64: true })), {
      code: 'OutOfRangeInput',
      status: 400,
    });
    assert.deepEqual(await azureError(blob.download(10, 100, { rangeGetContentCrc64: true, rangeGetContentMD5: true })), {
      code: 'InvalidHeaderValue',
      status: 400,
    });
    assert.deepEqual(await azureError(blob.download(400_000, 10)), { code: 'InvalidRange', status: 416 });
  });

  it('conditional reads and writes', async () => {
    const blob = container.getBlockBlobClient('conditional');
    const put = await blob.upload('v1', 2);
    assert.deepEqual(await azureError(blob.download(0, undefined, { conditions: { ifMatch: '"0x8DBADBADBADBAD0"' } })), {
      code: 'ConditionNotMet',
      status: 412,
    });
    assert.equal((await blob.download(0, undefined, { conditions: { ifMatch: put.etag! } })).contentLength, 2);
    const notModified = await azureError(blob.getProperties({ conditions: { ifNoneMatch: put.etag! } }));
    assert.equal(notModified.status, 304);
    // Overwrite only if unchanged; then creation-only fails since the blob exists.
    await blob.upload('v2!', 3, { conditions: { ifMatch: put.etag! } });
    assert.equal((await azureError(blob.upload('v3', 2, { conditions: { ifMatch: put.etag! } }))).status, 412);
    // Azure (and Azurite): If-None-Match: * on a blob that exists is 409 BlobAlreadyExists (the SDKs' overwrite: false).
    assert.deepEqual(await azureError(blob.upload('v3', 2, { conditions: { ifNoneMatch: '*' } })), {
      code: 'BlobAlreadyExists',
      status: 409,
    });
    assert.equal((await download(container, 'conditional')).toString(), 'v2!');
  });

  it('set properties and set metadata replace them and change the ETag, not the bytes', async () => {
    const blob = container.getBlockBlobClient('props');
    const put = await blob.upload('hello', 5, { blobHTTPHeaders: { blobContentType: 'text/plain' }, metadata: { a: '1' } });
    const p1 = await blob.setHTTPHeaders({ blobContentType: 'text/html', blobCacheControl: 'no-cache' });
    assert.notEqual(p1.etag, put.etag);
    const m = await blob.setMetadata({ b: '2' });
    const props = await blob.getProperties();
    assert.equal(props.etag, m.etag);
    assert.equal(props.contentType, 'text/html');
    assert.equal(props.cacheControl, 'no-cache');
    assert.deepEqual(props.metadata, { b: '2' });
    // Set Blob Properties without x-ms-blob-content-md5 clears the MD5 (Azure: "If this property is
    // not specified in the request, the property is cleared").
    assert.equal(props.contentMD5, undefined);
    assert.equal((await download(container, 'props')).toString(), 'hello');
  });

  it('delete; a missing blob is BlobNotFound; a missing container is ContainerNotFound', async () => {
    const blob = container.getBlockBlobClient('to-delete');
    await blob.upload('x', 1);
    await blob.delete();
    assert.equal((await azureError(blob.getProperties())).status, 404);
    assert.deepEqual(await azureError(blob.download()), { code: 'BlobNotFound', status: 404 });
    assert.deepEqual(await azureError(blob.delete()), { code: 'BlobNotFound', status: 404 });
    const orphan = azure.getContainerClient('no-such-container').getBlockBlobClient('b');
    assert.deepEqual(await azureError(orphan.upload('x', 1)), { code: 'ContainerNotFound', status: 404 });
  });

  it("a service SAS's response headers (rscd, rsct): UTF-8 sent as its bytes, control characters refused", async () => {
    const blob = container.getBlockBlobClient('sas-headers');
    await blob.upload('s', 1);
    const disposition = 'attachment; filename="☃ é.txt"';
    const sas = (overrides: { contentDisposition?: string; contentType?: string }) =>
      blob.generateSasUrl({ permissions: BlobSASPermissions.parse('r'), expiresOn: new Date(Date.now() + 3600_000), ...overrides });
    const res = await fetch(await sas({ contentDisposition: disposition, contentType: 'application/x-over' }));
    assert.equal(res.status, 200);
    assert.equal(Buffer.from(res.headers.get('content-disposition') ?? '', 'latin1').toString('utf8'), disposition);
    assert.equal(res.headers.get('content-type'), 'application/x-over');
    const refused = await fetch(await sas({ contentType: 'text/plain\r\nX-Injected: 1' }));
    assert.deepEqual([refused.status, refused.headers.get('x-ms-error-code')], [400, 'InvalidQueryParameterValue']);
  });

  it('an empty blob', async () => {
    const blob = container.getBlockBlobClient('empty');
    await blob.upload(Buffer.alloc(0), 0);
    assert.equal((await blob.getProperties()).contentLength, 0);
    assert.equal((await download(container, 'empty')).length, 0);
    // A range of it is InvalidRange, with the size in Content-Range as HTTP's 416 has it.
    const url = await blob.generateSasUrl({ permissions: BlobSASPermissions.parse('r'), expiresOn: new Date(Date.now() + 3600_000) });
    const res = await fetch(url, { headers: { 'x-ms-range': 'bytes=0-10', 'x-ms-version': '2025-01-05' } });
    assert.deepEqual(
      [res.status, res.headers.get('x-ms-error-code'), res.headers.get('content-range')],
      [416, 'InvalidRange', 'bytes */0'],
    );
  });
});

describe('listing', () => {
  let listed: ContainerClient;
  before(async () => {
    listed = azure.getContainerClient('listing');
    await listed.create();
    for (const name of ['a.txt', 'photos/2024/a.jpg', 'photos/2024/b.jpg', 'photos/2025/c.jpg', 'photos/top.jpg', 'z.txt']) {
      await listed.getBlockBlobClient(name).upload(name, name.length, { metadata: { label: name.replace(/[^a-z0-9]/g, '') } });
    }
  });

  it('flat, with prefix, paging and include=metadata', async () => {
    const names: string[] = [];
    let pages = 0;
    for await (const page of listed.listBlobsFlat({ includeMetadata: true }).byPage({ maxPageSize: 4 })) {
      pages += 1;
      for (const b of page.segment.blobItems) {
        names.push(b.name);
        assert.equal(b.metadata?.['label'], b.name.replace(/[^a-z0-9]/g, ''));
        assert.equal(b.properties.contentLength, b.name.length);
        assert.equal(b.properties.blobType, 'BlockBlob');
      }
    }
    assert.equal(pages, 2);
    assert.deepEqual(names, ['a.txt', 'photos/2024/a.jpg', 'photos/2024/b.jpg', 'photos/2025/c.jpg', 'photos/top.jpg', 'z.txt']);
    const prefixed: string[] = [];
    for await (const b of listed.listBlobsFlat({ prefix: 'photos/2024/' })) prefixed.push(b.name);
    assert.deepEqual(prefixed, ['photos/2024/a.jpg', 'photos/2024/b.jpg']);
  });

  it('hierarchical, with prefixes and paging across a prefix', async () => {
    // The SDK yields a page's prefixes, then its blobs.
    const top: string[] = [];
    for await (const item of listed.listBlobsByHierarchy('/')) top.push(item.kind === 'prefix' ? `P:${item.name}` : item.name);
    assert.deepEqual(top, ['P:photos/', 'a.txt', 'z.txt']);
    const inner: string[] = [];
    for await (const page of listed.listBlobsByHierarchy('/', { prefix: 'photos/' }).byPage({ maxPageSize: 1 })) {
      for (const p of page.segment.blobPrefixes ?? []) inner.push(`P:${p.name}`);
      for (const b of page.segment.blobItems) inner.push(b.name);
    }
    assert.deepEqual(inner, ['P:photos/2024/', 'P:photos/2025/', 'photos/top.jpg']);
  });
});

describe('features Zenko does not have', () => {
  it('customer-provided keys, encryption scopes, legal holds and tiers other than Hot are refused, never ignored', async () => {
    const blob = container.getBlockBlobClient('unsupported');
    const url = await blob.generateSasUrl({ permissions: BlobSASPermissions.parse('rcw'), expiresOn: new Date(Date.now() + 3600_000) });
    const put = async (headers: Record<string, string>): Promise<[number, string | null]> => {
      const res = await fetch(url, {
        method: 'PUT',
        body: 'secret',
        headers: { 'x-ms-blob-type': 'BlockBlob', 'x-ms-version': '2025-01-05', ...headers },
      });
      return [res.status, res.headers.get('x-ms-error-code')];
    };
    const key = Buffer.alloc(32, 1);
    const refused = [
      await put({
        'x-ms-encryption-key': key.toString('base64'),
        'x-ms-encryption-key-sha256': createHash('sha256').update(key).digest('base64'),
        'x-ms-encryption-algorithm': 'AES256',
      }),
      await put({ 'x-ms-encryption-scope': 'myscope' }),
      await put({ 'x-ms-legal-hold': 'true' }),
      await put({
        'x-ms-immutability-policy-until-date': new Date(Date.now() + 86_400_000).toUTCString(),
        'x-ms-immutability-policy-mode': 'Unlocked',
      }),
      await put({ 'x-ms-access-tier': 'Archive' }),
    ];
    assert.deepEqual(refused, Array(5).fill([501, 'NotImplemented']));
    assert.deepEqual(await put({ 'x-ms-access-tier': 'Lukewarm' }), [400, 'InvalidHeaderValue']);
    assert.equal(await blob.exists(), false, 'nothing was written');
    assert.deepEqual(await put({ 'x-ms-access-tier': 'Hot' }), [201, null]);
    assert.deepEqual(await azureError(blob.setAccessTier('Cool')), { code: 'NotImplemented', status: 501 });
    // Set Blob Tier to Hot, the tier every blob has: accepted, and the blob is unchanged.
    const etag = (await blob.getProperties()).etag;
    assert.equal((await blob.setAccessTier('Hot'))._response.status, 200);
    assert.equal((await blob.getProperties()).etag, etag);
    const missing = container.getBlockBlobClient('no-such-blob');
    assert.deepEqual(await azureError(missing.setAccessTier('Hot')), { code: 'BlobNotFound', status: 404 });
  });

  it('page-blob properties on Set Blob Properties are InvalidBlobType, and clear nothing', async () => {
    const blob = container.getBlockBlobClient('block-only');
    await blob.upload('x', 1, { blobHTTPHeaders: { blobContentType: 'text/plain', blobCacheControl: 'no-cache' } });
    const url = new URL(
      await blob.generateSasUrl({ permissions: BlobSASPermissions.parse('rw'), expiresOn: new Date(Date.now() + 3600_000) }),
    );
    url.searchParams.set('comp', 'properties');
    for (const header of [{ 'x-ms-blob-content-length': '512' }, { 'x-ms-sequence-number-action': 'increment' }]) {
      const res = await fetch(url, { method: 'PUT', headers: { 'x-ms-version': '2025-01-05', ...header } });
      assert.deepEqual([res.status, res.headers.get('x-ms-error-code')], [409, 'InvalidBlobType'], JSON.stringify(header));
    }
    const props = await blob.getProperties();
    assert.deepEqual([props.contentType, props.cacheControl], ['text/plain', 'no-cache']);
    // Get Blob Properties ignores Get Blob's range digest header, as it ignores ranges.
    url.searchParams.delete('comp');
    const head = await fetch(url, { method: 'HEAD', headers: { 'x-ms-version': '2025-01-05', 'x-ms-range-get-content-md5': 'true' } });
    assert.deepEqual([head.status, head.headers.get('content-length')], [200, '1']);
  });
});

describe('listing names XML cannot carry', () => {
  it('are percent-encoded with Encoded="true", which the SDK decodes', async () => {
    const odd = azure.getContainerClient('odd-names');
    await odd.create();
    const names = ['bell\u0007ring', 'dir\u0001/inner', 'plain & <simple>'];
    for (const name of names) await odd.getBlockBlobClient(name).upload('x', 1);
    const flat: string[] = [];
    for await (const b of odd.listBlobsFlat()) flat.push(b.name);
    assert.deepEqual(flat, names);
    const top: string[] = [];
    for await (const item of odd.listBlobsByHierarchy('/')) top.push(item.kind === 'prefix' ? `P:${item.name}` : item.name);
    assert.deepEqual(top, ['P:dir\u0001/', 'bell\u0007ring', 'plain & <simple>']);
    const sas = new URL(
      await odd.generateSasUrl({ permissions: ContainerSASPermissions.parse('l'), expiresOn: new Date(Date.now() + 3600_000) }),
    );
    sas.searchParams.set('restype', 'container');
    sas.searchParams.set('comp', 'list');
    const xml = await (await fetch(sas)).text();
    assert.match(xml, /<Name Encoded="true">bell%07ring<\/Name>/);
    assert.match(xml, /<Name>plain &amp; &lt;simple&gt;<\/Name>/);
  });
});

describe('blocks', () => {
  it('uploadData in several blocks: one blob, its committed block list, readable by ranges', async () => {
    const body = randomBytes(5 * 1024 * 1024 + 123);
    const blob = container.getBlockBlobClient('big.bin');
    await blob.uploadData(body, {
      blockSize: 1024 * 1024,
      maxSingleShotSize: 1024 * 1024,
      concurrency: 3,
      blobHTTPHeaders: { blobContentType: 'application/x-big' },
      metadata: { kind: 'blocks' },
    });
    const list = await blob.getBlockList('all');
    assert.equal(list.committedBlocks?.length, 6);
    assert.equal(list.uncommittedBlocks?.length, 0);
    assert.equal(
      list.committedBlocks?.reduce((n, b) => n + b.size, 0),
      body.length,
    );
    const props = await blob.getProperties();
    assert.equal(props.contentLength, body.length);
    assert.equal(props.contentType, 'application/x-big');
    assert.deepEqual(props.metadata, { kind: 'blocks' });
    assert.deepEqual(await download(container, 'big.bin'), body);
    // A range across a block boundary.
    assert.deepEqual(await download(container, 'big.bin', 1024 * 1024 - 10, 20), body.subarray(1024 * 1024 - 10, 1024 * 1024 + 10));
  });

  it('uncommitted blocks are invisible to both protocols until committed; committed blocks can be reused', async () => {
    const blob = container.getBlockBlobClient('staged');
    await blob.stageBlock(blockId(1), 'hello ', 6);
    await blob.stageBlock(blockId(2), 'world', 5);
    assert.equal(await blob.exists(), false);
    const names: string[] = [];
    for await (const b of container.listBlobsFlat({ prefix: 'staged' })) names.push(b.name);
    assert.deepEqual(names, []);
    const s3List = await s3.send(new ListObjectsV2Command({ Bucket: 'blobs', Prefix: 'staged' }));
    assert.equal(s3List.KeyCount, 0);
    const staged = await blob.getBlockList('uncommitted');
    assert.deepEqual(
      staged.uncommittedBlocks?.map((b) => [b.name, b.size]),
      [
        [blockId(1), 6],
        [blockId(2), 5],
      ],
    );

    await blob.commitBlockList([blockId(1), blockId(2)]);
    assert.equal((await download(container, 'staged')).toString(), 'hello world');
    const s3Get = await s3.send(new GetObjectCommand({ Bucket: 'blobs', Key: 'staged' }));
    assert.equal(await s3Get.Body?.transformToString(), 'hello world');

    // Reuse committed block 2, add a new block 3, drop block 1.
    await blob.stageBlock(blockId(3), '!', 1);
    await blob.commitBlockList([blockId(2), blockId(3)]);
    assert.equal((await download(container, 'staged')).toString(), 'world!');
    const after = await blob.getBlockList('all');
    assert.deepEqual(
      after.committedBlocks?.map((b) => b.name),
      [blockId(2), blockId(3)],
    );
    assert.equal(after.uncommittedBlocks?.length, 0);
  });

  it('Put Block List and Set Blob Tags check the request body against Content-MD5; Put Block List answers the MD5 of its block list', async () => {
    const blob = container.getBlockBlobClient('checked-list');
    await blob.stageBlock(blockId(1), Buffer.from('one'), 3);
    const url = new URL(
      await blob.generateSasUrl({ permissions: BlobSASPermissions.parse('rwt'), expiresOn: new Date(Date.now() + 3600_000) }),
    );
    const send = async (comp: string, body: string, headers: Record<string, string>): Promise<Response> => {
      const target = new URL(url);
      target.searchParams.set('comp', comp);
      return fetch(target, { method: 'PUT', body, headers: { 'x-ms-version': '2025-01-05', ...headers } });
    };
    const list = `<?xml version="1.0" encoding="utf-8"?><BlockList><Latest>${blockId(1)}</Latest></BlockList>`;
    const wrong = md5(Buffer.from('something else')).toString('base64');
    const refused = await send('blocklist', list, { 'content-md5': wrong });
    assert.deepEqual([refused.status, refused.headers.get('x-ms-error-code')], [400, 'Md5Mismatch']);
    assert.equal(await blob.exists(), false, 'nothing committed');
    const committed = await send('blocklist', list, { 'content-md5': md5(Buffer.from(list)).toString('base64') });
    assert.equal(committed.status, 201);
    assert.equal(committed.headers.get('content-md5'), md5(Buffer.from(list)).toString('base64'), 'the block list MD5, not the blob MD5');
    assert.equal((await blob.downloadToBuffer()).toString(), 'one');
    const tags = '<?xml version="1.0" encoding="utf-8"?><Tags><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tags>';
    const badTags = await send('tags', tags, { 'content-md5': wrong });
    assert.deepEqual([badTags.status, badTags.headers.get('x-ms-error-code')], [400, 'Md5Mismatch']);
    assert.deepEqual((await blob.getTags()).tags, {});
  });

  it('a block list naming an unknown block is InvalidBlockList and writes nothing', async () => {
    const blob = container.getBlockBlobClient('bad-list');
    await blob.stageBlock(blockId(1), 'abc', 3);
    assert.deepEqual(await azureError(blob.commitBlockList([blockId(1), blockId(9)])), { code: 'InvalidBlockList', status: 400 });
    assert.equal(await blob.exists(), false);
    // The staged block is still there and can be committed.
    assert.equal((await blob.getBlockList('uncommitted')).uncommittedBlocks?.length, 1);
    await blob.commitBlockList([blockId(1)]);
    assert.equal((await download(container, 'bad-list')).toString(), 'abc');
  });

  it('a block ID that is not base64 is refused', async () => {
    const blob = container.getBlockBlobClient('bad-id');
    assert.equal((await azureError(blob.stageBlock('not base64!', 'x', 1))).status, 400);
  });
});
