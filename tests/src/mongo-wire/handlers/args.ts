// Argument parsing shared by several handlers.

import { parseSortSpec } from '../bson-order.js';
import type { SortSpec } from '../bson-order.js';
import { MongoCommandError } from '../errors.js';

export function sortSpecOf(v: unknown): SortSpec {
  try {
    return parseSortSpec(v);
  } catch (err) {
    throw new MongoCommandError('BadValue', err instanceof Error ? err.message : 'invalid sort');
  }
}

/** A cursor id (int64) as a bigint. */
export function cursorIdOf(v: unknown): bigint {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'bigint') return v;
  if (typeof v === 'object' && v !== null && (v as { _bsontype?: unknown })._bsontype === 'Long')
    return BigInt((v as { toString(): string }).toString());
  throw new MongoCommandError('TypeMismatch', 'cursor id must be a 64-bit integer');
}
