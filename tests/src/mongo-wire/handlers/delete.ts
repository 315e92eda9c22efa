// delete: one statement per deletes[] entry (q, limit 0 = all, 1 = one).

import { toNumber } from '../bson-order.js';
import type { Doc } from '../bson-order.js';
import { collectionName, docArray, optionalBool, optionalDoc } from '../command.js';
import type { CommandContext } from '../command.js';
import { MongoCommandError } from '../errors.js';
import { deleteDocuments, isStatementError } from '../writes.js';

export async function deleteCommand(cmd: Doc, ctx: CommandContext): Promise<Doc> {
  const coll = collectionName(cmd, 'delete');
  const statements = docArray(cmd, 'deletes');
  const ordered = optionalBool(cmd, 'ordered') ?? true;
  const writeErrors: Doc[] = [];
  let n = 0;
  for (const [index, stmt] of statements.entries()) {
    try {
      const filter = optionalDoc(stmt, 'q');
      if (filter === undefined) throw new MongoCommandError('FailedToParse', "delete statement requires 'q'");
      const limit = toNumber(stmt['limit'] ?? 0);
      if (limit !== 0 && limit !== 1) throw new MongoCommandError('FailedToParse', 'delete limit must be 0 or 1');
      n += (await deleteDocuments(ctx, coll, filter, limit === 0, [])).deleted;
    } catch (err) {
      if (!isStatementError(err)) throw err;
      writeErrors.push(err.toWriteError(index));
      if (ordered) break;
    }
  }
  return { n, ...(writeErrors.length > 0 ? { writeErrors } : {}), ok: 1 };
}
