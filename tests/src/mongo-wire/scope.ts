// How a command reads and writes: directly against committed state, or through a
// transaction's buffered writes.

import { compareValues } from './bson-order.js';
import type { Doc } from './bson-order.js';
import { inRange, lockKey } from './store.js';
import type { IdRange, KeyedDoc, Store } from './store.js';
import { writeConflict } from './transactions.js';
import type { Transaction } from './transactions.js';

/** A live view of one collection (reads see writes made after the view was created). */
export interface CollectionView {
  get(key: string): Doc | undefined;
  /** Documents whose `_id` is in range, in `_id` order (or reverse). */
  scan(range: IdRange, reverse: boolean): Iterator<KeyedDoc>;
}

export interface WriteScope {
  readonly transaction: Transaction | undefined;
  view(db: string, coll: string): CollectionView;
  /**
   * Claims a document before a write. Returns a promise to await (and then call again)
   * while a transaction holds it; undefined once the caller may read-modify-write it
   * synchronously. Throws WriteConflict inside a transaction.
   */
  acquire(db: string, coll: string, key: string): Promise<void> | undefined;
  /** Writes a document (null deletes). Throws DuplicateKey on a unique index violation. */
  put(db: string, coll: string, key: string, doc: Doc | null): void;
}

const EMPTY: Iterator<KeyedDoc> = [][Symbol.iterator]();

function committedView(store: Store, db: string, name: string): CollectionView {
  return {
    get: (key) => store.collection(db, name)?.get(key)?.doc,
    scan: (range, reverse) => store.collection(db, name)?.scan(range, reverse) ?? EMPTY,
  };
}

export class DirectScope implements WriteScope {
  readonly transaction = undefined;

  constructor(private readonly store: Store) {}

  view(db: string, coll: string): CollectionView {
    return committedView(this.store, db, coll);
  }

  acquire(db: string, coll: string, key: string): Promise<void> | undefined {
    return this.store.whenUnlocked(lockKey(`${db}.${coll}`, key));
  }

  put(db: string, name: string, key: string, doc: Doc | null): void {
    const existing = this.store.collection(db, name);
    if (doc === null) {
      existing?.write(key, null, this.store.nextSeq());
      return;
    }
    const dup = existing?.findDuplicate(key, doc);
    if (dup !== undefined) throw dup;
    (existing ?? this.store.ensureCollection(db, name)).write(key, doc, this.store.nextSeq());
  }
}

function* mergeById(base: Iterator<KeyedDoc>, extra: readonly KeyedDoc[], reverse: boolean): Generator<KeyedDoc> {
  let j = 0;
  for (let r = base.next(); r.done !== true; r = base.next()) {
    const item = r.value;
    while (j < extra.length) {
      const e = extra[j] as KeyedDoc;
      const c = compareValues(e.doc['_id'], item.doc['_id']);
      if ((reverse ? -c : c) >= 0) break;
      yield e;
      j++;
    }
    yield item;
  }
  while (j < extra.length) yield extra[j++] as KeyedDoc;
}

export class TransactionScope implements WriteScope {
  constructor(
    private readonly store: Store,
    readonly transaction: Transaction,
  ) {}

  view(db: string, name: string): CollectionView {
    const ns = `${db}.${name}`;
    const base = committedView(this.store, db, name);
    const txn = this.transaction;
    return {
      get: (key) => {
        const writes = txn.writes.get(ns);
        if (writes?.has(key) === true) return writes.get(key) ?? undefined;
        return base.get(key);
      },
      scan: (range, reverse) => {
        const writes = txn.writes.get(ns);
        if (writes === undefined || writes.size === 0) return base.scan(range, reverse);
        const committed = base.scan(range, reverse);
        const filtered: Iterator<KeyedDoc> = (function* () {
          for (let r = committed.next(); r.done !== true; r = committed.next()) if (!writes.has(r.value.key)) yield r.value;
        })();
        const own: KeyedDoc[] = [];
        for (const [key, doc] of writes) if (doc !== null && inRange(doc['_id'], range)) own.push({ key, doc });
        own.sort((a, b) => compareValues(a.doc['_id'], b.doc['_id']) * (reverse ? -1 : 1));
        return mergeById(filtered, own, reverse);
      },
    };
  }

  acquire(db: string, coll: string, key: string): undefined {
    const lock = lockKey(`${db}.${coll}`, key);
    const owner = this.store.lockOwner(lock);
    if (owner !== undefined && owner !== this.transaction) throw writeConflict();
    const committed = this.store.collection(db, coll)?.get(key);
    if (committed !== undefined && committed.version > this.transaction.snapshotSeq) throw writeConflict();
    if (owner === undefined) {
      this.store.lock(lock, this.transaction);
      this.transaction.locks.add(lock);
    }
    return undefined;
  }

  put(db: string, name: string, key: string, doc: Doc | null): void {
    const writes = this.transaction.writesFor(`${db}.${name}`);
    const coll = this.store.collection(db, name);
    if (doc !== null && coll !== undefined) {
      const dup = coll.findDuplicate(key, doc, (owner) => writes.has(owner));
      if (dup !== undefined) throw dup;
      for (const index of coll.indexes.values()) {
        if (index.entries === undefined) continue;
        const mine = index.keysOf(doc);
        if (mine.length === 0) continue;
        for (const [otherKey, other] of writes) {
          if (otherKey === key || other === null) continue;
          const theirs = new Set(index.keysOf(other).map((k) => k.key));
          const clash = mine.find((k) => theirs.has(k.key));
          if (clash !== undefined) throw index.duplicateError(coll.ns, clash.values);
        }
      }
    }
    writes.set(key, doc);
  }
}
