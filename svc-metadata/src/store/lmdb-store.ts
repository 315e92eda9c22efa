// KvStore on LMDB (lmdb-js v3), one sub-database per table, binary keys (the UTF-8 bytes of
// the string keys, so LMDB's memcmp order is UTF-8 byte order); key-only scans read the same
// sub-databases through a second handle that takes and gives the keys as strings (UTF8_KEYS).
//
// Durability and group commit: lmdb-js runs every `transaction()` callback queued before the
// write thread starts its next transaction in ONE LMDB transaction, committed with one fsync.
// We open with `overlappingSync: false`, so the commit (and the promise) completes only after
// LMDB's fdatasync: a resolved commit is durable and nothing is visible before it is durable
// (with overlappingSync, readers could see commits that a crash would roll back, and oplog
// sequences could be reused). `eventTurnBatching: false` keeps the batching of transaction
// callbacks but avoids an internal batch promise of lmdb-js that is rejected without a handler
// when a commit fails (an unhandled rejection would kill the process on a full disk).
//
// Records are framed with a CRC (frame.ts): the revision in the frame, the timestamp for the
// oplog.
//
// Other processes (local-reads.ts): the edges on the host open the same environment to read it,
// and to commit object writes (LMDB serialises writer transactions across processes with a
// robust mutex: a writer that dies mid-transaction is rolled back). lmdb-js keeps a read
// transaction until a timer resets it, which would let a reader miss a commit it has already
// been told about (by another process, or by a client that got the other process's answer);
// every get and scan therefore starts on a fresh snapshot. Commits made by another process
// reach `onOplog` listeners through a poll of the oplog's last sequence (OPLOG_POLL_MS) while
// there are listeners; this process's own commits reach them at once.
import { statfs } from 'node:fs/promises';
import { open, type Database, type DatabaseOptions, type RangeOptions, type RootDatabase } from 'lmdb';
import { MeshError } from '@zenko/mesh';
import {
  TABLES,
  compareKeys,
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
import { frame, unframe } from './frame.js';

/** How often a store with oplog listeners looks for commits made by other processes. */
const OPLOG_POLL_MS = 20;

/** errno values and LMDB codes that mean "no room left". */
const FULL_CODES = new Set([28 /* ENOSPC */, 122 /* EDQUOT */, -30792 /* MDB_MAP_FULL */]);
const EIO = 5;
/** LMDB reports a short write on a full disk as EIO; below this much free space we call it full. */
const LOW_SPACE_BYTES = 64 * 1024 * 1024;
const TRIM_BATCH = 10_000;

type Db = Database<Buffer, Buffer>;

function sequenceKey(sequence: number): Buffer {
  const key = Buffer.allocUnsafe(8);
  key.writeBigUInt64BE(BigInt(sequence));
  return key;
}

const LAST_KEY = Buffer.from('oplog.last');
const FIRST_KEY = Buffer.from('oplog.first');

type Outcome = { ok: true; revisions: number[]; sequences: number[] } | { ok: false; table: Table; key: string };

/** A key as lmdb-js is given it: the UTF-8 bytes, or the string for the string-keyed view (UTF8_KEYS). */
type KeyLike = Buffer | string;

/** One bound of a range: the tighter of the two a KeyRange may give on that side. */
interface Bound<K extends KeyLike> {
  key: K;
  inclusive: boolean;
}

/** How a range's keys are given to lmdb-js: the UTF-8 bytes, or the strings (UTF8_KEYS). */
interface KeyForm<K extends KeyLike> {
  of(key: string): K;
  compare(a: K, b: K): number;
}

const BINARY: KeyForm<Buffer> = { of: (key) => Buffer.from(key, 'utf8'), compare: (a, b) => Buffer.compare(a, b) };
const STRINGS: KeyForm<string> = { of: (key) => key, compare: compareKeys };

function tighter<K extends KeyLike>(
  form: KeyForm<K>,
  a: Bound<K> | undefined,
  b: Bound<K> | undefined,
  low: boolean,
): Bound<K> | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  const order = form.compare(a.key, b.key) * (low ? 1 : -1);
  if (order !== 0) return order > 0 ? a : b;
  return a.inclusive ? b : a;
}

function bound<K extends KeyLike>(form: KeyForm<K>, key: string | undefined, inclusive: boolean): Bound<K> | undefined {
  return key === undefined ? undefined : { key: form.of(key), inclusive };
}

/**
 * The lmdb-js range of a scan, exact on both sides (lmdb-js's `start` is inclusive unless
 * `exclusiveStart`, its `end` exclusive unless `inclusiveEnd`; reversed, start is the high side),
 * so lmdb-js applies the limit itself. Undefined when the range is empty.
 */
function lmdbRange<K extends KeyLike>(options: ScanOptions, form: KeyForm<K>): RangeOptions | undefined {
  if (options.limit <= 0) return undefined;
  const low = tighter(form, bound(form, options.gt, false), bound(form, options.gte, true), true);
  const high = tighter(form, bound(form, options.lt, false), bound(form, options.lte, true), false);
  if (low !== undefined && high !== undefined) {
    const order = form.compare(low.key, high.key);
    if (order > 0 || (order === 0 && !(low.inclusive && high.inclusive))) return undefined;
  }
  const reverse = options.reverse === true;
  const from = reverse ? high : low;
  const to = reverse ? low : high;
  const range: RangeOptions = { limit: options.limit, reverse };
  if (from !== undefined) {
    range.start = from.key;
    range.exclusiveStart = !from.inclusive;
  }
  if (to !== undefined) {
    range.end = to.key;
    range.inclusiveEnd = to.inclusive;
  }
  return range;
}

/**
 * Keys as strings, written into and read from lmdb-js's key buffer as UTF-8 (the same bytes as
 * the binary keys, so the same order): a key-only scan (a delimited listing seeks once per common
 * prefix) then makes one string per key, instead of a Buffer for each bound and a Buffer copy of
 * each key turned into a string (about a fifth of a seek's time).
 */
const UTF8_KEYS = {
  writeKey: (key: string | Uint8Array, target: Buffer, start: number): number => {
    if (typeof key !== 'string') {
      // lmdb-js's own bound of a range open at the start: a byte array.
      target.set(key, start);
      return start + key.length;
    }
    // lmdb-js expects a RangeError from a key that does not fit (it retries in a fresh buffer);
    // Buffer#write would cut the key short instead.
    const room = target.length - start;
    if (key.length * 3 > room && Buffer.byteLength(key, 'utf8') > room) throw new RangeError('the key does not fit');
    return start + target.write(key, start, 'utf8');
  },
  readKey: (source: Buffer, start: number, end: number): string => source.toString('utf8', start, end),
};

function tableOf<D>(tables: ReadonlyMap<Table, D>, table: Table): D {
  const db = tables.get(table);
  if (db === undefined) throw new MeshError('INTERNAL', `unknown table ${String(table)}`);
  return db;
}

export interface LmdbStoreOptions {
  /** Directory holding data.mdb and lock.mdb; created if missing. */
  path: string;
  /** Open an existing store to read only (commits fail), beside the process that writes it. */
  readOnly?: boolean;
}

export class LmdbStore implements KvStore {
  readonly #root: RootDatabase<Buffer, Buffer>;
  readonly #tables: ReadonlyMap<Table, Db>;
  /** The same sub-databases with string keys (UTF8_KEYS), for key-only scans. */
  readonly #keyTables: ReadonlyMap<Table, Database<Buffer, string>>;
  readonly #oplog: Db;
  readonly #sys: Db;
  readonly #path: string;
  readonly #listeners = new Set<(last: number) => void>();
  readonly #readOnly: boolean;
  /** The last sequence listeners were told about. */
  #notified = 0;
  #poll: NodeJS.Timeout | undefined;

  constructor(options: LmdbStoreOptions) {
    this.#path = options.path;
    this.#readOnly = options.readOnly === true;
    this.#root = open<Buffer, Buffer>({
      path: options.path,
      ...(this.#readOnly ? { readOnly: true } : { overlappingSync: false, eventTurnBatching: false }),
      maxDbs: TABLES.length + 4,
      keyEncoding: 'binary',
      encoding: 'binary',
    });
    const sub = (name: string): Db => this.#root.openDB<Buffer, Buffer>(name, { keyEncoding: 'binary', encoding: 'binary' });
    this.#tables = new Map(TABLES.map((table) => [table, sub(table)]));
    this.#keyTables = new Map(
      // `keyEncoder` is documented by lmdb-js but missing from its DatabaseOptions type.
      TABLES.map((table) => [
        table,
        this.#root.openDB<Buffer, string>(table, { keyEncoder: UTF8_KEYS, encoding: 'binary' } as DatabaseOptions),
      ]),
    );
    this.#oplog = sub('_oplog');
    this.#sys = sub('_sys');
  }

  async get(table: Table, key: string): Promise<KvEntry | undefined> {
    const keyBytes = storeKey(key);
    this.#freshSnapshot();
    const raw = this.#db(table).getBinary(keyBytes);
    if (raw === undefined) return undefined;
    const { number, value } = unframe(keyBytes, raw);
    return { key, value, revision: number };
  }

  async scan(table: Table, options: ScanOptions): Promise<KvEntry[]> {
    const range = lmdbRange(options, BINARY);
    const out: KvEntry[] = [];
    if (range === undefined) return out;
    if (options.sameSnapshot !== true) this.#freshSnapshot();
    for (const { key, value } of this.#db(table).getRange(range)) {
      const { number, value: payload } = unframe(key, value);
      out.push({ key: key.toString('utf8'), value: payload, revision: number });
    }
    return out;
  }

  async scanKeys(table: Table, options: ScanOptions): Promise<string[]> {
    return this.scanKeysNow(table, options);
  }

  scanKeysNow(table: Table, options: ScanOptions): string[] {
    const range = lmdbRange(options, STRINGS);
    if (range === undefined) return [];
    if (options.sameSnapshot !== true) this.#freshSnapshot();
    const out: string[] = [];
    for (const key of this.#keyDb(table).getKeys(range)) out.push(key);
    return out;
  }

  async commit(request: CommitRequest): Promise<CommitResult> {
    this.#writable();
    const prepared = request.ops.map((op) => ({ op, db: this.#db(op.table), key: storeKey(op.key) }));
    const values: (Uint8Array | undefined)[] = prepared.map(({ op }) => (op.type === 'put' ? op.value : undefined));
    const payloads = request.oplog ?? [];
    const timestamp = Date.now();
    let outcome: Outcome;
    try {
      // The callback runs synchronously inside the shared write transaction: it checks every
      // precondition before it writes anything, so a conflict leaves the transaction untouched.
      outcome = await this.#root.transaction(() => this.#apply(prepared, values, payloads, timestamp));
    } catch (err) {
      throw await this.#commitError(err);
    }
    if (!outcome.ok) throw conflict('commit precondition failed', { table: outcome.table, key: outcome.key });
    const last = outcome.sequences.at(-1);
    if (last !== undefined) this.#notify(last);
    return { revisions: outcome.revisions, sequences: outcome.sequences, timestamp };
  }

  #apply(
    prepared: { op: KvOp; db: Db; key: Buffer }[],
    values: (Uint8Array | undefined)[],
    payloads: readonly Uint8Array[],
    timestamp: number,
  ): Outcome {
    // Revisions as the ops see them, so one commit may touch a record twice.
    const current = new Map<string, number>();
    const revisionOf = (table: Table, db: Db, key: Buffer): number => {
      const id = `${table}\0${key.toString('latin1')}`;
      const known = current.get(id);
      if (known !== undefined) return known;
      const raw = db.getBinaryFast(key);
      return raw === undefined ? 0 : raw.readDoubleLE(5);
    };
    // Counter values as the ops see them (an add after a put or add of the same record in this commit).
    const counters = new Map<string, number>();
    const revisions: number[] = [];
    for (const [i, { op, db, key }] of prepared.entries()) {
      const revision = revisionOf(op.table, db, key);
      if (op.expectRevision !== undefined && op.expectRevision !== revision) {
        return { ok: false, table: op.table, key: op.key };
      }
      const id = `${op.table}\0${key.toString('latin1')}`;
      const next = op.type === 'put' || op.type === 'add' ? revision + 1 : op.type === 'delete' ? 0 : revision;
      if (op.type === 'add') {
        const known = counters.get(id);
        const base = known ?? (revision === 0 ? 0 : counterValue(this.#value(db, key)));
        counters.set(id, base + op.delta);
        values[i] = encodeCounter(base + op.delta);
      } else if (op.type === 'put') {
        counters.set(id, counterValue(op.value));
      } else if (op.type === 'delete') {
        counters.set(id, 0);
      }
      current.set(id, next);
      revisions.push(next);
    }
    prepared.forEach(({ op, db, key }, i) => {
      const value = values[i];
      if ((op.type === 'put' || op.type === 'add') && value !== undefined) db.putSync(key, frame(key, revisions[i]!, value));
      else if (op.type === 'delete') db.removeSync(key);
    });
    const sequences: number[] = [];
    if (payloads.length > 0) {
      let last = this.#readNumber(LAST_KEY, false) ?? 0;
      for (const payload of payloads) {
        last += 1;
        const key = sequenceKey(last);
        this.#oplog.putSync(key, frame(key, timestamp, payload));
        sequences.push(last);
      }
      this.#sys.putSync(LAST_KEY, frame(LAST_KEY, last, new Uint8Array()));
    }
    return { ok: true, revisions, sequences };
  }

  async readOplog(fromSequence: number, limit: number): Promise<OplogRecord[]> {
    const { first } = await this.oplogBounds();
    this.#freshSnapshot();
    if (fromSequence < first) {
      throw new MeshError('OPLOG_POSITION_TRIMMED', 'oplog position was trimmed', {
        details: { sequence: String(fromSequence), first: String(first) },
      });
    }
    const out: OplogRecord[] = [];
    if (limit <= 0) return out;
    for (const { key, value } of this.#oplog.getRange({ start: sequenceKey(fromSequence), limit })) {
      const { number, value: payload } = unframe(key, value);
      out.push({ sequence: Number(key.readBigUInt64BE()), timestamp: number, payload });
    }
    return out;
  }

  async oplogBounds(): Promise<OplogBounds> {
    const last = this.#readNumber(LAST_KEY) ?? 0;
    const first = this.#readNumber(FIRST_KEY) ?? 1;
    return { first, last };
  }

  async trimOplog(throughSequence: number): Promise<number> {
    this.#writable();
    let removed = 0;
    for (;;) {
      const { first, last } = await this.oplogBounds();
      const through = Math.min(throughSequence, last, first + TRIM_BATCH - 1);
      if (through < first) return removed;
      try {
        await this.#root.transaction(() => {
          const start = this.#readNumber(FIRST_KEY) ?? 1;
          for (let seq = start; seq <= through; seq++) this.#oplog.removeSync(sequenceKey(seq));
          this.#sys.putSync(FIRST_KEY, frame(FIRST_KEY, Math.max(start, through + 1), new Uint8Array()));
        });
      } catch (err) {
        throw await this.#commitError(err);
      }
      removed += through - first + 1;
    }
  }

  onOplog(listener: (lastSequence: number) => void): () => void {
    this.#listeners.add(listener);
    if (this.#poll === undefined) {
      this.#notified = Math.max(this.#notified, this.#readNumber(LAST_KEY) ?? 0);
      this.#poll = setInterval(() => {
        const last = this.#readNumber(LAST_KEY) ?? 0;
        if (last > this.#notified) this.#notify(last);
      }, OPLOG_POLL_MS).unref();
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#stopPolling();
    };
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    this.#stopPolling();
    await this.#root.close();
  }

  #notify(last: number): void {
    if (last <= this.#notified) return;
    this.#notified = last;
    for (const listener of this.#listeners) {
      try {
        listener(last);
      } catch {
        // A listener's failure must not turn a durable commit into an error.
      }
    }
  }

  #stopPolling(): void {
    clearInterval(this.#poll);
    this.#poll = undefined;
  }

  #keyDb(table: Table): Database<Buffer, string> {
    return tableOf(this.#keyTables, table);
  }

  #db(table: Table): Db {
    return tableOf(this.#tables, table);
  }

  #freshSnapshot(): void {
    this.#root.resetReadTxn();
  }

  #writable(): void {
    if (this.#readOnly) throw new MeshError('INTERNAL', 'this metadata store is open read-only');
  }

  /** A record's value inside the write transaction (its own state). */
  #value(db: Db, key: Buffer): Buffer | undefined {
    const raw = db.getBinary(key);
    return raw === undefined ? undefined : unframe(key, raw).value;
  }

  /** `fresh`: false inside a write transaction, which reads its own state. */
  #readNumber(key: Buffer, fresh = true): number | undefined {
    if (fresh) this.#freshSnapshot();
    const raw = this.#sys.getBinary(key);
    return raw === undefined ? undefined : unframe(key, raw).number;
  }

  /** Maps a failed LMDB commit to STORE_FULL or INTERNAL; the cause stays attached for logs. */
  async #commitError(err: unknown): Promise<MeshError> {
    if (err instanceof MeshError) return err;
    // lmdb-js rejects with "Commit failed" and the real error in a `commitError` promise.
    const pending = (err as { commitError?: Promise<unknown> } | null)?.commitError;
    const cause = pending
      ? await pending.then(
          () => err,
          (e: unknown) => e,
        )
      : err;
    const code = (cause as { code?: unknown } | null)?.code;
    let full = typeof code === 'number' && FULL_CODES.has(code);
    if (!full && code === EIO) {
      const stats = await statfs(this.#path).catch(() => undefined);
      full = stats !== undefined && stats.bavail * stats.bsize < LOW_SPACE_BYTES;
    }
    return full
      ? new MeshError('STORE_FULL', 'metadata store is full', { cause })
      : new MeshError('INTERNAL', 'metadata store commit failed', { cause });
  }
}

export async function openLmdbStore(options: LmdbStoreOptions): Promise<LmdbStore> {
  return new LmdbStore(options);
}
