// count: number of matching documents after skip, capped by limit.

import type { Doc } from '../bson-order.js';
import { collectionName, optionalDoc, optionalNumber } from '../command.js';
import type { CommandContext } from '../command.js';
import { queryDocs } from '../planner.js';

export function count(cmd: Doc, ctx: CommandContext): Doc {
  const coll = collectionName(cmd, 'count');
  const filter = optionalDoc(cmd, 'query') ?? {};
  const skip = Math.max(0, optionalNumber(cmd, 'skip') ?? 0);
  const limit = Math.abs(optionalNumber(cmd, 'limit') ?? 0);
  const it = queryDocs(ctx.scope.view(ctx.db, coll), filter, [], skip);
  let n = 0;
  while ((limit === 0 || n < limit) && it.next().done !== true) n++;
  return { n, ok: 1 };
}
