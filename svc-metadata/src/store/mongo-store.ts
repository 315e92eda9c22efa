// KvStore on MongoDB (the official driver), for deployments that keep metadata in a replica set.
//
// Layout (one database): a collection per table holding `{ _id: key, v: Binary(frame), r: revision }`
// (the frame, frame.ts, carries the revision under the CRC too); `oplog` holding
// `{ _id: sequence, t: timestamp, p: Binary(frame) }`; `counters` holding the last assigned
// sequence and the first retained one. MongoDB compares string `_id`s by their UTF-8 bytes, so
// an `_id` range scan sorted on `_id` is a KvStore scan.
//
// A commit is one multi-document transaction (snapshot reads, majority write concern): it reads
// the revisions of every record it touches, checks the preconditions (a failure aborts it and
// rejects with CONFLICT: nothing was written and no sequence was taken), then writes each record
// conditionally on the revision it read, increments the sequence counter and inserts the oplog
// records. Every record the commit depends on is written — a record that is only checked gets a
// lock token, an absent record that must stay absent is inserted and deleted again — so a
// concurrent commit touching any of them makes one of the two fail with a write conflict. Write
// conflicts, duplicate keys and lost conditional writes are races between writers, not failed
// preconditions: the whole transaction is retried (bounded in time). Two commits can never
// share or skip a sequence: both write the counter document.
//
// Commits of one process are serialised (they all write the counter, so running them together
// would only make them conflict); several processes may share a database.
import {
  Binary,
  MongoClient,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  ObjectId,
  ReadConcern,
  type AnyBulkWriteOperation,
  type ClientSession,
  type Collection,
  type Db,
  type TransactionOptions,
} from 'mongodb';
import { MeshError } from '@zenko/mesh';
import { corrupted, frame, unframe } from './frame.js';
import {
  TABLES,
  conflict,
  counterValue,
  encodeCounter,
  storeKey,
  type CommitRequest,
  type CommitResult,
  type KvEntry,
  type KvOp,
  type KvStore,
  type OplogBounds,
  type OplogRecord,
  type ScanOptions,
  type Table,
} from './kv.js';

interface RecordDoc {
  _id: string;
  /** Absent only on the transient placeholder that locks an absent key. */
  v?: Binary;
  r: number;
  /** Lock token written by a commit that only checks this record. */
  l?: ObjectId;
}

interface OplogDoc {
  _id: number;
  t: number;
  p: Binary;
}

interface CounterDoc {
  _id: string;
  n: number;
}

const OPLOG = 'oplog';
const COUNTERS = 'counters';
const LAST = 'oplog.last';
const FIRST = 'oplog.first';

const TXN_OPTIONS: TransactionOptions = {
  readConcern: { level: 'snapshot' },
  writeConcern: { w: 'majority' },
  readPreference: 'primary',
};
/** A commit keeps retrying races for this long, then gives up with UNAVAILABLE. */
const RETRY_BUDGET_MS = 30_000;
/** Attempts allowed to fail on a lost connection before we call the store unavailable. */
const CONNECTION_ATTEMPTS = 3;
/** Retries of a commitTransaction whose outcome is unknown (it is idempotent on the server). */
const COMMIT_ATTEMPTS = 5;
const TRIM_BATCH = 10_000;

/** MongoDB server codes that mean "not the primary now / shutting down": retry elsewhere. */
const UNAVAILABLE_CODES = new Set([
  6 /* HostUnreachable */, 7 /* HostNotFound */, 89 /* NetworkTimeout */, 91 /* ShutdownInProgress */, 189 /* PrimarySteppedDown */,
  10107 /* NotWritablePrimary */, 11600 /* InterruptedAtShutdown */, 11602 /* InterruptedDueToReplStateChange */,
  13435 /* NotPrimaryNoSecondaryOk */, 13436 /* NotPrimaryOrSecondary */,
]);
const OUT_OF_DISK_SPACE = 14031;
const DUPLICATE_KEY = 11000;
const WRITE_CONFLICT = 112;
const NO_SUCH_TRANSACTION = 251;
const NAMESPACE_EXISTS = 48;

/** Our attempt lost a race with another writer (a conditional write matched nothing). */
class Race extends Error {}

function sequenceKey(sequence: number): Buffer {
  const key = Buffer.allocUnsafe(8);
  key.writeBigUInt64BE(BigInt(sequence));
  return key;
}

function bytesOf(binary: Binary | undefined, key: Uint8Array): Buffer {
  if (!(binary instanceof Binary)) throw corrupted(key);
  const view = binary.value();
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

function isConnectionError(err: unknown): boolean {
  return (
    err instanceof MongoNetworkError ||
    err instanceof MongoServerSelectionError ||
    err instanceof MongoTopologyClosedError ||
    err instanceof MongoNotConnectedError ||
    (err instanceof MongoError && typeof err.code === 'number' && UNAVAILABLE_CODES.has(err.code))
  );
}

/** A race between writers: the transaction is retried, never reported. */
function isRace(err: unknown): boolean {
  if (err instanceof Race) return true;
  if (!(err instanceof MongoError)) return false;
  if (isConnectionError(err)) return false;
  return (
    err.hasErrorLabel('TransientTransactionError') ||
    err.code === WRITE_CONFLICT ||
    err.code === DUPLICATE_KEY ||
    err.code === NO_SUCH_TRANSACTION
  );
}

/** Maps a driver failure: lost connection → UNAVAILABLE, full disk → STORE_FULL, else INTERNAL. */
function storeError(err: unknown, what: string): MeshError {
  if (err instanceof MeshError) return err;
  if (isConnectionError(err)) return new MeshError('UNAVAILABLE', `metadata store unavailable (${what})`, { cause: err });
  if (err instanceof MongoError && err.code === OUT_OF_DISK_SPACE) {
    return new MeshError('STORE_FULL', 'metadata store is full', { cause: err });
  }
  return new MeshError('INTERNAL', `metadata store ${what} failed`, { cause: err });
}

/** Races went on past the retry budget: the store is too busy right now (retryable). */
function contention(what: string, cause: unknown): MeshError {
  return new MeshError('UNAVAILABLE', `metadata store ${what}: too much contention`, { cause });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs async functions one at a time, in call order. */
class Serial {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn, fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

/** One record as a commit sees it: its revision before the commit and after each op. */
interface Touched {
  table: Table;
  key: string;
  keyBytes: Buffer;
  base: number;
  revision: number;
  value: Uint8Array | undefined;
  written: boolean;
  conditional: boolean;
}

export interface MongoStoreOptions {
  /** A mongodb:// or mongodb+srv:// connection string (a replica set: transactions need one). */
  url: string;
  database: string;
  /** How long an operation waits for a usable primary before UNAVAILABLE (driver default 30 s). */
  serverSelectionTimeoutMS?: number;
}

export class MongoStore implements KvStore {
  readonly #client: MongoClient;
  readonly #db: Db;
  readonly #tables: ReadonlyMap<Table, Collection<RecordDoc>>;
  readonly #oplog: Collection<OplogDoc>;
  readonly #counters: Collection<CounterDoc>;
  readonly #listeners = new Set<(last: number) => void>();
  readonly #commits = new Serial();
  readonly #trims = new Serial();

  private constructor(client: MongoClient, database: string) {
    this.#client = client;
    this.#db = client.db(database, { readConcern: new ReadConcern('majority'), writeConcern: { w: 'majority' } });
    this.#tables = new Map(TABLES.map((table) => [table, this.#db.collection<RecordDoc>(table)]));
    this.#oplog = this.#db.collection<OplogDoc>(OPLOG);
    this.#counters = this.#db.collection<CounterDoc>(COUNTERS);
  }

  /** Connects, creates the collections and the counters if missing. */
  static async open(options: MongoStoreOptions): Promise<MongoStore> {
    const client = new MongoClient(options.url, {
      appName: 'zenko-svc-metadata',
      ...(options.serverSelectionTimeoutMS !== undefined && { serverSelectionTimeoutMS: options.serverSelectionTimeoutMS }),
    });
    try {
      await client.connect();
      const store = new MongoStore(client, options.database);
      await store.#prepare();
      return store;
    } catch (err) {
      await client.close().catch(() => undefined);
      throw storeError(err, 'open');
    }
  }

  async #prepare(): Promise<void> {
    const existing = new Set((await this.#db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
    for (const name of [...TABLES, OPLOG, COUNTERS]) {
      if (existing.has(name)) continue;
      // Collections are created up front: creating one inside a transaction is not allowed everywhere.
      await this.#db.createCollection(name).catch((err: unknown) => {
        if (!(err instanceof MongoError && err.code === NAMESPACE_EXISTS)) throw err;
      });
    }
    for (const [id, n] of [
      [LAST, 0],
      [FIRST, 1],
    ] as const) {
      await this.#counters.updateOne({ _id: id }, { $setOnInsert: { n } }, { upsert: true }).catch((err: unknown) => {
        // Another process created it at the same moment.
        if (!(err instanceof MongoError && err.code === DUPLICATE_KEY)) throw err;
      });
    }
  }

  async get(table: Table, key: string): Promise<KvEntry | undefined> {
    const keyBytes = storeKey(key);
    let doc: RecordDoc | null;
    try {
      doc = await this.#table(table).findOne({ _id: key }, { projection: { v: 1, r: 1 } });
    } catch (err) {
      throw storeError(err, 'read');
    }
    return doc === null ? undefined : entryOf(doc, keyBytes);
  }

  async scan(table: Table, options: ScanOptions): Promise<KvEntry[]> {
    const docs = await this.#find(table, options, { v: 1, r: 1 });
    return docs.map((doc) => entryOf(doc, Buffer.from(doc._id, 'utf8')));
  }

  async scanKeys(table: Table, options: ScanOptions): Promise<string[]> {
    return (await this.#find(table, options, { _id: 1 })).map((doc) => doc._id);
  }

  async #find(table: Table, options: ScanOptions, projection: Record<string, 1>): Promise<RecordDoc[]> {
    if (options.limit <= 0) return [];
    const range: { $gt?: string; $gte?: string; $lt?: string; $lte?: string } = {};
    if (options.gt !== undefined) range.$gt = options.gt;
    if (options.gte !== undefined) range.$gte = options.gte;
    if (options.lt !== undefined) range.$lt = options.lt;
    if (options.lte !== undefined) range.$lte = options.lte;
    const filter = Object.keys(range).length === 0 ? {} : { _id: range };
    try {
      return await this.#table(table)
        .find(filter, { projection })
        .sort({ _id: options.reverse === true ? -1 : 1 })
        .limit(options.limit)
        .toArray();
    } catch (err) {
      throw storeError(err, 'scan');
    }
  }

  async commit(request: CommitRequest): Promise<CommitResult> {
    // Validate before touching the database: a bad key is the caller's error, not a race.
    const prepared = request.ops.map((op) => ({ op, keyBytes: storeKey(op.key), collection: this.#table(op.table) }));
    const payloads = request.oplog ?? [];
    const timestamp = Date.now();
    const outcome = await this.#commits.run(() =>
      this.#transaction('commit', (session) => this.#commitAttempt(session, prepared, payloads, timestamp)),
    );
    const last = outcome.sequences.at(-1);
    if (last !== undefined) {
      for (const listener of this.#listeners) {
        try {
          listener(last);
        } catch {
          // A listener's failure must not turn a durable commit into an error.
        }
      }
    }
    return { ...outcome, timestamp };
  }

  async #commitAttempt(
    session: ClientSession,
    prepared: { op: KvOp; keyBytes: Buffer }[],
    payloads: readonly Uint8Array[],
    timestamp: number,
  ): Promise<{ revisions: number[]; sequences: number[] }> {
    // 1. The current revision of every record the commit touches (one query per table).
    // Tables with counters (`add` ops) are read with their values.
    const wanted = new Map<Table, { keys: Set<string>; values: boolean }>();
    for (const { op } of prepared) {
      const w = wanted.get(op.table) ?? { keys: new Set<string>(), values: false };
      w.keys.add(op.key);
      w.values ||= op.type === 'add';
      wanted.set(op.table, w);
    }
    const current = new Map<string, number>();
    const counters = new Map<string, number>();
    for (const [table, { keys, values }] of wanted) {
      const docs = await this.#table(table)
        .find({ _id: { $in: [...keys] } }, { session, projection: values ? { r: 1, v: 1 } : { r: 1 } })
        .toArray();
      for (const doc of docs) {
        current.set(`${table}\0${doc._id}`, doc.r);
        if (values && doc.v !== undefined) counters.set(`${table}\0${doc._id}`, counterValue(entryOf(doc, storeKey(doc._id)).value));
      }
    }

    // 2. Preconditions, op by op (one commit may touch a record several times).
    const touched = new Map<string, Touched>();
    const revisions: number[] = [];
    for (const { op, keyBytes } of prepared) {
      const id = `${op.table}\0${op.key}`;
      let t = touched.get(id);
      if (t === undefined) {
        const base = current.get(id) ?? 0;
        t = { table: op.table, key: op.key, keyBytes, base, revision: base, value: undefined, written: false, conditional: false };
        touched.set(id, t);
      }
      if (op.expectRevision !== undefined) {
        if (op.expectRevision !== t.revision) throw conflict('commit precondition failed', { table: op.table, key: op.key });
        t.conditional = true;
      }
      if (op.type === 'put') {
        t.revision += 1;
        t.value = op.value;
        t.written = true;
      } else if (op.type === 'add') {
        const base = t.written ? counterValue(t.value) : (counters.get(id) ?? 0);
        t.revision += 1;
        t.value = encodeCounter(base + op.delta);
        t.written = true;
      } else if (op.type === 'delete') {
        t.revision = 0;
        t.value = undefined;
        t.written = true;
      }
      revisions.push(t.revision);
    }

    // 3. Writes, each conditional on the revision read in step 1.
    const lock = new ObjectId();
    const perTable = new Map<Table, { ops: AnyBulkWriteOperation<RecordDoc>[]; matched: number; deleted: number }>();
    for (const t of touched.values()) {
      const batch = perTable.get(t.table) ?? { ops: [], matched: 0, deleted: 0 };
      perTable.set(t.table, batch);
      const lockAbsent = (): void => {
        // Inserting the key makes a concurrent creator conflict with us; it is gone again at commit.
        batch.ops.push({ insertOne: { document: { _id: t.key, r: 0, l: lock } } });
        batch.ops.push({ deleteOne: { filter: { _id: t.key, r: 0 } } });
        batch.deleted += 1;
      };
      if (t.written && t.value !== undefined) {
        const v = new Binary(frame(t.keyBytes, t.revision, t.value));
        if (t.base > 0) {
          batch.ops.push({ replaceOne: { filter: { _id: t.key, r: t.base }, replacement: { v, r: t.revision } } });
          batch.matched += 1;
        } else {
          batch.ops.push({ insertOne: { document: { _id: t.key, v, r: t.revision } } });
        }
      } else if (t.written) {
        if (t.base > 0) {
          batch.ops.push({ deleteOne: { filter: { _id: t.key, r: t.base } } });
          batch.deleted += 1;
        } else if (t.conditional) {
          lockAbsent();
        }
      } else if (t.base > 0) {
        batch.ops.push({ updateOne: { filter: { _id: t.key, r: t.base }, update: { $set: { l: lock } } } });
        batch.matched += 1;
      } else {
        lockAbsent();
      }
    }
    for (const [table, batch] of perTable) {
      if (batch.ops.length === 0) continue;
      const result = await this.#table(table).bulkWrite(batch.ops, { session, ordered: true });
      if (result.matchedCount !== batch.matched || result.deletedCount !== batch.deleted) {
        throw new Race('a record changed after it was read');
      }
    }

    // 4. Oplog: sequences from the counter, written in the same transaction.
    const sequences: number[] = [];
    if (payloads.length > 0) {
      const counter = await this.#counters.findOneAndUpdate(
        { _id: LAST },
        { $inc: { n: payloads.length } },
        { session, returnDocument: 'after', upsert: true },
      );
      if (counter === null || typeof counter.n !== 'number') throw new MeshError('INTERNAL', 'oplog counter missing');
      const first = counter.n - payloads.length + 1;
      const docs = payloads.map((payload, i): OplogDoc => {
        const sequence = first + i;
        sequences.push(sequence);
        return { _id: sequence, t: timestamp, p: new Binary(frame(sequenceKey(sequence), timestamp, payload)) };
      });
      await this.#oplog.insertMany(docs, { session, ordered: true });
    }
    return { revisions, sequences };
  }

  /**
   * Runs `body` in a transaction and commits it, retrying races (write conflicts, transient
   * errors) until RETRY_BUDGET_MS. A MeshError from the body (a failed precondition) aborts and
   * is thrown as is. A commit whose outcome stays unknown is UNAVAILABLE, never run again.
   */
  async #transaction<T>(what: string, body: (session: ClientSession) => Promise<T>): Promise<T> {
    const started = Date.now();
    let connectionFailures = 0;
    const session = this.#client.startSession();
    try {
      for (let attempt = 0; ; attempt++) {
        let result: T;
        try {
          session.startTransaction(TXN_OPTIONS);
          result = await body(session);
        } catch (err) {
          if (session.inTransaction()) await session.abortTransaction().catch(() => undefined);
          const inBudget = Date.now() - started < RETRY_BUDGET_MS;
          if (isConnectionError(err) && ++connectionFailures < CONNECTION_ATTEMPTS && inBudget) continue;
          if (!isRace(err)) throw storeError(err, what);
          if (!inBudget) throw contention(what, err);
          await sleep(Math.random() * Math.min(50, 2 ** attempt));
          continue;
        }
        if (await this.#commitTransaction(session, what)) return result;
        if (Date.now() - started > RETRY_BUDGET_MS) throw contention(what, undefined);
        await sleep(Math.random() * Math.min(50, 2 ** attempt));
      }
    } finally {
      await session.endSession().catch(() => undefined);
    }
  }

  /** True once committed; false if the transaction was aborted by a race (run it again). */
  async #commitTransaction(session: ClientSession, what: string): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await session.commitTransaction();
        return true;
      } catch (err) {
        if (err instanceof MongoError && err.hasErrorLabel('UnknownTransactionCommitResult')) {
          if (attempt < COMMIT_ATTEMPTS) continue;
          throw new MeshError('UNAVAILABLE', `metadata store ${what}: commit outcome unknown`, { cause: err });
        }
        if (isRace(err)) return false;
        throw storeError(err, what);
      }
    }
  }

  async readOplog(fromSequence: number, limit: number): Promise<OplogRecord[]> {
    const { first } = await this.oplogBounds();
    if (fromSequence < first) throw trimmed(fromSequence, first);
    if (limit <= 0) return [];
    let docs: OplogDoc[];
    try {
      docs = await this.#oplog
        .find({ _id: { $gte: fromSequence } })
        .sort({ _id: 1 })
        .limit(limit)
        .toArray();
    } catch (err) {
      throw storeError(err, 'oplog read');
    }
    if (docs.length > 0 && docs[0]!._id !== fromSequence) {
      // Trimmed between the bounds and the read.
      const now = await this.oplogBounds();
      if (fromSequence < now.first) throw trimmed(fromSequence, now.first);
    }
    return docs.map((doc) => {
      const key = sequenceKey(doc._id);
      const { number, value } = unframe(key, bytesOf(doc.p, key));
      return { sequence: doc._id, timestamp: number, payload: value };
    });
  }

  async oplogBounds(): Promise<OplogBounds> {
    let docs: CounterDoc[];
    try {
      docs = await this.#counters.find({ _id: { $in: [FIRST, LAST] } }).toArray();
    } catch (err) {
      throw storeError(err, 'oplog bounds');
    }
    const n = (id: string): number | undefined => docs.find((d) => d._id === id)?.n;
    return { first: n(FIRST) ?? 1, last: n(LAST) ?? 0 };
  }

  async trimOplog(throughSequence: number): Promise<number> {
    return this.#trims.run(async () => {
      let removed = 0;
      for (;;) {
        const { first, last } = await this.oplogBounds();
        const through = Math.min(throughSequence, last, first + TRIM_BATCH - 1);
        if (through < first) return removed;
        removed += await this.#transaction('oplog trim', async (session) => {
          const deleted = await this.#oplog.deleteMany({ _id: { $gte: first, $lte: through } }, { session });
          const moved = await this.#counters.updateOne({ _id: FIRST, n: first }, { $set: { n: through + 1 } }, { session });
          if (moved.matchedCount !== 1) throw new Race('the oplog was trimmed meanwhile');
          return deleted.deletedCount;
        });
      }
    });
  }

  onOplog(listener: (lastSequence: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    await this.#client.close();
  }

  #table(table: Table): Collection<RecordDoc> {
    const collection = this.#tables.get(table);
    if (collection === undefined) throw new MeshError('INTERNAL', `unknown table ${String(table)}`);
    return collection;
  }
}

function entryOf(doc: RecordDoc, keyBytes: Buffer): KvEntry {
  const { number, value } = unframe(keyBytes, bytesOf(doc.v, keyBytes));
  if (number !== doc.r) throw corrupted(keyBytes);
  return { key: doc._id, value, revision: number };
}

function trimmed(sequence: number, first: number): MeshError {
  return new MeshError('OPLOG_POSITION_TRIMMED', 'oplog position was trimmed', {
    details: { sequence: String(sequence), first: String(first) },
  });
}

export async function openMongoStore(options: MongoStoreOptions): Promise<MongoStore> {
  return MongoStore.open(options);
}
