// Document-level writes shared by insert, update, delete and findAndModify.
//
// Every write claims its document through the scope first (waiting while a transaction
// holds it), then re-reads, re-checks and writes it without yielding, so each document
// write is atomic.

import { ObjectId } from 'bson';
import { keyOf, withIdFirst } from './bson-order.js';
import type { Doc, SortSpec } from './bson-order.js';
import type { CommandContext } from './command.js';
import { MONGO_ERRORS, MongoCommandError } from './errors.js';
import { queryDocs } from './planner.js';
import { applyUpdate, compileFilter, upsertSeed } from './query.js';
import { idDuplicateError } from './store.js';

/** Errors reported per statement in writeErrors[]; anything else fails the whole command. */
const STATEMENT_ERRORS: ReadonlySet<number> = new Set([
  MONGO_ERRORS.DuplicateKey,
  MONGO_ERRORS.ImmutableField,
  MONGO_ERRORS.FailedToParse,
  MONGO_ERRORS.BadValue,
  MONGO_ERRORS.TypeMismatch,
]);

export function isStatementError(err: unknown): err is MongoCommandError {
  return err instanceof MongoCommandError && STATEMENT_ERRORS.has(err.code);
}

/** Inserts one document; `_id` is generated when missing and always stored first. */
export async function insertDocument(ctx: CommandContext, coll: string, input: Doc): Promise<Doc> {
  const doc = Object.hasOwn(input, '_id') ? withIdFirst(input) : { _id: new ObjectId(), ...input };
  const id = doc['_id'];
  if (id === undefined || Array.isArray(id) || id instanceof RegExp) {
    throw new MongoCommandError('BadValue', `can't use ${Array.isArray(id) ? 'an array' : 'this value'} for _id`);
  }
  const key = keyOf(id);
  const { scope, db } = ctx;
  // The last acquire() and everything after it run without yielding.
  for (let wait = scope.acquire(db, coll, key); wait !== undefined; wait = scope.acquire(db, coll, key)) await wait;
  if (scope.view(db, coll).get(key) !== undefined) throw idDuplicateError(`${db}.${coll}`, id);
  scope.put(db, coll, key, doc);
  return doc;
}

export interface UpdateSpec {
  readonly filter: Doc;
  readonly update: unknown;
  readonly multi: boolean;
  readonly upsert: boolean;
  readonly arrayFilters: Doc[] | undefined;
  readonly sort: SortSpec;
}

export interface UpdateOutcome {
  readonly matched: number;
  readonly modified: number;
  /** `_id` of the inserted document when the update upserted. */
  readonly upsertedId: unknown;
  /** First updated document before/after the update (single-document updates). */
  readonly before: Doc | undefined;
  readonly after: Doc | undefined;
}

function firstMatchKey(ctx: CommandContext, coll: string, filter: Doc, sort: SortSpec): string | undefined {
  const first = queryDocs(ctx.scope.view(ctx.db, coll), filter, sort, 0).next();
  return first.done === true ? undefined : keyOf(first.value['_id']);
}

export async function updateDocuments(ctx: CommandContext, coll: string, spec: UpdateSpec): Promise<UpdateOutcome> {
  const { scope, db } = ctx;
  const view = scope.view(db, coll);
  const match = compileFilter(spec.filter);
  const updateCtx = { filter: spec.filter, arrayFilters: spec.arrayFilters, isInsert: false };

  /** Updates the document if it still matches; false when it no longer does. */
  const updateOne = (key: string): { before: Doc; after: Doc; modified: boolean } | undefined => {
    const current = view.get(key);
    if (current === undefined || !match(current)) return undefined;
    const next = applyUpdate(current, spec.update, updateCtx);
    const modified = keyOf(next) !== keyOf(current);
    if (modified) scope.put(db, coll, key, next);
    return { before: current, after: modified ? next : current, modified };
  };

  if (spec.multi) {
    const keys: string[] = [];
    const it = queryDocs(view, spec.filter, [], 0);
    for (let r = it.next(); r.done !== true; r = it.next()) keys.push(keyOf(r.value['_id']));
    let matched = 0;
    let modified = 0;
    for (const key of keys) {
      for (let wait = scope.acquire(db, coll, key); wait !== undefined; wait = scope.acquire(db, coll, key)) await wait;
      const r = updateOne(key);
      if (r === undefined) continue;
      matched++;
      if (r.modified) modified++;
    }
    if (matched > 0 || !spec.upsert) return { matched, modified, upsertedId: undefined, before: undefined, after: undefined };
  } else {
    for (
      let key = firstMatchKey(ctx, coll, spec.filter, spec.sort);
      key !== undefined;
      key = firstMatchKey(ctx, coll, spec.filter, spec.sort)
    ) {
      const wait = scope.acquire(db, coll, key);
      if (wait !== undefined) {
        await wait; // the first match may have changed meanwhile: look again
        continue;
      }
      const r = updateOne(key);
      if (r === undefined) continue;
      return { matched: 1, modified: r.modified ? 1 : 0, upsertedId: undefined, before: r.before, after: r.after };
    }
    if (!spec.upsert) return { matched: 0, modified: 0, upsertedId: undefined, before: undefined, after: undefined };
  }

  const seeded = applyUpdate(upsertSeed(spec.filter), spec.update, { ...updateCtx, isInsert: true });
  const inserted = await insertDocument(ctx, coll, seeded);
  return { matched: 0, modified: 0, upsertedId: inserted['_id'], before: undefined, after: inserted };
}

export interface DeleteOutcome {
  readonly deleted: number;
  /** The deleted document (single-document deletes). */
  readonly doc: Doc | undefined;
}

export async function deleteDocuments(
  ctx: CommandContext,
  coll: string,
  filter: Doc,
  multi: boolean,
  sort: SortSpec,
): Promise<DeleteOutcome> {
  const { scope, db } = ctx;
  const view = scope.view(db, coll);
  const match = compileFilter(filter);
  const deleteOne = (key: string): Doc | undefined => {
    const current = view.get(key);
    if (current === undefined || !match(current)) return undefined;
    scope.put(db, coll, key, null);
    return current;
  };
  if (multi) {
    const keys: string[] = [];
    const it = queryDocs(view, filter, [], 0);
    for (let r = it.next(); r.done !== true; r = it.next()) keys.push(keyOf(r.value['_id']));
    let deleted = 0;
    for (const key of keys) {
      for (let wait = scope.acquire(db, coll, key); wait !== undefined; wait = scope.acquire(db, coll, key)) await wait;
      if (deleteOne(key) !== undefined) deleted++;
    }
    return { deleted, doc: undefined };
  }
  for (let key = firstMatchKey(ctx, coll, filter, sort); key !== undefined; key = firstMatchKey(ctx, coll, filter, sort)) {
    const wait = scope.acquire(db, coll, key);
    if (wait !== undefined) {
      await wait;
      continue;
    }
    const doc = deleteOne(key);
    if (doc !== undefined) return { deleted: 1, doc };
  }
  return { deleted: 0, doc: undefined };
}
