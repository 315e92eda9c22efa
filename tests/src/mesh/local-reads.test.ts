// The edges read buckets, objects and listings from the embedded metadata store themselves when
// they see it (GetLocalStore + IDENTITY), and commit PutObject and DeleteObject to it, beside
// svc-metadata writing it: every acknowledged write is seen by the very next read, through S3
// and Azure alike, and reaches svc-metadata's oplog. svc-metadata's per-method counters show
// which path served the reads and the writes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createMetadataClient } from '@zenko/mesh';
import { azureClient } from '../support/azure.js';
import { find, parsePrometheus } from '../support/prometheus.js';
import { s3Client, s3Error } from '../support/s3.js';
import { startStack, type TestStack } from '../support/stack.js';

const READS = ['GetObject', 'BatchGetObjects', 'ListObjects', 'ListObjectVersions', 'ListBlocks', 'ListBlockKeys', 'ListParts'];

const WRITES = ['PutObject', 'BatchPutObjects', 'DeleteObject'];

async function metadataReads(stack: TestStack, methods = READS): Promise<number> {
  const samples = parsePrometheus(await (await fetch(stack.services['svc-metadata'].metrics)).text());
  return methods.reduce(
    (n, method) =>
      n +
      (find(samples, 'grpc_server_started_total', { grpc_service: 'zenko.metadata.v1.MetadataService', grpc_method: method })?.value ?? 0),
    0,
  );
}

async function logged(stack: TestStack, service: string, line: string): Promise<void> {
  const file = join(stack.dataDir, 'logs', `${service}.log`);
  for (let i = 0; i < 100 && !readFileSync(file, 'utf8').includes(line); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(readFileSync(file, 'utf8').includes(line), `${service}: "${line}" not logged`);
}

for (const { mode, env, local, localWrites } of [
  { mode: 'on one machine', env: {}, local: true, localWrites: true },
  { mode: 'with ZENKO_METADATA_LOCAL_WRITES=false', env: { ZENKO_METADATA_LOCAL_WRITES: 'false' }, local: true, localWrites: false },
  { mode: 'with ZENKO_METADATA_LOCAL_READS=false', env: { ZENKO_METADATA_LOCAL_READS: 'false' }, local: false, localWrites: false },
]) {
  describe(`edge metadata reads, ${mode}`, () => {
    let stack: TestStack;
    let s3: S3Client;
    before(async () => {
      stack = await startStack(env);
      s3 = s3Client(stack);
      // The first read of each edge starts its check of the store.
      await s3.send(new CreateBucketCommand({ Bucket: 'reads' }));
      await s3.send(new HeadObjectCommand({ Bucket: 'reads', Key: 'none' })).catch(() => undefined);
      await azureClient(stack).getContainerClient('reads').getBlobClient('none').exists();
      if (local) {
        for (const service of ['svc-cloudserver', 'svc-blobserver'])
          await logged(stack, service, 'metadata reads served from the local store');
      }
    });
    after(async () => {
      s3.destroy();
      await stack.stop();
    });

    it('every acknowledged write is seen by the next read, over S3', async () => {
      const before = await metadataReads(stack);
      const writesBefore = await metadataReads(stack, WRITES);
      // Other requests keep the edge reading all along, so a read that began before a commit
      // would still be around when the writer's next request comes.
      let busy = true;
      await s3.send(new PutObjectCommand({ Bucket: 'reads', Key: 'busy', Body: 'busy' }));
      const readers = Array.from({ length: 4 }, async () => {
        while (busy) await s3.send(new HeadObjectCommand({ Bucket: 'reads', Key: 'busy' }));
      });
      const writer = async (w: number): Promise<void> => {
        for (let i = 0; i < 25; i++) {
          const Key = `k/${w}/${i}`;
          await s3.send(new PutObjectCommand({ Bucket: 'reads', Key, Body: `first ${i}` }));
          assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'reads', Key }))).Body?.transformToString(), `first ${i}`);
          const put = await s3.send(new PutObjectCommand({ Bucket: 'reads', Key, Body: `second ${i}` }));
          assert.equal((await s3.send(new HeadObjectCommand({ Bucket: 'reads', Key }))).ETag, put.ETag);
          if (i % 2 === 1) {
            await s3.send(new DeleteObjectCommand({ Bucket: 'reads', Key }));
            assert.deepEqual(await s3Error(s3.send(new HeadObjectCommand({ Bucket: 'reads', Key }))), { code: 'NotFound', status: 404 });
          }
        }
      };
      try {
        await Promise.all([0, 1, 2, 3].map(writer));
      } finally {
        busy = false;
        await Promise.all(readers);
      }
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'reads', Prefix: 'k/' }));
      assert.equal(listed.KeyCount, 4 * 13);
      assert.ok((listed.Contents ?? []).every((o) => Number(o.Key!.split('/')[2]) % 2 === 0));
      const reads = (await metadataReads(stack)) - before;
      if (local) assert.equal(reads, 0, 'reads reached svc-metadata');
      else assert.ok(reads >= 250, `expected the reads to go through svc-metadata, saw ${reads}`);
      // 200 PutObject (coalesced by 4 writers into at least 50 RPCs) and 50 DeleteObject.
      const writes = (await metadataReads(stack, WRITES)) - writesBefore;
      if (localWrites) assert.equal(writes, 0, 'object writes reached svc-metadata');
      else assert.ok(writes >= 100, `expected the writes to go through svc-metadata, saw ${writes}`);
    });

    it("svc-metadata's oplog carries every write, whichever process committed it", async () => {
      const client = createMetadataClient(stack.services['svc-metadata'].grpc);
      const abort = new AbortController();
      const seen: string[] = [];
      let caughtUp: () => void = () => undefined;
      const started = new Promise<void>((resolve) => (caughtUp = resolve));
      const want = ['put-object oplog/s3', 'put-object oplog/azure', 'delete-object oplog/s3'];
      try {
        // Follows the oplog from its start; once the marker written now has come by, the
        // entries that follow reach the watcher as they are committed, not from the backlog.
        const watching = (async () => {
          const stream = client.watchOplog({ fromSequence: 0, consumer: '', noFollow: false }, { signal: abort.signal });
          for await (const { entry } of stream) {
            if (entry?.bucket !== 'reads' || !entry.key.startsWith('oplog/')) continue;
            if (entry.key === 'oplog/marker') caughtUp();
            else seen.push(`${entry.type} ${entry.key}`);
            if (want.every((w) => seen.includes(w))) return;
          }
        })();
        await s3.send(new PutObjectCommand({ Bucket: 'reads', Key: 'oplog/marker', Body: 'm' }));
        await started;
        await s3.send(new PutObjectCommand({ Bucket: 'reads', Key: 'oplog/s3', Body: 'x' }));
        await azureClient(stack).getContainerClient('reads').getBlockBlobClient('oplog/azure').upload('y', 1);
        await s3.send(new DeleteObjectCommand({ Bucket: 'reads', Key: 'oplog/s3' }));
        await watching;
        assert.deepEqual(seen, want);
      } finally {
        abort.abort();
        client.close();
      }
    });

    it('every acknowledged write is seen by the next read, over Azure and across protocols', async () => {
      const before = await metadataReads(stack);
      const container = azureClient(stack).getContainerClient('reads');
      for (let i = 0; i < 30; i++) {
        const blob = container.getBlockBlobClient(`b/${i}`);
        await blob.upload(`blob ${i}`, `blob ${i}`.length, { metadata: { n: String(i) } });
        assert.equal((await blob.downloadToBuffer()).toString(), `blob ${i}`);
        assert.equal((await blob.getProperties()).metadata?.['n'], String(i));
        const head = await s3.send(new HeadObjectCommand({ Bucket: 'reads', Key: `b/${i}` }));
        assert.equal(head.Metadata?.['n'], String(i));
        await s3.send(new PutObjectCommand({ Bucket: 'reads', Key: `b/${i}`, Body: `over s3 ${i}` }));
        assert.equal((await blob.downloadToBuffer()).toString(), `over s3 ${i}`);
      }
      const names: string[] = [];
      for await (const item of container.listBlobsFlat({ prefix: 'b/' })) names.push(item.name);
      assert.equal(names.length, 30);
      const reads = (await metadataReads(stack)) - before;
      if (local) assert.equal(reads, 0, 'reads reached svc-metadata');
      else assert.ok(reads >= 90, `expected the reads to go through svc-metadata, saw ${reads}`);
    });
  });
}
