// createIndexes (unique, sparse, partialFilterExpression enforced), listIndexes, dropIndexes.

import { isPlainObject, keyOf } from '../bson-order.js';
import type { Doc } from '../bson-order.js';
import { collectionName, docArray, optionalBool, rejectInTransaction } from '../command.js';
import type { CommandContext } from '../command.js';
import { MongoCommandError } from '../errors.js';
import { isIndexKeySpec } from '../store.js';
import type { Collection, IndexSpec } from '../store.js';

const DESCRIPTION_OPTIONS = ['unique', 'sparse', 'partialFilterExpression', 'expireAfterSeconds', 'collation', 'hidden'];

function indexSpecOf(doc: Doc): IndexSpec {
  const key = doc['key'];
  if (!isIndexKeySpec(key)) throw new MongoCommandError('BadValue', 'index key pattern must be a non-empty document');
  const name = doc['name'];
  if (typeof name !== 'string' || name.length === 0) throw new MongoCommandError('BadValue', 'index name must be a non-empty string');
  const partial = doc['partialFilterExpression'];
  if (partial !== undefined && !isPlainObject(partial))
    throw new MongoCommandError('BadValue', 'partialFilterExpression must be a document');
  const description: Doc = { v: 2, key, name };
  for (const opt of DESCRIPTION_OPTIONS) if (doc[opt] !== undefined) description[opt] = doc[opt];
  return {
    name,
    key,
    unique: optionalBool(doc, 'unique') ?? false,
    sparse: optionalBool(doc, 'sparse') ?? false,
    partialFilterExpression: partial,
    description,
  };
}

function sameOptions(a: IndexSpec, b: IndexSpec): boolean {
  return (
    a.unique === b.unique && a.sparse === b.sparse && keyOf(a.partialFilterExpression ?? null) === keyOf(b.partialFilterExpression ?? null)
  );
}

export function createIndexes(cmd: Doc, ctx: CommandContext): Doc {
  rejectInTransaction(ctx, 'createIndexes');
  const name = collectionName(cmd, 'createIndexes');
  const specs = docArray(cmd, 'indexes').map(indexSpecOf);
  const { store } = ctx.server;
  const existing = store.collection(ctx.db, name);
  const coll = existing ?? store.ensureCollection(ctx.db, name);
  const before = coll.indexSpecs();
  for (const spec of specs) {
    const current = coll.indexSpecs();
    const sameName = current.find((s) => s.name === spec.name);
    const sameKey = current.find((s) => keyOf(s.key) === keyOf(spec.key));
    if (sameName !== undefined) {
      if (keyOf(sameName.key) !== keyOf(spec.key)) {
        throw new MongoCommandError(
          'IndexKeySpecsConflict',
          `An existing index has the same name (${spec.name}) as the requested index but a different key`,
        );
      }
      if (spec.name === '_id_' || sameOptions(sameName, spec)) continue;
      throw new MongoCommandError(
        'IndexOptionsConflict',
        `An equivalent index already exists with the same name (${spec.name}) but different options`,
      );
    }
    if (sameKey !== undefined) {
      throw new MongoCommandError('IndexOptionsConflict', `Index already exists with a different name: ${sameKey.name}`);
    }
    coll.addIndex(spec);
  }
  return {
    numIndexesBefore: before.length,
    numIndexesAfter: coll.indexSpecs().length,
    createdCollectionAutomatically: existing === undefined,
    ok: 1,
  };
}

function requireCollection(ctx: CommandContext, name: string): Collection {
  const coll = ctx.server.store.collection(ctx.db, name);
  if (coll === undefined) throw new MongoCommandError('NamespaceNotFound', `ns does not exist: ${ctx.db}.${name}`);
  return coll;
}

export function listIndexes(cmd: Doc, ctx: CommandContext): Doc {
  const name = collectionName(cmd, 'listIndexes');
  const coll = requireCollection(ctx, name);
  const docs = coll.indexSpecs().map((s) => s.description);
  const cursorOptions = isPlainObject(cmd['cursor']) ? cmd['cursor'] : {};
  const batchSize = cursorOptions['batchSize'];
  const cursor = ctx.server.cursors.open(`${ctx.db}.${name}`, docs[Symbol.iterator](), {
    batchSize: typeof batchSize === 'number' ? batchSize : undefined,
  });
  return { cursor, ok: 1 };
}

export function dropIndexes(cmd: Doc, ctx: CommandContext): Doc {
  rejectInTransaction(ctx, 'dropIndexes');
  const field = Object.keys(cmd)[0] ?? 'dropIndexes';
  const name = collectionName(cmd, field);
  const coll = requireCollection(ctx, name);
  const nIndexesWas = coll.indexSpecs().length;
  const target = cmd['index'];
  let names: string[];
  if (target === '*') {
    names = [...coll.indexes.keys()];
  } else if (typeof target === 'string') {
    names = [target];
  } else if (Array.isArray(target) && target.every((t) => typeof t === 'string')) {
    names = target;
  } else if (isIndexKeySpec(target)) {
    const spec = coll.indexSpecs().find((s) => keyOf(s.key) === keyOf(target));
    if (spec === undefined) throw new MongoCommandError('IndexNotFound', `can't find index with key: ${JSON.stringify(target)}`);
    names = [spec.name];
  } else {
    throw new MongoCommandError('TypeMismatch', 'index must be a name, a list of names, a key pattern or "*"');
  }
  for (const n of names) {
    if (n === '_id_') throw new MongoCommandError('InvalidOptions', 'cannot drop _id index');
    if (!coll.indexes.has(n)) throw new MongoCommandError('IndexNotFound', `index not found with name [${n}]`);
  }
  for (const n of names) coll.indexes.delete(n);
  return { nIndexesWas, ok: 1 };
}
