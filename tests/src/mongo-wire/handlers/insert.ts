// insert: documents (usually a kind-1 document sequence), ordered or not.

import type { Doc } from '../bson-order.js';
import { collectionName, docArray, optionalBool } from '../command.js';
import type { CommandContext } from '../command.js';
import { insertDocument, isStatementError } from '../writes.js';

export async function insert(cmd: Doc, ctx: CommandContext): Promise<Doc> {
  const coll = collectionName(cmd, 'insert');
  const docs = docArray(cmd, 'documents');
  const ordered = optionalBool(cmd, 'ordered') ?? true;
  const writeErrors: Doc[] = [];
  let n = 0;
  for (const [index, doc] of docs.entries()) {
    try {
      await insertDocument(ctx, coll, doc);
      n++;
    } catch (err) {
      if (!isStatementError(err)) throw err;
      writeErrors.push(err.toWriteError(index));
      if (ordered) break;
    }
  }
  return { n, ...(writeErrors.length > 0 ? { writeErrors } : {}), ok: 1 };
}
