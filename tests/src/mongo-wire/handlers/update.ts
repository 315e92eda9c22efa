// update: one statement per updates[] entry (q, u, multi, upsert, arrayFilters).

import type { Doc } from '../bson-order.js';
import { collectionName, docArray, optionalBool, optionalDoc } from '../command.js';
import type { CommandContext } from '../command.js';
import { MongoCommandError } from '../errors.js';
import { isStatementError, updateDocuments } from '../writes.js';
import { sortSpecOf } from './args.js';

export async function update(cmd: Doc, ctx: CommandContext): Promise<Doc> {
  const coll = collectionName(cmd, 'update');
  const statements = docArray(cmd, 'updates');
  const ordered = optionalBool(cmd, 'ordered') ?? true;
  const writeErrors: Doc[] = [];
  const upserted: Doc[] = [];
  let n = 0;
  let nModified = 0;
  for (const [index, stmt] of statements.entries()) {
    try {
      const filter = optionalDoc(stmt, 'q');
      if (filter === undefined) throw new MongoCommandError('FailedToParse', "update statement requires 'q'");
      if (stmt['u'] === undefined) throw new MongoCommandError('FailedToParse', "update statement requires 'u'");
      const arrayFilters = stmt['arrayFilters'] === undefined ? undefined : docArray(stmt, 'arrayFilters');
      const r = await updateDocuments(ctx, coll, {
        filter,
        update: stmt['u'],
        multi: optionalBool(stmt, 'multi') ?? false,
        upsert: optionalBool(stmt, 'upsert') ?? false,
        arrayFilters,
        sort: sortSpecOf(stmt['sort']),
      });
      if (r.upsertedId !== undefined) {
        upserted.push({ index, _id: r.upsertedId });
        n++;
      } else {
        n += r.matched;
        nModified += r.modified;
      }
    } catch (err) {
      if (!isStatementError(err)) throw err;
      writeErrors.push(err.toWriteError(index));
      if (ordered) break;
    }
  }
  return {
    n,
    nModified,
    ...(upserted.length > 0 ? { upserted } : {}),
    ...(writeErrors.length > 0 ? { writeErrors } : {}),
    ok: 1,
  };
}
