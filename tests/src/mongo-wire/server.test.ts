// Drives the wire-protocol test server through the official `mongodb` driver only.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MongoBulkWriteError, MongoClient, MongoServerError } from 'mongodb';
import type { CommandStartedEvent, Db, Document, ObjectId, WriteError } from 'mongodb';
import { startMongoWireServer } from './server.js';
import type { MongoWireServer } from './server.js';

/** Test documents: any fields, an `_id` of any BSON type. */
type Rec = Document & { _id?: string | number | ObjectId };

let server: MongoWireServer;
let client: MongoClient;
let dbCounter = 0;

/** A fresh database per test keeps tests independent on one server. */
function freshDb(): Db {
  dbCounter += 1;
  return client.db(`t${dbCounter}`);
}

async function expectServerError(p: Promise<unknown>, code: number): Promise<MongoServerError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof MongoServerError, `expected a MongoServerError, got ${String(err)}`);
    assert.equal(err.code, code);
    return err;
  }
  assert.fail(`expected a server error with code ${code}`);
}

/** A field of a result document, without the driver's `any`. */
function field(doc: Document, name: string): unknown {
  return doc[name] as unknown;
}

/** Node's Buffer.compare on UTF-8 is MongoDB's string order. */
function utf8Order(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

before(async () => {
  server = await startMongoWireServer();
  client = new MongoClient(server.url);
  await client.connect();
});

after(async () => {
  await client.close();
  await server.close();
});

describe('connection', () => {
  it('is a replica set primary the driver accepts with default options', async () => {
    const hello = await client.db('admin').command({ hello: 1 });
    assert.equal(hello['isWritablePrimary'], true);
    assert.equal(hello['setName'], 'rs0');
    assert.ok((hello['maxWireVersion'] as number) >= 17);
    assert.deepEqual(hello['hosts'], [`127.0.0.1:${server.port}`]);
    assert.equal((await client.db('admin').command({ ping: 1 }))['ok'], 1);
  });

  it('also works as a replicaSet=rs0 seed list', async () => {
    const rs = new MongoClient(`mongodb://127.0.0.1:${server.port}/?replicaSet=rs0`);
    try {
      const coll = rs.db(`rs${dbCounter++}`).collection<Rec>('c');
      await coll.insertOne({ _id: 'a' });
      assert.deepEqual(await coll.findOne({ _id: 'a' }), { _id: 'a' });
    } finally {
      await rs.close();
    }
  });

  it('answers unknown commands with CommandNotFound', async () => {
    await expectServerError(client.db('admin').command({ notARealCommand: 1 }), 59);
  });
});

describe('CRUD', () => {
  it('inserts, finds, updates, replaces and deletes', async () => {
    const c = freshDb().collection<Rec>('items');
    const inserted = await c.insertOne({ name: 'first', n: 1 });
    assert.ok(inserted.insertedId);
    await c.insertMany([
      { _id: 'b', name: 'b', n: 2, tags: ['x', 'y'] },
      { _id: 'c', name: 'c', n: 3, nested: { deep: true } },
    ]);
    assert.equal(await c.countDocuments(), 3);
    assert.deepEqual(await c.findOne({ _id: 'b' }, { projection: { _id: 0, name: 1 } }), { name: 'b' });
    assert.deepEqual(await c.findOne({ 'nested.deep': true }), { _id: 'c', name: 'c', n: 3, nested: { deep: true } });
    assert.deepEqual(
      (await c.find({ tags: 'y' }).toArray()).map((d) => d['_id']),
      ['b'],
    );

    const one = await c.updateOne({ _id: 'b' }, { $inc: { n: 10 } });
    assert.equal(one.matchedCount, 1);
    assert.equal(one.modifiedCount, 1);
    const piped = await c.updateOne({ _id: 'b' }, [{ $set: { tags: { $concatArrays: ['$tags', ['z']] } } }]);
    assert.equal(piped.modifiedCount, 1);
    assert.deepEqual(await c.findOne({ _id: 'b' }), { _id: 'b', name: 'b', n: 12, tags: ['x', 'y', 'z'] });

    const noop = await c.updateOne({ _id: 'b' }, { $set: { n: 12 } });
    assert.equal(noop.matchedCount, 1);
    assert.equal(noop.modifiedCount, 0);

    const many = await c.updateMany({ n: { $gte: 3 } }, { $set: { big: true } });
    assert.equal(many.matchedCount, 2);

    const replaced = await c.replaceOne({ _id: 'c' }, { name: 'C' });
    assert.equal(replaced.modifiedCount, 1);
    assert.deepEqual(await c.findOne({ _id: 'c' }), { _id: 'c', name: 'C' });
    await expectServerError(c.updateOne({ _id: 'c' }, { $inc: { name: 1 } }), 14);

    const upserted = await c.updateOne({ _id: 'd' }, { $set: { n: 4 }, $setOnInsert: { created: true } }, { upsert: true });
    assert.equal(upserted.upsertedId, 'd');
    assert.deepEqual(await c.findOne({ _id: 'd' }), { _id: 'd', n: 4, created: true });

    await expectServerError(c.updateOne({ _id: 'd' }, { $set: { _id: 'e' } }), 66);

    assert.equal((await c.deleteOne({ _id: 'd' })).deletedCount, 1);
    assert.equal((await c.deleteMany({ big: true })).deletedCount, 1);
    assert.deepEqual(
      (await c.find({}, { sort: { _id: 1 } }).toArray()).map((d) => field(d, 'name')),
      ['C', 'first'],
    );
  });

  it('applies sort, skip, limit and projection', async () => {
    const c = freshDb().collection<Rec>('people');
    await c.insertMany([
      { _id: 1, name: 'ann', age: 40 },
      { _id: 2, name: 'bob', age: 25 },
      { _id: 3, name: 'cid', age: 33 },
      { _id: 4, name: 'dee', age: 25 },
    ]);
    const docs = await c.find({ age: { $lt: 40 } }, { sort: { age: -1, name: 1 }, skip: 1, limit: 2, projection: { name: 1 } }).toArray();
    assert.deepEqual(docs, [
      { _id: 2, name: 'bob' },
      { _id: 4, name: 'dee' },
    ]);
    assert.deepEqual(await c.distinct('age'), [25, 33, 40]);
    assert.equal(await c.countDocuments({ age: 25 }), 2);
    assert.equal(await c.estimatedDocumentCount(), 4);
  });

  it('applies update operators to documents with generated ObjectIds', async () => {
    interface Tagged {
      tags: string[];
      n: number;
      gone?: boolean;
      hi?: number;
    }
    const c = freshDb().collection<Tagged>('ops');
    const { insertedId } = await c.insertOne({ tags: ['x'], n: 1, gone: true });
    await c.updateOne({ _id: insertedId }, { $push: { tags: 'y' }, $mul: { n: 5 }, $unset: { gone: '' }, $max: { hi: 3 } });
    assert.deepEqual(await c.findOne({ _id: insertedId }), { _id: insertedId, tags: ['x', 'y'], n: 5, hi: 3 });
    assert.equal((await c.findOne({}))?._id.toHexString(), insertedId.toHexString());
  });

  it('updates array elements selected by arrayFilters', async () => {
    const c = freshDb().collection<Rec>('grades');
    await c.insertOne({ _id: 1, grades: [80, 95, 100] });
    await c.updateOne({ _id: 1 }, { $set: { 'grades.$[g]': 90 } }, { arrayFilters: [{ g: { $gte: 95 } }] });
    assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, grades: [80, 90, 90] });
  });
});

describe('unique indexes', () => {
  it('rejects duplicates with code 11000 and the key that clashed', async () => {
    const c = freshDb().collection<Rec>('users');
    assert.equal(await c.createIndex({ email: 1 }, { unique: true }), 'email_1');
    await c.insertOne({ _id: 'u1', email: 'a@x' });
    const err = await expectServerError(c.insertOne({ _id: 'u2', email: 'a@x' }), 11000);
    assert.deepEqual(err['keyValue'], { email: 'a@x' });
    assert.equal(await c.countDocuments(), 1);

    await c.insertOne({ _id: 'u3', email: 'b@x' });
    await expectServerError(c.updateOne({ _id: 'u3' }, { $set: { email: 'a@x' } }), 11000);
    await expectServerError(c.findOneAndUpdate({ _id: 'u3' }, { $set: { email: 'a@x' } }), 11000);
    await expectServerError(c.insertOne({ _id: 'u1', email: 'c@x' }), 11000);

    // Freeing the value lets another document take it.
    await c.updateOne({ _id: 'u1' }, { $set: { email: 'z@x' } });
    await c.updateOne({ _id: 'u3' }, { $set: { email: 'a@x' } });
    assert.equal((await c.findOne({ email: 'a@x' }))?.['_id'], 'u3');

    const indexes: Document[] = await c.listIndexes().toArray();
    assert.deepEqual(
      indexes.map((i) => [field(i, 'name'), i['unique'] === true]),
      [
        ['_id_', false],
        ['email_1', true],
      ],
    );
  });

  it('refuses to build a unique index over existing duplicates, and drops indexes', async () => {
    const c = freshDb().collection<Rec>('dups');
    await c.insertMany([{ k: 1 }, { k: 1 }]);
    await expectServerError(c.createIndex({ k: 1 }, { unique: true }), 11000);
    await c.createIndex({ k: 1 });
    await c.dropIndex('k_1');
    const remaining: Document[] = await c.listIndexes().toArray();
    assert.deepEqual(
      remaining.map((i) => field(i, 'name')),
      ['_id_'],
    );
    await expectServerError(c.dropIndex('nope'), 27);
  });
});

describe('ordering', () => {
  const keys = ['a', 'z', '\u{1F600}', '\uE000', '\uFF5E', '\uFFFD', '\u{10400}', 'prefix/\u{1F600}', 'prefix/\uFFFD'];
  const byteOrder = [...keys].sort(utf8Order);

  it('differs from JavaScript order for these keys (so the checks below mean something)', () => {
    assert.notDeepEqual([...keys].sort(), byteOrder);
  });

  it('sorts string _id and string fields in UTF-8 byte order', async () => {
    const c = freshDb().collection<Rec>('keys');
    await c.insertMany(keys.map((k, i) => ({ _id: k, name: k, i })));
    assert.deepEqual(
      (await c.find().toArray()).map((d) => d['_id']),
      byteOrder,
    );
    assert.deepEqual(
      (await c.find({}, { sort: { _id: -1 } }).toArray()).map((d) => d['_id']),
      [...byteOrder].reverse(),
    );
    assert.deepEqual(
      (await c.find({}, { sort: { name: 1 } }).toArray()).map((d) => field(d, 'name')),
      byteOrder,
    );
    assert.deepEqual(
      (await c.aggregate([{ $sort: { name: -1 } }]).toArray()).map((d) => field(d, 'name')),
      [...byteOrder].reverse(),
    );
  });

  it('answers range queries on _id in UTF-8 byte order', async () => {
    const c = freshDb().collection<Rec>('ranges');
    await c.insertMany(keys.map((k) => ({ _id: k, name: k })));
    const ids = async (filter: Document, sort: Document = { _id: 1 }): Promise<unknown[]> =>
      (await c.find(filter, { sort }).toArray()).map((d) => d['_id']);
    assert.deepEqual(await ids({ _id: { $gt: '\uFFFD' } }), ['\u{10400}', '\u{1F600}']);
    assert.deepEqual(await ids({ _id: { $gte: '\uE000', $lt: '\u{1F600}' } }), ['\uE000', '\uFF5E', '\uFFFD', '\u{10400}']);
    assert.deepEqual(await ids({ _id: { $lte: '\uFF5E' } }, { _id: -1 }), [
      '\uFF5E',
      '\uE000',
      'z',
      'prefix/\u{1F600}',
      'prefix/\uFFFD',
      'a',
    ]);
    assert.deepEqual(await ids({ _id: { $gt: 'prefix/', $lt: 'prefix0' } }), ['prefix/\uFFFD', 'prefix/\u{1F600}']);
    assert.deepEqual(await ids({ name: { $gt: '\uFFFD' } }), ['\u{10400}', '\u{1F600}']);
    assert.deepEqual(await ids({ _id: { $in: ['\u{1F600}', '\uFFFD', 'missing'] } }), ['\uFFFD', '\u{1F600}']);
  });

  it('sorts mixed types in BSON type order', async () => {
    const c = freshDb().collection<Rec>('mixed');
    const date = new Date(0);
    await c.insertMany([
      { _id: 1, v: true },
      { _id: 2, v: 'str' },
      { _id: 3, v: date },
      { _id: 4, v: null },
      { _id: 5, v: 10 },
      { _id: 6, v: { o: 1 } },
      { _id: 7, v: 2.5 },
    ]);
    const order = (await c.find({}, { sort: { v: 1 } }).toArray()).map((d) => d['_id']);
    assert.deepEqual(order, [4, 7, 5, 2, 6, 1, 3]);
    // Range operators only match values of the same type.
    assert.deepEqual(
      (await c.find({ v: { $gt: 0 } }).toArray()).map((d) => d['_id']),
      [5, 7],
    );
  });

  it('pages through a large collection with _id ranges', async () => {
    const c = freshDb().collection<Rec>('big');
    const total = 20_000;
    const all = Array.from({ length: total }, (_, i) => `key/${String(i).padStart(6, '0')}`);
    for (let i = 0; i < total; i += 5_000) {
      await c.insertMany(
        all.slice(i, i + 5_000).map((k) => ({ _id: k, size: 1 })),
        { ordered: false },
      );
    }
    const seen: unknown[] = [];
    let marker = '';
    for (;;) {
      const page = await c.find({ _id: { $gt: marker, $lt: 'key0' } }, { sort: { _id: 1 }, limit: 1000 }).toArray();
      if (page.length === 0) break;
      seen.push(...page.map((d) => d['_id']));
      marker = page[page.length - 1]?.['_id'] as string;
    }
    assert.deepEqual(seen, all);
  });
});

describe('cursors', () => {
  it('fetches more than the first batch with getMore', async () => {
    const db = freshDb();
    const c = db.collection<Rec>('many');
    await c.insertMany(Array.from({ length: 250 }, (_, i) => ({ _id: i })));
    const monitored = new MongoClient(server.url, { monitorCommands: true });
    const getMores: CommandStartedEvent[] = [];
    monitored.on('commandStarted', (e) => {
      if (e.commandName === 'getMore') getMores.push(e);
    });
    try {
      const mc = monitored.db(db.databaseName).collection<Rec>('many');
      const ids = (await mc.find({}).toArray()).map((d) => d['_id']);
      assert.deepEqual(
        ids,
        Array.from({ length: 250 }, (_, i) => i),
      );
      assert.equal(getMores.length, 1);

      const small = (await mc.find({ _id: { $gte: 100 } }, { batchSize: 40 }).toArray()).length;
      assert.equal(small, 150);
      assert.equal(getMores.length, 1 + 3);

      const agg = await mc.aggregate([{ $match: { _id: { $lt: 200 } } }, { $sort: { _id: -1 } }], { batchSize: 50 }).toArray();
      assert.equal(agg.length, 200);
      assert.equal(agg[0]?.['_id'], 199);

      const cursor = mc.find({}, { batchSize: 10 });
      assert.equal((await cursor.next())?.['_id'], 0);
      await cursor.close();
    } finally {
      await monitored.close();
    }
  });
});

describe('findOneAndUpdate / findOneAndDelete', () => {
  it('upserts, returns before/after documents and removes', async () => {
    const c = freshDb().collection<Rec>('seq');
    const first = await c.findOneAndUpdate({ _id: 'oplog' }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'after' });
    assert.deepEqual(first, { _id: 'oplog', seq: 1 });
    const before = await c.findOneAndUpdate({ _id: 'oplog' }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'before' });
    assert.deepEqual(before, { _id: 'oplog', seq: 1 });
    const missing = await c.findOneAndUpdate({ _id: 'none' }, { $set: { x: 1 } });
    assert.equal(missing, null);
    await c.insertMany([
      { _id: 'q1', p: 2 },
      { _id: 'q2', p: 9 },
    ]);
    const top = await c.findOneAndDelete({ p: { $exists: true } }, { sort: { p: -1 } });
    assert.equal(top?.['_id'], 'q2');
    assert.equal(await c.countDocuments(), 2);
  });
});

describe('aggregate', () => {
  it('runs $match, $group, $sort, $project, $skip, $limit and $count', async () => {
    const c = freshDb().collection<Rec>('orders');
    await c.insertMany([
      { _id: 1, cust: 'a', amount: 10 },
      { _id: 2, cust: 'b', amount: 5 },
      { _id: 3, cust: 'a', amount: 7 },
      { _id: 4, cust: 'c', amount: 1 },
    ]);
    const totals = await c
      .aggregate([
        { $match: { amount: { $gte: 5 } } },
        { $group: { _id: '$cust', total: { $sum: '$amount' }, n: { $sum: 1 } } },
        { $sort: { total: -1 } },
        { $project: { _id: 0, cust: '$_id', total: 1 } },
      ])
      .toArray();
    assert.deepEqual(totals, [
      { total: 17, cust: 'a' },
      { total: 5, cust: 'b' },
    ]);
    const counted = await c.aggregate([{ $sort: { _id: 1 } }, { $skip: 1 }, { $limit: 2 }, { $count: 'n' }]).toArray();
    assert.deepEqual(counted, [{ n: 2 }]);
    assert.equal(await c.countDocuments({ cust: 'a' }, { skip: 1 }), 1);
  });
});

describe('transactions', () => {
  it('commits all writes at once and reads its own writes', async () => {
    const db = freshDb();
    const c = db.collection<Rec>('acct');
    await c.insertOne({ _id: 'a', balance: 100 });
    const session = client.startSession();
    try {
      await session.withTransaction(async () => {
        await c.updateOne({ _id: 'a' }, { $inc: { balance: -30 } }, { session });
        await c.insertOne({ _id: 'b', balance: 30 }, { session });
        await c.insertOne({ _id: 'log1', op: 'transfer' }, { session });
        // Inside: own writes, in order. Outside: nothing yet.
        assert.deepEqual(
          (await c.find({}, { session }).toArray()).map((d) => d['_id']),
          ['a', 'b', 'log1'],
        );
        assert.equal((await c.findOne({ _id: 'a' }, { session }))?.['balance'], 70);
        assert.equal((await c.findOne({ _id: 'a' }))?.['balance'], 100);
        assert.equal(await c.countDocuments(), 1);
      });
    } finally {
      await session.endSession();
    }
    assert.deepEqual(await c.find({}, { sort: { _id: 1 } }).toArray(), [
      { _id: 'a', balance: 70 },
      { _id: 'b', balance: 30 },
      { _id: 'log1', op: 'transfer' },
    ]);
  });

  it('discards writes when the callback throws or the transaction is aborted', async () => {
    const c = freshDb().collection<Rec>('acct');
    await c.insertOne({ _id: 'a', balance: 100 });
    const session = client.startSession();
    try {
      await assert.rejects(
        session.withTransaction(async () => {
          await c.updateOne({ _id: 'a' }, { $inc: { balance: -30 } }, { session });
          await c.insertOne({ _id: 'b' }, { session });
          throw new Error('business rule failed');
        }),
        /business rule failed/,
      );
      session.startTransaction();
      await c.deleteOne({ _id: 'a' }, { session });
      assert.equal(await c.countDocuments({}, { session }), 0);
      await session.abortTransaction();
    } finally {
      await session.endSession();
    }
    assert.deepEqual(await c.find().toArray(), [{ _id: 'a', balance: 100 }]);
  });

  it('reports WriteConflict (112, TransientTransactionError) to the second writer of a document', async () => {
    const c = freshDb().collection<Rec>('doc');
    await c.insertOne({ _id: 'x', v: 0 });
    const s1 = client.startSession();
    const s2 = client.startSession();
    try {
      s1.startTransaction();
      s2.startTransaction();
      await c.updateOne({ _id: 'x' }, { $set: { v: 1 } }, { session: s1 });
      const err = await expectServerError(c.updateOne({ _id: 'x' }, { $set: { v: 2 } }, { session: s2 }), 112);
      assert.ok(err.hasErrorLabel('TransientTransactionError'));
      await s2.abortTransaction();
      await s1.commitTransaction();
    } finally {
      await s1.endSession();
      await s2.endSession();
    }
    assert.equal((await c.findOne({ _id: 'x' }))?.['v'], 1);
  });

  it('lets withTransaction retry a transaction that conflicted with another one', { timeout: 60_000 }, async () => {
    const c = freshDb().collection<Rec>('counter');
    await c.insertOne({ _id: 'seq', n: 0 });
    const firstWrote = deferred();
    const secondRetried = deferred();
    let secondAttempts = 0;
    const s1 = client.startSession();
    const s2 = client.startSession();
    try {
      const first = s1.withTransaction(async () => {
        await c.updateOne({ _id: 'seq' }, { $inc: { n: 1 } }, { session: s1 });
        await c.insertOne({ _id: 'op-first' }, { session: s1 });
        firstWrote.resolve();
        await secondRetried.promise; // hold the document until the other transaction has failed once
      });
      const second = (async () => {
        await firstWrote.promise;
        await s2.withTransaction(async () => {
          secondAttempts += 1;
          if (secondAttempts === 2) secondRetried.resolve();
          await c.updateOne({ _id: 'seq' }, { $inc: { n: 1 } }, { session: s2 });
          await c.insertOne({ _id: `op-second` }, { session: s2 });
        });
      })();
      await Promise.all([first, second]);
    } finally {
      await s1.endSession();
      await s2.endSession();
    }
    assert.ok(secondAttempts >= 2, `second transaction ran ${secondAttempts} time(s)`);
    assert.deepEqual(await c.findOne({ _id: 'seq' }), { _id: 'seq', n: 2 });
    assert.deepEqual(
      (await c.find({}, { sort: { _id: 1 } }).toArray()).map((d) => d['_id']),
      ['op-first', 'op-second', 'seq'],
    );
  });

  it('makes a write outside the transaction wait for the transaction to finish', async () => {
    const c = freshDb().collection<Rec>('lock');
    await c.insertOne({ _id: 'x', n: 0 });
    const session = client.startSession();
    try {
      session.startTransaction();
      await c.updateOne({ _id: 'x' }, { $set: { by: 'txn' } }, { session });
      const outside = c.updateOne({ _id: 'x' }, { $inc: { n: 1 } });
      await session.commitTransaction();
      assert.equal((await outside).modifiedCount, 1);
    } finally {
      await session.endSession();
    }
    assert.deepEqual(await c.findOne({ _id: 'x' }), { _id: 'x', n: 1, by: 'txn' });
  });

  it('enforces unique indexes inside a transaction', async () => {
    const c = freshDb().collection<Rec>('uniq');
    await c.createIndex({ k: 1 }, { unique: true });
    const session = client.startSession();
    try {
      session.startTransaction();
      await c.insertOne({ _id: 1, k: 'same' }, { session });
      await expectServerError(c.insertOne({ _id: 2, k: 'same' }, { session }), 11000);
      // The failed statement aborted the transaction on the server.
      await expectServerError(c.insertOne({ _id: 3, k: 'other' }, { session }), 251);
      await session.abortTransaction().catch(() => undefined);
    } finally {
      await session.endSession();
    }
    assert.equal(await c.countDocuments(), 0);
  });
});

describe('bulkWrite', () => {
  it('applies mixed ordered operations and reports counts', async () => {
    const c = freshDb().collection<Rec>('bulk');
    const r = await c.bulkWrite([
      { insertOne: { document: { _id: 1, v: 1 } } },
      { insertOne: { document: { _id: 2, v: 2 } } },
      { updateOne: { filter: { _id: 1 }, update: { $set: { v: 10 } } } },
      { updateMany: { filter: {}, update: { $inc: { w: 1 } } } },
      { replaceOne: { filter: { _id: 2 }, replacement: { v: 20 } } },
      { updateOne: { filter: { _id: 3 }, update: { $set: { v: 3 } }, upsert: true } },
      { deleteOne: { filter: { _id: 1 } } },
    ]);
    assert.equal(r.insertedCount, 2);
    assert.equal(r.matchedCount, 4);
    assert.equal(r.modifiedCount, 4);
    assert.equal(r.upsertedCount, 1);
    assert.equal(r.deletedCount, 1);
    assert.deepEqual(await c.find({}, { sort: { _id: 1 } }).toArray(), [
      { _id: 2, v: 20 },
      { _id: 3, v: 3 },
    ]);
  });

  it('continues past a duplicate key when unordered and reports it', async () => {
    const c = freshDb().collection<Rec>('bulk');
    await c.insertOne({ _id: 'taken' });
    try {
      await c.bulkWrite(
        [
          { insertOne: { document: { _id: 'a' } } },
          { insertOne: { document: { _id: 'taken' } } },
          { insertOne: { document: { _id: 'b' } } },
        ],
        { ordered: false },
      );
      assert.fail('expected a bulk write error');
    } catch (err) {
      assert.ok(err instanceof MongoBulkWriteError);
      assert.equal(err.code, 11000);
      assert.equal(err.result.insertedCount, 2);
      const writeErrors: WriteError[] = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
      assert.deepEqual(
        writeErrors.map((e) => e.index),
        [1],
      );
    }
    assert.equal(await c.countDocuments(), 3);
  });
});

describe('collections and databases', () => {
  it('creates, lists, renames and drops collections and databases', async () => {
    const db = freshDb();
    await db.createCollection('one');
    await expectServerError(db.createCollection('one'), 48);
    await db.collection<Rec>('two').insertOne({ x: 1 });
    assert.deepEqual(
      (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name),
      ['one', 'two'],
    );
    assert.deepEqual(
      (await db.listCollections({ name: 'two' }).toArray()).map((c) => c.name),
      ['two'],
    );
    await db.renameCollection('two', 'three');
    assert.equal(await db.collection<Rec>('three').countDocuments(), 1);
    assert.equal(await db.collection<Rec>('one').drop(), true);
    const dbs = await client.db('admin').admin().listDatabases();
    assert.ok(dbs.databases.some((d) => d.name === db.databaseName));
    await db.dropDatabase();
    assert.deepEqual(await db.listCollections().toArray(), []);
  });
});
