// Query matching, projection, update operators and aggregation, delegated to mingo with
// MongoDB's value order swapped in: mingo compares strings as UTF-16 code units, MongoDB
// as UTF-8 bytes, so the range operators and $sort use bson-order instead.

import { Aggregator } from 'mingo/aggregator';
import { Context } from 'mingo/core';
import { Lazy } from 'mingo/lazy';
import type { Iterator as LazyIterator } from 'mingo/lazy';
import type { Options as MingoOptions } from 'mingo/types';
import * as accumulatorOperators from 'mingo/operators/accumulator';
import * as expressionOperators from 'mingo/operators/expression';
import * as pipelineOperators from 'mingo/operators/pipeline';
import * as projectionOperators from 'mingo/operators/projection';
import * as queryOperators from 'mingo/operators/query';
import * as windowOperators from 'mingo/operators/window';
import { Query } from 'mingo/query';
import { update as mingoUpdate, updateOne as mingoUpdateOne } from 'mingo/updater';
import { resolve } from 'mingo/util';
import {
  cloneValue,
  compareValues,
  isPlainObject,
  keyOf,
  parseSortSpec,
  pathValues,
  setPath,
  sortDocs,
  typeRank,
  withIdFirst,
} from './bson-order.js';
import type { Doc } from './bson-order.js';
import { MongoCommandError, asBadValue } from './errors.js';

/** $gt/$gte/$lt/$lte with MongoDB type bracketing and code point string order. */
function rangeOperator(accept: (comparison: number) => boolean) {
  return (selector: string, value: unknown) => {
    const rank = typeRank(value);
    const test = (v: unknown): boolean => typeRank(v) === rank && accept(compareValues(v, value));
    return (obj: Doc): boolean => {
      const lhs: unknown = resolve(obj, selector, { unwrapArray: true });
      if (Array.isArray(lhs)) return lhs.some(test) || test(lhs);
      return test(lhs);
    };
  };
}

function sortStage(coll: LazyIterator, spec: unknown): LazyIterator {
  const parsed = parseSortSpec(spec);
  return coll.transform((docs: unknown[]) => Lazy(sortDocs(docs, parsed)));
}

// The full operator set with ours in place of mingo's. (mingo's top-level helpers merge a
// caller's context *under* their defaults, so the base classes are used with this one.)
const CONTEXT = Context.init({
  accumulator: accumulatorOperators,
  expression: expressionOperators,
  projection: projectionOperators,
  window: windowOperators,
  // mingo types its operator tables per built-in operator; ours have the same call shape.
  query: {
    ...queryOperators,
    $gt: rangeOperator((c) => c > 0),
    $gte: rangeOperator((c) => c >= 0),
    $lt: rangeOperator((c) => c < 0),
    $lte: rangeOperator((c) => c <= 0),
  } as never,
  pipeline: { ...pipelineOperators, $sort: sortStage } as never,
});

const OPTIONS: Partial<MingoOptions> = { context: CONTEXT, useStrictMode: true, scriptEnabled: false };

const NUMBER_RANK = typeRank(0);

export type Matcher = (doc: Doc) => boolean;

const MATCH_ALL: Matcher = () => true;

export function compileFilter(filter: unknown): Matcher {
  if (filter === undefined || filter === null) return MATCH_ALL;
  if (!isPlainObject(filter)) throw new MongoCommandError('TypeMismatch', 'filter must be a document');
  if (Object.keys(filter).length === 0) return MATCH_ALL;
  try {
    const q = new Query(filter, OPTIONS);
    return (doc) => q.test(doc);
  } catch (err) {
    throw asBadValue(err);
  }
}

/** Applies a find-style projection to a batch of documents. */
export function applyProjection(docs: Doc[], projection: unknown): Doc[] {
  if (projection === undefined || projection === null) return docs;
  if (!isPlainObject(projection)) throw new MongoCommandError('TypeMismatch', 'projection must be a document');
  if (Object.keys(projection).length === 0 || docs.length === 0) return docs;
  try {
    return new Query({}, OPTIONS)
      .find(docs, projection)
      .all()
      .map((d) => withIdFirst(d as Doc));
  } catch (err) {
    throw asBadValue(err);
  }
}

/** Runs aggregation stages over documents already read from storage. */
export function runPipeline(docs: Doc[], pipeline: readonly Doc[], resolver: (collection: string) => Doc[]): Doc[] {
  if (pipeline.length === 0) return docs;
  for (const stage of pipeline) {
    const name = Object.keys(stage)[0];
    if (name === undefined || !PIPELINE_STAGES.has(name)) {
      throw new MongoCommandError('UnrecognizedPipelineStage', `Unrecognized pipeline stage name: '${String(name)}'`);
    }
  }
  // Stages that only read their input can share document objects with storage.
  const readOnly = pipeline.every((s) => READ_ONLY_STAGES.has(Object.keys(s)[0] ?? ''));
  try {
    const agg = new Aggregator([...pipeline], {
      ...OPTIONS,
      collectionResolver: resolver,
      ...(readOnly ? {} : { processingMode: 1 /* ProcessingMode.CLONE_INPUT */ }),
    });
    return agg.run<Doc>(docs);
  } catch (err) {
    throw asBadValue(err);
  }
}

const READ_ONLY_STAGES: ReadonlySet<string> = new Set([
  '$match',
  '$sort',
  '$limit',
  '$skip',
  '$project',
  '$group',
  '$count',
  '$sortByCount',
]);

const PIPELINE_STAGES: ReadonlySet<string> = new Set([
  '$addFields',
  '$bucket',
  '$bucketAuto',
  '$count',
  '$facet',
  '$group',
  '$limit',
  '$lookup',
  '$match',
  '$project',
  '$replaceRoot',
  '$replaceWith',
  '$sample',
  '$set',
  '$skip',
  '$sort',
  '$sortByCount',
  '$unionWith',
  '$unset',
  '$unwind',
]);

export interface UpdateContext {
  /** The update's query; used for the positional `$` operator. */
  readonly filter: Doc;
  readonly arrayFilters: Doc[] | undefined;
  /** True when the update builds a new document for an upsert ($setOnInsert applies). */
  readonly isInsert: boolean;
}

/** Returns the updated copy of `current`; `current` itself is never modified. */
export function applyUpdate(current: Doc, update: unknown, ctx: UpdateContext): Doc {
  let next: Doc;
  if (Array.isArray(update)) {
    next = applyPipelineUpdate(current, update);
  } else if (!isPlainObject(update)) {
    throw new MongoCommandError('FailedToParse', 'update must be a document or a pipeline');
  } else {
    const keys = Object.keys(update);
    const operators = keys.filter((k) => k.startsWith('$'));
    if (operators.length === 0) {
      next = replaceDocument(current, update);
    } else if (operators.length !== keys.length) {
      throw new MongoCommandError('FailedToParse', 'update document mixes update operators and fields');
    } else {
      next = applyOperators(current, update, ctx);
    }
  }
  if (Object.hasOwn(current, '_id') && keyOf(next['_id']) !== keyOf(current['_id'])) {
    throw new MongoCommandError('ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
  }
  return withIdFirst(next);
}

function replaceDocument(current: Doc, replacement: Doc): Doc {
  const next: Doc = {};
  if (Object.hasOwn(current, '_id')) next['_id'] = current['_id'];
  for (const [k, v] of Object.entries(replacement)) next[k] = cloneValue(v);
  return next;
}

function applyOperators(current: Doc, update: Doc, ctx: UpdateContext): Doc {
  const modifier: Doc = {};
  let set: Doc = {};
  for (const [op, fields] of Object.entries(update)) {
    if (!isPlainObject(fields))
      throw new MongoCommandError('FailedToParse', `Modifiers operate on fields but ${op} was given a non-document`);
    if (op === '$set' || (op === '$setOnInsert' && ctx.isInsert)) set = { ...set, ...fields };
    else if (op !== '$setOnInsert') modifier[op] = fields;
  }
  if (Object.keys(set).length > 0) modifier['$set'] = set;
  for (const op of ['$inc', '$mul']) {
    const fields = modifier[op];
    if (!isPlainObject(fields)) continue;
    for (const [path, amount] of Object.entries(fields)) {
      if (typeRank(amount) !== NUMBER_RANK)
        throw new MongoCommandError('TypeMismatch', `Cannot ${op} with non-numeric argument: {${path}: ...}`);
      if (path.includes('$')) continue;
      if (pathValues(current, path, false).some((v) => typeRank(v) !== NUMBER_RANK)) {
        throw new MongoCommandError('TypeMismatch', `Cannot apply ${op} to a value of non-numeric type at '${path}'`);
      }
    }
  }
  const next = cloneValue(current);
  if (Object.keys(modifier).length === 0) return next;
  try {
    mingoUpdate(next, modifier, ctx.arrayFilters, ctx.isInsert ? undefined : ctx.filter, { queryOptions: OPTIONS });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/immutable/i.test(message)) throw new MongoCommandError('ImmutableField', message);
    throw asBadValue(err, 'FailedToParse');
  }
  return next;
}

function applyPipelineUpdate(current: Doc, pipeline: unknown[]): Doc {
  const docs: Doc[] = [cloneValue(current)];
  try {
    mingoUpdateOne(docs, {}, pipeline as never, {}, OPTIONS);
  } catch (err) {
    throw asBadValue(err, 'FailedToParse');
  }
  return docs[0] ?? {};
}

/** The document an upsert starts from: the equality conditions of its filter. */
export function upsertSeed(filter: Doc): Doc {
  const seed: Doc = {};
  const visit = (f: Doc): void => {
    for (const [k, v] of Object.entries(f)) {
      if (k === '$and' && Array.isArray(v)) {
        for (const sub of v) if (isPlainObject(sub)) visit(sub);
        continue;
      }
      if (k.startsWith('$')) continue;
      if (isPlainObject(v) && Object.keys(v).some((x) => x.startsWith('$'))) {
        if (Object.hasOwn(v, '$eq')) setPath(seed, k, cloneValue(v['$eq']));
        continue;
      }
      setPath(seed, k, cloneValue(v));
    }
  };
  visit(filter);
  return seed;
}
