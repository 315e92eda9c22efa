// Committed, in-memory state: databases → collections → documents kept in `_id` order,
// unique index entries, per-document versions, and the document locks that open
// transactions hold.

import { UUID } from 'bson';
import { compareValues, isPlainObject, keyOf, pathValues } from './bson-order.js';
import type { Doc } from './bson-order.js';
import { MongoCommandError } from './errors.js';
import { compileFilter } from './query.js';
import type { Matcher } from './query.js';

export interface StoredDoc {
  readonly doc: Doc;
  /** Store sequence number of the write that produced this version. */
  readonly version: number;
}

interface OrderEntry {
  readonly key: string;
  readonly id: unknown;
}

/**
 * `_id` order of a collection. Inserts land in an unsorted pending list and deletes in a
 * removed set; both are merged into a fresh sorted array the next time someone reads the
 * order, so bulk loads cost one sort and open cursors keep iterating their own array.
 */
class IdOrder {
  private sorted: readonly OrderEntry[] = [];
  private pending: OrderEntry[] = [];
  private readonly pendingKeys = new Set<string>();
  private readonly removed = new Set<string>();

  add(key: string, id: unknown): void {
    if (this.removed.delete(key)) return; // still in `sorted`, at the same place
    this.pending.push({ key, id });
    this.pendingKeys.add(key);
  }

  remove(key: string): void {
    if (this.pendingKeys.delete(key)) return; // filtered out of `pending` at the next merge
    this.removed.add(key);
  }

  entries(): readonly OrderEntry[] {
    if (this.pending.length === 0 && this.removed.size === 0) return this.sorted;
    const added = this.pending
      .filter((e) => this.pendingKeys.has(e.key))
      .sort((a, b) => compareValues(a.id, b.id))
      .filter((e, i, all) => i === 0 || all[i - 1]?.key !== e.key);
    const base = this.removed.size === 0 ? this.sorted : this.sorted.filter((e) => !this.removed.has(e.key));
    // Binary-search each insertion point and copy the runs in between: a few inserts
    // into a large collection cost a copy, not a comparison per document.
    const merged = new Array<OrderEntry>(base.length + added.length);
    let from = 0;
    let out = 0;
    for (const e of added) {
      const at = lowerIndex(base, { value: e.id, inclusive: true }, from);
      for (let i = from; i < at; i++) merged[out++] = base[i] as OrderEntry;
      merged[out++] = e;
      from = at;
    }
    for (let i = from; i < base.length; i++) merged[out++] = base[i] as OrderEntry;
    this.sorted = merged;
    this.pending = [];
    this.pendingKeys.clear();
    this.removed.clear();
    return merged;
  }
}

export interface Bound {
  readonly value: unknown;
  readonly inclusive: boolean;
}

export interface IdRange {
  readonly lower: Bound | undefined;
  readonly upper: Bound | undefined;
}

export const FULL_RANGE: IdRange = { lower: undefined, upper: undefined };

export function inRange(id: unknown, range: IdRange): boolean {
  if (range.lower !== undefined) {
    const c = compareValues(id, range.lower.value);
    if (c < 0 || (c === 0 && !range.lower.inclusive)) return false;
  }
  if (range.upper !== undefined) {
    const c = compareValues(id, range.upper.value);
    if (c > 0 || (c === 0 && !range.upper.inclusive)) return false;
  }
  return true;
}

/** First index (from `start`) whose id is inside the lower bound. */
function lowerIndex(entries: readonly OrderEntry[], bound: Bound, start = 0): number {
  let lo = start;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareValues((entries[mid] as OrderEntry).id, bound.value);
    if (c < 0 || (c === 0 && !bound.inclusive)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose id is past the upper bound. */
function upperIndex(entries: readonly OrderEntry[], bound: Bound): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareValues((entries[mid] as OrderEntry).id, bound.value);
    if (c < 0 || (c === 0 && bound.inclusive)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface KeyedDoc {
  readonly key: string;
  readonly doc: Doc;
}

export interface IndexSpec {
  readonly name: string;
  readonly key: Doc;
  readonly unique: boolean;
  readonly sparse: boolean;
  readonly partialFilterExpression: Doc | undefined;
  /** The index document as the client created it, for listIndexes. */
  readonly description: Doc;
}

interface IndexKey {
  readonly key: string;
  readonly values: readonly unknown[];
}

export class Index {
  /** Unique indexes only: index key → document key. */
  readonly entries: Map<string, string> | undefined;
  private readonly fields: readonly string[];
  private readonly partial: Matcher | undefined;

  constructor(readonly spec: IndexSpec) {
    this.fields = Object.keys(spec.key);
    this.entries = spec.unique ? new Map() : undefined;
    this.partial = spec.partialFilterExpression === undefined ? undefined : compileFilter(spec.partialFilterExpression);
  }

  /** The index keys of a document (several for array values); none when sparse/partial exclude it. */
  keysOf(doc: Doc): IndexKey[] {
    if (this.partial !== undefined && !this.partial(doc)) return [];
    const perField = this.fields.map((f) => pathValues(doc, f, true).filter((v) => v !== undefined));
    if (this.spec.sparse && perField.every((vs) => vs.length === 0)) return [];
    let tuples: unknown[][] = [[]];
    for (const values of perField) {
      const options = values.length === 0 ? [null] : values;
      tuples = tuples.flatMap((t) => options.map((v) => [...t, v]));
    }
    const seen = new Set<string>();
    const out: IndexKey[] = [];
    for (const values of tuples) {
      const key = keyOf(values);
      if (!seen.has(key)) {
        seen.add(key);
        out.push({ key, values });
      }
    }
    return out;
  }

  duplicateError(ns: string, values: readonly unknown[]): MongoCommandError {
    const keyValue: Doc = {};
    this.fields.forEach((f, i) => {
      keyValue[f] = values[i];
    });
    const shown = this.fields.map((f, i) => `${f}: ${JSON.stringify(values[i]) ?? 'null'}`).join(', ');
    return new MongoCommandError(
      'DuplicateKey',
      `E11000 duplicate key error collection: ${ns} index: ${this.spec.name} dup key: { ${shown} }`,
      { keyPattern: this.spec.key, keyValue },
    );
  }
}

export function idDuplicateError(ns: string, id: unknown): MongoCommandError {
  return new MongoCommandError(
    'DuplicateKey',
    `E11000 duplicate key error collection: ${ns} index: _id_ dup key: { _id: ${JSON.stringify(id) ?? 'null'} }`,
    { keyPattern: { _id: 1 }, keyValue: { _id: id } },
  );
}

const ID_INDEX: IndexSpec = {
  name: '_id_',
  key: { _id: 1 },
  unique: true,
  sparse: false,
  partialFilterExpression: undefined,
  description: { v: 2, key: { _id: 1 }, name: '_id_' },
};

export class Collection {
  readonly docs = new Map<string, StoredDoc>();
  readonly uuid = new UUID();
  /** Secondary indexes by name (the `_id` index is implicit in `docs`). */
  readonly indexes = new Map<string, Index>();
  private readonly order = new IdOrder();

  constructor(
    readonly db: string,
    readonly name: string,
    readonly options: Doc = {},
  ) {}

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  indexSpecs(): IndexSpec[] {
    return [ID_INDEX, ...[...this.indexes.values()].map((i) => i.spec)];
  }

  get(key: string): StoredDoc | undefined {
    return this.docs.get(key);
  }

  /** Documents with `_id` in range, in `_id` order (or reverse). */
  *scan(range: IdRange, reverse: boolean): Generator<KeyedDoc> {
    const entries = this.order.entries();
    const lo = range.lower === undefined ? 0 : lowerIndex(entries, range.lower);
    const hi = range.upper === undefined ? entries.length : upperIndex(entries, range.upper);
    if (!reverse) {
      for (let i = lo; i < hi; i++) {
        const key = (entries[i] as OrderEntry).key;
        const stored = this.docs.get(key);
        if (stored !== undefined) yield { key, doc: stored.doc };
      }
    } else {
      for (let i = hi - 1; i >= lo; i--) {
        const key = (entries[i] as OrderEntry).key;
        const stored = this.docs.get(key);
        if (stored !== undefined) yield { key, doc: stored.doc };
      }
    }
  }

  /** A unique-index violation `doc` would cause, ignoring entries owned by `ignore`d documents. */
  findDuplicate(key: string, doc: Doc, ignore?: (owner: string) => boolean): MongoCommandError | undefined {
    for (const index of this.indexes.values()) {
      const entries = index.entries;
      if (entries === undefined) continue;
      for (const ik of index.keysOf(doc)) {
        const owner = entries.get(ik.key);
        if (owner !== undefined && owner !== key && !(ignore?.(owner) ?? false)) return index.duplicateError(this.ns, ik.values);
      }
    }
    return undefined;
  }

  /** Applies a validated write (`null` deletes). */
  write(key: string, doc: Doc | null, version: number): void {
    const before = this.docs.get(key);
    for (const index of this.indexes.values()) {
      const entries = index.entries;
      if (entries === undefined) continue;
      if (before !== undefined) for (const ik of index.keysOf(before.doc)) if (entries.get(ik.key) === key) entries.delete(ik.key);
      if (doc !== null) for (const ik of index.keysOf(doc)) entries.set(ik.key, key);
    }
    if (doc === null) {
      if (before !== undefined) {
        this.docs.delete(key);
        this.order.remove(key);
      }
      return;
    }
    this.docs.set(key, { doc, version });
    if (before === undefined) this.order.add(key, doc['_id']);
  }

  /** Builds an index over the existing documents; fails without side effects on a duplicate. */
  addIndex(spec: IndexSpec): void {
    const index = new Index(spec);
    const entries = index.entries;
    if (entries !== undefined) {
      for (const [key, stored] of this.docs) {
        for (const ik of index.keysOf(stored.doc)) {
          const owner = entries.get(ik.key);
          if (owner !== undefined && owner !== key) throw index.duplicateError(this.ns, ik.values);
          entries.set(ik.key, key);
        }
      }
    }
    this.indexes.set(spec.name, index);
  }
}

export type LockOwner = object;

export function splitNamespace(ns: string): [db: string, collection: string] {
  const dot = ns.indexOf('.');
  return [ns.slice(0, dot), ns.slice(dot + 1)];
}

export function lockKey(ns: string, key: string): string {
  return `${ns}\u0000${key}`;
}

export class Store {
  private sequence = 0;
  private readonly databases = new Map<string, Map<string, Collection>>();
  private readonly locks = new Map<string, LockOwner>();
  private readonly waiters = new Map<string, Array<() => void>>();

  /** Sequence number of the latest committed write. */
  get seq(): number {
    return this.sequence;
  }

  nextSeq(): number {
    return ++this.sequence;
  }

  collection(db: string, name: string): Collection | undefined {
    return this.databases.get(db)?.get(name);
  }

  ensureCollection(db: string, name: string): Collection {
    let colls = this.databases.get(db);
    if (colls === undefined) {
      colls = new Map();
      this.databases.set(db, colls);
    }
    let coll = colls.get(name);
    if (coll === undefined) {
      coll = new Collection(db, name);
      colls.set(name, coll);
    }
    return coll;
  }

  createCollection(db: string, name: string, options: Doc): Collection {
    if (this.collection(db, name) !== undefined) {
      throw new MongoCommandError('NamespaceExists', `Collection ${db}.${name} already exists.`);
    }
    const coll = new Collection(db, name, options);
    let colls = this.databases.get(db);
    if (colls === undefined) {
      colls = new Map();
      this.databases.set(db, colls);
    }
    colls.set(name, coll);
    return coll;
  }

  dropCollection(db: string, name: string): Collection | undefined {
    const colls = this.databases.get(db);
    const coll = colls?.get(name);
    if (colls === undefined || coll === undefined) return undefined;
    colls.delete(name);
    if (colls.size === 0) this.databases.delete(db);
    return coll;
  }

  renameCollection(from: Collection, db: string, name: string): Collection {
    this.dropCollection(from.db, from.name);
    const coll = this.createCollection(db, name, from.options);
    for (const index of from.indexes.values()) coll.addIndex(index.spec);
    for (const [key, stored] of from.docs) coll.write(key, stored.doc, stored.version);
    return coll;
  }

  dropDatabase(db: string): void {
    this.databases.delete(db);
  }

  databaseNames(): string[] {
    return [...this.databases.keys()];
  }

  collections(db: string): Collection[] {
    return [...(this.databases.get(db)?.values() ?? [])];
  }

  lockOwner(lock: string): LockOwner | undefined {
    return this.locks.get(lock);
  }

  lock(lock: string, owner: LockOwner): void {
    this.locks.set(lock, owner);
  }

  /** A promise that settles when `lock` is released, or undefined when it is free now. */
  whenUnlocked(lock: string): Promise<void> | undefined {
    if (!this.locks.has(lock)) return undefined;
    return new Promise((resolve) => {
      const list = this.waiters.get(lock) ?? [];
      list.push(resolve);
      this.waiters.set(lock, list);
    });
  }

  release(locks: Iterable<string>, owner: LockOwner): void {
    for (const lock of locks) {
      if (this.locks.get(lock) !== owner) continue;
      this.locks.delete(lock);
      const list = this.waiters.get(lock);
      this.waiters.delete(lock);
      for (const wake of list ?? []) wake();
    }
  }
}

export function isIndexKeySpec(v: unknown): v is Doc {
  return isPlainObject(v) && Object.keys(v).length > 0;
}
