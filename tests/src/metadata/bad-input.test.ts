// Bad input over gRPC: svc-metadata alone, driven through the mesh client. Every malformed or
// unknown name, key, version id, marker or upload id gets its own reason (an INVALID_ARGUMENT-
// or NOT_FOUND-class one), never INTERNAL.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  accountV1AccountService as acct,
  locationV1LocationRegistryService as locs,
  metadataV1Metadata,
  metadataV1MetadataService as svc,
} from '@zenko/gen';
import { MeshError, TOPOLOGY, createClient, waitServing, type Reason } from '@zenko/mesh';
import { freePorts } from '../support/ports.js';
import { REPO_ROOT } from '../support/stack.js';

type Client = ReturnType<typeof createClient<typeof svc.MetadataServiceService>>;

let child: ChildProcess;
let dataDir: string;
let client: Client;
let address = '';
let output = '';
/** The bootstrap account's id: buckets belong to an existing account. */
let ownerId = '';

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'zenko-bad-input-'));
  const [grpcPort, metricsPort] = await freePorts(2);
  const t = TOPOLOGY['svc-metadata'];
  child = spawn(process.execPath, [join(REPO_ROOT, 'svc-metadata/dist/main.js')], {
    env: {
      ...process.env,
      ZENKO_DATA_DIR: dataDir,
      ZENKO_HOST: '127.0.0.1',
      ZENKO_LOG_LEVEL: 'warn',
      [`${t.env}_GRPC_PORT`]: String(grpcPort),
      [`${t.env}_METRICS_PORT`]: String(metricsPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  address = `127.0.0.1:${grpcPort}`;
  assert.ok(await waitServing(address, 30_000), `svc-metadata did not start:\n${output}`);
  client = createClient(svc.MetadataServiceService, address, { deadlineMs: 10_000 });
  const accounts = createClient(acct.AccountServiceService, address, { deadlineMs: 10_000 });
  ownerId = (await accounts.getAccount({ account: 'zenko' })).account!.id;
  accounts.close();
});

after(async () => {
  client?.close();
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await rm(dataDir, { recursive: true, force: true });
});

/** Asserts the call fails with exactly `reason` (so in particular not INTERNAL). */
async function failsWith(call: Promise<unknown>, reason: Reason, what: string): Promise<void> {
  let caught: unknown = 'success';
  try {
    await call;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof MeshError, `${what}: expected a MeshError, got ${caught instanceof Error ? caught.stack : 'success'}`);
  assert.equal(caught.reason, reason, what);
}

const VERSIONED = 'bad-input-versioned';
const PLAIN = 'bad-input-plain';
const UNKNOWN_VERSION = '0'.repeat(22); // well-formed, never generated
const UNKNOWN_UPLOAD = 'f'.repeat(32);

/** A call's outcome: 'ok', or its failure's reason. */
function outcome(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    (err: unknown) => (err instanceof MeshError ? err.reason : String(err)),
  );
}

function object(bucket: string, key: string, extra: Partial<metadataV1Metadata.ObjectVersion> = {}) {
  return metadataV1Metadata.ObjectVersion.fromPartial({
    bucket,
    key,
    size: 1,
    etag: 'e'.repeat(32),
    data: [{ location: 'memory', key: `data-${key.slice(0, 16)}`, size: 1 }],
    ...extra,
  });
}

describe('svc-metadata: bad input over gRPC', () => {
  let versionId = '';
  let uploadId = '';

  before(async () => {
    await client.createBucket(svc.CreateBucketRequest.fromPartial({ name: VERSIONED, ownerId, location: 'memory' }));
    await client.updateBucket(
      svc.UpdateBucketRequest.fromPartial({ name: VERSIONED, versioning: metadataV1Metadata.VersioningState.VERSIONING_STATE_ENABLED }),
    );
    await client.createBucket(svc.CreateBucketRequest.fromPartial({ name: PLAIN, ownerId, location: 'memory' }));
    versionId = (await client.putObject(svc.PutObjectRequest.fromPartial({ object: object(VERSIONED, 'k') }))).object!.versionId;
    uploadId = (
      await client.createMultipartUpload(
        svc.CreateMultipartUploadRequest.fromPartial({
          upload: metadataV1Metadata.MultipartUpload.fromPartial({ bucket: VERSIONED, key: 'mpu' }),
        }),
      )
    ).upload!.uploadId;
  });

  it('invalid bucket names', async () => {
    for (const name of [
      '',
      'ab',
      'A-bucket',
      '-abc',
      'abc-',
      'a..b',
      'a_b',
      '192.168.1.1',
      'xn--abc',
      'abc-s3alias',
      'a'.repeat(64),
      'é-bucket',
    ]) {
      await failsWith(
        client.createBucket(svc.CreateBucketRequest.fromPartial({ name, ownerId, location: 'memory' })),
        'INVALID_BUCKET_NAME',
        `create ${JSON.stringify(name)}`,
      );
    }
    await failsWith(
      client.createBucket(svc.CreateBucketRequest.fromPartial({ name: 'good-name', ownerId: '', location: 'memory' })),
      'INVALID_ARGUMENT',
      'create without an owner',
    );
    for (const owner of ['owner', 'f'.repeat(64)]) {
      await failsWith(
        client.createBucket(svc.CreateBucketRequest.fromPartial({ name: 'good-name', ownerId: owner, location: 'memory' })),
        'ACCOUNT_NOT_FOUND',
        `create owned by ${owner}`,
      );
    }
    for (const location of ['', 'no-such-location']) {
      await failsWith(
        client.createBucket(svc.CreateBucketRequest.fromPartial({ name: 'good-name', ownerId, location })),
        location === '' ? 'INVALID_ARGUMENT' : 'LOCATION_NOT_FOUND',
        `create on ${JSON.stringify(location)}`,
      );
    }
    // A name no bucket can have is simply not found, whatever its size.
    for (const name of ['', 'A-bucket', 'a'.repeat(300), 'é'.repeat(10_000)]) {
      await failsWith(client.getBucket({ name }), 'BUCKET_NOT_FOUND', `get ${JSON.stringify(name)}`);
      await failsWith(client.deleteBucket({ name, leaseId: '' }), 'BUCKET_NOT_FOUND', `delete ${JSON.stringify(name)}`);
    }
  });

  it('unknown buckets', async () => {
    const bucket = 'no-such-bucket';
    await failsWith(client.getBucket({ name: bucket }), 'BUCKET_NOT_FOUND', 'getBucket');
    await failsWith(client.deleteBucket({ name: bucket, leaseId: '' }), 'BUCKET_NOT_FOUND', 'deleteBucket');
    await failsWith(
      client.updateBucket(svc.UpdateBucketRequest.fromPartial({ name: bucket, attributes: { a: 'b' } })),
      'BUCKET_NOT_FOUND',
      'updateBucket',
    );
    await failsWith(client.putObject(svc.PutObjectRequest.fromPartial({ object: object(bucket, 'k') })), 'BUCKET_NOT_FOUND', 'putObject');
    await failsWith(client.getObject(svc.GetObjectRequest.fromPartial({ bucket, key: 'k' })), 'BUCKET_NOT_FOUND', 'getObject');
    await failsWith(client.deleteObject(svc.DeleteObjectRequest.fromPartial({ bucket, key: 'k' })), 'BUCKET_NOT_FOUND', 'deleteObject');
    await failsWith(
      client.updateObject(svc.UpdateObjectRequest.fromPartial({ bucket, key: 'k', acl: 'x' })),
      'BUCKET_NOT_FOUND',
      'updateObject',
    );
    await failsWith(client.listObjects(svc.ListObjectsRequest.fromPartial({ bucket })), 'BUCKET_NOT_FOUND', 'listObjects');
    await failsWith(
      client.listObjectVersions(svc.ListObjectVersionsRequest.fromPartial({ bucket })),
      'BUCKET_NOT_FOUND',
      'listObjectVersions',
    );
    await failsWith(
      client.listMultipartUploads(svc.ListMultipartUploadsRequest.fromPartial({ bucket })),
      'BUCKET_NOT_FOUND',
      'listMultipartUploads',
    );
    await failsWith(
      client.createMultipartUpload(
        svc.CreateMultipartUploadRequest.fromPartial({ upload: metadataV1Metadata.MultipartUpload.fromPartial({ bucket, key: 'k' }) }),
      ),
      'BUCKET_NOT_FOUND',
      'createMultipartUpload',
    );
  });

  it('keys: empty, over 1024 bytes, unknown', async () => {
    for (const [key, reason] of [
      ['', 'INVALID_ARGUMENT'],
      ['x'.repeat(1025), 'KEY_TOO_LONG'],
      ['é'.repeat(513), 'KEY_TOO_LONG'],
      ['😀'.repeat(257), 'KEY_TOO_LONG'],
      ['x'.repeat(100_000), 'KEY_TOO_LONG'],
    ] as const) {
      const what = `key of ${Buffer.byteLength(key)} bytes`;
      await failsWith(client.putObject(svc.PutObjectRequest.fromPartial({ object: object(PLAIN, key) })), reason, `put ${what}`);
      await failsWith(
        client.createMultipartUpload(
          svc.CreateMultipartUploadRequest.fromPartial({ upload: metadataV1Metadata.MultipartUpload.fromPartial({ bucket: PLAIN, key }) }),
        ),
        reason,
        `createMultipartUpload ${what}`,
      );
    }
    await failsWith(client.putObject(svc.PutObjectRequest.fromPartial({})), 'INVALID_ARGUMENT', 'put without an object');
    // Looking up a key no object can have finds nothing; changing or deleting one is refused.
    for (const key of ['x'.repeat(1025), 'é'.repeat(50_000)]) {
      await failsWith(client.getObject(svc.GetObjectRequest.fromPartial({ bucket: PLAIN, key })), 'OBJECT_NOT_FOUND', `get ${key.length}`);
      await failsWith(
        client.getObject(svc.GetObjectRequest.fromPartial({ bucket: VERSIONED, key, versionId: UNKNOWN_VERSION })),
        'VERSION_NOT_FOUND',
        `get a version of ${key.length}`,
      );
      await failsWith(
        client.updateObject(svc.UpdateObjectRequest.fromPartial({ bucket: PLAIN, key, acl: 'x' })),
        'KEY_TOO_LONG',
        `update ${key.length}`,
      );
      await failsWith(
        client.deleteObject(svc.DeleteObjectRequest.fromPartial({ bucket: PLAIN, key })),
        'KEY_TOO_LONG',
        `delete ${key.length}`,
      );
      await failsWith(
        client.getMultipartUpload(svc.GetMultipartUploadRequest.fromPartial({ bucket: PLAIN, key, uploadId: UNKNOWN_UPLOAD })),
        'UPLOAD_NOT_FOUND',
        `getMultipartUpload ${key.length}`,
      );
    }
    await failsWith(
      client.getObject(svc.GetObjectRequest.fromPartial({ bucket: PLAIN, key: '' })),
      'OBJECT_NOT_FOUND',
      'get the empty key',
    );
    for (const call of [
      client.deleteObject(svc.DeleteObjectRequest.fromPartial({ bucket: PLAIN, key: '' })),
      client.updateObject(svc.UpdateObjectRequest.fromPartial({ bucket: PLAIN, key: '', acl: 'x' })),
    ]) {
      await failsWith(call, 'INVALID_ARGUMENT', 'the empty key');
    }
    await failsWith(
      client.getObject(svc.GetObjectRequest.fromPartial({ bucket: PLAIN, key: 'never-written' })),
      'OBJECT_NOT_FOUND',
      'get unknown',
    );
    await failsWith(
      client.updateObject(svc.UpdateObjectRequest.fromPartial({ bucket: PLAIN, key: 'never-written', acl: 'x' })),
      'OBJECT_NOT_FOUND',
      'update unknown',
    );
    const deleted = await client.deleteObject(svc.DeleteObjectRequest.fromPartial({ bucket: PLAIN, key: 'never-written' }));
    assert.equal(deleted.deleted, undefined, 'deleting an unknown key is a no-op');
  });

  it('version ids: malformed and unknown', async () => {
    for (const bad of ['not-a-version', 'Z'.repeat(22), `${versionId}0`, ' ', 'NULL', '0'.repeat(1000)]) {
      await failsWith(
        client.getObject(svc.GetObjectRequest.fromPartial({ bucket: VERSIONED, key: 'k', versionId: bad })),
        'INVALID_VERSION_ID',
        `get ${bad}`,
      );
      await failsWith(
        client.deleteObject(svc.DeleteObjectRequest.fromPartial({ bucket: VERSIONED, key: 'k', versionId: bad })),
        'INVALID_VERSION_ID',
        `delete ${bad}`,
      );
      await failsWith(
        client.updateObject(svc.UpdateObjectRequest.fromPartial({ bucket: VERSIONED, key: 'k', versionId: bad, acl: 'x' })),
        'INVALID_VERSION_ID',
        `update ${bad}`,
      );
    }
    await failsWith(
      client.putObject(svc.PutObjectRequest.fromPartial({ object: object(VERSIONED, 'k'), forceVersionId: 'bad id' })),
      'INVALID_VERSION_ID',
      'put with a malformed forced version id',
    );
    for (const unknown of [UNKNOWN_VERSION, 'null']) {
      await failsWith(
        client.getObject(svc.GetObjectRequest.fromPartial({ bucket: VERSIONED, key: 'k', versionId: unknown })),
        'VERSION_NOT_FOUND',
        `get ${unknown}`,
      );
      await failsWith(
        client.deleteObject(svc.DeleteObjectRequest.fromPartial({ bucket: VERSIONED, key: 'k', versionId: unknown })),
        'VERSION_NOT_FOUND',
        `delete ${unknown}`,
      );
      await failsWith(
        client.updateObject(svc.UpdateObjectRequest.fromPartial({ bucket: VERSIONED, key: 'k', versionId: unknown, acl: 'x' })),
        'VERSION_NOT_FOUND',
        `update ${unknown}`,
      );
    }
    await failsWith(
      client.getObject(svc.GetObjectRequest.fromPartial({ bucket: VERSIONED, key: 'other', versionId })),
      'VERSION_NOT_FOUND',
      "another key's version id",
    );
    // The version is still there, untouched by all of the above.
    assert.equal(
      (await client.getObject(svc.GetObjectRequest.fromPartial({ bucket: VERSIONED, key: 'k', versionId }))).object?.versionId,
      versionId,
    );
  });

  it('markers: malformed version and upload id markers', async () => {
    await failsWith(
      client.listObjectVersions(svc.ListObjectVersionsRequest.fromPartial({ bucket: VERSIONED, versionIdMarker: 'null' })),
      'INVALID_MARKER',
      'version id marker without a key marker',
    );
    for (const bad of ['zz', 'not-a-version', UNKNOWN_VERSION.slice(1)]) {
      await failsWith(
        client.listObjectVersions(svc.ListObjectVersionsRequest.fromPartial({ bucket: VERSIONED, keyMarker: 'k', versionIdMarker: bad })),
        'INVALID_MARKER',
        `version id marker ${bad}`,
      );
      await failsWith(
        client.listMultipartUploads(
          svc.ListMultipartUploadsRequest.fromPartial({ bucket: VERSIONED, keyMarker: 'mpu', uploadIdMarker: bad }),
        ),
        'INVALID_MARKER',
        `upload id marker ${bad}`,
      );
    }
    await failsWith(
      client.listMultipartUploads(svc.ListMultipartUploadsRequest.fromPartial({ bucket: VERSIONED, uploadIdMarker: UNKNOWN_UPLOAD })),
      'INVALID_MARKER',
      'upload id marker without a key marker',
    );
    // A marker longer than any key can be is malformed; one past every key is a valid empty page.
    for (const marker of ['x'.repeat(1025), 'é'.repeat(50_000)]) {
      await failsWith(
        client.listObjects(svc.ListObjectsRequest.fromPartial({ bucket: VERSIONED, marker })),
        'INVALID_MARKER',
        `marker of ${marker.length}`,
      );
      await failsWith(
        client.listObjectVersions(svc.ListObjectVersionsRequest.fromPartial({ bucket: VERSIONED, keyMarker: marker })),
        'INVALID_MARKER',
        `key marker of ${marker.length}`,
      );
    }
    const page = await client.listObjects(svc.ListObjectsRequest.fromPartial({ bucket: VERSIONED, marker: '\u{10FFFF}' }));
    assert.deepEqual(page.objects, []);
  });

  it('unknown and malformed upload ids', async () => {
    for (const id of [UNKNOWN_UPLOAD, 'garbage', '', 'F'.repeat(32), `${uploadId}0`]) {
      const ref = { bucket: VERSIONED, key: 'mpu', uploadId: id };
      await failsWith(client.getMultipartUpload(svc.GetMultipartUploadRequest.fromPartial(ref)), 'UPLOAD_NOT_FOUND', `get ${id}`);
      await failsWith(
        client.putPart(svc.PutPartRequest.fromPartial({ ...ref, part: { partNumber: 1, size: 1, etag: 'e'.repeat(32) } })),
        'UPLOAD_NOT_FOUND',
        `putPart ${id}`,
      );
      await failsWith(client.listParts(svc.ListPartsRequest.fromPartial(ref)), 'UPLOAD_NOT_FOUND', `listParts ${id}`);
      await failsWith(
        client.completeMultipartUpload(
          svc.CompleteMultipartUploadRequest.fromPartial({ ...ref, parts: [{ partNumber: 1, etag: 'e'.repeat(32) }] }),
        ),
        'UPLOAD_NOT_FOUND',
        `complete ${id}`,
      );
      await failsWith(client.abortMultipartUpload(svc.AbortMultipartUploadRequest.fromPartial(ref)), 'UPLOAD_NOT_FOUND', `abort ${id}`);
    }
    // The real upload id under another key is not found either.
    await failsWith(
      client.getMultipartUpload(svc.GetMultipartUploadRequest.fromPartial({ bucket: VERSIONED, key: 'other', uploadId })),
      'UPLOAD_NOT_FOUND',
      'upload id under another key',
    );
    for (const partNumber of [0, -1, 10_001]) {
      await failsWith(
        client.putPart(
          svc.PutPartRequest.fromPartial({ bucket: VERSIONED, key: 'mpu', uploadId, part: { partNumber, size: 1, etag: 'e'.repeat(32) } }),
        ),
        'INVALID_ARGUMENT',
        `part number ${partNumber}`,
      );
    }
    assert.equal(
      (await client.getMultipartUpload(svc.GetMultipartUploadRequest.fromPartial({ bucket: VERSIONED, key: 'mpu', uploadId }))).upload
        ?.uploadId,
      uploadId,
    );
  });

  it('oplog positions', async () => {
    await failsWith(
      client.commitOplogPosition(svc.CommitOplogPositionRequest.fromPartial({ consumer: '', sequence: 1 })),
      'INVALID_ARGUMENT',
      'no consumer',
    );
    await failsWith(
      client.commitOplogPosition(svc.CommitOplogPositionRequest.fromPartial({ consumer: 'c', sequence: -1 })),
      'INVALID_ARGUMENT',
      'negative sequence',
    );
  });

  it('object sizes: negative sizes are refused (they feed the usage counters)', async () => {
    for (const [what, extra] of [
      ['negative size', { size: -5 }],
      ['negative piece', { data: [{ location: 'memory', key: 'data-neg', size: -1 }] }],
    ] as const) {
      await failsWith(
        client.putObject(
          svc.PutObjectRequest.fromPartial({ object: object(PLAIN, 'sized', extra as Partial<metadataV1Metadata.ObjectVersion>) }),
        ),
        'INVALID_ARGUMENT',
        what,
      );
    }
    await failsWith(
      client.getObject(svc.GetObjectRequest.fromPartial({ bucket: PLAIN, key: 'sized' })),
      'OBJECT_NOT_FOUND',
      'nothing written',
    );
  });

  it('uncommitted-block listings: bounds longer than any key', async () => {
    const long = 'a'.repeat(2000);
    for (const [field, reason] of [
      ['prefix', 'INVALID_ARGUMENT'],
      ['marker', 'INVALID_MARKER'],
      ['endBefore', 'INVALID_ARGUMENT'],
    ] as const) {
      await failsWith(client.listBlockKeys(svc.ListBlockKeysRequest.fromPartial({ bucket: PLAIN, [field]: long })), reason, field);
    }
  });

  it('location definitions: unknown types and sizes that are no byte count', async () => {
    const registry = createClient(locs.LocationRegistryServiceService, address, { deadlineMs: 10_000 });
    const create = (extra: Partial<locs.Location>) =>
      registry.createLocation(
        locs.CreateLocationRequest.fromPartial({
          location: { name: 'fz', type: locs.LocationType.LOCATION_TYPE_MEM, ...extra },
          skipProbe: true,
        }),
      );
    try {
      await failsWith(create({ type: 99 as locs.LocationType }), 'INVALID_ARGUMENT', 'type 99');
      for (const sizeLimitGb of [Number.NaN, Number.POSITIVE_INFINITY, 1e300, -1]) {
        await failsWith(create({ sizeLimitGb }), 'INVALID_ARGUMENT', `size ${sizeLimitGb}`);
      }
      await failsWith(registry.getLocation({ name: 'fz' }), 'LOCATION_NOT_FOUND', 'nothing was created');
      await create({ sizeLimitGb: 2 ** 53 / 1024 ** 3 });
      await failsWith(
        registry.updateLocation(
          locs.UpdateLocationRequest.fromPartial({ location: { name: 'fz', type: 99 as locs.LocationType }, skipProbe: true }),
        ),
        'INVALID_ARGUMENT',
        'update to type 99',
      );
    } finally {
      registry.close();
    }
  });

  it('accounts: a name shaped like an account id; deleting one that still owns a bucket', async () => {
    const accounts = createClient(acct.AccountServiceService, address, { deadlineMs: 10_000 });
    try {
      await failsWith(
        accounts.createAccount(acct.CreateAccountRequest.fromPartial({ name: 'ab'.repeat(32) })),
        'INVALID_ARGUMENT',
        'hex name',
      );
      const owner = (await accounts.createAccount(acct.CreateAccountRequest.fromPartial({ name: 'bucket-owner' }))).account!;
      await client.createBucket(svc.CreateBucketRequest.fromPartial({ name: 'owned-by-account', ownerId: owner.id, location: 'memory' }));
      await failsWith(accounts.deleteAccount({ account: owner.name }), 'ACCOUNT_NOT_EMPTY', 'owns a bucket');
      assert.equal((await accounts.getAccount({ account: owner.id })).account?.name, 'bucket-owner', 'still there');
      await client.deleteBucket(svc.DeleteBucketRequest.fromPartial({ name: 'owned-by-account' }));
      await accounts.deleteAccount({ account: owner.name });
    } finally {
      accounts.close();
    }
  });

  it("storage keys: an unknown key name or account, and the development account's public key1, are not regenerated", async () => {
    const accounts = createClient(acct.AccountServiceService, address, { deadlineMs: 10_000 });
    try {
      for (const keyName of ['key3', '', 'KEY1', 'key1 ']) {
        await failsWith(
          accounts.regenerateStorageKey({ account: 'zenko', keyName }),
          'INVALID_ARGUMENT',
          `key name ${JSON.stringify(keyName)}`,
        );
      }
      await failsWith(accounts.regenerateStorageKey({ account: 'nobody', keyName: 'key2' }), 'ACCOUNT_NOT_FOUND', 'unknown account');
      await failsWith(accounts.regenerateStorageKey({ account: 'zenko', keyName: 'key1' }), 'INVALID_ARGUMENT', 'public key1');
      const before = await accounts.resolveStorageAccount({ storageAccountName: 'devstoreaccount1' });
      const res = await accounts.regenerateStorageKey({ account: 'zenko', keyName: 'key2' });
      assert.equal(res.account?.storageAccountName, 'devstoreaccount1');
      assert.equal(res.keys[0], before.keys[0], 'key1 is kept');
      assert.notEqual(res.keys[1], before.keys[1]);
      assert.equal(Buffer.from(res.keys[1]!, 'base64').length, 64);
      assert.deepEqual((await accounts.resolveStorageAccount({ storageAccountName: 'devstoreaccount1' })).keys, res.keys, 'stored');
    } finally {
      accounts.close();
    }
  });

  it('a location or an account removed while a bucket (or key) is created on it: exactly one of the two wins', async () => {
    const registry = createClient(locs.LocationRegistryServiceService, address, { deadlineMs: 10_000 });
    const accounts = createClient(acct.AccountServiceService, address, { deadlineMs: 10_000 });
    try {
      for (let i = 0; i < 30; i++) {
        const location = `racy-${i}`;
        await registry.createLocation(
          locs.CreateLocationRequest.fromPartial({
            location: { name: location, type: locs.LocationType.LOCATION_TYPE_MEM },
            skipProbe: true,
          }),
        );
        const owner = (await accounts.createAccount(acct.CreateAccountRequest.fromPartial({ name: `racer-${i}` }))).account!;
        const bucket = `racy-bucket-${i}`;
        // Each side starts from 0 to 3 ms after the other, in every combination over the rounds.
        const later = <T>(ms: number, call: () => Promise<T>): Promise<T> => new Promise((r) => setTimeout(r, ms)).then(call);
        const [creating, removing] = [i % 4, Math.floor(i / 4) % 4];
        const [created, locationRemoved, accountRemoved, keyMade] = await Promise.all([
          outcome(
            later(creating, () => client.createBucket(svc.CreateBucketRequest.fromPartial({ name: bucket, ownerId: owner.id, location }))),
          ),
          outcome(later(removing, () => registry.deleteLocation({ name: location }))),
          outcome(later(removing, () => accounts.deleteAccount({ account: owner.id }))),
          outcome(later(creating, () => accounts.createAccessKey(acct.CreateAccessKeyRequest.fromPartial({ account: owner.id })))),
        ]);
        const bucketExists = await outcome(client.getBucket({ name: bucket }));
        const locationExists = await outcome(registry.getLocation({ name: location }));
        const accountExists = await outcome(accounts.getAccount({ account: owner.id }));
        if (created === 'ok') {
          assert.equal(bucketExists, 'ok');
          assert.equal(locationRemoved, 'LOCATION_IN_USE', `round ${i}: the location stays under its bucket`);
          assert.equal(accountRemoved, 'ACCOUNT_NOT_EMPTY', `round ${i}: the owner stays`);
        } else {
          assert.ok(['LOCATION_NOT_FOUND', 'ACCOUNT_NOT_FOUND'].includes(created), `round ${i}: create ${created}`);
          assert.equal(bucketExists, 'BUCKET_NOT_FOUND');
        }
        assert.equal(locationExists, locationRemoved === 'ok' ? 'LOCATION_NOT_FOUND' : 'ok', `round ${i}`);
        assert.equal(accountExists, accountRemoved === 'ok' ? 'ACCOUNT_NOT_FOUND' : 'ok', `round ${i}`);
        if (keyMade === 'ok') assert.equal(accountRemoved, 'ACCOUNT_NOT_EMPTY', `round ${i}: the key's account stays`);
        if (created === 'ok') await client.deleteBucket(svc.DeleteBucketRequest.fromPartial({ name: bucket }));
      }
    } finally {
      registry.close();
      accounts.close();
    }
  });

  it('a location removed while an object is placed on it (not its bucket location): exactly one of the two wins', async () => {
    const registry = createClient(locs.LocationRegistryServiceService, address, { deadlineMs: 10_000 });
    try {
      for (let i = 0; i < 30; i++) {
        const location = `racy-put-${i}`;
        await registry.createLocation(
          locs.CreateLocationRequest.fromPartial({
            location: { name: location, type: locs.LocationType.LOCATION_TYPE_MEM },
            skipProbe: true,
          }),
        );
        const key = `placed-${i}`;
        const placed = object(PLAIN, key, { data: [metadataV1Metadata.DataLocation.fromPartial({ location, key: `data-${i}`, size: 1 })] });
        const later = <T>(ms: number, call: () => Promise<T>): Promise<T> => new Promise((r) => setTimeout(r, ms)).then(call);
        const [putting, removing] = [i % 4, Math.floor(i / 4) % 4];
        const [put, removed] = await Promise.all([
          outcome(later(putting, () => client.putObject(svc.PutObjectRequest.fromPartial({ object: placed })))),
          outcome(later(removing, () => registry.deleteLocation({ name: location }))),
        ]);
        const locationExists = await outcome(registry.getLocation({ name: location }));
        const objectExists = await outcome(client.getObject(svc.GetObjectRequest.fromPartial({ bucket: PLAIN, key })));
        if (put === 'ok') {
          assert.equal(removed, 'LOCATION_IN_USE', `round ${i}: the location stays under the object placed on it`);
          assert.equal(objectExists, 'ok', `round ${i}`);
        } else {
          assert.equal(put, 'LOCATION_NOT_FOUND', `round ${i}: put ${put}`);
          assert.equal(objectExists, 'OBJECT_NOT_FOUND', `round ${i}`);
        }
        assert.equal(locationExists, removed === 'ok' ? 'LOCATION_NOT_FOUND' : 'ok', `round ${i}`);
        if (put === 'ok') await client.deleteObject(svc.DeleteObjectRequest.fromPartial({ bucket: PLAIN, key }));
      }
    } finally {
      registry.close();
    }
  });

  it('the service logged no internal error', () => {
    assert.doesNotMatch(output, /"level":(50|60)/, 'no error-level log line');
  });
});
