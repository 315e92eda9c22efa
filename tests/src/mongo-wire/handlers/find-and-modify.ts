// findAndModify: update (new, upsert, sort, fields, arrayFilters) or remove one document.

import type { Doc } from '../bson-order.js';
import { collectionName, docArray, optionalBool, optionalDoc } from '../command.js';
import type { CommandContext } from '../command.js';
import { MongoCommandError } from '../errors.js';
import { applyProjection } from '../query.js';
import { deleteDocuments, updateDocuments } from '../writes.js';
import { sortSpecOf } from './args.js';

function projected(doc: Doc | undefined, fields: Doc | undefined): Doc | null {
  if (doc === undefined) return null;
  return applyProjection([doc], fields)[0] ?? null;
}

export async function findAndModify(cmd: Doc, ctx: CommandContext): Promise<Doc> {
  const name = Object.keys(cmd)[0] ?? 'findAndModify';
  const coll = collectionName(cmd, name);
  const filter = optionalDoc(cmd, 'query') ?? {};
  const sort = sortSpecOf(cmd['sort']);
  const fields = optionalDoc(cmd, 'fields');
  const remove = optionalBool(cmd, 'remove') ?? false;
  if (remove) {
    if (cmd['update'] !== undefined) throw new MongoCommandError('FailedToParse', 'Cannot specify both an update and remove=true');
    const r = await deleteDocuments(ctx, coll, filter, false, sort);
    return { lastErrorObject: { n: r.deleted }, value: projected(r.doc, fields), ok: 1 };
  }
  if (cmd['update'] === undefined) throw new MongoCommandError('FailedToParse', 'Either an update or remove=true must be specified');
  const r = await updateDocuments(ctx, coll, {
    filter,
    update: cmd['update'],
    multi: false,
    upsert: optionalBool(cmd, 'upsert') ?? false,
    arrayFilters: cmd['arrayFilters'] === undefined ? undefined : docArray(cmd, 'arrayFilters'),
    sort,
  });
  const returnNew = optionalBool(cmd, 'new') ?? false;
  const upserted = r.upsertedId !== undefined;
  return {
    lastErrorObject: {
      n: upserted ? 1 : r.matched,
      updatedExisting: r.matched > 0,
      ...(upserted ? { upserted: r.upsertedId } : {}),
    },
    value: projected(returnNew ? r.after : r.before, fields),
    ok: 1,
  };
}
