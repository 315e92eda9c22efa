// distinct: the distinct values of a field (arrays contribute their elements), in MongoDB order.

import { compareValues, keyOf, pathValues } from '../bson-order.js';
import type { Doc } from '../bson-order.js';
import { collectionName, optionalDoc } from '../command.js';
import type { CommandContext } from '../command.js';
import { MongoCommandError } from '../errors.js';
import { queryDocs } from '../planner.js';

export function distinct(cmd: Doc, ctx: CommandContext): Doc {
  const coll = collectionName(cmd, 'distinct');
  const key = cmd['key'];
  if (typeof key !== 'string' || key.length === 0) throw new MongoCommandError('TypeMismatch', 'distinct key must be a string');
  const filter = optionalDoc(cmd, 'query') ?? {};
  const seen = new Set<string>();
  const values: unknown[] = [];
  const it = queryDocs(ctx.scope.view(ctx.db, coll), filter, [], 0);
  for (let r = it.next(); r.done !== true; r = it.next()) {
    for (const v of pathValues(r.value, key, true)) {
      if (v === undefined) continue;
      const k = keyOf(v);
      if (seen.has(k)) continue;
      seen.add(k);
      values.push(v);
    }
  }
  values.sort(compareValues);
  return { values, ok: 1 };
}
