// Who may do what on the Azure edge: Shared Key with a wrong key, a request without x-ms-version,
// SAS tokens (account and service) limited to their permissions, anonymous access.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AnonymousCredential,
  BlobSASPermissions,
  BlobServiceClient,
  BlockBlobClient,
  ContainerClient,
  ContainerSASPermissions,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { DEV_ACCOUNT, DEV_KEY, azureClient, azureError, blobEndpoint } from '../support/azure.js';
import { startStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let azure: BlobServiceClient;

before(async () => {
  stack = await startStack();
  azure = azureClient(stack);
  const container = azure.getContainerClient('secure');
  await container.create();
  await container.getBlockBlobClient('secret.txt').upload('top secret', 10);
});
after(async () => {
  await stack.stop();
});

const WRONG_KEY = Buffer.alloc(64, 7).toString('base64');
const inOneHour = (): Date => new Date(Date.now() + 3600_000);

describe('authentication', () => {
  it('a wrong key is AuthenticationFailed and changes nothing', async () => {
    const wrong = azureClient(stack, WRONG_KEY);
    assert.deepEqual(await azureError(wrong.getContainerClient('secure').getProperties()), { code: 'AuthenticationFailed', status: 403 });
    assert.deepEqual(await azureError(wrong.getContainerClient('wrong-key').create()), { code: 'AuthenticationFailed', status: 403 });
    assert.equal(await azure.getContainerClient('wrong-key').exists(), false);
    assert.deepEqual(await azureError(wrong.getContainerClient('secure').getBlockBlobClient('secret.txt').download()), {
      code: 'AuthenticationFailed',
      status: 403,
    });
  });

  it('a large Put Blob with a wrong key gets AuthenticationFailed, not a reset', async () => {
    const wrong = azureClient(stack, WRONG_KEY);
    const blob = wrong.getContainerClient('secure').getBlockBlobClient('large.bin');
    const body = Buffer.alloc(48 * 1024 * 1024, 3);
    for (let i = 0; i < 3; i++)
      assert.deepEqual(await azureError(blob.upload(body, body.length)), { code: 'AuthenticationFailed', status: 403 });
    assert.equal(await azure.getContainerClient('secure').getBlobClient('large.bin').exists(), false);
  });

  it('a Shared Key request without x-ms-version is MissingRequiredHeader', async () => {
    const res = await fetch(`${blobEndpoint(stack)}/secure?restype=container`, {
      headers: { authorization: 'SharedKey devstoreaccount1:AAAA', 'x-ms-date': new Date().toUTCString() },
    });
    await res.arrayBuffer();
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('x-ms-error-code'), 'MissingRequiredHeader');
    assert.ok(res.headers.get('x-ms-request-id'));
  });

  it("a Shared Key request without x-ms-version runs with the account's DefaultServiceVersion once one is set", async () => {
    // Signed by hand (the SDK always sends x-ms-version): GET Container Properties, path-style.
    const get = async (): Promise<Response> => {
      const date = new Date().toUTCString();
      const stringToSign = `GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:${date}\n/${DEV_ACCOUNT}/${DEV_ACCOUNT}/secure\nrestype:container`;
      const signature = createHmac('sha256', Buffer.from(DEV_KEY, 'base64')).update(stringToSign, 'utf8').digest('base64');
      const res = await fetch(`${blobEndpoint(stack)}/secure?restype=container`, {
        headers: { authorization: `SharedKey ${DEV_ACCOUNT}:${signature}`, 'x-ms-date': date },
      });
      await res.arrayBuffer();
      return res;
    };
    const before = await get();
    assert.deepEqual([before.status, before.headers.get('x-ms-error-code')], [400, 'MissingRequiredHeader']);
    // (Set Blob Service Properties changes only what it names; later tests send x-ms-version.)
    await azure.setProperties({ defaultServiceVersion: '2020-10-02' });
    const after = await get();
    assert.deepEqual([after.status, after.headers.get('x-ms-version')], [200, '2020-10-02']);
  });

  it('an x-ms-version that is not a service version is InvalidHeaderValue', async () => {
    for (const version of ['bogus', '2009-01-01', '2025-1-5']) {
      const res = await fetch(`${blobEndpoint(stack)}/secure?restype=container`, {
        headers: { authorization: 'SharedKey devstoreaccount1:AAAA', 'x-ms-date': new Date().toUTCString(), 'x-ms-version': version },
      });
      await res.arrayBuffer();
      assert.deepEqual([res.status, res.headers.get('x-ms-error-code')], [400, 'InvalidHeaderValue'], version);
    }
  });

  it('an unknown storage account is AuthenticationFailed', async () => {
    const res = await fetch(`${stack.azure}/nosuchaccount/secure?restype=container`, {
      headers: { authorization: 'SharedKey nosuchaccount:AAAA', 'x-ms-date': new Date().toUTCString(), 'x-ms-version': '2025-01-05' },
    });
    await res.arrayBuffer();
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-ms-error-code'), 'AuthenticationFailed');
    assert.equal(res.headers.get('x-ms-version'), '2025-01-05');
  });

  it('operations this edge does not implement answer NotImplemented', async () => {
    assert.deepEqual(await azureError(azure.getContainerClient('secure').getPageBlobClient('page').create(512)), {
      code: 'NotImplemented',
      status: 501,
    });
    // The system containers are not buckets here: creating one is not implemented, not a missing container.
    for (const name of ['$root', '$logs', '$web']) {
      assert.deepEqual(await azureError(azure.getContainerClient(name).create()), { code: 'NotImplemented', status: 501 }, name);
    }
  });
});

describe('SAS', () => {
  it('a read-only service SAS reads a blob and cannot write it', async () => {
    const blob = azure.getContainerClient('secure').getBlockBlobClient('secret.txt');
    const url = await blob.generateSasUrl({ permissions: BlobSASPermissions.parse('r'), expiresOn: inOneHour() });
    const reader = new BlockBlobClient(url, new AnonymousCredential(), { retryOptions: { maxTries: 1 } });
    assert.equal((await reader.downloadToBuffer()).toString(), 'top secret');
    assert.deepEqual(await azureError(reader.upload('overwritten', 11)), { code: 'AuthorizationPermissionMismatch', status: 403 });
    assert.equal((await blob.downloadToBuffer()).toString(), 'top secret');
  });

  it('a container SAS reaches its blobs and their list, not the container properties or metadata', async () => {
    const secure = azure.getContainerClient('secure');
    await secure.setMetadata({ owner: 'ops' });
    const url = await secure.generateSasUrl({ permissions: ContainerSASPermissions.parse('rl'), expiresOn: inOneHour() });
    const scoped = new ContainerClient(url, new AnonymousCredential(), { retryOptions: { maxTries: 1 } });
    const names: string[] = [];
    for await (const b of scoped.listBlobsFlat()) names.push(b.name);
    assert.ok(names.includes('secret.txt'));
    assert.equal((await scoped.getBlockBlobClient('secret.txt').downloadToBuffer()).toString(), 'top secret');
    assert.deepEqual(await azureError(scoped.getProperties()), { code: 'AuthorizationFailure', status: 403 });
  });

  it('an account SAS with read and list lists and reads; it cannot create containers', async () => {
    const url = azure.generateAccountSasUrl(
      inOneHour(),
      AccountSASPermissions.parse('rl'),
      AccountSASResourceTypes.parse('sco').toString(),
    );
    const viaSas = new BlobServiceClient(url, undefined, { retryOptions: { maxTries: 1 } });
    const names: string[] = [];
    for await (const c of viaSas.listContainers()) names.push(c.name);
    assert.ok(names.includes('secure'));
    assert.equal((await viaSas.getContainerClient('secure').getBlockBlobClient('secret.txt').downloadToBuffer()).toString(), 'top secret');
    assert.deepEqual(await azureError(viaSas.getContainerClient('sas-made').create()), {
      code: 'AuthorizationPermissionMismatch',
      status: 403,
    });
  });

  it('a SAS signed with a wrong key is AuthenticationFailed', async () => {
    const wrong = azureClient(stack, WRONG_KEY);
    const url = await wrong
      .getContainerClient('secure')
      .getBlockBlobClient('secret.txt')
      .generateSasUrl({
        permissions: BlobSASPermissions.parse('r'),
        expiresOn: inOneHour(),
      });
    const reader = new BlockBlobClient(url, new AnonymousCredential(), { retryOptions: { maxTries: 1 } });
    assert.deepEqual(await azureError(reader.download()), { code: 'AuthenticationFailed', status: 403 });
  });
});

describe('anonymous', () => {
  it('reads blobs of a blob-public container, not its listing; nothing of a private one', async () => {
    const owner = azure.getContainerClient('public-blobs');
    await owner.create({ access: 'blob' });
    await owner.getBlockBlobClient('open.txt').upload('open', 4);
    const anonymous = new BlobServiceClient(blobEndpoint(stack), undefined, { retryOptions: { maxTries: 1 } });
    assert.equal((await anonymous.getContainerClient('public-blobs').getBlockBlobClient('open.txt').downloadToBuffer()).toString(), 'open');
    const listing = anonymous.getContainerClient('public-blobs').listBlobsFlat().next();
    assert.equal((await azureError(listing)).status, 404);
    assert.equal((await azureError(anonymous.getContainerClient('secure').getBlockBlobClient('secret.txt').download())).status, 404);
    assert.equal((await azureError(anonymous.getContainerClient('public-blobs').getBlockBlobClient('new').upload('x', 1))).status, 401);
  });
});

describe('request checks', () => {
  it('List Containers refuses an unknown include; account batches are 501 NotImplemented; Set Blob Metadata says it encrypted', async () => {
    const sas = azure.generateAccountSasUrl(
      inOneHour(),
      AccountSASPermissions.parse('rl'),
      AccountSASResourceTypes.parse('sco').toString(),
    );
    const url = new URL(sas);
    url.searchParams.set('comp', 'list');
    url.searchParams.set('include', 'bogus');
    const listed = await fetch(url, { headers: { 'x-ms-version': '2025-01-05' } });
    await listed.arrayBuffer();
    assert.deepEqual([listed.status, listed.headers.get('x-ms-error-code')], [400, 'InvalidQueryParameterValue']);

    const blob = azure.getContainerClient('secure').getBlockBlobClient('secret.txt');
    assert.deepEqual(
      await azureError(azure.getBlobBatchClient().deleteBlobs([blob.url], new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY))),
      {
        code: 'NotImplemented',
        status: 501,
      },
    );
    const meta = await blob.setMetadata({ a: 'b' });
    assert.equal(meta.isServerEncrypted, true);
  });
});
