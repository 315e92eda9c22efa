// The Azure edge reads blobs of a `file` location straight from the piece files when it sees the
// location's directory (GetLocalRoot + IDENTITY), and through DataPlacementService.Get otherwise:
// the same bytes either way, whole, ranged and across blocks; the cloudserver's Get counter
// shows which path served them.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ContainerClient } from '@azure/storage-blob';
import { azureClient } from '../support/azure.js';
import { find, parsePrometheus } from '../support/prometheus.js';
import { startStack, type TestStack } from '../support/stack.js';

async function placementGets(stack: TestStack): Promise<number> {
  const text = await (await fetch(stack.services['svc-cloudserver'].metrics)).text();
  return (
    find(parsePrometheus(text), 'grpc_server_started_total', {
      grpc_service: 'zenko.placement.v1.DataPlacementService',
      grpc_method: 'Get',
    })?.value ?? 0
  );
}

const small = randomBytes(4096);
const blocks = [randomBytes(1_000_000), randomBytes(700_001), randomBytes(5)];
const big = Buffer.concat(blocks);

async function writeBlobs(container: ContainerClient): Promise<void> {
  await container.create();
  await container.getBlockBlobClient('small').upload(small, small.length);
  const blob = container.getBlockBlobClient('blocks');
  const ids = blocks.map((_, i) => Buffer.from(`b-${i}`).toString('base64'));
  for (const [i, b] of blocks.entries()) await blob.stageBlock(ids[i]!, b, b.length);
  await blob.commitBlockList(ids);
}

/** Reads that cross block boundaries, whole blobs and a suffix of the last block. */
async function checkReads(container: ContainerClient): Promise<void> {
  assert.deepEqual(await container.getBlockBlobClient('small').downloadToBuffer(), small);
  assert.deepEqual(await container.getBlockBlobClient('small').downloadToBuffer(100, 10), small.subarray(100, 110));
  const blob = container.getBlockBlobClient('blocks');
  assert.deepEqual(await blob.downloadToBuffer(), big);
  assert.deepEqual(await blob.downloadToBuffer(999_990, 700_012), big.subarray(999_990, 999_990 + 700_012));
  assert.deepEqual(await blob.downloadToBuffer(big.length - 3, 3), big.subarray(big.length - 3));
}

const modes: { mode: string; env: NodeJS.ProcessEnv; direct: boolean; setup?: (stack: TestStack) => void }[] = [
  { mode: 'on one machine', env: {}, direct: true },
  { mode: 'with ZENKO_AZURE_LOCAL_READS=false', env: { ZENKO_AZURE_LOCAL_READS: 'false' }, direct: false },
  {
    // What another machine's directory at the same path looks like: the identity differs.
    mode: 'when the directory holds another IDENTITY',
    env: {},
    direct: false,
    setup: (stack) => writeFileSync(join(stack.dataDir, 'data', 'us-east-1', 'IDENTITY'), 'another-directory\n'),
  },
];

for (const { mode, env, direct, setup } of modes) {
  describe(`Azure edge reads of a file location, ${mode}`, () => {
    let stack: TestStack;
    let container: ContainerClient;
    before(async () => {
      stack = await startStack(env);
      container = azureClient(stack).getContainerClient('direct');
      await writeBlobs(container);
      setup?.(stack);
    });
    after(async () => {
      await stack.stop();
    });

    it(
      direct ? 'reads the piece files itself: no DataPlacementService.Get' : 'streams every piece through DataPlacementService.Get',
      async () => {
        const before = await placementGets(stack);
        await checkReads(container);
        const gets = (await placementGets(stack)) - before;
        if (direct) assert.equal(gets, 0);
        else assert.ok(gets >= 5, `expected the reads to go through Get, saw ${gets} calls`);
      },
    );
  });
}
