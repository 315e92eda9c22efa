// aggregate (cursor form). A leading $match / $sort / $skip / $limit runs through the
// query planner (so `_id` ranges use the ordered scan); the rest of the pipeline runs in mingo.

import { isPlainObject, toNumber } from '../bson-order.js';
import type { Doc, SortSpec } from '../bson-order.js';
import { collectionName, docArray, optionalDoc, optionalNumber } from '../command.js';
import type { CommandContext } from '../command.js';
import { MongoCommandError } from '../errors.js';
import { queryDocs } from '../planner.js';
import { runPipeline } from '../query.js';
import { FULL_RANGE } from '../store.js';
import { sortSpecOf } from './args.js';

function stageArg(stage: Doc | undefined, name: string): unknown {
  return stage !== undefined && Object.keys(stage)[0] === name ? stage[name] : undefined;
}

function countOf(v: unknown, stage: string): number {
  const n = toNumber(v);
  if (!Number.isInteger(n) || n < 0) throw new MongoCommandError('BadValue', `${stage} must be a non-negative integer`);
  return n;
}

export function aggregate(cmd: Doc, ctx: CommandContext): Doc {
  if (typeof cmd['aggregate'] !== 'string') {
    throw new MongoCommandError('IllegalOperation', 'database-level aggregation is not supported by this test server');
  }
  const coll = collectionName(cmd, 'aggregate');
  const pipeline = docArray(cmd, 'pipeline');
  if (cmd['explain'] === true) throw new MongoCommandError('IllegalOperation', 'explain is not supported by this test server');
  const cursorOptions = optionalDoc(cmd, 'cursor');
  if (cursorOptions === undefined) throw new MongoCommandError('FailedToParse', "The 'cursor' option is required");

  let i = 0;
  let filter: Doc = {};
  let sort: SortSpec = [];
  let skip = 0;
  let limit = 0;
  const match = stageArg(pipeline[i], '$match');
  if (match !== undefined) {
    if (!isPlainObject(match)) throw new MongoCommandError('BadValue', '$match must be a document');
    filter = match;
    i++;
  }
  const sortArg = stageArg(pipeline[i], '$sort');
  if (sortArg !== undefined) {
    sort = sortSpecOf(sortArg);
    if (sort.length === 0) throw new MongoCommandError('BadValue', '$sort specification must not be empty');
    i++;
  }
  const skipArg = stageArg(pipeline[i], '$skip');
  if (skipArg !== undefined) {
    skip = countOf(skipArg, '$skip');
    i++;
  }
  const limitArg = stageArg(pipeline[i], '$limit');
  if (limitArg !== undefined) {
    limit = countOf(limitArg, '$limit');
    if (limit === 0) throw new MongoCommandError('BadValue', '$limit must be positive');
    i++;
  }

  const view = ctx.scope.view(ctx.db, coll);
  let source = queryDocs(view, filter, sort, skip);
  const rest = pipeline.slice(i);
  if (rest.length > 0) {
    const input: Doc[] = [];
    for (let r = source.next(); r.done !== true && (limit === 0 || input.length < limit); r = source.next()) input.push(r.value);
    const resolver = (name: string): Doc[] => [...docsOf(ctx.scope.view(ctx.db, name).scan(FULL_RANGE, false))];
    source = runPipeline(input, rest, resolver)[Symbol.iterator]();
    limit = 0;
  }
  const cursor = ctx.server.cursors.open(`${ctx.db}.${coll}`, source, {
    batchSize: optionalNumber(cursorOptions, 'batchSize'),
    limit,
  });
  return { cursor, ok: 1 };
}

function* docsOf(it: Iterator<{ readonly doc: Doc }>): Generator<Doc> {
  for (let r = it.next(); r.done !== true; r = it.next()) yield r.value.doc;
}
