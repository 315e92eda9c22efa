import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  BlobSASPermissions,
  BlobServiceClient,
  ContainerSASPermissions,
  SASProtocol,
  StorageSharedKeyCredential,
  generateAccountSASQueryParameters,
  generateBlobSASQueryParameters,
  type SASQueryParameters,
} from '@azure/storage-blob';
import { AzureError, type AzureErrorCode } from '../errors/azure-errors.js';
import { parseAddress } from '../protocol/addressing.js';
import { OPERATIONS } from '../protocol/operations.js';
import { authenticate } from './authenticate.js';
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME } from './dev-account.js';
import { canonicalLetters, ACCOUNT_SAS_PERMISSIONS, BLOB_SAS_PERMISSIONS, CONTAINER_SAS_PERMISSIONS } from './sas-permissions.js';
import { accountSasStringToSign, assertSasAllows, parseSas, verifySas, type VerifiedSas, type VerifySasOptions } from './sas.js';
import type { AuthRequest, StoredAccessPolicy } from './types.js';

const credential = new StorageSharedKeyCredential(DEV_ACCOUNT_NAME, DEV_ACCOUNT_KEY);
const rotatedKey = Buffer.from('cm90YXRlZCBrZXkgZm9yIHRlc3RzIDAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMw==', 'base64');
const service = new BlobServiceClient(`http://127.0.0.1:10000/${DEV_ACCOUNT_NAME}`, credential);

const T0 = Date.parse('2030-06-01T12:00:00Z');
const startsOn = new Date(T0 - 3600_000);
const expiresOn = new Date(T0 + 3600_000);

const policies = new Map<string, StoredAccessPolicy>([
  ['photos/readers', { permission: 'rl', start: '2030-06-01T00:00:00Z', expiry: '2030-06-02T00:00:00Z' }],
  ['photos/timeonly', { expiry: '2030-06-02T00:00:00.0000000Z' }],
]);

function optionsAt(now: number): VerifySasOptions {
  return {
    getAccountKeys: async (account) => (account === DEV_ACCOUNT_NAME ? [rotatedKey, Buffer.from(DEV_ACCOUNT_KEY, 'base64')] : undefined),
    getStoredAccessPolicy: async (_account, container, id) => policies.get(`${container}/${id}`),
    clock: () => now,
  };
}

function request(url: string, sas: SASQueryParameters | string, extra: Partial<AuthRequest> = {}): AuthRequest {
  const u = new URL(url);
  const query = [u.search.slice(1), sas.toString()].filter((s) => s !== '').join('&');
  return { method: 'GET', path: u.pathname, query, headers: {}, protocol: 'https', ...extra };
}

async function verify(req: AuthRequest, now = T0): Promise<VerifiedSas> {
  const sas = await verifySas(req, parseAddress('127.0.0.1:10000', req.path), optionsAt(now));
  assert.ok(sas, 'a SAS request');
  return sas;
}

async function rejectsWith(code: AzureErrorCode, p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof AzureError, String(err));
    assert.equal(err.code, code);
    return true;
  });
}

function throwsWith(code: AzureErrorCode, fn: () => void): void {
  assert.throws(fn, (err: unknown) => err instanceof AzureError && err.code === code);
}

const blobUrl = service.getContainerClient('photos').getBlobClient('2030/summer/ünïcode & spaces+.jpg').url;
const containerUrl = service.getContainerClient('photos').url;

test('account SAS from generateAccountSasQueryParameters verifies, for every version form', async () => {
  for (const version of [undefined, '2020-12-06', '2019-12-12', '2015-04-05']) {
    const sas = generateAccountSASQueryParameters(
      {
        ...(version === undefined ? {} : { version }),
        permissions: AccountSASPermissions.parse('rwdlac'),
        services: AccountSASServices.parse('b').toString(),
        resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
        startsOn,
        expiresOn,
        protocol: SASProtocol.HttpsAndHttp,
        ipRange: { start: '10.0.0.1', end: '10.0.0.255' },
      },
      credential,
    );
    const verified = await verify(request(blobUrl, sas, { sourceIp: '10.0.0.7', protocol: 'http' }));
    assert.equal(verified.kind, 'accountSas');
    assert.equal(verified.permissions, 'rwdlac');
    assertSasAllows(verified, OPERATIONS.GetBlob.sas);
    assertSasAllows(verified, OPERATIONS.ListContainers.sas);
    assertSasAllows(verified, OPERATIONS.DeleteContainer.sas);
    assertSasAllows(verified, OPERATIONS.PutBlob.sas, { targetExists: true });
  }
  // Encryption scope is part of the string-to-sign from 2020-12-06 on.
  const scoped = generateAccountSASQueryParameters(
    { permissions: AccountSASPermissions.parse('r'), services: 'b', resourceTypes: 'o', expiresOn, encryptionScope: 'scope1' },
    credential,
  );
  await verify(request(blobUrl, scoped));
  assert.match(accountSasStringToSign(DEV_ACCOUNT_NAME, parseSas(scoped.toString())!), /\nscope1\n$/);
});

test('account SAS: service, resource type and permission mismatches', async () => {
  const make = (sp: string, ss: string, srt: string) =>
    generateAccountSASQueryParameters(
      { permissions: AccountSASPermissions.parse(sp), services: AccountSASServices.parse(ss).toString(), resourceTypes: srt, expiresOn },
      credential,
    );
  const objectsOnly = await verify(request(blobUrl, make('rl', 'b', 'o')));
  throwsWith('AuthorizationResourceTypeMismatch', () => assertSasAllows(objectsOnly, OPERATIONS.ListContainers.sas));
  assertSasAllows(objectsOnly, OPERATIONS.GetBlob.sas);
  throwsWith('AuthorizationPermissionMismatch', () => assertSasAllows(objectsOnly, OPERATIONS.PutBlock.sas));
  throwsWith('AuthorizationPermissionMismatch', () => assertSasAllows(objectsOnly, OPERATIONS.SetBlobTags.sas));

  const queuesOnly = await verify(request(blobUrl, make('r', 'q', 'sco')));
  throwsWith('AuthorizationServiceMismatch', () => assertSasAllows(queuesOnly, OPERATIONS.GetBlob.sas));

  const createOnly = await verify(request(blobUrl, make('c', 'b', 'o')));
  assertSasAllows(createOnly, OPERATIONS.PutBlob.sas, { targetExists: false });
  throwsWith('AuthorizationPermissionMismatch', () => assertSasAllows(createOnly, OPERATIONS.PutBlob.sas, { targetExists: true }));

  // No SAS may read or write stored access policies.
  const all = await verify(request(containerUrl, make('rwdxftlacupiy', 'bfqt', 'sco')));
  throwsWith('AuthorizationFailure', () => assertSasAllows(all, OPERATIONS.SetContainerACL.sas));
  assertSasAllows(all, OPERATIONS.FindBlobsByTags.sas);
});

test('service SAS for a blob and for a container, every signed field, several versions', async () => {
  for (const version of [undefined, '2020-12-06', '2018-11-09', '2015-04-05']) {
    const sas = generateBlobSASQueryParameters(
      {
        ...(version === undefined ? {} : { version }),
        containerName: 'photos',
        blobName: '2030/summer/ünïcode & spaces+.jpg',
        permissions: BlobSASPermissions.parse('racwd'),
        startsOn,
        expiresOn,
        protocol: SASProtocol.Https,
        ipRange: { start: '192.168.1.10' },
        cacheControl: 'no-cache',
        contentDisposition: 'attachment; filename="a b.jpg"',
        contentEncoding: 'gzip',
        contentLanguage: 'fr',
        contentType: 'image/jpeg',
      },
      credential,
    );
    const verified = await verify(request(blobUrl, sas, { sourceIp: '::ffff:192.168.1.10' }));
    assert.equal(verified.kind, 'serviceSas');
    assert.equal(verified.resource, 'b');
    assert.deepEqual(verified.responseHeaders, {
      'cache-control': 'no-cache',
      'content-disposition': 'attachment; filename="a b.jpg"',
      'content-encoding': 'gzip',
      'content-language': 'fr',
      'content-type': 'image/jpeg',
    });
    assertSasAllows(verified, OPERATIONS.GetBlob.sas);
    assertSasAllows(verified, OPERATIONS.PutBlockList.sas, { targetExists: true });
    throwsWith('AuthorizationPermissionMismatch', () => assertSasAllows(verified, OPERATIONS.GetBlobTags.sas));
    throwsWith('AuthorizationFailure', () => assertSasAllows(verified, OPERATIONS.CreateContainer.sas));
    await rejectsWith('AuthorizationProtocolMismatch', verify(request(blobUrl, sas, { sourceIp: '192.168.1.10', protocol: 'http' })));
    await rejectsWith('AuthorizationSourceIPMismatch', verify(request(blobUrl, sas, { sourceIp: '192.168.1.11' })));
    await rejectsWith('AuthorizationSourceIPMismatch', verify(request(blobUrl, sas)));
  }

  const containerSas = generateBlobSASQueryParameters(
    { containerName: 'photos', permissions: ContainerSASPermissions.parse('rlt'), expiresOn },
    credential,
  );
  const onContainer = await verify(request(`${containerUrl}?restype=container&comp=list`, containerSas));
  assert.equal(onContainer.resource, 'c');
  assertSasAllows(onContainer, OPERATIONS.ListBlobs.sas);
  // A container SAS reaches every blob of the container.
  const onBlob = await verify(request(blobUrl, containerSas));
  assertSasAllows(onBlob, OPERATIONS.GetBlob.sas);
  assertSasAllows(onBlob, OPERATIONS.SetBlobTags.sas);
  throwsWith('AuthorizationPermissionMismatch', () => assertSasAllows(onBlob, OPERATIONS.DeleteBlob.sas));
  // But not another container, nor the account.
  await rejectsWith('AuthenticationFailed', verify(request(service.getContainerClient('other').url, containerSas)));
  await rejectsWith('AuthenticationFailed', verify(request(`${service.url}?comp=list`, containerSas)));
});

test('a blob SAS does not reach another blob or the container', async () => {
  const sas = generateBlobSASQueryParameters(
    { containerName: 'photos', blobName: 'a.jpg', permissions: BlobSASPermissions.parse('r'), expiresOn },
    credential,
  );
  await verify(request(service.getContainerClient('photos').getBlobClient('a.jpg').url, sas));
  await rejectsWith('AuthenticationFailed', verify(request(service.getContainerClient('photos').getBlobClient('b.jpg').url, sas)));
  await rejectsWith('AuthenticationFailed', verify(request(containerUrl, sas)));
});

test('service SAS bound to a stored access policy (si), with and without fields of its own', async () => {
  const policyOnly = generateBlobSASQueryParameters({ containerName: 'photos', identifier: 'readers' }, credential);
  const verified = await verify(request(blobUrl, policyOnly));
  assert.equal(verified.identifier, 'readers');
  assert.equal(verified.permissions, 'rl');
  assertSasAllows(verified, OPERATIONS.GetBlob.sas);
  throwsWith('AuthorizationPermissionMismatch', () => assertSasAllows(verified, OPERATIONS.PutBlob.sas));
  // The policy's window applies.
  await rejectsWith('AuthenticationFailed', verify(request(blobUrl, policyOnly), Date.parse('2030-06-03T00:00:00Z')));
  await rejectsWith('AuthenticationFailed', verify(request(blobUrl, policyOnly), Date.parse('2030-05-31T23:00:00Z')));

  // Permissions in the URL, expiry from the policy.
  const mixed = generateBlobSASQueryParameters(
    { containerName: 'photos', identifier: 'timeonly', permissions: ContainerSASPermissions.parse('rw') },
    credential,
  );
  assert.equal((await verify(request(blobUrl, mixed))).permissions, 'rw');

  // A field both in the URL and in the policy; an unknown identifier.
  const both = generateBlobSASQueryParameters(
    { containerName: 'photos', identifier: 'readers', permissions: ContainerSASPermissions.parse('r') },
    credential,
  );
  await rejectsWith('InvalidQueryParameterValue', verify(request(blobUrl, both)));
  const unknown = generateBlobSASQueryParameters({ containerName: 'photos', identifier: 'nope' }, credential);
  await rejectsWith('AuthenticationFailed', verify(request(blobUrl, unknown)));

  // A blob SAS naming the container's policy: the policy's `l` does not apply to a blob, and is no error.
  const forBlob = generateBlobSASQueryParameters(
    { containerName: 'photos', blobName: '2030/summer/ünïcode & spaces+.jpg', identifier: 'readers' },
    credential,
  );
  const blobVerified = await verify(request(blobUrl, forBlob));
  assert.deepEqual([blobVerified.resource, blobVerified.permissions], ['b', 'r']);
  assertSasAllows(blobVerified, OPERATIONS.GetBlob.sas);
});

test('a lease is broken with write or delete; its other actions need write', async () => {
  const deleteOnly = generateBlobSASQueryParameters(
    { containerName: 'photos', blobName: '2030/summer/ünïcode & spaces+.jpg', permissions: BlobSASPermissions.parse('d'), expiresOn },
    credential,
  );
  const sas = await verify(request(blobUrl, deleteOnly));
  assertSasAllows(sas, OPERATIONS.LeaseBlob.sas, { leaseBreak: true });
  throwsWith('AuthorizationPermissionMismatch', () => assertSasAllows(sas, OPERATIONS.LeaseBlob.sas));
});

test('expired, not yet valid, tampered and malformed SAS → AuthenticationFailed', async () => {
  const sas = generateBlobSASQueryParameters(
    {
      containerName: 'photos',
      blobName: '2030/summer/ünïcode & spaces+.jpg',
      permissions: BlobSASPermissions.parse('r'),
      startsOn,
      expiresOn,
    },
    credential,
  );
  await verify(request(blobUrl, sas, {}), T0);
  await rejectsWith('AuthenticationFailed', verify(request(blobUrl, sas), expiresOn.getTime() + 1000));
  // Azure's wording, with RFC 1123 dates; without a start, an expired SAS ends before it starts (now).
  await assert.rejects(verify(request(blobUrl, sas), expiresOn.getTime() + 1000), (err: AzureError) =>
    String(err.fields['AuthenticationErrorDetail']).includes(
      `Start [${startsOn.toUTCString()}] - Expiry [${expiresOn.toUTCString()}] - Current [`,
    ),
  );
  const noStart = generateBlobSASQueryParameters(
    { containerName: 'photos', blobName: '2030/summer/ünïcode & spaces+.jpg', permissions: BlobSASPermissions.parse('r'), expiresOn },
    credential,
  );
  const later = expiresOn.getTime() + 60_000;
  await assert.rejects(verify(request(blobUrl, noStart), later), (err: AzureError) =>
    String(err.fields['AuthenticationErrorDetail']).includes(
      `Signed expiry time [${expiresOn.toUTCString()}] must be after signed start time [${new Date(later).toUTCString()}]`,
    ),
  );
  await rejectsWith('AuthenticationFailed', verify(request(blobUrl, sas), startsOn.getTime() - 1000));

  const raw = sas.toString();
  const tampered = [
    raw.replace('sp=r', 'sp=rw'),
    raw.replace(/se=[^&]+/, 'se=2031-01-01T00%3A00%3A00Z'),
    raw.replace(/sig=([^&]+)/, (_m, sig: string) => `sig=${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`),
    `${raw}&rsct=text%2Fhtml`,
    raw.replace('sr=b', 'sr=c'),
  ];
  for (const t of tampered) await rejectsWith('AuthenticationFailed', verify(request(blobUrl, t)));
  const malformed = [
    raw.replace(/sv=[^&]+/, 'sv=yesterday'),
    raw.replace(/se=[^&]+/, 'se=tomorrow'),
    raw.replace('sr=b', 'sr=x'),
    raw.replace('sp=r', 'sp=rq'),
  ];
  for (const m of malformed) await rejectsWith('AuthenticationFailed', verify(request(blobUrl, m)));
  // Signed with an unknown key.
  const forged = generateBlobSASQueryParameters(
    { containerName: 'photos', blobName: 'a.jpg', permissions: BlobSASPermissions.parse('r'), expiresOn },
    new StorageSharedKeyCredential(DEV_ACCOUNT_NAME, Buffer.alloc(64, 7).toString('base64')),
  );
  await rejectsWith('AuthenticationFailed', verify(request(service.getContainerClient('photos').getBlobClient('a.jpg').url, forged)));
});

test('user delegation SAS is refused', async () => {
  const key = {
    signedObjectId: '00000000-0000-0000-0000-000000000001',
    signedTenantId: '00000000-0000-0000-0000-000000000002',
    signedStartsOn: startsOn,
    signedExpiresOn: expiresOn,
    signedService: 'b',
    signedVersion: '2025-01-05',
    value: Buffer.alloc(32, 1).toString('base64'),
  };
  const sas = generateBlobSASQueryParameters(
    { containerName: 'photos', blobName: 'a.jpg', permissions: BlobSASPermissions.parse('r'), expiresOn },
    key,
    DEV_ACCOUNT_NAME,
  );
  await rejectsWith('AuthenticationFailed', verify(request(service.getContainerClient('photos').getBlobClient('a.jpg').url, sas)));
});

test('authenticate() picks the scheme: Shared Key header, else SAS, else anonymous', async () => {
  const target = parseAddress('127.0.0.1:10000', '/devstoreaccount1/photos/a.jpg');
  const anonymous = await authenticate({ method: 'GET', path: target.rawPath, query: 'timeout=30', headers: {} }, target, optionsAt(T0));
  assert.deepEqual(anonymous, { kind: 'anonymous', account: DEV_ACCOUNT_NAME });
  const sas = generateBlobSASQueryParameters(
    { containerName: 'photos', blobName: 'a.jpg', permissions: BlobSASPermissions.parse('r'), expiresOn },
    credential,
  );
  const viaSas = await authenticate({ method: 'GET', path: target.rawPath, query: sas.toString(), headers: {} }, target, optionsAt(T0));
  assert.equal(viaSas.kind, 'serviceSas');
  await rejectsWith(
    'AuthenticationFailed',
    authenticate({ method: 'GET', path: target.rawPath, query: '', headers: { authorization: 'Bearer token' } }, target, optionsAt(T0)),
  );
});

test('permission letters: canonical SDK orders', () => {
  assert.equal(canonicalLetters('lrw', ACCOUNT_SAS_PERMISSIONS), AccountSASPermissions.parse('lrw').toString());
  assert.equal(canonicalLetters('yitcwar', BLOB_SAS_PERMISSIONS), BlobSASPermissions.parse('yitcwar').toString());
  assert.equal(canonicalLetters('fldr', CONTAINER_SAS_PERMISSIONS), ContainerSASPermissions.parse('fldr').toString());
  assert.throws(() => canonicalLetters('rq', BLOB_SAS_PERMISSIONS), RangeError);
  assert.throws(() => canonicalLetters('rr', BLOB_SAS_PERMISSIONS), RangeError);
});
