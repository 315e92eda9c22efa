// The metadata contract on the MongoDB store: against the wire-protocol test server always, and
// against a real MongoDB replica set when MONGODB_URL is set. Then what only MongoDB has:
// several stores (processes) sharing one database, transactions holding documents, a lost server.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Binary, MongoClient } from 'mongodb';
import { MeshError, type Reason } from '@zenko/mesh';
import { openMongoStore, runMetadataContract, type KvStore, type MongoStore, type OpenedStore } from '@zenko/svc-metadata';
import { startMongoWireServer, type MongoWireServer } from '../mongo-wire/server.js';

let wire: MongoWireServer | undefined;
let databases = 0;

async function wireUrl(): Promise<string> {
  wire ??= await startMongoWireServer();
  return wire.url;
}

after(async () => {
  await wire?.close();
});

function freshDatabase(): string {
  return `zenko-test-${process.pid}-${++databases}`;
}

async function dropDatabase(url: string, database: string): Promise<void> {
  const client = new MongoClient(url);
  try {
    await client.db(database).dropDatabase();
  } finally {
    await client.close();
  }
}

function opener(url: () => Promise<string>): () => Promise<OpenedStore> {
  return async () => {
    const target = await url();
    const database = freshDatabase();
    const store = await openMongoStore({ url: target, database });
    return {
      store,
      close: async () => {
        await store.close();
        await dropDatabase(target, database);
      },
    };
  };
}

async function rejectsWith(promise: Promise<unknown>, reason: Reason): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof MeshError, `expected a MeshError, got ${String(err)}`);
    assert.equal(err.reason, reason);
    return true;
  });
}

const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8');

runMetadataContract('mongodb (wire test server)', opener(wireUrl));

const realUrl = process.env['MONGODB_URL'];
if (realUrl !== undefined && realUrl !== '') {
  runMetadataContract(
    'mongodb (MONGODB_URL)',
    opener(async () => realUrl),
  );
} else {
  it(
    'metadata contract: mongodb (MONGODB_URL)',
    { skip: 'SKIPPED: MONGODB_URL is not set, so the contract ran only on the wire test server' },
    () => {},
  );
}

/** Two stores on one database, as two svc-metadata processes sharing a replica set. */
async function twoStores(): Promise<{ a: MongoStore; b: MongoStore; url: string; database: string; close: () => Promise<void> }> {
  const url = await wireUrl();
  const database = freshDatabase();
  const a = await openMongoStore({ url, database });
  const b = await openMongoStore({ url, database });
  return {
    a,
    b,
    url,
    database,
    close: async () => {
      await a.close();
      await b.close();
    },
  };
}

describe('mongodb store', () => {
  it('two stores on one database: one winner per key, gap-free oplog', async () => {
    const { a, b, close } = await twoStores();
    try {
      const stores: KvStore[] = [a, b];
      const results = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) =>
          stores[i % 2]!.commit({
            ops: [{ type: 'put', table: 'meta', key: `k${i % 4}`, value: bytes(String(i)), expectRevision: 0 }],
            oplog: [bytes(`c${i}`)],
          }),
        ),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 4);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as MeshError).reason, 'CONFLICT');

      const unconditional = await Promise.all(
        Array.from({ length: 60 }, (_, i) => stores[i % 2]!.commit({ ops: [], oplog: [bytes(`u${i}`), bytes(`v${i}`)] })),
      );
      const taken = unconditional.flatMap((r) => r.sequences).sort((x, y) => x - y);
      assert.deepEqual(
        taken,
        Array.from({ length: 120 }, (_, i) => i + 5),
        'no sequence shared or skipped',
      );
      const records = await b.readOplog(1, 1000);
      assert.deepEqual(
        records.map((r) => r.sequence),
        Array.from({ length: 124 }, (_, i) => i + 1),
      );
      assert.deepEqual(await a.oplogBounds(), { first: 1, last: 124 });
      assert.equal(await b.trimOplog(50), 50);
      await rejectsWith(a.readOplog(10, 1), 'OPLOG_POSITION_TRIMMED');
    } finally {
      await close();
    }
  });

  it('two stores: concurrent unconditional puts of one record keep every revision', async () => {
    const { a, b, close } = await twoStores();
    try {
      const stores: KvStore[] = [a, b];
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          stores[i % 2]!.commit({ ops: [{ type: 'put', table: 'objects', key: 'hot', value: bytes(String(i)) }] }),
        ),
      );
      assert.deepEqual(
        results.map((r) => r.revisions[0]).sort((x, y) => x! - y!),
        Array.from({ length: 30 }, (_, i) => i + 1),
      );
      assert.equal((await a.get('objects', 'hot'))?.revision, 30);
    } finally {
      await close();
    }
  });

  it('a check fails when another transaction holds and then changes the checked record', async () => {
    const { a, url, database, close } = await twoStores();
    const raw = new MongoClient(url);
    try {
      await a.commit({ ops: [{ type: 'put', table: 'buckets', key: 'b', value: bytes('v1') }] });
      const session = raw.startSession();
      session.startTransaction();
      // Another writer (outside this store) is changing the record and has not committed yet.
      await raw
        .db(database)
        .collection<{ _id: string }>('buckets')
        .updateOne({ _id: 'b' }, { $set: { r: 2 } }, { session });
      const committing = a.commit({
        ops: [
          { type: 'check', table: 'buckets', key: 'b', expectRevision: 1 },
          { type: 'put', table: 'objects', key: 'x', value: bytes('x') },
        ],
        oplog: [bytes('e')],
      });
      await sleep(200); // let the commit read revision 1 and run into the open transaction
      await session.commitTransaction();
      await session.endSession();
      await rejectsWith(committing, 'CONFLICT');
      assert.equal(await a.get('objects', 'x'), undefined);
      assert.deepEqual(await a.oplogBounds(), { first: 1, last: 0 }, 'no sequence consumed');
    } finally {
      await raw.close();
      await close();
    }
  });

  it('a check of an absent record fails when another transaction creates it', async () => {
    const { a, url, database, close } = await twoStores();
    const raw = new MongoClient(url);
    try {
      const session = raw.startSession();
      session.startTransaction();
      await raw.db(database).collection<{ _id: string; r: number }>('buckets').insertOne({ _id: 'new', r: 1 }, { session });
      const committing = a.commit({
        ops: [
          { type: 'check', table: 'buckets', key: 'new', expectRevision: 0 },
          { type: 'put', table: 'objects', key: 'y', value: bytes('y') },
        ],
      });
      await sleep(200);
      await session.commitTransaction();
      await session.endSession();
      await rejectsWith(committing, 'CONFLICT');
      assert.equal(await a.get('objects', 'y'), undefined);
    } finally {
      await raw.close();
      await close();
    }
  });

  it('data survives a new connection; a corrupted value is INTERNAL', async () => {
    const url = await wireUrl();
    const database = freshDatabase();
    const first = await openMongoStore({ url, database });
    await first.commit({ ops: [{ type: 'put', table: 'objects', key: 'k', value: bytes('hello') }], oplog: [bytes('e')] });
    await first.close();
    const second = await openMongoStore({ url, database });
    const raw = new MongoClient(url);
    try {
      assert.equal(Buffer.from((await second.get('objects', 'k'))!.value).toString(), 'hello');
      assert.deepEqual(await second.oplogBounds(), { first: 1, last: 1 });
      const objects = raw.db(database).collection<{ _id: string; v: Binary }>('objects');
      const doc = await objects.findOne({ _id: 'k' });
      const value = Buffer.from(doc!.v.value());
      value[value.length - 1]! ^= 0xff;
      await objects.updateOne({ _id: 'k' }, { $set: { v: new Binary(value) } });
      await rejectsWith(second.get('objects', 'k'), 'INTERNAL');
      await rejectsWith(second.scan('objects', { limit: 10 }), 'INTERNAL');
      await objects.updateOne({ _id: 'k' }, { $set: { r: 7 } });
      await rejectsWith(second.get('objects', 'k'), 'INTERNAL');
    } finally {
      await raw.close();
      await second.close();
    }
  });

  it('a lost server is UNAVAILABLE', async () => {
    const server = await startMongoWireServer();
    const store = await openMongoStore({ url: server.url, database: 'lost', serverSelectionTimeoutMS: 1000 });
    try {
      await store.commit({ ops: [{ type: 'put', table: 'meta', key: 'k', value: bytes('v') }] });
      await server.close();
      await rejectsWith(store.get('meta', 'k'), 'UNAVAILABLE');
      await rejectsWith(
        store.commit({ ops: [{ type: 'put', table: 'meta', key: 'k', value: bytes('w') }], oplog: [bytes('e')] }),
        'UNAVAILABLE',
      );
    } finally {
      await store.close();
    }
    await rejectsWith(openMongoStore({ url: server.url, database: 'lost', serverSelectionTimeoutMS: 500 }), 'UNAVAILABLE');
  });
});
