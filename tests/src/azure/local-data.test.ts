// The Azure edge writes and reads blobs of a `file` location in the piece files itself when it
// sees the location's directory (GetLocalRoot + IDENTITY), and through DataPlacementService Put
// and Get otherwise: the same bytes, digests checked the same way, released data deleted the
// same way; the cloudserver's per-method counters show which path served them.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ContainerSASPermissions, RestError, type ContainerClient } from '@azure/storage-blob';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { azureClient, azureError } from '../support/azure.js';
import { zenkoCli } from '../support/zenko-cli.js';
import { s3Client, s3Error } from '../support/s3.js';
import { find, parsePrometheus } from '../support/prometheus.js';
import { startStack, type TestStack } from '../support/stack.js';

type Method = 'Put' | 'Get' | 'Delete';

async function placementCalls(stack: TestStack): Promise<Record<Method, number>> {
  const samples = parsePrometheus(await (await fetch(stack.services['svc-cloudserver'].metrics)).text());
  const count = (method: Method): number =>
    find(samples, 'grpc_server_started_total', { grpc_service: 'zenko.placement.v1.DataPlacementService', grpc_method: method })?.value ??
    0;
  return { Put: count('Put'), Get: count('Get'), Delete: count('Delete') };
}

function locationDir(stack: TestStack): string {
  return join(stack.dataDir, 'data', 'us-east-1');
}

/** Piece files in the location's shard directories. */
function pieceCount(stack: TestStack): number {
  const root = locationDir(stack);
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && /^[0-9a-f]{2}$/.test(e.name))
    .reduce((n, e) => n + readdirSync(join(root, e.name)).length, 0);
}

async function eventually(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(check(), what);
}

const small = randomBytes(4096);
const blockIdOf = (n: number): string => Buffer.from(`block-${n}`).toString('base64');
const blocks = [randomBytes(1_000_000), randomBytes(700_001), randomBytes(5)];
const big = Buffer.concat(blocks);

/** Put Blob, Put Block × 3, Put Block List, a Put Block refused for its Content-MD5: 5 data writes. */
async function writeBlobs(container: ContainerClient): Promise<void> {
  await container.getBlockBlobClient('small').upload(small, small.length);
  const blob = container.getBlockBlobClient('blocks');
  const ids = blocks.map((_, i) => Buffer.from(`b-${i}`).toString('base64'));
  for (const [i, b] of blocks.entries()) await blob.stageBlock(ids[i]!, b, b.length);
  await blob.commitBlockList(ids);
  const wrongMd5 = createHash('md5').update('other bytes').digest();
  await assert.rejects(
    container.getBlockBlobClient('refused').stageBlock(ids[0]!, small, small.length, { transactionalContentMD5: wrongMd5 }),
    (err: unknown) => err instanceof RestError && err.statusCode === 400 && err.code === 'Md5Mismatch',
  );
}

/** Reads that cross block boundaries, whole blobs and a suffix of the last block: 5 data reads. */
async function checkReads(container: ContainerClient): Promise<void> {
  assert.deepEqual(await container.getBlockBlobClient('small').downloadToBuffer(), small);
  assert.deepEqual(await container.getBlockBlobClient('small').downloadToBuffer(100, 10), small.subarray(100, 110));
  const blob = container.getBlockBlobClient('blocks');
  assert.deepEqual(await blob.downloadToBuffer(), big);
  assert.deepEqual(await blob.downloadToBuffer(999_990, 700_012), big.subarray(999_990, 999_990 + 700_012));
  assert.deepEqual(await blob.downloadToBuffer(big.length - 3, 3), big.subarray(big.length - 3));
  await assert.rejects(
    container.getBlockBlobClient('refused').downloadToBuffer(),
    (err: unknown) => err instanceof RestError && err.statusCode === 404,
  );
}

const modes: { mode: string; env: NodeJS.ProcessEnv; direct: boolean; setup?: (stack: TestStack) => void }[] = [
  { mode: 'on one machine', env: {}, direct: true },
  { mode: 'with ZENKO_AZURE_LOCAL_DATA=false', env: { ZENKO_AZURE_LOCAL_DATA: 'false' }, direct: false },
  {
    // What another machine's directory at the same path looks like: the identity differs.
    mode: 'when the directory holds another IDENTITY',
    env: {},
    direct: false,
    setup: (stack) => writeFileSync(join(locationDir(stack), 'IDENTITY'), 'another-directory\n'),
  },
];

for (const { mode, env, direct, setup } of modes) {
  describe(`Azure edge data on a file location, ${mode}`, () => {
    let stack: TestStack;
    let container: ContainerClient;
    before(async () => {
      // Small blobs kept in their metadata record (off by default) are exercised here too.
      stack = await startStack({ ...env, ZENKO_INLINE_MAX_BYTES: String(16 * 1024) });
      container = azureClient(stack).getContainerClient('direct');
      await container.create();
      setup?.(stack);
    });
    after(async () => {
      await stack.stop();
    });

    it(direct ? 'writes and reads the piece files itself' : 'writes and reads every piece through DataPlacementService', async () => {
      const before = await placementCalls(stack);
      await writeBlobs(container);
      await checkReads(container);
      const calls = await placementCalls(stack);
      const put = calls.Put - before.Put;
      const get = calls.Get - before.Get;
      if (direct) assert.deepEqual({ put, get }, { put: 0, get: 0 });
      else assert.ok(put >= 5 && get >= 5, `expected the data to go through Put and Get, saw ${put} and ${get} calls`);
      // Only the three blocks remain: the 4 KiB blob is kept in its record (inline), and the
      // refused write left nothing, in tmp/ or in place.
      assert.equal(pieceCount(stack), 3);
      for (const writer of readdirSync(join(locationDir(stack), 'tmp'))) {
        assert.deepEqual(readdirSync(join(locationDir(stack), 'tmp', writer)), [], `tmp/${writer}`);
      }
    });

    it('a Put Blob cut off midway leaves nothing, in tmp/ or in place', async () => {
      const pieces = pieceCount(stack);
      const sas = await container.generateSasUrl({
        permissions: ContainerSASPermissions.parse('cw'),
        expiresOn: new Date(Date.now() + 3600_000),
      });
      const url = new URL(sas);
      url.pathname += '/cut-off';
      const req = request(url, {
        method: 'PUT',
        headers: { 'x-ms-blob-type': 'BlockBlob', 'x-ms-version': '2025-01-05', 'content-length': 1_000_000 },
      });
      req.on('error', () => undefined);
      req.write(randomBytes(300_000));
      await new Promise((r) => setTimeout(r, 300));
      req.destroy();
      const tmpEmpty = () =>
        readdirSync(join(locationDir(stack), 'tmp')).every((w) => readdirSync(join(locationDir(stack), 'tmp', w)).length === 0);
      await eventually('no partial file in tmp/', tmpEmpty);
      assert.equal(pieceCount(stack), pieces);
      assert.equal(await container.getBlobClient('cut-off').exists(), false);
    });

    it('deletes the data an overwrite or a Delete Blob released', async () => {
      const before = await placementCalls(stack);
      await container.getBlockBlobClient('small').upload(big, big.length);
      await container.getBlockBlobClient('blocks').delete();
      await eventually('one piece left (the new small blob)', () => pieceCount(stack) === 1);
      assert.deepEqual(await container.getBlockBlobClient('small').downloadToBuffer(), big);
      const deletes = (await placementCalls(stack)).Delete - before.Delete;
      if (direct) assert.equal(deletes, 0);
      // The three blocks' files (the replaced 4 KiB blob was inline: nothing to delete).
      else assert.ok(deletes >= 3, `expected the releases to go through Delete, saw ${deletes} calls`);
    });

    it('a file location’s sizeLimitGB bounds what the Azure edge writes there', async () => {
      const added = await zenkoCli(stack, 'location', 'add', 'tinydisk', '--type', 'file', '--size-limit-gb', '0.000001'); // 1,074 bytes
      assert.equal(added.code, 0, added.stderr);
      const s3 = s3Client(stack);
      // The edge follows the registry: the first request may race the change notification.
      for (let i = 0; ; i++) {
        try {
          await s3.send(
            new CreateBucketCommand({ Bucket: 'tiny', CreateBucketConfiguration: { LocationConstraint: 'tinydisk' as never } }),
          );
          break;
        } catch (err) {
          if (i >= 50) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      const tiny = azureClient(stack).getContainerClient('tiny');
      await tiny.getBlockBlobClient('a').upload(randomBytes(600), 600);
      assert.deepEqual(await azureError(tiny.getBlockBlobClient('b').upload(randomBytes(600), 600)), {
        code: 'RequestBodyTooLarge',
        status: 413,
      });
      assert.deepEqual(await azureError(tiny.getBlockBlobClient('b').stageBlock(blockIdOf(1), randomBytes(600), 600)), {
        code: 'RequestBodyTooLarge',
        status: 413,
      });
      await tiny.getBlockBlobClient('a').delete();
      await tiny.getBlockBlobClient('b').upload(randomBytes(600), 600);
      s3.destroy();
    });

    it('a blob whose stored bytes are gone answers 500 InternalError on both protocols, not a cut body', async () => {
      const root = locationDir(stack);
      for (const shard of readdirSync(root).filter((n) => /^[0-9a-f]{2}$/.test(n))) {
        for (const piece of readdirSync(join(root, shard))) unlinkSync(join(root, shard, piece));
      }
      await assert.rejects(
        container.getBlockBlobClient('small').downloadToBuffer(),
        (err: unknown) => err instanceof RestError && err.statusCode === 500 && err.code === 'InternalError',
      );
      const s3 = await s3Error(s3Client(stack).send(new GetObjectCommand({ Bucket: 'direct', Key: 'small' })));
      assert.deepEqual(s3, { code: 'InternalError', status: 500 });
    });
  });
}
