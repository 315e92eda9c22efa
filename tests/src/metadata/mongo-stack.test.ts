// The whole stack with svc-metadata on MongoDB (the wire test server, found through
// MONGODB_URL): buckets and objects through the AWS SDK land in MongoDB, not in LMDB.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { MongoClient } from 'mongodb';
import { startMongoWireServer, type MongoWireServer } from '../mongo-wire/server.js';
import { s3Client, s3Error } from '../support/s3.js';
import { startStack, type TestStack } from '../support/stack.js';

const DATABASE = 'zenko-stack';
let wire: MongoWireServer;
let stack: TestStack;
let s3: S3Client;
let mongo: MongoClient;

before(async () => {
  wire = await startMongoWireServer();
  stack = await startStack({ MONGODB_URL: wire.url, ZENKO_MONGODB_URL: '', ZENKO_MONGODB_DATABASE: DATABASE });
  s3 = s3Client(stack);
  mongo = new MongoClient(wire.url);
});
after(async () => {
  s3?.destroy();
  await stack?.stop();
  await mongo?.close();
  await wire?.close();
});

describe('svc-metadata on MongoDB', () => {
  it('buckets and objects through S3 are kept in MongoDB', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'mongo-bucket' }));
    const keys = ['a.txt', 'dir/b.txt', 'dir/c.txt', 'é/😀'];
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: 'mongo-bucket', Key: key, Body: `body of ${key}` }));
    for (const key of keys) {
      const got = await s3.send(new GetObjectCommand({ Bucket: 'mongo-bucket', Key: key }));
      assert.equal(await got.Body?.transformToString(), `body of ${key}`);
    }
    const all = await s3.send(new ListObjectsV2Command({ Bucket: 'mongo-bucket' }));
    assert.deepEqual(
      all.Contents?.map((o) => o.Key),
      keys,
    );
    const rolled = await s3.send(new ListObjectsV2Command({ Bucket: 'mongo-bucket', Delimiter: '/' }));
    assert.deepEqual(
      rolled.Contents?.map((o) => o.Key),
      ['a.txt'],
    );
    assert.deepEqual(
      rolled.CommonPrefixes?.map((p) => p.Prefix),
      ['dir/', 'é/'],
    );
    await s3.send(new DeleteObjectCommand({ Bucket: 'mongo-bucket', Key: 'a.txt' }));
    assert.equal((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'mongo-bucket', Key: 'a.txt' })))).code, 'NoSuchKey');

    // Versions: each put is a version record next to the master record.
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'mongo-bucket', VersioningConfiguration: { Status: 'Enabled' } }));
    const v1 = await s3.send(new PutObjectCommand({ Bucket: 'mongo-bucket', Key: 'v', Body: 'one' }));
    await s3.send(new PutObjectCommand({ Bucket: 'mongo-bucket', Key: 'v', Body: 'two' }));
    const old = await s3.send(new GetObjectCommand({ Bucket: 'mongo-bucket', Key: 'v', VersionId: v1.VersionId }));
    assert.equal(await old.Body?.transformToString(), 'one');

    // The records are in MongoDB, and svc-metadata made no LMDB store.
    const db = mongo.db(DATABASE);
    const bucket = await db.collection<{ _id: string }>('buckets').findOne({ _id: 'mongo-bucket' });
    assert.ok(bucket !== null, 'the bucket record is in MongoDB');
    const objects = await db
      .collection<{ _id: string }>('objects')
      .find({ _id: { $gte: 'mongo-bucket\0', $lt: 'mongo-bucket\x01' } })
      .toArray();
    assert.deepEqual(
      objects.map((o) => o._id.slice('mongo-bucket\0'.length)),
      ['dir/b.txt', 'dir/c.txt', 'v', 'é/😀'],
    );
    const oplog = await db.collection<{ _id: number }>('oplog').find({}).sort({ _id: 1 }).toArray();
    assert.deepEqual(
      oplog.map((e) => e._id),
      Array.from({ length: oplog.length }, (_, i) => i + 1),
      'a gap-free oplog',
    );
    assert.ok(oplog.length >= keys.length + 5);
    assert.equal(existsSync(join(stack.dataDir, 'metadata')), false, 'no LMDB store under the data directory');
  });
});
