// withLocalReads against a MetadataService that answers GetLocalStore and counts the reads that
// reach it: reads are served from the store only where its IDENTITY file holds the id the
// service names, with the namespace's answers and errors. (Reads beside a live writer process
// are covered end to end in tests/src/mesh/local-reads.test.ts.)
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { metadataV1MetadataService } from '@zenko/gen';
import {
  Metrics,
  createLogger,
  createMetadataClient,
  ensureIdentity,
  isMeshError,
  service,
  startGrpcServer,
  type GrpcServer,
  type MetadataClient,
} from '@zenko/mesh';
import { withLocalReads, type LocalReadsClient } from './local-reads.js';
import * as ns from './namespace/index.js';
import { LmdbStore } from './store/lmdb-store.js';

const logger = createLogger('test', 'silent');
let dir: string;
let identity: string;
let named = { path: '', identity: '' };
let rpcReads = 0;
let server: GrpcServer;
let client: MetadataClient;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zenko-local-reads-'));
  // The store as svc-metadata leaves it; closed again, so this process opens it once (read-only).
  const writer = new LmdbStore({ path: dir });
  await ns.createBucket(writer, metadataV1MetadataService.CreateBucketRequest.fromPartial({ name: 'bucket', ownerId: 'o', location: 'l' }));
  await ns.putObject(
    writer,
    metadataV1MetadataService.PutObjectRequest.fromPartial({ object: { bucket: 'bucket', key: 'key', size: 3, etag: '"e"' } }),
  );
  await writer.close();
  identity = await ensureIdentity(dir);
  server = await startGrpcServer({
    name: 'svc-metadata',
    version: 'test',
    logger,
    metrics: new Metrics('test'),
    host: '127.0.0.1',
    port: 0,
    services: [
      service(metadataV1MetadataService.MetadataServiceService, {
        getLocalStore: async () => named,
        getObject: async () => {
          rpcReads++;
          return { object: { ...emptyVersion(), bucket: 'bucket', key: 'from-rpc' } };
        },
      }),
    ],
  });
  server.setServing(true);
  client = createMetadataClient(server.address, { coalesce: false });
});

after(async () => {
  client.close();
  await server.shutdown(1_000);
  await rm(dir, { recursive: true, force: true });
});

function emptyVersion() {
  return metadataV1MetadataService.GetObjectResponse.fromPartial({ object: {} }).object!;
}

async function settled(reads: LocalReadsClient): Promise<void> {
  // The check runs in the background; give it time to answer either way.
  for (let i = 0; i < 40; i++) {
    await new Promise((r) => setTimeout(r, 25));
    if (reads.readsLocally()) return;
  }
}

describe('local reads', () => {
  it('read the store where its IDENTITY matches, with the namespace answers and errors', async () => {
    named = { path: dir, identity };
    const reads = withLocalReads(client, { logger });
    await settled(reads);
    assert.equal(reads.readsLocally(), true);
    rpcReads = 0;
    const { object } = await reads.getObject({ bucket: 'bucket', key: 'key', versionId: '' });
    assert.equal(object?.key, 'key');
    assert.equal(object?.etag, '"e"');
    await assert.rejects(reads.getObject({ bucket: 'bucket', key: 'missing', versionId: '' }), (err) =>
      isMeshError(err, 'OBJECT_NOT_FOUND'),
    );
    await assert.rejects(reads.getBucket({ name: 'nope' }), (err) => isMeshError(err, 'BUCKET_NOT_FOUND'));
    const listed = await reads.listObjects(metadataV1MetadataService.ListObjectsRequest.fromPartial({ bucket: 'bucket' }));
    assert.deepEqual(
      listed.objects.map((o) => o.key),
      ['key'],
    );
    assert.equal(rpcReads, 0);
    await reads.closeLocal();
  });

  for (const [what, setup] of [
    ['another IDENTITY in the directory', async () => (named = { path: dir, identity: 'another-store' })],
    ['a service on MongoDB (no path)', async () => (named = { path: '', identity: '' })],
    ['no IDENTITY file', async () => (named = { path: join(dir, 'absent'), identity })],
  ] as const) {
    it(`go through the RPCs with ${what}`, async () => {
      await setup();
      const reads = withLocalReads(client, { logger });
      await settled(reads);
      assert.equal(reads.readsLocally(), false);
      rpcReads = 0;
      const { object } = await reads.getObject({ bucket: 'bucket', key: 'key', versionId: '' });
      assert.equal(object?.key, 'from-rpc');
      assert.equal(rpcReads, 1);
      await reads.closeLocal();
    });
  }

  it('go through the RPCs when turned off', async () => {
    named = { path: dir, identity };
    const reads = withLocalReads(client, { logger, enabled: false });
    await settled(reads);
    assert.equal(reads.readsLocally(), false);
    rpcReads = 0;
    await reads.getObject({ bucket: 'bucket', key: 'key', versionId: '' });
    assert.equal(rpcReads, 1);
  });
});
