// Logical sessions and multi-document transactions.
//
// A transaction buffers its writes (per namespace, per document key) and locks each
// document it writes. Another transaction touching a locked document, or a document
// committed after this transaction started, gets WriteConflict (the driver retries the
// whole transaction); a write outside any transaction waits for the lock. Commit
// re-checks unique indexes and applies every buffered write in one synchronous step.
// Reads inside a transaction see the latest committed data plus their own writes.

import type { Doc } from './bson-order.js';
import { MongoCommandError } from './errors.js';
import { splitNamespace } from './store.js';
import type { Store } from './store.js';

/** MongoDB's transactionLifetimeLimitSeconds default. */
export const TRANSACTION_LIFETIME_MS = 60_000;
const SESSION_IDLE_MS = 30 * 60_000;

export type TransactionState = 'active' | 'committed' | 'aborted';

export class Transaction {
  /** namespace → document key → new document (null = deleted). */
  readonly writes = new Map<string, Map<string, Doc | null>>();
  readonly locks = new Set<string>();
  state: TransactionState = 'active';

  constructor(
    readonly txnNumber: number,
    /** Store sequence when the transaction started; later committed versions conflict. */
    readonly snapshotSeq: number,
    readonly startedAt: number,
  ) {}

  writesFor(ns: string): Map<string, Doc | null> {
    let w = this.writes.get(ns);
    if (w === undefined) {
      w = new Map();
      this.writes.set(ns, w);
    }
    return w;
  }
}

export function writeConflict(): MongoCommandError {
  return new MongoCommandError(
    'WriteConflict',
    'Write conflict during plan execution and yielding is disabled. :: Please retry your operation or multi-document transaction.',
  );
}

function noSuchTransaction(txnNumber: number): MongoCommandError {
  return new MongoCommandError('NoSuchTransaction', `Transaction with { txnNumber: ${txnNumber} } has been aborted or does not exist.`);
}

/** Applies a transaction's writes atomically, or throws WriteConflict and applies nothing. */
function applyCommit(store: Store, txn: Transaction): void {
  for (const [ns, writes] of txn.writes) {
    const [db, name] = splitNamespace(ns);
    const coll = store.collection(db, name);
    if (coll === undefined) continue;
    for (const [key, doc] of writes) {
      const committed = coll.get(key);
      if (committed !== undefined && committed.version > txn.snapshotSeq) throw writeConflict();
      if (doc !== null && coll.findDuplicate(key, doc, (owner) => writes.has(owner)) !== undefined) throw writeConflict();
    }
  }
  for (const [ns, writes] of txn.writes) {
    if (writes.size === 0) continue;
    const [db, name] = splitNamespace(ns);
    const coll = store.ensureCollection(db, name);
    for (const [key, doc] of writes) coll.write(key, doc, store.nextSeq());
  }
}

interface SessionState {
  txnNumber: number;
  txn: Transaction | undefined;
  retry: { readonly txnNumber: number; readonly reply: Doc } | undefined;
  lastUsed: number;
}

export class Sessions {
  private readonly sessions = new Map<string, SessionState>();

  constructor(private readonly store: Store) {}

  private session(lsid: string): SessionState {
    let s = this.sessions.get(lsid);
    if (s === undefined) {
      s = { txnNumber: -1, txn: undefined, retry: undefined, lastUsed: Date.now() };
      this.sessions.set(lsid, s);
    }
    s.lastUsed = Date.now();
    return s;
  }

  /** The transaction a command with `autocommit: false` runs in, started if `start`. */
  transactionFor(lsid: string, txnNumber: number, start: boolean): Transaction {
    const s = this.session(lsid);
    if (start) {
      if (txnNumber < s.txnNumber) {
        throw new MongoCommandError('TransactionTooOld', `Cannot start transaction ${txnNumber}: a newer one (${s.txnNumber}) has started`);
      }
      if (txnNumber === s.txnNumber && s.txn !== undefined) {
        throw new MongoCommandError('ConflictingOperationInProgress', `Transaction ${txnNumber} has already been started`);
      }
      this.abortActive(s);
      s.txnNumber = txnNumber;
      s.retry = undefined;
      s.txn = new Transaction(txnNumber, this.store.seq, Date.now());
      return s.txn;
    }
    const txn = s.txn;
    if (txnNumber !== s.txnNumber || txn === undefined || txn.state !== 'active') throw noSuchTransaction(txnNumber);
    return txn;
  }

  commit(lsid: string, txnNumber: number): Doc {
    const s = this.session(lsid);
    const txn = s.txn;
    if (txnNumber !== s.txnNumber || txn === undefined) throw noSuchTransaction(txnNumber);
    if (txn.state === 'committed') return { ok: 1 }; // a retried commit
    if (txn.state === 'aborted') throw noSuchTransaction(txnNumber);
    try {
      applyCommit(this.store, txn);
      txn.state = 'committed';
    } catch (err) {
      txn.state = 'aborted';
      throw err;
    } finally {
      this.store.release(txn.locks, txn);
    }
    return { ok: 1 };
  }

  abort(lsid: string, txnNumber: number): Doc {
    const s = this.session(lsid);
    const txn = s.txn;
    if (txnNumber !== s.txnNumber || txn === undefined || txn.state === 'aborted') throw noSuchTransaction(txnNumber);
    if (txn.state === 'committed') throw new MongoCommandError('TransactionCommitted', `Transaction ${txnNumber} has been committed.`);
    this.abortTransaction(txn);
    return { ok: 1 };
  }

  /** Discards a transaction's writes and releases its locks. */
  abortTransaction(txn: Transaction): void {
    if (txn.state !== 'active') return;
    txn.state = 'aborted';
    txn.writes.clear();
    this.store.release(txn.locks, txn);
  }

  private abortActive(s: SessionState): void {
    if (s.txn !== undefined) this.abortTransaction(s.txn);
  }

  /** Runs a retryable write once per (session, txnNumber); a retry gets the first reply. */
  async retryableWrite(lsid: string, txnNumber: number, run: () => Promise<Doc>): Promise<Doc> {
    const s = this.session(lsid);
    if (s.retry !== undefined && s.retry.txnNumber === txnNumber) return s.retry.reply;
    if (txnNumber < s.txnNumber) {
      throw new MongoCommandError(
        'TransactionTooOld',
        `Retryable write with txnNumber ${txnNumber} is prohibited: ${s.txnNumber} has started`,
      );
    }
    this.abortActive(s);
    s.txnNumber = txnNumber;
    s.txn = undefined;
    const reply = await run();
    if (s.txnNumber === txnNumber) s.retry = { txnNumber, reply };
    return reply;
  }

  end(lsid: string): void {
    const s = this.sessions.get(lsid);
    if (s === undefined) return;
    this.abortActive(s);
    this.sessions.delete(lsid);
  }

  /** Aborts transactions past their lifetime and forgets idle sessions. */
  expire(now: number): void {
    for (const [lsid, s] of this.sessions) {
      if (s.txn !== undefined && s.txn.state === 'active' && now - s.txn.startedAt > TRANSACTION_LIFETIME_MS) this.abortActive(s);
      if (now - s.lastUsed > SESSION_IDLE_MS) this.end(lsid);
    }
  }

  endAll(): void {
    for (const lsid of [...this.sessions.keys()]) this.end(lsid);
  }
}
