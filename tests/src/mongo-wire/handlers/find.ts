// find: filter, sort, projection, skip, limit, batchSize, singleBatch (hint ignored).

import type { Doc } from '../bson-order.js';
import { collectionName, optionalBool, optionalDoc, optionalNumber } from '../command.js';
import type { CommandContext } from '../command.js';
import { MongoCommandError } from '../errors.js';
import { queryDocs } from '../planner.js';
import { sortSpecOf } from './args.js';

export function find(cmd: Doc, ctx: CommandContext): Doc {
  const coll = collectionName(cmd, 'find');
  const filter = optionalDoc(cmd, 'filter') ?? {};
  const sort = sortSpecOf(cmd['sort']);
  const skip = optionalNumber(cmd, 'skip') ?? 0;
  if (!Number.isInteger(skip) || skip < 0) throw new MongoCommandError('BadValue', 'skip must be a non-negative integer');
  const limit = optionalNumber(cmd, 'limit') ?? 0;
  if (!Number.isInteger(limit)) throw new MongoCommandError('BadValue', 'limit must be an integer');
  const singleBatch = (optionalBool(cmd, 'singleBatch') ?? false) || limit < 0;
  const source = queryDocs(ctx.scope.view(ctx.db, coll), filter, sort, skip);
  const cursor = ctx.server.cursors.open(`${ctx.db}.${coll}`, source, {
    batchSize: optionalNumber(cmd, 'batchSize'),
    limit: Math.abs(limit),
    singleBatch,
    projection: optionalDoc(cmd, 'projection'),
  });
  return { cursor, ok: 1 };
}
