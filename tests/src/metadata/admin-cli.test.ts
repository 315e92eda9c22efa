// The zenko CLI against a running stack: accounts and keys (used right away by an
// S3 client), locations (usable without restart, secrets never printed back,
// removal refused while buckets use them).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetBucketLocationCommand,
  GetBucketAclCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { BlobServiceClient, RestError, StorageSharedKeyCredential } from '@azure/storage-blob';
import { azureClient, blobEndpoint, DEV_ACCOUNT, DEV_KEY } from '../support/azure.js';
import { ACCESS_KEY, s3Client, s3Error, SECRET_KEY } from '../support/s3.js';
import { REPO_ROOT, startStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack.stop();
});

function zenko(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return zenkoWithStdin(undefined, ...args);
}

/** The CLI with `stdin` written to its standard input, then closed (left open when undefined). */
function zenkoWithStdin(stdin: string | undefined, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join(REPO_ROOT, 'mesh/bin/zenko.js'), ...args],
      { env: stack.env, timeout: 30_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

/**
 * Creates a bucket on a location just added; the edge follows the registry, so the first
 * requests may race the change notification (tried for up to 5 s). Whether it was created.
 */
async function createBucketOn(s3: S3Client, bucket: string, location: string): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    const done = await s3
      .send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: location as never } }))
      .then(
        () => true,
        () => false,
      );
    if (done) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe('zenko account and key', () => {
  it('creates an account and a key that S3 accepts at once; disabled keys are refused', async () => {
    const created = await zenko('account', 'create', 'alice', '--email', 'alice@example.com', '--json');
    assert.equal(created.code, 0, created.stderr);
    const account = JSON.parse(created.stdout) as { id: string; name: string };
    assert.match(account.id, /^[0-9a-f]{64}$/);
    assert.equal((await zenko('account', 'create', 'alice')).code, 1, 'duplicate names are refused');

    const key = await zenko('key', 'create', 'alice', '--json');
    assert.equal(key.code, 0, key.stderr);
    const { accessKeyId, secretAccessKey } = JSON.parse(key.stdout) as { accessKeyId: string; secretAccessKey: string };
    const alice = s3Client(stack, { accessKeyId, secretAccessKey });
    await alice.send(new CreateBucketCommand({ Bucket: 'alice-bucket' }));
    assert.deepEqual(
      (await alice.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name),
      ['alice-bucket'],
    );

    const list = await zenko('key', 'list', 'alice');
    assert.match(list.stdout, new RegExp(accessKeyId));
    assert.doesNotMatch(list.stdout, new RegExp(secretAccessKey), 'secrets are never listed');
    const show = await zenko('account', 'show', 'alice', '--json');
    assert.doesNotMatch(show.stdout, new RegExp(secretAccessKey));

    const second = JSON.parse((await zenko('key', 'create', 'alice', '--json')).stdout) as { accessKeyId: string; secretAccessKey: string };
    const taken = await zenko('key', 'create', 'alice', '--access-key', second.accessKeyId);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /ACCESS_KEY_ALREADY_EXISTS/, 'an access key id names one key');
    assert.equal((await zenko('key', 'disable', second.accessKeyId)).code, 0);
    const disabled = s3Client(stack, second);
    assert.equal((await s3Error(disabled.send(new ListBucketsCommand({})))).code, 'InvalidAccessKeyId');
    disabled.destroy();

    const refused = await zenko('account', 'delete', 'alice');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /ACCOUNT_NOT_EMPTY/);
    // An account that owns buckets is not deleted either: its buckets go first.
    await alice.send(new DeleteBucketCommand({ Bucket: 'alice-bucket' }));
    alice.destroy();
    for (const id of [accessKeyId, second.accessKeyId]) assert.equal((await zenko('key', 'delete', id)).code, 0);
    assert.equal((await zenko('account', 'delete', 'alice')).code, 0);
    assert.doesNotMatch((await zenko('account', 'list')).stdout, /alice/);
  });

  it("account storage-keys prints an account's Azure storage account and keys, which the Azure SDK signs with", async () => {
    const dev = await zenko('account', 'storage-keys', 'zenko', '--json');
    assert.equal(dev.code, 0, dev.stderr);
    const devKeys = JSON.parse(dev.stdout) as { account: string; storageAccountName: string; keys: string[] };
    assert.deepEqual([devKeys.account, devKeys.storageAccountName, devKeys.keys.length], ['zenko', DEV_ACCOUNT, 2]);
    assert.equal(devKeys.keys[0], DEV_KEY, 'key1 of the development account is the well-known one');

    assert.equal((await zenko('account', 'create', 'carol', '--storage-account', 'carolstore')).code, 0);
    const text = await zenko('account', 'storage-keys', 'carol');
    assert.equal(text.code, 0, text.stderr);
    const [, name, key1, key2] = /^storage account +(\S+)\nkey1 +(\S+)\nkey2 +(\S+)\n$/.exec(text.stdout) ?? [];
    assert.equal(name, 'carolstore');
    for (const key of [key1!, key2!]) {
      const azure = new BlobServiceClient(`${stack.azure}/carolstore`, new StorageSharedKeyCredential('carolstore', key), {
        retryOptions: { maxTries: 1 },
      });
      await azure.getContainerClient(`signed-${key === key1 ? 1 : 2}`).create();
    }
    const other = await zenko('account', 'storage-keys', 'zenko');
    assert.doesNotMatch(other.stdout, new RegExp(key1!.replace(/[+/]/g, '\\$&')), "another account's keys");

    const missing = await zenko('account', 'storage-keys', 'nobody');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /ACCOUNT_NOT_FOUND/);
    assert.equal((await zenko('account', 'storage-keys')).code, 2, 'the account is required');
  });

  it('account regenerate-storage-key rotates an Azure key: the old one is refused once the edge cache expires, the other works throughout', async () => {
    assert.equal((await zenko('account', 'create', 'dave', '--storage-account', 'davestore')).code, 0);
    const [oldKey1, key2] = (JSON.parse((await zenko('account', 'storage-keys', 'dave', '--json')).stdout) as { keys: string[] }).keys;
    const container = (key: string) =>
      new BlobServiceClient(`${stack.azure}/davestore`, new StorageSharedKeyCredential('davestore', key), {
        retryOptions: { maxTries: 1 },
      }).getContainerClient('rotating');
    const withOldKey1 = container(oldKey1!);
    const withKey2 = container(key2!);
    await withOldKey1.create();
    await withKey2.getProperties();

    const regenerated = await zenko('account', 'regenerate-storage-key', 'dave', 'key1');
    assert.equal(regenerated.code, 0, regenerated.stderr);
    const [, name, newKey1, keptKey2] = /^storage account +(\S+)\nkey1 +(\S+)\nkey2 +(\S+)\n/.exec(regenerated.stdout) ?? [];
    assert.equal(name, 'davestore');
    assert.notEqual(newKey1, oldKey1);
    assert.equal(Buffer.from(newKey1!, 'base64').length, 64, 'a new key is 64 random bytes, as at creation');
    assert.equal(keptKey2, key2, 'key2 is kept');

    // The edge keeps a storage account's keys 10 s (LookupCache): the old key1 goes within that,
    // while key2 works at every step.
    const deadline = Date.now() + 30_000;
    let refused: { code: string | undefined; status: number | undefined } | undefined;
    while (refused === undefined) {
      await withKey2.getProperties();
      const outcome = await withOldKey1.getProperties().then(
        () => 'accepted' as const,
        (err: unknown) => err,
      );
      if (outcome instanceof RestError) refused = { code: outcome.code, status: outcome.statusCode };
      else {
        assert.equal(outcome, 'accepted');
        assert.ok(Date.now() < deadline, 'the old key1 still signs 30 s after it was regenerated');
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    assert.deepEqual(refused, { code: 'AuthenticationFailed', status: 403 });
    await container(newKey1!).getProperties();
    await withKey2.getProperties();
    const stored = JSON.parse((await zenko('account', 'storage-keys', 'dave', '--json')).stdout) as { keys: string[] };
    assert.deepEqual(stored.keys, [newKey1, key2]);

    const json = await zenko('account', 'regenerate-storage-key', 'dave', 'key2', '--json');
    assert.equal(json.code, 0, json.stderr);
    const second = JSON.parse(json.stdout) as { account: string; storageAccountName: string; keyName: string; key: string; keys: string[] };
    assert.deepEqual(
      [second.account, second.storageAccountName, second.keyName, second.keys[0], second.keys[1]],
      ['dave', 'davestore', 'key2', newKey1, second.key],
    );
    assert.notEqual(second.key, key2);

    const dev = await zenko('account', 'regenerate-storage-key', 'zenko', 'key1', '--json');
    assert.equal(dev.code, 1, 'the public development key1 stays');
    assert.equal((JSON.parse(dev.stderr) as { error: { reason: string } }).error.reason, 'INVALID_ARGUMENT');
    assert.equal((await zenko('account', 'storage-keys', 'zenko', '--json')).stdout.includes(DEV_KEY), true);
    const missing = await zenko('account', 'regenerate-storage-key', 'nobody', 'key1');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /ACCOUNT_NOT_FOUND/);
    for (const usage of [['dave'], ['dave', 'key3'], ['dave', 'key1', 'key2']]) {
      assert.equal((await zenko('account', 'regenerate-storage-key', ...usage)).code, 2, usage.join(' '));
    }
  });

  it('a secret given as - comes from standard input: a key whose secret was piped in signs S3 requests', async () => {
    assert.equal((await zenko('account', 'create', 'erin')).code, 0);
    const secretAccessKey = 'piped-secret-0123456789';
    const created = await zenkoWithStdin(
      `${secretAccessKey}\n`,
      'key',
      'create',
      'erin',
      '--access-key',
      'ERINKEY',
      '--secret-key',
      '-',
      '--json',
    );
    assert.equal(created.code, 0, created.stderr);
    assert.equal((JSON.parse(created.stdout) as { secretAccessKey: string }).secretAccessKey, secretAccessKey);
    const erin = s3Client(stack, { accessKeyId: 'ERINKEY', secretAccessKey });
    await erin.send(new CreateBucketCommand({ Bucket: 'erin-bucket' }));
    erin.destroy();
    // A line ending in CRLF (a file written on Windows), and no line ending at all.
    for (const [id, input] of [
      ['ERINCRLF', `${secretAccessKey}\r\n`],
      ['ERINBARE', secretAccessKey],
    ] as const) {
      assert.equal((await zenkoWithStdin(input, 'key', 'create', 'erin', '--access-key', id, '--secret-key=-')).code, 0, id);
      const client = s3Client(stack, { accessKeyId: id, secretAccessKey });
      assert.deepEqual(
        (await client.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name),
        ['erin-bucket'],
      );
      client.destroy();
    }
    const empty = await zenkoWithStdin('\n', 'key', 'create', 'erin', '--access-key', 'ERINEMPTY', '--secret-key', '-');
    assert.equal(empty.code, 2, 'an empty line is no secret (a generated one would be a surprise)');
    assert.equal((await zenkoWithStdin('', 'key', 'create', 'erin', '--access-key', 'ERINEMPTY', '--secret-key', '-')).code, 2);
    assert.doesNotMatch((await zenko('key', 'list', 'erin')).stdout, /ERINEMPTY/, 'nothing was created');
  });

  it('the bootstrap account exists with the development key pair', async () => {
    const list = await zenko('account', 'list', '--json');
    const accounts = JSON.parse(list.stdout) as { name: string; storageAccountName: string }[];
    assert.ok(accounts.some((a) => a.name === 'zenko' && a.storageAccountName === 'devstoreaccount1'));
    assert.match((await zenko('key', 'list', 'zenko')).stdout, /accessKey1/);
  });
});

describe('objects another account writes', () => {
  it('are its own: the bucket owner reads them only when their ACL grants it (or ACLs are disabled), and may delete them', async () => {
    const account = JSON.parse((await zenko('account', 'create', 'writer', '--json')).stdout) as { id: string };
    const key = JSON.parse((await zenko('key', 'create', 'writer', '--json')).stdout) as { accessKeyId: string; secretAccessKey: string };
    const writer = s3Client(stack, key);
    const owner = s3Client(stack);
    await owner.send(new CreateBucketCommand({ Bucket: 'drop-box' }));
    const policy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: account.id }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::drop-box/*' }],
    };
    await owner.send(new PutBucketPolicyCommand({ Bucket: 'drop-box', Policy: JSON.stringify(policy) }));
    await writer.send(new PutObjectCommand({ Bucket: 'drop-box', Key: 'private', Body: 'p' }));
    await writer.send(new PutObjectCommand({ Bucket: 'drop-box', Key: 'full', Body: 'f', ACL: 'bucket-owner-full-control' }));
    await writer.send(new PutObjectCommand({ Bucket: 'drop-box', Key: 'read', Body: 'r', ACL: 'bucket-owner-read' }));
    const read = async (Key: string): Promise<string> => {
      try {
        return await (await owner.send(new GetObjectCommand({ Bucket: 'drop-box', Key }))).Body!.transformToString();
      } catch (err) {
        return (err as { name: string }).name;
      }
    };
    assert.deepEqual([await read('private'), await read('full'), await read('read')], ['AccessDenied', 'f', 'r']);
    assert.equal((await s3Error(owner.send(new GetObjectAclCommand({ Bucket: 'drop-box', Key: 'private' })))).code, 'AccessDenied');
    assert.equal(await (await writer.send(new GetObjectCommand({ Bucket: 'drop-box', Key: 'private' }))).Body!.transformToString(), 'p');
    // ACLs disabled: every object is the bucket owner's.
    await owner.send(
      new PutBucketOwnershipControlsCommand({
        Bucket: 'drop-box',
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      }),
    );
    assert.equal(await read('private'), 'p');
    await owner.send(new DeleteObjectCommand({ Bucket: 'drop-box', Key: 'private' }));
    writer.destroy();
    owner.destroy();
  });

  it('an ACL grant by email names the account with that email; an email no account has is refused', async () => {
    const reader = JSON.parse((await zenko('account', 'create', 'reader', '--email', 'Reader@Example.com', '--json')).stdout) as {
      id: string;
    };
    const key = JSON.parse((await zenko('key', 'create', 'reader', '--json')).stdout) as { accessKeyId: string; secretAccessKey: string };
    const owner = s3Client(stack);
    const other = s3Client(stack, key);
    await owner.send(new CreateBucketCommand({ Bucket: 'by-email' }));
    assert.equal((await s3Error(other.send(new ListObjectsV2Command({ Bucket: 'by-email' })))).code, 'AccessDenied');
    await owner.send(new PutBucketAclCommand({ Bucket: 'by-email', GrantRead: 'emailAddress="reader@example.com"' }));
    const grants = (await owner.send(new GetBucketAclCommand({ Bucket: 'by-email' }))).Grants ?? [];
    assert.deepEqual(
      grants.map((g) => [g.Grantee?.Type, g.Grantee?.ID, g.Permission]),
      [['CanonicalUser', reader.id, 'READ']],
      'stored as the canonical user, as S3 does',
    );
    assert.equal((await other.send(new ListObjectsV2Command({ Bucket: 'by-email' }))).KeyCount, 0, 'the grant works');
    const unknown = await s3Error(
      owner.send(new PutBucketAclCommand({ Bucket: 'by-email', GrantRead: 'emailAddress="nobody@example.com"' })),
    );
    assert.deepEqual(unknown, { code: 'UnresolvableGrantByEmailAddress', status: 400 });
    const viaObject = await s3Error(
      owner.send(new PutObjectCommand({ Bucket: 'by-email', Key: 'k', Body: 'x', GrantRead: 'emailAddress="nobody@example.com"' })),
    );
    assert.equal(viaObject.code, 'UnresolvableGrantByEmailAddress');
    assert.equal((await s3Error(owner.send(new GetObjectCommand({ Bucket: 'by-email', Key: 'k' })))).code, 'NoSuchKey', 'nothing written');
    // A canonical id must be an account's too (S3: InvalidArgument "Invalid id"); a known one gets its display name.
    const unknownId = await s3Error(owner.send(new PutBucketAclCommand({ Bucket: 'by-email', GrantRead: `id="${'f'.repeat(64)}"` })));
    assert.deepEqual(unknownId, { code: 'InvalidArgument', status: 400 });
    await owner.send(new PutBucketAclCommand({ Bucket: 'by-email', GrantRead: `id="${reader.id}"` }));
    const byId = (await owner.send(new GetBucketAclCommand({ Bucket: 'by-email' }))).Grants ?? [];
    assert.deepEqual(
      byId.map((g) => [g.Grantee?.ID, g.Grantee?.DisplayName]),
      [[reader.id, 'reader']],
    );
    owner.destroy();
    other.destroy();
  });
});

describe('zenko location', () => {
  it('lists the built-in locations', async () => {
    const locations = JSON.parse((await zenko('location', 'list', '--json')).stdout) as { name: string; type: string; builtin: boolean }[];
    assert.deepEqual(
      locations
        .filter((l) => l.builtin)
        .map((l) => `${l.name} ${l.type}`)
        .sort(),
      ['memory mem', 'us-east-1 file'],
    );
    assert.equal((await zenko('location', 'remove', 'us-east-1')).code, 1);
  });

  it('a new location is usable at once; removal is refused while a bucket uses it', async () => {
    const added = await zenko('location', 'add', 'scratch', '--type', 'file', '--path', 'data/scratch');
    assert.equal(added.code, 0, added.stderr);
    const s3 = s3Client(stack);
    assert.ok(await createBucketOn(s3, 'on-scratch', 'scratch'), 'bucket created on the new location');
    assert.equal((await s3.send(new GetBucketLocationCommand({ Bucket: 'on-scratch' }))).LocationConstraint, 'scratch');
    await s3.send(new PutObjectCommand({ Bucket: 'on-scratch', Key: 'k', Body: 'on scratch' }));
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'on-scratch', Key: 'k' }))).Body?.transformToString(), 'on scratch');
    s3.destroy();
    const refused = await zenko('location', 'remove', 'scratch');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /LOCATION_IN_USE/);
    assert.match(refused.stderr, /on-scratch/);
  });

  it('a location this stack cannot set up is refused by the probe, and, added anyway, stops no other location', async () => {
    const broken = ['location', 'add', 'aaa-broken', '--type', 'file', '--path', '/proc/1/forbidden'];
    const probed = await zenko(...broken);
    assert.equal(probed.code, 1);
    assert.match(probed.stderr, /LOCATION_PROBE_FAILED/);
    assert.equal((await zenko(...broken, '--skip-probe')).code, 0);
    // Sorted after the broken one, applied after it by the edge's watch.
    assert.equal((await zenko('location', 'add', 'zzz-after', '--type', 'mem')).code, 0);
    const s3 = s3Client(stack);
    const created = await createBucketOn(s3, 'after-broken', 'zzz-after');
    s3.destroy();
    assert.ok(created, 'the location after the broken one is served');
    assert.equal((await zenko('location', 'remove', 'aaa-broken')).code, 0);
  });

  it('junk numbers, flag values and addresses are usage errors, without a stack trace', async () => {
    for (const junk of [
      ['--size-limit-gb', 'abc'],
      ['--size-limit-gb', ''],
      ['--size-limit-gb', '1e400'],
      ['--transient=maybe'],
      // A typo is not ignored; an option without its value does not take the next flag; no stray words.
      ['--bucket-name', 'b'],
      ['--bucket', '--skip-probe'],
      ['extra'],
    ]) {
      const res = await zenko('location', 'add', 'junk', '--type', 'mem', ...junk);
      assert.equal(res.code, 2, `${junk.join(' ')}: ${res.stderr}`);
      assert.match(res.stderr, /^zenko: .*\(zenko help lists the commands and options\)\n$/, 'one line, no usage dump');
    }
    for (const help of [
      ['account', '--help'],
      ['key', 'create', 'alice', '--help'],
      ['location', 'add', '-h'],
    ]) {
      const res = await zenko(...help);
      assert.equal(res.code, 0, help.join(' '));
      assert.match(res.stdout, /^usage: zenko <command>/);
    }
    assert.equal((await zenko('location', 'show', 'junk')).code, 1, 'nothing was added');
    const badAddress = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(REPO_ROOT, 'mesh/bin/zenko.js'), 'location', 'list'],
        { env: { ...stack.env, ZENKO_METADATA_ADDRESS: 'not an address' }, timeout: 30_000 },
        (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
    assert.equal(badAddress.code, 2);
    assert.match(badAddress.stderr, /^zenko: invalid configuration: ZENKO_METADATA_ADDRESS/);
    assert.doesNotMatch(badAddress.stderr, /\n\s+at /, 'no stack trace');
  });

  it('secrets given as - come from standard input, and take effect: the probe checks them against a target (this stack)', async () => {
    const s3 = s3Client(stack);
    await s3.send(new CreateBucketCommand({ Bucket: 'piped-target' }));
    s3.destroy();
    // Also the container piped-target of devstoreaccount1, whose account owns the bucket.
    await azureClient(stack).getContainerClient('piped-target').getProperties();
    const s3Target = ['--type', 'aws_s3', '--endpoint', stack.s3, '--path-style', '--bucket', 'piped-target', '--access-key', ACCESS_KEY];
    const wrong = await zenkoWithStdin('not-the-secret\n', 'location', 'add', 'piped-s3', ...s3Target, '--secret-key', '-');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /LOCATION_PROBE_FAILED/, 'the piped secret is the one probed');
    const added = await zenkoWithStdin(`${SECRET_KEY}\n`, 'location', 'add', 'piped-s3', ...s3Target, '--secret-key', '-', '--json');
    assert.equal(added.code, 0, added.stderr);
    assert.deepEqual((JSON.parse(added.stdout) as { secretsSet: string[] }).secretsSet, ['secretKey']);
    const update = await zenkoWithStdin('not-the-secret\n', 'location', 'update', 'piped-s3', '--secret-key=-');
    assert.equal(update.code, 1);
    assert.match(update.stderr, /LOCATION_PROBE_FAILED/);

    const azTarget = ['--type', 'azure', '--endpoint', blobEndpoint(stack), '--account-name', DEV_ACCOUNT, '--container', 'piped-target'];
    const otherKey = Buffer.alloc(64, 7).toString('base64');
    const wrongKey = await zenkoWithStdin(`${otherKey}\n`, 'location', 'add', 'piped-az', ...azTarget, '--account-key', '-');
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stderr, /LOCATION_PROBE_FAILED/);
    const both = await zenkoWithStdin(`${DEV_KEY}\n`, 'location', 'add', 'piped-az', ...azTarget, '--account-key', '-', '--sas-token', '-');
    assert.equal(both.code, 2, 'standard input holds one secret');
    const addedAz = await zenkoWithStdin(`${DEV_KEY}\n`, 'location', 'add', 'piped-az', ...azTarget, '--account-key', '-');
    assert.equal(addedAz.code, 0, addedAz.stderr);
    for (const name of ['piped-s3', 'piped-az']) assert.equal((await zenko('location', 'remove', name)).code, 0, name);
  });

  it('a required option left out is named as the option, not as the definition field', async () => {
    const s3 = await zenko('location', 'add', 'no-key', '--type', 'aws_s3', '--bucket', 'b', '--skip-probe', '--json');
    assert.equal(s3.code, 1);
    const { error } = JSON.parse(s3.stderr) as { error: { reason: string; details: Record<string, string> } };
    assert.deepEqual(
      [error.reason, error.details['field'], error.details['option']],
      ['INVALID_ARGUMENT', 'details.access_key', '--access-key'],
    );
    const azure = await zenko('location', 'add', 'no-container', '--type', 'azure', '--account-name', 'a', '--skip-probe');
    assert.equal(azure.code, 1);
    assert.match(azure.stderr, /--container/);
    assert.doesNotMatch(azure.stderr, /bucket_name/);
  });

  it('secrets are write-only', async () => {
    const added = await zenko(
      'location',
      'add',
      'cloud',
      '--type',
      'aws_s3',
      '--bucket',
      'target',
      '--endpoint',
      'http://127.0.0.1:1',
      '--access-key',
      'AK',
      '--secret-key',
      'super-secret-value',
      '--skip-probe',
    );
    assert.equal(added.code, 0, added.stderr);
    const shown = await zenko('location', 'show', 'cloud');
    assert.doesNotMatch(shown.stdout, /super-secret-value/);
    const location = JSON.parse(shown.stdout) as { type: string; secretsSet: string[]; details: { accessKey: string } };
    assert.equal(location.type, 'aws_s3', 'the type by the name `location add --type` takes');
    assert.deepEqual(location.secretsSet, ['secretKey']);
    assert.equal(location.details.accessKey, 'AK');
    assert.doesNotMatch((await zenko('location', 'list', '--json')).stdout, /super-secret-value/);
    assert.equal((await zenko('location', 'add', 'cloud', '--type', 'mem')).code, 1, 'names are unique');
    assert.equal((await zenko('location', 'remove', 'cloud')).code, 0);
  });
});
