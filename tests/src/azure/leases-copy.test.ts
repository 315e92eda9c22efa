// Leases, copies and Put Block From URL through @azure/storage-blob's own methods on a real stack:
// blob and container leases (every action, the state machine as Get Properties and List Blobs
// show it, enforcement on writes, persistence across a restart of the stack on the same data),
// Copy Blob (poller), Copy Blob From URL (sync), Put Blob From URL, Abort Copy Blob, copies from SAS
// URLs, and staged blocks read from another blob's range.
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BlobSASPermissions, type BlobItem, type BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { azureClient, azureError } from '../support/azure.js';
import { startStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let azure: BlobServiceClient;
let container: ContainerClient;

before(async () => {
  stack = await startStack();
  azure = azureClient(stack);
  container = azure.getContainerClient('leases');
  await container.create();
});
after(async () => {
  await stack.stop();
});

const inOneHour = (): Date => new Date(Date.now() + 3600_000);
const blockId = (n: number): string => Buffer.from(`block-${String(n).padStart(6, '0')}`).toString('base64');

async function putBlob(name: string, body: Buffer, metadata?: Record<string, string>): Promise<void> {
  await container.getBlockBlobClient(name).upload(body, body.length, metadata === undefined ? {} : { metadata });
}

async function readSasUrl(client: ContainerClient, name: string): Promise<string> {
  return client.getBlobClient(name).generateSasUrl({ permissions: BlobSASPermissions.parse('r'), expiresOn: inOneHour() });
}

describe('Lease Blob', () => {
  it('acquire, renew, change, release; state and duration on properties and in listings', async () => {
    await putBlob('lease/basic', Buffer.from('leased'));
    const blob = container.getBlockBlobClient('lease/basic');
    const before = await blob.getProperties();
    assert.equal(before.leaseState, 'available');
    assert.equal(before.leaseStatus, 'unlocked');

    const leases = blob.getBlobLeaseClient();
    const acquired = await leases.acquireLease(-1);
    assert.equal(acquired._response.status, 201);
    assert.equal(acquired.leaseId, leases.leaseId);
    assert.equal(acquired.etag, before.etag);
    const leased = await blob.getProperties();
    assert.equal(leased.leaseState, 'leased');
    assert.equal(leased.leaseStatus, 'locked');
    assert.equal(leased.leaseDuration, 'infinite');
    assert.equal(leased.etag, before.etag);

    const listed = [];
    for await (const item of container.listBlobsFlat({ prefix: 'lease/basic' })) listed.push(item);
    assert.equal(listed[0]?.properties.leaseState, 'leased');
    assert.equal(listed[0]?.properties.leaseStatus, 'locked');
    assert.equal(listed[0]?.properties.leaseDuration, 'infinite');

    const renewed = await leases.renewLease();
    assert.equal(renewed.leaseId, acquired.leaseId);
    const proposed = randomUUID();
    const changed = await leases.changeLease(proposed);
    assert.equal(changed.leaseId, proposed);
    assert.equal(leases.leaseId, proposed);
    // The old id no longer holds the lease.
    const stale = blob.getBlobLeaseClient(acquired.leaseId);
    assert.deepEqual(await azureError(stale.renewLease()), { code: 'LeaseIdMismatchWithLeaseOperation', status: 409 });

    await leases.releaseLease();
    const released = await blob.getProperties();
    assert.equal(released.leaseState, 'available');
    assert.equal(released.leaseStatus, 'unlocked');
    assert.equal(released.leaseDuration, undefined);
  });

  it('fixed durations, proposed ids, and the refusals of the state machine', async () => {
    await putBlob('lease/fixed', Buffer.from('x'));
    const blob = container.getBlockBlobClient('lease/fixed');
    const id = randomUUID();
    const mine = blob.getBlobLeaseClient(id);
    const acquired = await mine.acquireLease(30);
    assert.equal(acquired.leaseId, id);
    assert.equal((await blob.getProperties()).leaseDuration, 'fixed');
    // Acquiring again with the same id renews it; with another id (or none) it is refused.
    assert.equal((await mine.acquireLease(60)).leaseId, id);
    assert.deepEqual(await azureError(blob.getBlobLeaseClient().acquireLease(-1)), { code: 'LeaseAlreadyPresent', status: 409 });
    assert.deepEqual(await azureError(blob.getBlobLeaseClient(randomUUID()).releaseLease()), {
      code: 'LeaseIdMismatchWithLeaseOperation',
      status: 409,
    });
    // Durations outside 15–60 (and not -1) are invalid.
    await mine.releaseLease();
    assert.deepEqual(await azureError(mine.acquireLease(10)), { code: 'InvalidHeaderValue', status: 400 });
    assert.deepEqual(await azureError(mine.acquireLease(61)), { code: 'InvalidHeaderValue', status: 400 });
    // No lease: renew, change and break have nothing to act on.
    assert.deepEqual(await azureError(mine.changeLease(randomUUID())), { code: 'LeaseNotPresentWithLeaseOperation', status: 409 });
    assert.deepEqual(await azureError(mine.breakLease(0)), { code: 'LeaseNotPresentWithLeaseOperation', status: 409 });
  });

  it('break with a period is breaking (still locked), break with 0 is broken; a broken lease can be acquired anew', async () => {
    await putBlob('lease/break', Buffer.from('x'));
    const blob = container.getBlockBlobClient('lease/break');
    const leases = blob.getBlobLeaseClient();
    await leases.acquireLease(-1);

    const breaking = await leases.breakLease(60);
    assert.equal(breaking._response.status, 202);
    assert.equal(breaking.leaseTime, 60);
    let props = await blob.getProperties();
    assert.equal(props.leaseState, 'breaking');
    assert.equal(props.leaseStatus, 'locked');
    // A breaking lease still protects the blob and cannot be renewed, changed or acquired by its id.
    assert.deepEqual(await azureError(blob.setMetadata({ a: 'b' })), { code: 'LeaseIdMissing', status: 412 });
    assert.deepEqual(await azureError(leases.renewLease()), { code: 'LeaseIsBrokenAndCannotBeRenewed', status: 409 });
    assert.deepEqual(await azureError(leases.changeLease(randomUUID())), { code: 'LeaseIsBreakingAndCannotBeChanged', status: 409 });
    assert.deepEqual(await azureError(leases.acquireLease(-1)), { code: 'LeaseIsBreakingAndCannotBeAcquired', status: 409 });
    await blob.setMetadata({ a: 'b' }, { conditions: { leaseId: leases.leaseId } });

    const broken = await leases.breakLease(0);
    assert.equal(broken.leaseTime, 0);
    props = await blob.getProperties();
    assert.equal(props.leaseState, 'broken');
    assert.equal(props.leaseStatus, 'unlocked');
    // Unlocked: writes need no lease id; a lease id given is refused.
    assert.deepEqual(await azureError(blob.setMetadata({ c: 'd' }, { conditions: { leaseId: leases.leaseId } })), {
      code: 'LeaseNotPresentWithBlobOperation',
      status: 412,
    });
    await blob.setMetadata({ c: 'd' });
    assert.equal((await blob.getProperties()).leaseState, 'available');
    const again = await blob.getBlobLeaseClient().acquireLease(15);
    assert.notEqual(again.leaseId, leases.leaseId);
  });

  it('writes on a leased blob need the lease id: LeaseIdMissing, LeaseIdMismatchWithBlobOperation', async () => {
    const body = Buffer.from('protected');
    await putBlob('lease/enforced', body);
    const blob = container.getBlockBlobClient('lease/enforced');
    const leases = blob.getBlobLeaseClient();
    await leases.acquireLease(-1);
    const wrong = { conditions: { leaseId: randomUUID() } };
    const right = { conditions: { leaseId: leases.leaseId } };

    const missing = { code: 'LeaseIdMissing', status: 412 };
    const mismatch = { code: 'LeaseIdMismatchWithBlobOperation', status: 412 };
    assert.deepEqual(await azureError(blob.upload('new', 3)), missing);
    assert.deepEqual(await azureError(blob.upload('new', 3, wrong)), mismatch);
    assert.deepEqual(await azureError(blob.setMetadata({ a: 'b' })), missing);
    assert.deepEqual(await azureError(blob.setMetadata({ a: 'b' }, wrong)), mismatch);
    assert.deepEqual(await azureError(blob.setHTTPHeaders({ blobContentType: 'text/plain' })), missing);
    assert.deepEqual(await azureError(blob.setHTTPHeaders({ blobContentType: 'text/plain' }, wrong)), mismatch);
    assert.deepEqual(await azureError(blob.commitBlockList([])), missing);
    assert.deepEqual(await azureError(blob.stageBlock(blockId(1), 'abc', 3)), missing);
    assert.deepEqual(await azureError(blob.stageBlock(blockId(1), 'abc', 3, wrong)), mismatch);
    assert.deepEqual(await azureError(blob.delete()), missing);
    assert.deepEqual(await azureError(blob.delete(wrong)), mismatch);
    assert.deepEqual(await azureError(blob.setTags({ stage: 'final' })), missing);
    assert.deepEqual(await azureError(blob.setTags({ stage: 'final' }, wrong)), mismatch);
    // Reads need no id; a wrong one is refused.
    assert.deepEqual(await blob.downloadToBuffer(), body);
    assert.deepEqual(await azureError(blob.download(0, undefined, wrong)), mismatch);
    // HEAD answers carry no error body: the status tells.
    assert.equal((await azureError(blob.getProperties(wrong))).status, 412);
    assert.deepEqual(await azureError(blob.getBlockList('all', wrong)), mismatch);
    assert.deepEqual(await azureError(blob.getTags(wrong)), mismatch);
    assert.deepEqual(await azureError(blob.setAccessTier('Hot', wrong)), mismatch);
    assert.equal((await blob.getBlockList('all', right))._response.status, 200);
    assert.deepEqual((await blob.getTags(right)).tags, {});
    await blob.setAccessTier('Hot', right);

    // With the id: the writes succeed and the lease stays across an overwrite.
    await blob.setMetadata({ a: 'b' }, right);
    await blob.setTags({ stage: 'final' }, right);
    assert.deepEqual((await blob.getTags()).tags, { stage: 'final' });
    await blob.setHTTPHeaders({ blobContentType: 'text/plain' }, right);
    await blob.stageBlock(blockId(1), 'abc', 3, right);
    await blob.commitBlockList([blockId(1)], right);
    await blob.upload('overwritten', 11, right);
    const props = await blob.getProperties();
    assert.equal(props.leaseState, 'leased');
    assert.equal(props.contentLength, 11);
    await blob.delete(right);
    assert.equal((await azureError(blob.getProperties())).status, 404);
  });

  it('a lease id on a blob without a lease is refused: LeaseNotPresentWithBlobOperation', async () => {
    await putBlob('lease/none', Buffer.from('x'));
    const blob = container.getBlockBlobClient('lease/none');
    assert.deepEqual(await azureError(blob.setMetadata({ a: 'b' }, { conditions: { leaseId: randomUUID() } })), {
      code: 'LeaseNotPresentWithBlobOperation',
      status: 412,
    });
    assert.deepEqual(
      await azureError(container.getBlockBlobClient('lease/absent').upload('x', 1, { conditions: { leaseId: randomUUID() } })),
      {
        code: 'LeaseNotPresentWithBlobOperation',
        status: 412,
      },
    );
  });

  it('missing blob: BlobNotFound', async () => {
    assert.deepEqual(await azureError(container.getBlobClient('lease/nothing').getBlobLeaseClient().acquireLease(-1)), {
      code: 'BlobNotFound',
      status: 404,
    });
  });
});

describe('Lease Container', () => {
  it('every action; a leased container is deleted only with its lease id', async () => {
    const leased = azure.getContainerClient('leased-container');
    await leased.create();
    const leases = leased.getBlobLeaseClient();
    const acquired = await leases.acquireLease(-1);
    assert.equal(acquired._response.status, 201);
    let props = await leased.getProperties();
    assert.equal(props.leaseState, 'leased');
    assert.equal(props.leaseStatus, 'locked');
    assert.equal(props.leaseDuration, 'infinite');
    const listed = [];
    for await (const c of azure.listContainers({ prefix: 'leased-container' })) listed.push(c);
    assert.equal(listed[0]?.properties.leaseState, 'leased');

    // The SDK's lease client proposes its own id: another client is refused, the holder renews.
    assert.deepEqual(await azureError(leased.getBlobLeaseClient().acquireLease(-1)), { code: 'LeaseAlreadyPresent', status: 409 });
    await leases.renewLease();
    await leases.changeLease(randomUUID());
    // Metadata needs no lease id; a wrong one is refused.
    await leased.setMetadata({ a: 'b' });
    await leased.setMetadata({ a: 'c' }, { conditions: { leaseId: leases.leaseId } });
    assert.deepEqual(await azureError(leased.setMetadata({ a: 'd' }, { conditions: { leaseId: randomUUID() } })), {
      code: 'LeaseIdMismatchWithContainerOperation',
      status: 412,
    });
    assert.deepEqual(await azureError(leased.delete()), { code: 'LeaseIdMissing', status: 412 });
    assert.deepEqual(await azureError(leased.delete({ conditions: { leaseId: randomUUID() } })), {
      code: 'LeaseIdMismatchWithContainerOperation',
      status: 412,
    });

    await leases.breakLease(0);
    props = await leased.getProperties();
    assert.equal(props.leaseState, 'broken');
    await leases.acquireLease(15);
    await leases.releaseLease();
    assert.equal((await leased.getProperties()).leaseState, 'available');
    await leases.acquireLease(-1);
    await leased.delete({ conditions: { leaseId: leases.leaseId } });
    assert.equal(await leased.exists(), false);
  });
});

describe('Copy Blob and Copy Blob From URL', () => {
  it('beginCopyFromURL completes at once; bytes, headers and metadata copied; x-ms-copy-* on the copy', async () => {
    const body = randomBytes(200_000);
    await container.getBlockBlobClient('copy/source').upload(body, body.length, {
      blobHTTPHeaders: { blobContentType: 'image/png', blobCacheControl: 'no-cache' },
      metadata: { origin: 'camera' },
    });
    const source = container.getBlobClient('copy/source');
    const target = container.getBlobClient('copy/target');
    const poller = await target.beginCopyFromURL(source.url);
    const done = await poller.pollUntilDone();
    assert.equal(done.copyStatus, 'success');
    assert.match(done.copyId ?? '', /^[0-9a-f-]{36}$/);

    const props = await target.getProperties();
    assert.equal(props.copyStatus, 'success');
    assert.equal(props.copyId, done.copyId);
    assert.equal(props.copySource, source.url);
    assert.equal(props.copyProgress, `${body.length}/${body.length}`);
    assert.ok(props.copyCompletedOn instanceof Date);
    assert.equal(props.contentType, 'image/png');
    assert.equal(props.cacheControl, 'no-cache');
    assert.deepEqual(props.metadata, { origin: 'camera' });
    assert.equal(props.contentLength, body.length);
    assert.deepEqual(await target.downloadToBuffer(), body);
    // The source is not a copy.
    assert.equal((await source.getProperties()).copyId, undefined);
    // List Blobs with include=copy shows the same properties; without it, none.
    const listed = new Map<string, BlobItem>();
    for await (const item of container.listBlobsFlat({ prefix: 'copy/', includeCopy: true })) listed.set(item.name, item);
    const copied = listed.get('copy/target')?.properties;
    assert.deepEqual(
      [copied?.copyId, copied?.copyStatus, copied?.copySource, copied?.copyProgress, copied?.copyCompletedOn?.getTime()],
      [props.copyId, 'success', source.url, props.copyProgress, props.copyCompletedOn?.getTime()],
    );
    assert.equal(listed.get('copy/source')?.properties.copyId, undefined);
    for await (const item of container.listBlobsFlat({ prefix: 'copy/target' })) assert.equal(item.properties.copyId, undefined);
  });

  it('syncCopyFromURL from a SAS URL, with new metadata; deleting the source leaves the copy whole', async () => {
    const body = randomBytes(50_000);
    await putBlob('copy/sas-source', body, { kept: 'no' });
    const url = await readSasUrl(container, 'copy/sas-source');
    const target = container.getBlobClient('copy/sync-target');
    const res = await target.syncCopyFromURL(url, { metadata: { fresh: 'yes' } });
    assert.equal(res._response.status, 202);
    assert.equal(res.copyStatus, 'success');
    const props = await target.getProperties();
    assert.deepEqual(props.metadata, { fresh: 'yes' });
    assert.equal(props.copyStatus, 'success');
    // The SAS signature is not shown in the copy source.
    assert.ok(!(props.copySource ?? '').includes('sig='));

    // The same source named another way (localhost for 127.0.0.1, as a URL made elsewhere may say) is still this server's.
    const aliased = url.replace('//127.0.0.1:', '//localhost:');
    assert.notEqual(aliased, url);
    const viaAlias = container.getBlobClient('copy/sync-alias');
    assert.equal((await viaAlias.syncCopyFromURL(aliased)).copyStatus, 'success');
    assert.deepEqual(await viaAlias.downloadToBuffer(), body);
    // Another server (a port this edge does not listen on) is not copied from.
    const elsewhere = url.replace(/:\d+\//, ':1/');
    assert.deepEqual(await azureError(container.getBlobClient('copy/elsewhere').syncCopyFromURL(elsewhere)), {
      code: 'NotImplemented',
      status: 501,
    });

    await container.getBlobClient('copy/sas-source').delete();
    assert.deepEqual(await target.downloadToBuffer(), body);
  });

  it('Copy Blob onto a leased blob needs the lease id, and keeps the lease', async () => {
    await putBlob('copy/leased-source', Buffer.from('fresh bytes'));
    await putBlob('copy/leased-target', Buffer.from('old'));
    const target = container.getBlobClient('copy/leased-target');
    const leases = target.getBlobLeaseClient();
    await leases.acquireLease(-1);
    const source = container.getBlobClient('copy/leased-source').url;
    const sasUrl = await readSasUrl(container, 'copy/leased-source');
    assert.deepEqual(await azureError(target.syncCopyFromURL(sasUrl)), { code: 'LeaseIdMissing', status: 412 });
    const poller = await target.beginCopyFromURL(source, { conditions: { leaseId: leases.leaseId } });
    await poller.pollUntilDone();
    const props = await target.getProperties();
    assert.equal(props.leaseState, 'leased');
    assert.equal((await target.downloadToBuffer()).toString(), 'fresh bytes');
  });

  it('copy source missing: 404 CannotVerifyCopySource; private source without SAS for a sync copy: 404 too', async () => {
    const target = container.getBlobClient('copy/never');
    const missing = container.getBlobClient('copy/missing').url;
    assert.deepEqual(await azureError(target.beginCopyFromURL(missing)), { code: 'CannotVerifyCopySource', status: 404 });
    assert.deepEqual(await azureError(target.syncCopyFromURL(missing)), { code: 'CannotVerifyCopySource', status: 404 });
    await putBlob('copy/private', Buffer.from('secret'));
    assert.deepEqual(await azureError(target.syncCopyFromURL(container.getBlobClient('copy/private').url)), {
      code: 'CannotVerifyCopySource',
      status: 404,
    });
    // A SAS without read permission is refused by the source.
    const writeOnly = await container
      .getBlobClient('copy/private')
      .generateSasUrl({ permissions: BlobSASPermissions.parse('w'), expiresOn: inOneHour() });
    assert.deepEqual(await azureError(target.syncCopyFromURL(writeOnly)), { code: 'CannotVerifyCopySource', status: 403 });
    assert.equal(await target.exists(), false);
  });

  it('source conditions: SourceConditionNotMet', async () => {
    await putBlob('copy/conditional', Buffer.from('x'));
    const source = container.getBlobClient('copy/conditional');
    const target = container.getBlobClient('copy/conditional-target');
    assert.deepEqual(await azureError(target.beginCopyFromURL(source.url, { sourceConditions: { ifMatch: '"0x8D0000000000000"' } })), {
      code: 'SourceConditionNotMet',
      status: 412,
    });
    const { etag } = await source.getProperties();
    await (await target.beginCopyFromURL(source.url, { sourceConditions: { ifMatch: etag ?? '' } })).pollUntilDone();
    // x-ms-source-if-tags: the source's index tags must match (a wrong one copied anyway before).
    await source.setTags({ stage: 'draft' });
    const tagged = container.getBlockBlobClient('copy/tag-conditional');
    assert.deepEqual(await azureError(tagged.beginCopyFromURL(source.url, { sourceConditions: { tagConditions: `"stage"='final'` } })), {
      code: 'SourceConditionNotMet',
      status: 412,
    });
    assert.deepEqual(
      await azureError(
        tagged.syncUploadFromURL(await readSasUrl(container, 'copy/conditional'), {
          sourceConditions: { tagConditions: `"stage"='final'` },
        }),
      ),
      {
        code: 'SourceConditionNotMet',
        status: 412,
      },
    );
    assert.equal(await tagged.exists(), false);
    assert.deepEqual(await azureError(tagged.beginCopyFromURL(source.url, { sourceConditions: { tagConditions: 'not an expression' } })), {
      code: 'InvalidHeaderValue',
      status: 400,
    });
    await (await tagged.beginCopyFromURL(source.url, { sourceConditions: { tagConditions: `"stage"='draft'` } })).pollUntilDone();
    assert.equal(await tagged.exists(), true);
  });
});

describe('Put Block From URL', () => {
  it('stageBlockFromURL with ranges of a SAS URL, committed into a new blob', async () => {
    const body = randomBytes(100_000);
    await putBlob('fromurl/source', body);
    const url = await readSasUrl(container, 'fromurl/source');
    const target = container.getBlockBlobClient('fromurl/target');
    const first = await target.stageBlockFromURL(blockId(1), url, 1000, 4000);
    assert.equal(first._response.status, 201);
    await target.stageBlockFromURL(blockId(2), url, 90_000);
    await target.stageBlockFromURL(blockId(3), url);
    const list = await target.getBlockList('uncommitted');
    assert.deepEqual(
      list.uncommittedBlocks?.map((b) => [b.name, b.size]),
      [
        [blockId(1), 4000],
        [blockId(2), 10_000],
        [blockId(3), 100_000],
      ],
    );
    await target.commitBlockList([blockId(1), blockId(2), blockId(3)]);
    await container.getBlobClient('fromurl/source').delete();
    assert.deepEqual(await target.downloadToBuffer(), Buffer.concat([body.subarray(1000, 5000), body.subarray(90_000), body]));
  });

  it('missing source: 404 CannotVerifyCopySource; a leased target needs the lease id', async () => {
    const target = container.getBlockBlobClient('fromurl/other');
    const missing = await readSasUrl(container, 'fromurl/missing');
    assert.deepEqual(await azureError(target.stageBlockFromURL(blockId(1), missing)), { code: 'CannotVerifyCopySource', status: 404 });
    await putBlob('fromurl/src2', Buffer.from('0123456789'));
    await target.upload('x', 1);
    const leases = target.getBlobLeaseClient();
    await leases.acquireLease(-1);
    const url = await readSasUrl(container, 'fromurl/src2');
    assert.deepEqual(await azureError(target.stageBlockFromURL(blockId(1), url, 2, 3)), { code: 'LeaseIdMissing', status: 412 });
    await target.stageBlockFromURL(blockId(1), url, 2, 3, { conditions: { leaseId: leases.leaseId } });
    await target.commitBlockList([blockId(1)], { conditions: { leaseId: leases.leaseId } });
    assert.equal((await target.downloadToBuffer()).toString(), '234');
  });
});

describe('persistence', () => {
  it('a lease lives in the metadata: a restarted stack on the same data still enforces it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'zenko-lease-'));
    try {
      const first = await startStack({ ZENKO_DATA_DIR: dataDir });
      let leaseId: string;
      try {
        const blob = azureClient(first).getContainerClient('kept').getBlockBlobClient('leased');
        await azureClient(first).getContainerClient('kept').create();
        await blob.upload('x', 1);
        leaseId = (await blob.getBlobLeaseClient().acquireLease(-1)).leaseId ?? '';
      } finally {
        await first.stop();
      }
      const second = await startStack({ ZENKO_DATA_DIR: dataDir });
      try {
        const blob = azureClient(second).getContainerClient('kept').getBlockBlobClient('leased');
        const props = await blob.getProperties();
        assert.equal(props.leaseState, 'leased');
        assert.deepEqual(await azureError(blob.delete()), { code: 'LeaseIdMissing', status: 412 });
        await blob.delete({ conditions: { leaseId } });
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('Put Blob From URL and Abort Copy Blob', () => {
  async function source(name: string, body: Buffer): Promise<string> {
    await container.getBlockBlobClient(name).upload(body, body.length, {
      blobHTTPHeaders: { blobContentType: 'image/png', blobCacheControl: 'no-cache' },
      metadata: { origin: 'camera' },
      tags: { kind: 'photo' },
    });
    return readSasUrl(container, name);
  }

  it('syncUploadFromURL: 201 with the MD5; source properties under the request headers; request metadata; no copy properties', async () => {
    const body = randomBytes(300_000);
    const url = await source('from-url/source', body);
    const target = container.getBlockBlobClient('from-url/target');
    await target.stageBlock(blockId(1), Buffer.from('stale'), 5);
    const res = await target.syncUploadFromURL(url, { metadata: { fresh: 'yes' }, blobHTTPHeaders: { blobContentLanguage: 'fr' } });
    assert.equal(res._response.status, 201);
    assert.deepEqual(Buffer.from(res.contentMD5 ?? []), createHash('md5').update(body).digest());
    const props = await target.getProperties();
    assert.equal(props.etag, res.etag);
    assert.equal(props.contentType, 'image/png');
    assert.equal(props.cacheControl, 'no-cache');
    assert.equal(props.contentLanguage, 'fr');
    assert.deepEqual(props.metadata, { fresh: 'yes' });
    assert.equal(props.copyStatus, undefined);
    assert.equal(props.tagCount, undefined);
    assert.deepEqual(await target.downloadToBuffer(), body);
    // Like Put Blob, it drops the blob's uncommitted blocks.
    assert.deepEqual((await target.getBlockList('uncommitted')).uncommittedBlocks, []);
  });

  it('copySourceBlobProperties false: the request headers alone; copySourceTags COPY: the source tags', async () => {
    const url = await source('from-url/plain-source', Buffer.from('plain'));
    const target = container.getBlockBlobClient('from-url/plain-target');
    await target.syncUploadFromURL(url, {
      copySourceBlobProperties: false,
      blobHTTPHeaders: { blobContentType: 'text/plain' },
      copySourceTags: 'COPY',
    });
    const props = await target.getProperties();
    assert.equal(props.contentType, 'text/plain');
    assert.equal(props.cacheControl, undefined);
    assert.deepEqual((await target.getTags()).tags, { kind: 'photo' });
    assert.equal((await target.downloadToBuffer()).toString(), 'plain');
  });

  it('a leased target needs the lease id; a missing source is CannotVerifyCopySource; a wrong source MD5 writes nothing', async () => {
    const url = await source('from-url/leased-source', Buffer.from('new bytes'));
    await putBlob('from-url/leased', Buffer.from('old'));
    const target = container.getBlockBlobClient('from-url/leased');
    const leases = target.getBlobLeaseClient();
    await leases.acquireLease(-1);
    assert.deepEqual(await azureError(target.syncUploadFromURL(url)), { code: 'LeaseIdMissing', status: 412 });
    await target.syncUploadFromURL(url, { conditions: { leaseId: leases.leaseId } });
    assert.equal((await target.getProperties()).leaseState, 'leased');
    assert.equal((await target.downloadToBuffer()).toString(), 'new bytes');

    const fresh = container.getBlockBlobClient('from-url/never');
    assert.deepEqual(await azureError(fresh.syncUploadFromURL(container.getBlobClient('from-url/missing').url)), {
      code: 'CannotVerifyCopySource',
      status: 404,
    });
    const wrongMd5 = createHash('md5').update('other').digest();
    assert.deepEqual(await azureError(fresh.syncUploadFromURL(url, { sourceContentMD5: wrongMd5 })), { code: 'Md5Mismatch', status: 400 });
    assert.equal(await fresh.exists(), false);
  });

  it('Abort Copy Blob: no copy is ever pending, 409 NoPendingCopyOperation; 404 for a missing blob', async () => {
    await putBlob('abort/source', Buffer.from('abc'));
    const target = container.getBlobClient('abort/target');
    const done = await (await target.beginCopyFromURL(container.getBlobClient('abort/source').url)).pollUntilDone();
    assert.deepEqual(await azureError(target.abortCopyFromURL(done.copyId!)), { code: 'NoPendingCopyOperation', status: 409 });
    assert.equal((await target.downloadToBuffer()).toString(), 'abc');
    assert.deepEqual(await azureError(container.getBlobClient('abort/missing').abortCopyFromURL(randomUUID())), {
      code: 'BlobNotFound',
      status: 404,
    });
  });
});
