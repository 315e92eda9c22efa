// Turns a filter + sort into an iterator of documents. Conditions on `_id` become a
// point lookup or a range scan of the `_id`-ordered collection; a sort on `_id` alone
// streams in scan order, so a page of a large collection costs only what it reads.

import { compareValues, isPlainObject, keyOf, sortDocs } from './bson-order.js';
import type { Doc, SortSpec } from './bson-order.js';
import { compileFilter } from './query.js';
import { FULL_RANGE } from './store.js';
import type { Bound, IdRange } from './store.js';
import type { CollectionView } from './scope.js';

type IdConstraint = { readonly kind: 'ids'; readonly ids: readonly unknown[] } | { readonly kind: 'range'; readonly range: IdRange };

function isOperatorDoc(v: unknown): v is Doc {
  return isPlainObject(v) && Object.keys(v).some((k) => k.startsWith('$'));
}

function tighter(current: Bound | undefined, next: Bound, lower: boolean): Bound {
  if (current === undefined) return next;
  const c = compareValues(next.value, current.value);
  if (c === 0) return next.inclusive ? current : next;
  return (lower ? c > 0 : c < 0) ? next : current;
}

/** The `_id` values or range a filter restricts to (a superset; the filter still runs). */
export function idConstraint(filter: Doc): IdConstraint {
  const conditions: unknown[] = [];
  if (Object.hasOwn(filter, '_id')) conditions.push(filter['_id']);
  const and = filter['$and'];
  if (Array.isArray(and)) for (const sub of and) if (isPlainObject(sub) && Object.hasOwn(sub, '_id')) conditions.push(sub['_id']);
  let lower: Bound | undefined;
  let upper: Bound | undefined;
  for (const cond of conditions) {
    if (cond instanceof RegExp) continue;
    if (!isOperatorDoc(cond)) return { kind: 'ids', ids: [cond] };
    for (const [op, value] of Object.entries(cond)) {
      switch (op) {
        case '$eq':
          return { kind: 'ids', ids: [value] };
        case '$in':
          if (Array.isArray(value) && !value.some((v) => v instanceof RegExp || isOperatorDoc(v))) return { kind: 'ids', ids: value };
          break;
        case '$gt':
        case '$gte':
          lower = tighter(lower, { value, inclusive: op === '$gte' }, true);
          break;
        case '$lt':
        case '$lte':
          upper = tighter(upper, { value, inclusive: op === '$lte' }, false);
          break;
        default:
          break;
      }
    }
  }
  return lower === undefined && upper === undefined ? { kind: 'range', range: FULL_RANGE } : { kind: 'range', range: { lower, upper } };
}

function* filtered(source: Iterator<Doc>, match: (doc: Doc) => boolean, skip: number): Generator<Doc> {
  let skipped = 0;
  for (let r = source.next(); r.done !== true; r = source.next()) {
    if (!match(r.value)) continue;
    if (skipped < skip) {
      skipped++;
      continue;
    }
    yield r.value;
  }
}

function* docsOf(source: Iterator<{ readonly doc: Doc }>): Generator<Doc> {
  for (let r = source.next(); r.done !== true; r = source.next()) yield r.value.doc;
}

/** Matching documents in sort order, `skip` already applied. Errors in the filter throw here. */
export function queryDocs(view: CollectionView, filter: Doc, sort: SortSpec, skip: number): Iterator<Doc> {
  const match = compileFilter(filter);
  const constraint = idConstraint(filter);
  const first = sort[0];
  const byIdOnly = sort.length === 0 || (sort.length === 1 && first !== undefined && first[0] === '_id');
  const reverse = byIdOnly && first !== undefined && first[1] === -1;
  let source: Iterator<Doc>;
  if (constraint.kind === 'ids') {
    const seen = new Set<string>();
    const docs: Doc[] = [];
    for (const id of constraint.ids) {
      const key = keyOf(id);
      if (seen.has(key)) continue;
      seen.add(key);
      const doc = view.get(key);
      if (doc !== undefined) docs.push(doc);
    }
    docs.sort((a, b) => compareValues(a['_id'], b['_id']) * (reverse ? -1 : 1));
    source = docs[Symbol.iterator]();
  } else {
    source = docsOf(view.scan(constraint.range, reverse));
  }
  if (byIdOnly) return filtered(source, match, skip);
  const all = [...filtered(source, match, 0)];
  return sortDocs(all, sort).slice(skip)[Symbol.iterator]();
}
