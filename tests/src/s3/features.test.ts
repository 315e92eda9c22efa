// Versioning in all three states, tagging, DeleteObjects, ACLs and policies
// (anonymous access included), Block Public Access, CORS, object lock, and the stored configurations
// (lifecycle, replication with Zenko's multi-location StorageClass, ownership),
// through the AWS SDK on a real stack.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  CopyObjectCommand,
  CompleteMultipartUploadCommand,
  UploadPartCommand,
  CreateMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketPolicyCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAccelerateConfigurationCommand,
  GetBucketEncryptionCommand,
  GetBucketLoggingCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketWebsiteCommand,
  GetPublicAccessBlockCommand,
  PutPublicAccessBlockCommand,
  type PublicAccessBlockConfiguration,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketAclCommand,
  GetObjectAclCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetBucketRequestPaymentCommand,
  GetBucketReplicationCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectRetentionCommand,
  GetObjectTaggingCommand,
  GetObjectLockConfigurationCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketAclCommand,
  PutObjectAclCommand,
  PutBucketCorsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketReplicationCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  DeleteObjectTaggingCommand,
  PutObjectLegalHoldCommand,
  PutObjectLockConfigurationCommand,
  PutObjectTaggingCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { s3Client, s3Error } from '../support/s3.js';
import { startStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let s3: S3Client;

before(async () => {
  stack = await startStack();
  s3 = s3Client(stack);
});
after(async () => {
  s3.destroy();
  await stack.stop();
});

const text = async (p: Promise<{ Body?: { transformToString(): Promise<string> } }>): Promise<string> =>
  (await (await p).Body?.transformToString()) ?? '';

describe('versioning', () => {
  it('unversioned → enabled → suspended, with the null version and delete markers', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'ver' }));
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: 'ver' }))).Status, undefined);
    await s3.send(new PutObjectCommand({ Bucket: 'ver', Key: 'k', Body: 'null-1' }));

    await s3.send(new PutBucketVersioningCommand({ Bucket: 'ver', VersioningConfiguration: { Status: 'Enabled' } }));
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: 'ver' }))).Status, 'Enabled');
    const v2 = await s3.send(new PutObjectCommand({ Bucket: 'ver', Key: 'k', Body: 'v2' }));
    const v3 = await s3.send(new PutObjectCommand({ Bucket: 'ver', Key: 'k', Body: 'v3' }));
    assert.ok(v2.VersionId && v3.VersionId && v2.VersionId !== v3.VersionId && v2.VersionId !== 'null');
    assert.equal(await text(s3.send(new GetObjectCommand({ Bucket: 'ver', Key: 'k' }))), 'v3');
    assert.equal(await text(s3.send(new GetObjectCommand({ Bucket: 'ver', Key: 'k', VersionId: v2.VersionId }))), 'v2');
    assert.equal(await text(s3.send(new GetObjectCommand({ Bucket: 'ver', Key: 'k', VersionId: 'null' }))), 'null-1');

    const marker = await s3.send(new DeleteObjectCommand({ Bucket: 'ver', Key: 'k' }));
    assert.equal(marker.DeleteMarker, true);
    assert.equal((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'ver', Key: 'k' })))).code, 'NoSuchKey');
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: 'ver' }));
    assert.deepEqual(
      versions.Versions?.map((v) => v.VersionId),
      [v3.VersionId, v2.VersionId, 'null'],
    );
    assert.equal(versions.DeleteMarkers?.[0]?.IsLatest, true);
    assert.deepEqual(versions.Versions?.[0]?.ChecksumAlgorithm, ['CRC32'], 'the checksum the SDK sent with the PUT');
    assert.equal(versions.Versions?.[0]?.ChecksumType, 'FULL_OBJECT');
    // Deleting the marker brings v3 back.
    await s3.send(new DeleteObjectCommand({ Bucket: 'ver', Key: 'k', VersionId: marker.VersionId }));
    assert.equal(await text(s3.send(new GetObjectCommand({ Bucket: 'ver', Key: 'k' }))), 'v3');

    await s3.send(new PutBucketVersioningCommand({ Bucket: 'ver', VersioningConfiguration: { Status: 'Suspended' } }));
    const suspended = await s3.send(new PutObjectCommand({ Bucket: 'ver', Key: 'k', Body: 'null-2' }));
    assert.equal(suspended.VersionId, 'null');
    assert.equal(await text(s3.send(new GetObjectCommand({ Bucket: 'ver', Key: 'k', VersionId: 'null' }))), 'null-2');
    const after = await s3.send(new ListObjectVersionsCommand({ Bucket: 'ver' }));
    assert.deepEqual(
      after.Versions?.map((v) => v.VersionId).sort(),
      [v2.VersionId, v3.VersionId, 'null'].sort(),
      'the null version was replaced',
    );
    const unknown = await s3Error(s3.send(new GetObjectCommand({ Bucket: 'ver', Key: 'k', VersionId: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })));
    assert.ok(['NoSuchVersion', 'InvalidArgument'].includes(unknown.code), unknown.code);
  });

  it('a delete marker: NoSuchKey or MethodNotAllowed with its headers to the owner, refused as a copy source by version id, hidden from anyone else', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'markers' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'markers', VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new PutObjectCommand({ Bucket: 'markers', Key: 'k', Body: 'gone soon' }));
    const marker = (await s3.send(new DeleteObjectCommand({ Bucket: 'markers', Key: 'k' }))).VersionId!;
    const failure = async (p: Promise<unknown>) => {
      const err = (await p.then(
        () => assert.fail('expected the call to fail'),
        (e: unknown) => e,
      )) as S3ServiceException;
      assert.ok(err instanceof S3ServiceException, String(err));
      const headers = (err.$response as { headers: Record<string, string> } | undefined)?.headers ?? {};
      return { code: err.name, status: err.$metadata.httpStatusCode, headers };
    };

    const latest = await failure(s3.send(new GetObjectCommand({ Bucket: 'markers', Key: 'k' })));
    assert.deepEqual([latest.code, latest.status], ['NoSuchKey', 404]);
    assert.equal(latest.headers['x-amz-delete-marker'], 'true');
    assert.equal(latest.headers['x-amz-version-id'], marker);
    const named = await failure(s3.send(new GetObjectCommand({ Bucket: 'markers', Key: 'k', VersionId: marker })));
    assert.deepEqual([named.code, named.status, named.headers['allow']], ['MethodNotAllowed', 405, 'DELETE']);
    assert.equal(named.headers['x-amz-delete-marker'], 'true');
    assert.ok(Date.parse(named.headers['last-modified'] ?? '') > 0, 'a 405 of a delete marker gives its Last-Modified');
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: 'markers' }));
    assert.ok(listed.DeleteMarkers?.[0]?.Owner?.ID, 'a delete marker is owned by who deleted');
    assert.equal(listed.DeleteMarkers[0].Owner.ID, listed.Versions?.[0]?.Owner?.ID);

    const copyLatest = await failure(s3.send(new CopyObjectCommand({ Bucket: 'markers', Key: 'c', CopySource: 'markers/k' })));
    assert.deepEqual([copyLatest.code, copyLatest.status, copyLatest.headers['x-amz-delete-marker']], ['NoSuchKey', 404, 'true']);
    const copyNamed = await failure(
      s3.send(new CopyObjectCommand({ Bucket: 'markers', Key: 'c', CopySource: `markers/k?versionId=${marker}` })),
    );
    assert.deepEqual([copyNamed.code, copyNamed.status], ['InvalidRequest', 400]);
    assert.equal(copyNamed.headers['x-amz-delete-marker'], undefined);
    assert.equal(copyNamed.headers['x-amz-version-id'], undefined);

    // A delete marker has no tags to set or remove.
    const tagging = { TagSet: [{ Key: 't', Value: 'v' }] };
    const tagNamed = await failure(
      s3.send(new PutObjectTaggingCommand({ Bucket: 'markers', Key: 'k', VersionId: marker, Tagging: tagging })),
    );
    assert.deepEqual([tagNamed.code, tagNamed.status], ['MethodNotAllowed', 405]);
    const tagLatest = await failure(s3.send(new PutObjectTaggingCommand({ Bucket: 'markers', Key: 'k', Tagging: tagging })));
    assert.deepEqual([tagLatest.code, tagLatest.status], ['NoSuchKey', 404]);
    const untagNamed = await failure(s3.send(new DeleteObjectTaggingCommand({ Bucket: 'markers', Key: 'k', VersionId: marker })));
    assert.deepEqual([untagNamed.code, untagNamed.status], ['MethodNotAllowed', 405]);

    // An empty version id is refused, never taken for the latest version (a delete would add a marker).
    await s3.send(new PutObjectCommand({ Bucket: 'markers', Key: 'e', Body: 'kept' }));
    const emptyVersion: [string, () => Promise<unknown>][] = [
      ['DeleteObject', () => s3.send(new DeleteObjectCommand({ Bucket: 'markers', Key: 'e', VersionId: '' }))],
      ['GetObject', () => s3.send(new GetObjectCommand({ Bucket: 'markers', Key: 'e', VersionId: '' }))],
      ['GetObjectTagging', () => s3.send(new GetObjectTaggingCommand({ Bucket: 'markers', Key: 'e', VersionId: '' }))],
    ];
    for (const [what, call] of emptyVersion) {
      const empty = await failure(call());
      assert.deepEqual([empty.code, empty.status], ['InvalidArgument', 400], what);
    }
    const emptyCopy = await failure(s3.send(new CopyObjectCommand({ Bucket: 'markers', Key: 'c', CopySource: 'markers/e?versionId=' })));
    assert.deepEqual([emptyCopy.code, emptyCopy.status], ['InvalidArgument', 400]);
    assert.equal(await text(s3.send(new GetObjectCommand({ Bucket: 'markers', Key: 'e' }))), 'kept');

    for (const path of ['/markers/k', `/markers/k?versionId=${marker}`]) {
      for (const method of ['GET', 'HEAD']) {
        const res = await fetch(`${stack.s3}${path}`, { method });
        assert.equal(res.status, 403, `${method} ${path}`);
        for (const name of ['x-amz-delete-marker', 'x-amz-version-id', 'allow', 'last-modified'])
          assert.equal(res.headers.get(name), null, `${method} ${path}: ${name} tells an anonymous requester about the marker`);
      }
    }
  });
});

describe('tagging and DeleteObjects', () => {
  before(() => s3.send(new CreateBucketCommand({ Bucket: 'tags' })));

  it('bucket and object tags round-trip; bad tags are refused', async () => {
    await s3.send(new PutBucketTaggingCommand({ Bucket: 'tags', Tagging: { TagSet: [{ Key: 'team', Value: 'storage' }] } }));
    assert.deepEqual((await s3.send(new GetBucketTaggingCommand({ Bucket: 'tags' }))).TagSet, [{ Key: 'team', Value: 'storage' }]);
    await s3.send(new PutObjectCommand({ Bucket: 'tags', Key: 'o', Body: 'x', Tagging: 'a=1&b=two' }));
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: 'tags', Key: 'o' }))).$metadata.httpStatusCode, 200);
    const tags = (await s3.send(new GetObjectTaggingCommand({ Bucket: 'tags', Key: 'o' }))).TagSet?.sort((x, y) =>
      x.Key! < y.Key! ? -1 : 1,
    );
    assert.deepEqual(tags, [
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: 'two' },
    ]);
    await s3.send(new PutObjectTaggingCommand({ Bucket: 'tags', Key: 'o', Tagging: { TagSet: [{ Key: 'c', Value: '3' }] } }));
    assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket: 'tags', Key: 'o' }))).TagSet, [{ Key: 'c', Value: '3' }]);
    const dup = await s3Error(
      s3.send(
        new PutObjectTaggingCommand({
          Bucket: 'tags',
          Key: 'o',
          Tagging: {
            TagSet: [
              { Key: 'c', Value: '1' },
              { Key: 'c', Value: '2' },
            ],
          },
        }),
      ),
    );
    assert.equal(dup.code, 'InvalidTag');
  });

  it('DeleteObjects deletes many keys, verbose and quiet', async () => {
    for (const k of ['d1', 'd2', 'd3']) await s3.send(new PutObjectCommand({ Bucket: 'tags', Key: k, Body: k }));
    const verbose = await s3.send(
      new DeleteObjectsCommand({ Bucket: 'tags', Delete: { Objects: [{ Key: 'd1' }, { Key: 'd2' }, { Key: 'never' }] } }),
    );
    assert.deepEqual(verbose.Deleted?.map((d) => d.Key).sort(), ['d1', 'd2', 'never']);
    const quiet = await s3.send(new DeleteObjectsCommand({ Bucket: 'tags', Delete: { Objects: [{ Key: 'd3' }], Quiet: true } }));
    assert.equal(quiet.Deleted, undefined);
    const left = (await s3.send(new ListObjectsV2Command({ Bucket: 'tags', Prefix: 'd' }))).Contents ?? [];
    assert.deepEqual(left, []);
  });

  it('conditional deletes: If-Match on DeleteObject and an ETag per DeleteObjects entry', async () => {
    const etag = (await s3.send(new PutObjectCommand({ Bucket: 'tags', Key: 'cond', Body: 'cond' }))).ETag!;
    assert.deepEqual(await s3Error(s3.send(new DeleteObjectCommand({ Bucket: 'tags', Key: 'cond', IfMatch: '"0000"' }))), {
      code: 'PreconditionFailed',
      status: 412,
    });
    assert.equal(await text(s3.send(new GetObjectCommand({ Bucket: 'tags', Key: 'cond' }))), 'cond');
    assert.deepEqual(await s3Error(s3.send(new DeleteObjectCommand({ Bucket: 'tags', Key: 'absent', IfMatch: '*' }))), {
      code: 'NoSuchKey',
      status: 404,
    });
    const batch = await s3.send(
      new DeleteObjectsCommand({ Bucket: 'tags', Delete: { Objects: [{ Key: 'cond', ETag: '"0000"' }, { Key: 'absent' }] } }),
    );
    assert.deepEqual(
      batch.Errors?.map((e) => [e.Key, e.Code]),
      [['cond', 'PreconditionFailed']],
    );
    assert.deepEqual(
      batch.Deleted?.map((d) => d.Key),
      ['absent'],
    );
    const matched = await s3.send(new DeleteObjectsCommand({ Bucket: 'tags', Delete: { Objects: [{ Key: 'cond', ETag: etag }] } }));
    assert.deepEqual(
      matched.Deleted?.map((d) => d.Key),
      ['cond'],
    );
    await s3.send(new PutObjectCommand({ Bucket: 'tags', Key: 'cond', Body: 'again' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'tags', Key: 'cond', IfMatch: '*' }));
    assert.equal((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'tags', Key: 'cond' })))).code, 'NoSuchKey');
  });

  it('DeleteObjects authorizes each key: a policy on a prefix or on version deletes refuses those entries alone', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'per-key' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'per-key', VersioningConfiguration: { Status: 'Enabled' } }));
    const versions: Record<string, string> = {};
    for (const Key of ['keep/a', 'tmp/b', 'tmp/c'])
      versions[Key] = (await s3.send(new PutObjectCommand({ Bucket: 'per-key', Key, Body: Key }))).VersionId!;
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::per-key/keep/*' },
        { Effect: 'Deny', Principal: '*', Action: 's3:DeleteObjectVersion', Resource: 'arn:aws:s3:::per-key/*' },
      ],
    };
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'per-key', Policy: JSON.stringify(policy) }));
    const res = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'per-key',
        Delete: { Objects: [{ Key: 'keep/a' }, { Key: 'tmp/b' }, { Key: 'tmp/c', VersionId: versions['tmp/c'] }] },
      }),
    );
    assert.deepEqual(
      res.Deleted?.map((d) => [d.Key, d.DeleteMarker]),
      [['tmp/b', true]],
    );
    assert.deepEqual(
      res.Errors?.map((e) => [e.Key, e.Code]),
      [
        ['keep/a', 'AccessDenied'],
        ['tmp/c', 'AccessDenied'],
      ],
    );
    assert.equal(await text(s3.send(new GetObjectCommand({ Bucket: 'per-key', Key: 'keep/a' }))), 'keep/a');
    assert.equal(await text(s3.send(new GetObjectCommand({ Bucket: 'per-key', Key: 'tmp/c', VersionId: versions['tmp/c'] }))), 'tmp/c');
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: 'per-key' }));
  });
});

describe('access control', () => {
  before(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'public' }));
    await s3.send(new PutObjectCommand({ Bucket: 'public', Key: 'page.html', Body: '<p>hi</p>' }));
  });

  it('a public-read ACL lets anonymous clients list and read; removing it stops them', async () => {
    const anon = (path: string): Promise<Response> => fetch(`${stack.s3}${path}`);
    assert.equal((await anon('/public/page.html')).status, 403);
    // HeadBucket tells the region even to a requester it refuses, as S3 does.
    const head = await fetch(`${stack.s3}/public`, { method: 'HEAD' });
    assert.deepEqual([head.status, head.headers.get('x-amz-bucket-region')], [403, 'us-east-1']);
    await s3.send(new PutBucketAclCommand({ Bucket: 'public', ACL: 'public-read' }));
    const grants = (await s3.send(new GetBucketAclCommand({ Bucket: 'public' }))).Grants ?? [];
    assert.ok(grants.some((g) => g.Grantee?.URI === 'http://acs.amazonaws.com/groups/global/AllUsers' && g.Permission === 'READ'));
    assert.equal((await anon('/public?list-type=2')).status, 200);
    assert.equal((await anon('/public/page.html')).status, 403, 'object reads follow the object ACL');
    await s3.send(new PutObjectCommand({ Bucket: 'public', Key: 'open.html', Body: 'open', ACL: 'public-read' }));
    const open = await anon('/public/open.html');
    assert.equal(open.status, 200);
    assert.equal(await open.text(), 'open');
    assert.equal((await anon('/public/missing')).status, 404, 'who may list may know a key is missing');
    await s3.send(new PutBucketAclCommand({ Bucket: 'public', ACL: 'private' }));
    assert.equal((await anon('/public?list-type=2')).status, 403);
    assert.equal((await anon('/public/missing')).status, 403, 'others may not');
  });

  it('Object Ownership BucketOwnerEnforced disables ACLs: ACL writes refused, grants ignored, policies still apply', async () => {
    const anon = (path: string): Promise<number> => fetch(`${stack.s3}${path}`).then((r) => r.status);
    await s3.send(new CreateBucketCommand({ Bucket: 'enforced', ACL: 'public-read' }));
    await s3.send(new PutObjectCommand({ Bucket: 'enforced', Key: 'open', Body: 'open', ACL: 'public-read' }));
    assert.deepEqual([await anon('/enforced?list-type=2'), await anon('/enforced/open')], [200, 200]);
    await s3.send(
      new PutBucketOwnershipControlsCommand({
        Bucket: 'enforced',
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      }),
    );
    assert.deepEqual([await anon('/enforced?list-type=2'), await anon('/enforced/open')], [403, 403], 'ACL grants no longer count');
    for (const acl of [
      await s3.send(new GetBucketAclCommand({ Bucket: 'enforced' })),
      await s3.send(new GetObjectAclCommand({ Bucket: 'enforced', Key: 'open' })),
    ]) {
      assert.deepEqual(
        acl.Grants?.map((g) => [g.Grantee?.Type, g.Permission]),
        [['CanonicalUser', 'FULL_CONTROL']],
      );
    }
    const refused = [
      await s3Error(s3.send(new PutObjectCommand({ Bucket: 'enforced', Key: 'k', Body: 'x', ACL: 'public-read' }))),
      await s3Error(s3.send(new PutObjectCommand({ Bucket: 'enforced', Key: 'k', Body: 'x', ACL: 'private' }))),
      await s3Error(
        s3.send(
          new PutObjectCommand({
            Bucket: 'enforced',
            Key: 'k',
            Body: 'x',
            GrantRead: 'uri="http://acs.amazonaws.com/groups/global/AllUsers"',
          }),
        ),
      ),
      await s3Error(s3.send(new PutObjectAclCommand({ Bucket: 'enforced', Key: 'open', ACL: 'private' }))),
      await s3Error(s3.send(new PutBucketAclCommand({ Bucket: 'enforced', ACL: 'private' }))),
    ];
    assert.deepEqual(refused, Array(5).fill({ code: 'AccessControlListNotSupported', status: 400 }));
    await s3.send(new PutObjectCommand({ Bucket: 'enforced', Key: 'k', Body: 'x', ACL: 'bucket-owner-full-control' }));
    await s3.send(new PutObjectCommand({ Bucket: 'enforced', Key: 'k', Body: 'x' }));
    const policy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::enforced/*' }],
    };
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'enforced', Policy: JSON.stringify(policy) }));
    assert.equal(await anon('/enforced/k'), 200, 'a policy still grants');

    // CreateBucket takes the setting; ACLs other than the owner's are refused with it.
    await s3.send(new CreateBucketCommand({ Bucket: 'enforced-new', ObjectOwnership: 'BucketOwnerEnforced' }));
    assert.equal(
      (await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: 'enforced-new' }))).OwnershipControls?.Rules?.[0]?.ObjectOwnership,
      'BucketOwnerEnforced',
    );
    assert.deepEqual(
      await s3Error(
        s3.send(new CreateBucketCommand({ Bucket: 'enforced-acl', ObjectOwnership: 'BucketOwnerEnforced', ACL: 'public-read' })),
      ),
      { code: 'InvalidBucketAclWithObjectOwnership', status: 400 },
    );
    assert.deepEqual(
      await s3Error(s3.send(new CreateBucketCommand({ Bucket: 'enforced-acl', ObjectOwnership: 'Whoever' as 'ObjectWriter' }))),
      { code: 'InvalidArgument', status: 400 },
    );
  });

  it('x-amz-expected-bucket-owner and x-amz-source-expected-bucket-owner refuse a bucket someone else owns', async () => {
    const owner = (await s3.send(new GetBucketAclCommand({ Bucket: 'public' }))).Owner?.ID;
    assert.ok(owner);
    await s3.send(new PutObjectCommand({ Bucket: 'public', Key: 'owned', Body: 'x', ExpectedBucketOwner: owner }));
    const other = '0'.repeat(64);
    const refused = await s3Error(s3.send(new PutObjectCommand({ Bucket: 'public', Key: 'owned', Body: 'y', ExpectedBucketOwner: other })));
    assert.deepEqual([refused.code, refused.status], ['AccessDenied', 403]);
    assert.equal(
      (await s3Error(s3.send(new GetObjectCommand({ Bucket: 'public', Key: 'owned', ExpectedBucketOwner: other })))).code,
      'AccessDenied',
    );
    const copy = { Bucket: 'public', Key: 'owned-copy', CopySource: 'public/owned' };
    await s3.send(new CopyObjectCommand({ ...copy, ExpectedBucketOwner: owner, ExpectedSourceBucketOwner: owner }));
    assert.equal((await s3Error(s3.send(new CopyObjectCommand({ ...copy, ExpectedSourceBucketOwner: other })))).code, 'AccessDenied');
    assert.equal(await text(s3.send(new GetObjectCommand({ Bucket: 'public', Key: 'owned' }))), 'x', 'the refused PUT wrote nothing');
  });

  it('a bucket policy grants anonymous reads; an explicit Deny wins even for the owner', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'policy' }));
    await s3.send(new PutObjectCommand({ Bucket: 'policy', Key: 'pub/a', Body: 'public a' }));
    await s3.send(new PutObjectCommand({ Bucket: 'policy', Key: 'secret/b', Body: 'secret b' }));
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'read', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::policy/pub/*' },
        { Sid: 'deny', Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::policy/secret/*' },
      ],
    };
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'policy', Policy: JSON.stringify(policy) }));
    assert.deepEqual(JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: 'policy' }))).Policy!), policy);
    assert.equal((await s3.send(new GetBucketPolicyStatusCommand({ Bucket: 'policy' }))).PolicyStatus?.IsPublic, true);
    assert.equal((await s3.send(new GetBucketRequestPaymentCommand({ Bucket: 'policy' }))).Payer, 'BucketOwner');
    assert.equal(await (await fetch(`${stack.s3}/policy/pub/a`)).text(), 'public a');
    assert.equal((await fetch(`${stack.s3}/policy/secret/b`)).status, 403);
    assert.equal((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'policy', Key: 'secret/b' })))).code, 'AccessDenied');
    const bad = await s3Error(
      s3.send(new PutBucketPolicyCommand({ Bucket: 'policy', Policy: '{"Version":"2012-10-17","Statement":"nope"}' })),
    );
    assert.equal(bad.code, 'MalformedPolicy');
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: 'policy' }));
    assert.equal((await s3Error(s3.send(new GetBucketPolicyCommand({ Bucket: 'policy' })))).code, 'NoSuchBucketPolicy');
    assert.equal((await s3Error(s3.send(new GetBucketPolicyStatusCommand({ Bucket: 'policy' })))).code, 'NoSuchBucketPolicy');
    const lan = { ...policy.Statement[0], Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } } };
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'policy', Policy: JSON.stringify({ ...policy, Statement: [lan] }) }));
    assert.equal((await s3.send(new GetBucketPolicyStatusCommand({ Bucket: 'policy' }))).PolicyStatus?.IsPublic, false);
    assert.equal(await (await fetch(`${stack.s3}/policy/pub/a`)).text(), 'public a', 'granted from 127.0.0.1');
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: 'policy' }));
    assert.equal(await text(s3.send(new GetObjectCommand({ Bucket: 'policy', Key: 'secret/b' }))), 'secret b');
  });

  it('policy conditions on the signature: s3:signatureversion, s3:authType, s3:signatureAge, aws:PrincipalType', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'sigpolicy' }));
    await s3.send(new PutObjectCommand({ Bucket: 'sigpolicy', Key: 'k', Body: 'signed' }));
    await s3.send(new PutObjectCommand({ Bucket: 'sigpolicy', Key: 'q/k', Body: 'header only' }));
    const all = ['arn:aws:s3:::sigpolicy', 'arn:aws:s3:::sigpolicy/*'];
    const deny = (Sid: string, Resource: string | string[], Condition: object) => ({
      Sid,
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:GetObject',
      Resource,
      Condition,
    });
    const policy = {
      Version: '2012-10-17',
      Statement: [
        // AWS's own examples: SigV4 only, presigned URLs at most ten minutes old, no query auth under q/.
        deny('v4only', all, { StringNotEquals: { 's3:signatureversion': 'AWS4-HMAC-SHA256' } }),
        deny('fresh', all, { NumericGreaterThan: { 's3:signatureAge': '600000' } }),
        deny('noquery', 'arn:aws:s3:::sigpolicy/q/*', { StringEquals: { 's3:authType': 'REST-QUERY-STRING' } }),
        {
          Sid: 'anon',
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:ListBucket',
          Resource: all[0],
          Condition: { StringEquals: { 'aws:PrincipalType': 'Anonymous' } },
        },
      ],
    };
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'sigpolicy', Policy: JSON.stringify(policy) }));
    // Header-signed SigV4, fresh: every key.
    assert.equal(await text(s3.send(new GetObjectCommand({ Bucket: 'sigpolicy', Key: 'q/k' }))), 'header only');
    // Presigned: fresh outside q/, refused inside; twenty minutes old, refused everywhere.
    const presign = (Key: string, signingDate?: Date) =>
      getSignedUrl(s3, new GetObjectCommand({ Bucket: 'sigpolicy', Key }), { expiresIn: 3600, ...(signingDate ? { signingDate } : {}) });
    assert.equal(await (await fetch(await presign('k'))).text(), 'signed');
    assert.equal((await fetch(await presign('q/k'))).status, 403);
    assert.equal((await fetch(await presign('k', new Date(Date.now() - 20 * 60_000)))).status, 403);
    // SigV2 with the same key: refused by the SigV4-only statement.
    const date = new Date().toUTCString();
    const v2 = createHmac('sha1', 'verySecretKey1').update(`GET\n\n\n${date}\n/sigpolicy/k`).digest('base64');
    const viaV2 = await fetch(`${stack.s3}/sigpolicy/k`, { headers: { date, authorization: `AWS accessKey1:${v2}` } });
    assert.equal(viaV2.status, 403);
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: 'sigpolicy' }));
    assert.equal((await fetch(`${stack.s3}/sigpolicy/k`, { headers: { date, authorization: `AWS accessKey1:${v2}` } })).status, 200);
    // aws:PrincipalType Anonymous granted anonymous listing while the policy stood.
    await s3.send(
      new PutBucketPolicyCommand({ Bucket: 'sigpolicy', Policy: JSON.stringify({ ...policy, Statement: [policy.Statement[3]] }) }),
    );
    assert.equal((await fetch(`${stack.s3}/sigpolicy?list-type=2`)).status, 200);
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: 'sigpolicy' }));
    assert.equal((await fetch(`${stack.s3}/sigpolicy?list-type=2`)).status, 403);
  });

  it("policy conditions on object tags: the version's tags (s3:ExistingObjectTag) and the tags a request sets (s3:RequestObjectTag)", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'tag-policy' }));
    for (const [Key, Tagging] of [
      ['open', 'visibility=public&project=z'],
      ['closed', 'visibility=private&project=z'],
      ['plain', 'project=z'],
    ] as const) {
      await s3.send(new PutObjectCommand({ Bucket: 'tag-policy', Key, Body: Key, Tagging }));
    }
    const objects = 'arn:aws:s3:::tag-policy/*';
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:GetObject',
          Resource: objects,
          Condition: { StringEquals: { 's3:ExistingObjectTag/visibility': 'public' } },
        },
        {
          Effect: 'Deny',
          Principal: '*',
          Action: ['s3:GetObject', 's3:GetObjectTagging'],
          Resource: objects,
          Condition: { StringEquals: { 's3:ExistingObjectTag/visibility': 'private' } },
        },
        {
          Effect: 'Deny',
          Principal: '*',
          Action: ['s3:PutObject', 's3:PutObjectTagging'],
          Resource: objects,
          Condition: { Null: { 's3:RequestObjectTag/project': 'true' } },
        },
      ],
    };
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'tag-policy', Policy: JSON.stringify(policy) }));
    // Anonymous: only the version tagged public.
    assert.equal(await (await fetch(`${stack.s3}/tag-policy/open`)).text(), 'open');
    assert.equal((await fetch(`${stack.s3}/tag-policy/plain`)).status, 403);
    assert.equal((await fetch(`${stack.s3}/tag-policy/closed`)).status, 403);
    // The owner: the Deny on private versions holds for reads, heads, tag reads and as a copy source.
    assert.equal(await text(s3.send(new GetObjectCommand({ Bucket: 'tag-policy', Key: 'plain' }))), 'plain');
    assert.equal((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'tag-policy', Key: 'closed' })))).code, 'AccessDenied');
    assert.equal((await s3Error(s3.send(new HeadObjectCommand({ Bucket: 'tag-policy', Key: 'closed' })))).status, 403);
    assert.equal((await s3Error(s3.send(new GetObjectTaggingCommand({ Bucket: 'tag-policy', Key: 'closed' })))).code, 'AccessDenied');
    const copy = s3.send(
      new CopyObjectCommand({ Bucket: 'tag-policy', Key: 'copy', CopySource: 'tag-policy/closed', Tagging: 'project=z' }),
    );
    assert.equal((await s3Error(copy)).code, 'AccessDenied');
    // Writes must carry a project tag: in x-amz-tagging, or in the PutObjectTagging body.
    assert.equal((await s3Error(s3.send(new PutObjectCommand({ Bucket: 'tag-policy', Key: 'new', Body: 'x' })))).code, 'AccessDenied');
    await s3.send(new PutObjectCommand({ Bucket: 'tag-policy', Key: 'new', Body: 'x', Tagging: 'project=y' }));
    const untagged = s3.send(
      new PutObjectTaggingCommand({ Bucket: 'tag-policy', Key: 'plain', Tagging: { TagSet: [{ Key: 'a', Value: 'b' }] } }),
    );
    assert.equal((await s3Error(untagged)).code, 'AccessDenied');
    const tagSet = [
      { Key: 'project', Value: 'z' },
      { Key: 'visibility', Value: 'private' },
    ];
    await s3.send(new PutObjectTaggingCommand({ Bucket: 'tag-policy', Key: 'plain', Tagging: { TagSet: tagSet } }));
    assert.equal((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'tag-policy', Key: 'plain' })))).code, 'AccessDenied');
    // A missing key stays NoSuchKey for the owner, who may list the bucket.
    assert.equal((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'tag-policy', Key: 'none' })))).code, 'NoSuchKey');
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: 'tag-policy' }));
    assert.equal(await text(s3.send(new GetObjectCommand({ Bucket: 'tag-policy', Key: 'closed' }))), 'closed');
  });

  it('Block Public Access: public ACLs and policies refused, public ACL grants ignored, a public policy restricted to the owner', async () => {
    const anon = (path: string): Promise<number> => fetch(`${stack.s3}${path}`).then((r) => r.status);
    const block = (config: PublicAccessBlockConfiguration) =>
      s3.send(new PutPublicAccessBlockCommand({ Bucket: 'pab', PublicAccessBlockConfiguration: config }));
    const denied = { code: 'AccessDenied', status: 403 };
    await s3.send(new CreateBucketCommand({ Bucket: 'pab' }));
    await s3.send(new PutObjectCommand({ Bucket: 'pab', Key: 'open', Body: 'open', ACL: 'public-read' }));
    assert.deepEqual(await s3Error(s3.send(new GetPublicAccessBlockCommand({ Bucket: 'pab' }))), {
      code: 'NoSuchPublicAccessBlockConfiguration',
      status: 404,
    });
    assert.equal(await anon('/pab/open'), 200);

    // IgnorePublicAcls: the public grants stay stored (and shown) but grant nothing.
    await block({ IgnorePublicAcls: true });
    assert.deepEqual((await s3.send(new GetPublicAccessBlockCommand({ Bucket: 'pab' }))).PublicAccessBlockConfiguration, {
      BlockPublicAcls: false,
      IgnorePublicAcls: true,
      BlockPublicPolicy: false,
      RestrictPublicBuckets: false,
    });
    await s3.send(new PutBucketAclCommand({ Bucket: 'pab', ACL: 'public-read' }));
    assert.equal(await anon('/pab/open'), 403);
    assert.equal(await anon('/pab?list-type=2'), 403);
    const objectGrants = (await s3.send(new GetObjectAclCommand({ Bucket: 'pab', Key: 'open' }))).Grants ?? [];
    assert.ok(objectGrants.some((g) => g.Grantee?.URI === 'http://acs.amazonaws.com/groups/global/AllUsers'));
    assert.equal(await text(s3.send(new GetObjectCommand({ Bucket: 'pab', Key: 'open' }))), 'open', 'the owner still reads');

    // BlockPublicAcls and BlockPublicPolicy: every way of setting a public ACL or policy is refused, and writes nothing.
    await block({ BlockPublicAcls: true, BlockPublicPolicy: true });
    assert.equal(await anon('/pab/open'), 200, 'grants count again without IgnorePublicAcls');
    assert.deepEqual(await s3Error(s3.send(new PutBucketAclCommand({ Bucket: 'pab', ACL: 'authenticated-read' }))), denied);
    assert.deepEqual(await s3Error(s3.send(new PutObjectAclCommand({ Bucket: 'pab', Key: 'open', ACL: 'public-read-write' }))), denied);
    assert.deepEqual(await s3Error(s3.send(new PutObjectCommand({ Bucket: 'pab', Key: 'new', Body: 'x', ACL: 'public-read' }))), denied);
    assert.deepEqual(
      await s3Error(s3.send(new CopyObjectCommand({ Bucket: 'pab', Key: 'new', CopySource: 'pab/open', ACL: 'public-read' }))),
      denied,
    );
    assert.deepEqual(await s3Error(s3.send(new CreateMultipartUploadCommand({ Bucket: 'pab', Key: 'new', ACL: 'public-read' }))), denied);
    assert.deepEqual(await s3Error(s3.send(new HeadObjectCommand({ Bucket: 'pab', Key: 'new' }))), { code: 'NotFound', status: 404 });
    await s3.send(new PutObjectCommand({ Bucket: 'pab', Key: 'new', Body: 'x', ACL: 'bucket-owner-full-control' }));
    await s3.send(new PutBucketAclCommand({ Bucket: 'pab', ACL: 'private' }));
    const everyone = { Sid: 'all', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::pab/*' };
    const policy = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
    assert.deepEqual(await s3Error(s3.send(new PutBucketPolicyCommand({ Bucket: 'pab', Policy: policy(everyone) }))), denied);
    assert.deepEqual(await s3Error(s3.send(new GetBucketPolicyCommand({ Bucket: 'pab' }))), { code: 'NoSuchBucketPolicy', status: 404 });
    const lan = { ...everyone, Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } } };
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'pab', Policy: policy(lan) }));
    assert.equal(await anon('/pab/new'), 200, 'a policy pinned to a network is not public');

    // RestrictPublicBuckets: a public policy grants nothing outside the owner's account.
    await block({ RestrictPublicBuckets: true });
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'pab', Policy: policy(everyone) }));
    assert.equal(await anon('/pab/new'), 403);
    await block({ RestrictPublicBuckets: false });
    assert.equal(await anon('/pab/new'), 200);
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: 'pab' }));
    assert.equal((await s3Error(s3.send(new GetPublicAccessBlockCommand({ Bucket: 'pab' })))).code, 'NoSuchPublicAccessBlockConfiguration');
    assert.equal(await anon('/pab?publicAccessBlock'), 403, 'the settings are the owner’s to read');
  });

  it('the sub-resources whose writes are not implemented read as S3 reads a bucket without them', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'plain' }));
    assert.deepEqual(await s3Error(s3.send(new GetBucketEncryptionCommand({ Bucket: 'plain' }))), {
      code: 'ServerSideEncryptionConfigurationNotFoundError',
      status: 404,
    });
    assert.deepEqual(await s3Error(s3.send(new GetBucketWebsiteCommand({ Bucket: 'plain' }))), {
      code: 'NoSuchWebsiteConfiguration',
      status: 404,
    });
    const logging = await s3.send(new GetBucketLoggingCommand({ Bucket: 'plain' }));
    assert.deepEqual([logging.$metadata.httpStatusCode, logging.LoggingEnabled], [200, undefined]);
    const notification = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'plain' }));
    assert.deepEqual(
      [notification.TopicConfigurations, notification.QueueConfigurations, notification.EventBridgeConfiguration],
      [undefined, undefined, undefined],
    );
    const accelerate = await s3.send(new GetBucketAccelerateConfigurationCommand({ Bucket: 'plain' }));
    assert.deepEqual([accelerate.$metadata.httpStatusCode, accelerate.Status], [200, undefined]);
    assert.equal((await s3Error(s3.send(new GetBucketLoggingCommand({ Bucket: 'nowhere-plain' })))).code, 'NoSuchBucket');
    assert.equal((await fetch(`${stack.s3}/plain?logging`)).status, 403, 'anonymous requests are authorized as any other');
  });

  it('the owner keeps the policy operations under a Deny-all; version actions and the governance bypass are their own actions', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'lockout', ObjectLockEnabledForBucket: true }));
    const v1 = (await s3.send(new PutObjectCommand({ Bucket: 'lockout', Key: 'k', Body: 'one' }))).VersionId!;
    await s3.send(new PutObjectCommand({ Bucket: 'lockout', Key: 'k', Body: 'two' }));
    const deny = (action: string | string[], resource = 'arn:aws:s3:::lockout/*') =>
      s3.send(
        new PutBucketPolicyCommand({
          Bucket: 'lockout',
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Deny', Principal: '*', Action: action, Resource: resource }],
          }),
        }),
      );
    await deny('s3:*', ['arn:aws:s3:::lockout', 'arn:aws:s3:::lockout/*'] as never);
    assert.equal((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'lockout', Key: 'k' })))).code, 'AccessDenied');
    assert.ok((await s3.send(new GetBucketPolicyCommand({ Bucket: 'lockout' }))).Policy, 'the owner still reads the policy');
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: 'lockout' }));

    await deny(['s3:GetObjectVersion', 's3:DeleteObjectVersion']);
    assert.equal(await text(s3.send(new GetObjectCommand({ Bucket: 'lockout', Key: 'k' }))), 'two', 'the latest: s3:GetObject');
    assert.equal((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'lockout', Key: 'k', VersionId: v1 })))).code, 'AccessDenied');
    assert.equal((await s3Error(s3.send(new DeleteObjectCommand({ Bucket: 'lockout', Key: 'k', VersionId: v1 })))).code, 'AccessDenied');
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: 'lockout' }));
    assert.equal(await text(s3.send(new GetObjectCommand({ Bucket: 'lockout', Key: 'k', VersionId: v1 }))), 'one');

    const until = new Date(Date.now() + 3600_000);
    const held = (
      await s3.send(
        new PutObjectCommand({ Bucket: 'lockout', Key: 'held', Body: 'x', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: until }),
      )
    ).VersionId!;
    await deny('s3:BypassGovernanceRetention');
    const bypass = await s3Error(
      s3.send(new DeleteObjectCommand({ Bucket: 'lockout', Key: 'held', VersionId: held, BypassGovernanceRetention: true })),
    );
    assert.equal(bypass.code, 'AccessDenied', 'a denied s3:BypassGovernanceRetention');
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: 'lockout' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'lockout', Key: 'held', VersionId: held, BypassGovernanceRetention: true }));
  });

  it('encryption headers: AES256 accepted, KMS and SSE-C not implemented, junk refused; the policy condition key is filled', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'sse' }));
    await s3.send(new PutObjectCommand({ Bucket: 'sse', Key: 'aes', Body: 'x', ServerSideEncryption: 'AES256' }));
    const kms = await s3Error(s3.send(new PutObjectCommand({ Bucket: 'sse', Key: 'kms', Body: 'x', ServerSideEncryption: 'aws:kms' })));
    assert.deepEqual([kms.status, kms.code], [501, 'NotImplemented']);
    const junk = await s3Error(
      s3.send(new PutObjectCommand({ Bucket: 'sse', Key: 'junk', Body: 'x', ServerSideEncryption: 'FOO' as never })),
    );
    assert.deepEqual([junk.status, junk.code], [400, 'InvalidArgument']);
    const key = Buffer.alloc(32, 7);
    const ssec = await s3Error(
      s3.send(
        new PutObjectCommand({
          Bucket: 'sse',
          Key: 'ssec',
          Body: 'x',
          SSECustomerAlgorithm: 'AES256',
          SSECustomerKey: key.toString('base64'),
          SSECustomerKeyMD5: createHash('md5').update(key).digest('base64'),
        }),
      ),
    );
    assert.deepEqual([ssec.status, ssec.code], [501, 'NotImplemented']);
    // The usual "deny unencrypted uploads" policy.
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: 'sse',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:PutObject',
              Resource: 'arn:aws:s3:::sse/*',
              Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'AES256' } },
            },
          ],
        }),
      }),
    );
    assert.equal((await s3Error(s3.send(new PutObjectCommand({ Bucket: 'sse', Key: 'plain', Body: 'x' })))).code, 'AccessDenied');
    await s3.send(new PutObjectCommand({ Bucket: 'sse', Key: 'encrypted', Body: 'x', ServerSideEncryption: 'AES256' }));
  });

  it('x-amz-website-redirect-location is stored and returned; a value without / or http(s):// is refused', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'redirects' }));
    await s3.send(new PutObjectCommand({ Bucket: 'redirects', Key: 'old', Body: '', WebsiteRedirectLocation: '/new' }));
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: 'redirects', Key: 'old' }))).WebsiteRedirectLocation, '/new');
    const bad = await s3Error(
      s3.send(new PutObjectCommand({ Bucket: 'redirects', Key: 'bad', Body: '', WebsiteRedirectLocation: 'noslash' })),
    );
    assert.deepEqual([bad.status, bad.code], [400, 'InvalidRedirectLocation']);
  });

  it('CORS: preflight answered from the configuration, headers on actual requests', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'cors' }));
    await s3.send(new PutObjectCommand({ Bucket: 'cors', Key: 'k', Body: 'x', ACL: 'public-read' }));
    // S3's recorded answers: no Origin, 400; no configuration or no bucket, 403 saying which.
    const preflight = async (path: string, headers: Record<string, string>): Promise<[number, string]> => {
      const res = await fetch(`${stack.s3}${path}`, { method: 'OPTIONS', headers });
      const body = await res.text();
      return [
        res.status,
        [/<Message>([^<]*)/, /<Method>([^<]*)/, /<ResourceType>([^<]*)/].map((r) => r.exec(body)?.[1] ?? '-').join(' | '),
      ];
    };
    const fromApp = { origin: 'https://app.example', 'access-control-request-method': 'GET' };
    assert.deepEqual(await preflight('/cors/k', {}), [400, 'Insufficient information. Origin request header needed. | - | -']);
    assert.deepEqual(await preflight('/cors/k', fromApp), [403, 'CORSResponse: CORS is not enabled for this bucket. | GET | BUCKET']);
    assert.deepEqual(await preflight('/cors/k', { origin: 'https://app.example' }), [
      403,
      'CORSResponse: CORS is not enabled for this bucket. | OPTIONS | BUCKET',
    ]);
    assert.deepEqual(await preflight('/no-such-cors-bucket/k', fromApp), [403, 'CORSResponse: Bucket not found | GET | BUCKET']);
    await s3.send(
      new PutBucketCorsCommand({
        Bucket: 'cors',
        CORSConfiguration: {
          CORSRules: [
            { AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'], MaxAgeSeconds: 60 },
          ],
        },
      }),
    );
    const ok = await fetch(`${stack.s3}/cors/k`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.match(ok.headers.get('access-control-allow-methods') ?? '', /PUT/);
    const other = await fetch(`${stack.s3}/cors/k`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    assert.equal(other.status, 403);
    assert.equal((await preflight('/cors/k', { ...fromApp, origin: 'https://evil.example' }))[1].split(' | ')[2], 'OBJECT');
    const actual = await fetch(`${stack.s3}/cors/k`, { headers: { origin: 'https://app.example' } });
    assert.equal(actual.status, 200);
    assert.equal(actual.headers.get('access-control-allow-origin'), 'https://app.example');
    // On an actual request too, Access-Control-Request-Method is the method matched (S3 does so).
    const asDelete = await fetch(`${stack.s3}/cors/k`, {
      headers: { origin: 'https://app.example', 'access-control-request-method': 'DELETE' },
    });
    assert.equal(asDelete.status, 200);
    assert.equal(asDelete.headers.get('access-control-allow-origin'), null);
  });
});

describe('object lock', () => {
  it('retention and legal hold protect a version from deletion', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'locked', ObjectLockEnabledForBucket: true }));
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: 'locked' }))).Status, 'Enabled');
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: 'locked',
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } },
      }),
    );
    assert.equal(
      (await s3.send(new GetObjectLockConfigurationCommand({ Bucket: 'locked' }))).ObjectLockConfiguration?.Rule?.DefaultRetention?.Days,
      1,
    );
    const v = await s3.send(new PutObjectCommand({ Bucket: 'locked', Key: 'doc', Body: 'keep me' }));
    const retention = await s3.send(new GetObjectRetentionCommand({ Bucket: 'locked', Key: 'doc', VersionId: v.VersionId }));
    assert.equal(retention.Retention?.Mode, 'GOVERNANCE');
    assert.equal(
      (await s3Error(s3.send(new DeleteObjectCommand({ Bucket: 'locked', Key: 'doc', VersionId: v.VersionId })))).code,
      'AccessDenied',
    );
    // Governance can be bypassed; compliance and legal holds cannot.
    await s3.send(new DeleteObjectCommand({ Bucket: 'locked', Key: 'doc', VersionId: v.VersionId, BypassGovernanceRetention: true }));

    const held = await s3.send(new PutObjectCommand({ Bucket: 'locked', Key: 'held', Body: 'x' }));
    await s3.send(new PutObjectLegalHoldCommand({ Bucket: 'locked', Key: 'held', VersionId: held.VersionId, LegalHold: { Status: 'ON' } }));
    assert.equal(
      (await s3.send(new GetObjectLegalHoldCommand({ Bucket: 'locked', Key: 'held', VersionId: held.VersionId }))).LegalHold?.Status,
      'ON',
    );
    const refused = await s3Error(
      s3.send(new DeleteObjectCommand({ Bucket: 'locked', Key: 'held', VersionId: held.VersionId, BypassGovernanceRetention: true })),
    );
    assert.equal(refused.code, 'AccessDenied');
    await s3.send(
      new PutObjectLegalHoldCommand({ Bucket: 'locked', Key: 'held', VersionId: held.VersionId, LegalHold: { Status: 'OFF' } }),
    );
    await s3.send(new DeleteObjectCommand({ Bucket: 'locked', Key: 'held', VersionId: held.VersionId, BypassGovernanceRetention: true }));
    assert.equal(
      (await s3Error(s3.send(new PutBucketVersioningCommand({ Bucket: 'locked', VersioningConfiguration: { Status: 'Suspended' } })))).code,
      'InvalidBucketState',
    );
  });

  it('multipart uploads and copies are locked as PutObject: their headers, else the default retention; ACL headers too', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'locked-mpu', ObjectLockEnabledForBucket: true }));
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: 'locked-mpu',
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } },
      }),
    );
    const multipart = async (Bucket: string, Key: string, extra: Record<string, unknown> = {}): Promise<string | undefined> => {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key, ...extra }));
      const part = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'part' }));
      return (
        await s3.send(
          new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }),
        )
      ).VersionId;
    };
    const retentionOf = async (Key: string, VersionId: string | undefined) =>
      (await s3.send(new GetObjectRetentionCommand({ Bucket: 'locked-mpu', Key, VersionId }))).Retention?.Mode;
    const byDefault = await multipart('locked-mpu', 'default');
    assert.equal(await retentionOf('default', byDefault), 'GOVERNANCE');
    const until = new Date(Date.now() + 60_000);
    const compliance = await multipart('locked-mpu', 'compliance', {
      ObjectLockMode: 'COMPLIANCE',
      ObjectLockRetainUntilDate: until,
      ObjectLockLegalHoldStatus: 'ON',
    });
    assert.equal(await retentionOf('compliance', compliance), 'COMPLIANCE');
    assert.equal(
      (await s3.send(new GetObjectLegalHoldCommand({ Bucket: 'locked-mpu', Key: 'compliance', VersionId: compliance }))).LegalHold?.Status,
      'ON',
    );
    assert.equal(
      (await s3Error(s3.send(new DeleteObjectCommand({ Bucket: 'locked-mpu', Key: 'default', VersionId: byDefault })))).code,
      'AccessDenied',
    );
    const copy = await s3.send(new CopyObjectCommand({ Bucket: 'locked-mpu', Key: 'copy', CopySource: 'locked-mpu/default' }));
    assert.equal(await retentionOf('copy', copy.VersionId), 'GOVERNANCE');
    // Lock headers on a bucket without object lock are refused, as PutObject's.
    await s3.send(new CreateBucketCommand({ Bucket: 'mpu-acl' }));
    assert.equal(
      (await s3Error(s3.send(new CreateMultipartUploadCommand({ Bucket: 'mpu-acl', Key: 'k', ObjectLockLegalHoldStatus: 'ON' })))).code,
      'InvalidRequest',
    );
    await multipart('mpu-acl', 'public', { ACL: 'public-read' });
    assert.equal((await fetch(`${stack.s3}/mpu-acl/public`)).status, 200, 'the upload ACL reaches the object');
    await s3.send(new CopyObjectCommand({ Bucket: 'mpu-acl', Key: 'public-copy', CopySource: 'mpu-acl/public', ACL: 'public-read' }));
    assert.equal((await fetch(`${stack.s3}/mpu-acl/public-copy`)).status, 200, 'the copy ACL too');
  });
});

describe('stored configurations', () => {
  before(() => s3.send(new CreateBucketCommand({ Bucket: 'conf' })));

  it('lifecycle rules naming locations round-trip; unknown locations are refused', async () => {
    const rules = [
      {
        ID: 'expire-logs',
        Status: 'Enabled' as const,
        Filter: { Prefix: 'logs/' },
        Expiration: { Days: 30 },
        Transitions: [{ Days: 7, StorageClass: 'memory' as never }],
      },
    ];
    await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: 'conf', LifecycleConfiguration: { Rules: rules } }));
    const got = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'conf' }));
    assert.equal(got.Rules?.[0]?.ID, 'expire-logs');
    assert.equal(got.Rules?.[0]?.Transitions?.[0]?.StorageClass, 'memory');
    const bad = await s3Error(
      s3.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: 'conf',
          LifecycleConfiguration: { Rules: [{ ...rules[0]!, Transitions: [{ Days: 7, StorageClass: 'nowhere' as never }] }] },
        }),
      ),
    );
    assert.equal(bad.code, 'InvalidStorageClass');
  });

  it("replication with Zenko's comma-separated destinations needs versioning", async () => {
    const config = {
      Role: 'arn:aws:iam::000000000000:role/zenko',
      Rules: [
        {
          ID: 'to-clouds',
          Status: 'Enabled' as const,
          Prefix: '',
          Destination: { Bucket: 'arn:aws:s3:::conf', StorageClass: 'us-east-1,memory:preferred_read' as never },
        },
      ],
    };
    assert.equal(
      (await s3Error(s3.send(new PutBucketReplicationCommand({ Bucket: 'conf', ReplicationConfiguration: config })))).code,
      'InvalidRequest',
    );
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'conf', VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new PutBucketReplicationCommand({ Bucket: 'conf', ReplicationConfiguration: config }));
    const got = await s3.send(new GetBucketReplicationCommand({ Bucket: 'conf' }));
    assert.equal(got.ReplicationConfiguration?.Rules?.[0]?.Destination?.StorageClass, 'us-east-1,memory:preferred_read');
  });

  it('ownership controls round-trip', async () => {
    assert.equal(
      (await s3Error(s3.send(new GetBucketOwnershipControlsCommand({ Bucket: 'conf' })))).code,
      'OwnershipControlsNotFoundError',
    );
    await s3.send(
      new PutBucketOwnershipControlsCommand({ Bucket: 'conf', OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } }),
    );
    assert.equal(
      (await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: 'conf' }))).OwnershipControls?.Rules?.[0]?.ObjectOwnership,
      'BucketOwnerEnforced',
    );
  });
});
