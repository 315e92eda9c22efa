// create, drop, listCollections, renameCollection.

import { BSON } from 'bson';
import { isPlainObject } from '../bson-order.js';
import type { Doc } from '../bson-order.js';
import { collectionName, optionalBool, optionalDoc, rejectInTransaction } from '../command.js';
import type { CommandContext } from '../command.js';
import { MongoCommandError } from '../errors.js';
import { compileFilter } from '../query.js';
import { splitNamespace } from '../store.js';

/** Command fields that are not collection options. */
const GENERIC_FIELDS = new Set([
  'lsid',
  'txnNumber',
  'autocommit',
  'startTransaction',
  'writeConcern',
  'readConcern',
  'comment',
  'maxTimeMS',
]);

export function create(cmd: Doc, ctx: CommandContext): Doc {
  rejectInTransaction(ctx, 'create');
  const name = collectionName(cmd, 'create');
  const options: Doc = {};
  for (const [k, v] of Object.entries(cmd)) if (k !== 'create' && !k.startsWith('$') && !GENERIC_FIELDS.has(k)) options[k] = v;
  ctx.server.store.createCollection(ctx.db, name, options);
  return { ok: 1 };
}

export function drop(cmd: Doc, ctx: CommandContext): Doc {
  rejectInTransaction(ctx, 'drop');
  const name = collectionName(cmd, 'drop');
  const dropped = ctx.server.store.dropCollection(ctx.db, name);
  // Like MongoDB 7.0, dropping a missing collection succeeds.
  if (dropped === undefined) return { ok: 1 };
  return { ns: dropped.ns, nIndexesWas: dropped.indexSpecs().length, ok: 1 };
}

export function listCollections(cmd: Doc, ctx: CommandContext): Doc {
  const filter = optionalDoc(cmd, 'filter');
  const nameOnly = optionalBool(cmd, 'nameOnly') ?? false;
  const infos = ctx.server.store
    .collections(ctx.db)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((c): Doc =>
      nameOnly
        ? { name: c.name, type: 'collection' }
        : {
            name: c.name,
            type: 'collection',
            options: c.options,
            info: { readOnly: false, uuid: c.uuid },
            idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
          },
    );
  const match = compileFilter(filter);
  const cursorOptions = isPlainObject(cmd['cursor']) ? cmd['cursor'] : {};
  const batchSize = cursorOptions['batchSize'];
  const cursor = ctx.server.cursors.open(`${ctx.db}.$cmd.listCollections`, infos.filter(match)[Symbol.iterator](), {
    batchSize: typeof batchSize === 'number' ? batchSize : undefined,
  });
  return { cursor, ok: 1 };
}

function namespaceOf(v: unknown, field: string): [string, string] {
  if (typeof v !== 'string' || !v.includes('.'))
    throw new MongoCommandError('InvalidNamespace', `${field} must be a full namespace (db.collection)`);
  const [db, coll] = splitNamespace(v);
  collectionName({ [field]: coll }, field);
  return [db, coll];
}

export function renameCollection(cmd: Doc, ctx: CommandContext): Doc {
  rejectInTransaction(ctx, 'renameCollection');
  const [fromDb, fromName] = namespaceOf(cmd['renameCollection'], 'renameCollection');
  const [toDb, toName] = namespaceOf(cmd['to'], 'to');
  const { store } = ctx.server;
  const from = store.collection(fromDb, fromName);
  if (from === undefined) throw new MongoCommandError('NamespaceNotFound', `Source collection ${fromDb}.${fromName} does not exist`);
  if (store.collection(toDb, toName) !== undefined) {
    if (optionalBool(cmd, 'dropTarget') !== true)
      throw new MongoCommandError('NamespaceExists', `target namespace ${toDb}.${toName} exists`);
    store.dropCollection(toDb, toName);
  }
  store.renameCollection(from, toDb, toName);
  return { ok: 1 };
}

export function dropDatabase(_cmd: Doc, ctx: CommandContext): Doc {
  rejectInTransaction(ctx, 'dropDatabase');
  ctx.server.store.dropDatabase(ctx.db);
  return { dropped: ctx.db, ok: 1 };
}

export function listDatabases(cmd: Doc, ctx: CommandContext): Doc {
  const { store } = ctx.server;
  const nameOnly = optionalBool(cmd, 'nameOnly') ?? false;
  const match = compileFilter(optionalDoc(cmd, 'filter'));
  const databases: Doc[] = [];
  let totalSize = 0;
  for (const name of store.databaseNames().sort()) {
    let sizeOnDisk = 0;
    for (const coll of store.collections(name)) for (const stored of coll.docs.values()) sizeOnDisk += BSON.calculateObjectSize(stored.doc);
    const info: Doc = nameOnly ? { name } : { name, sizeOnDisk, empty: sizeOnDisk === 0 };
    if (!match(info)) continue;
    totalSize += sizeOnDisk;
    databases.push(info);
  }
  return nameOnly ? { databases, ok: 1 } : { databases, totalSize, totalSizeMb: Math.floor(totalSize / 1024 / 1024), ok: 1 };
}
