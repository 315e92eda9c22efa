// getMore: the next batch of an open cursor.

import type { Doc } from '../bson-order.js';
import { optionalNumber } from '../command.js';
import type { CommandContext } from '../command.js';
import { MongoCommandError } from '../errors.js';
import { cursorIdOf } from './args.js';

export function getMore(cmd: Doc, ctx: CommandContext): Doc {
  const id = cursorIdOf(cmd['getMore']);
  const coll = cmd['collection'];
  if (typeof coll !== 'string' || coll.length === 0) throw new MongoCommandError('TypeMismatch', 'getMore requires a collection name');
  const cursor = ctx.server.cursors.more(id, `${ctx.db}.${coll}`, optionalNumber(cmd, 'batchSize'));
  return { cursor, ok: 1 };
}
