// Server-side cursors: batches for find/aggregate/list* replies and getMore.

import { BSON, Long } from 'bson';
import type { Doc } from './bson-order.js';
import { MongoCommandError } from './errors.js';
import { applyProjection } from './query.js';

/** Replies stay under the 16 MiB document limit with room for the envelope. */
const MAX_BATCH_BYTES = 15 * 1024 * 1024;
const DEFAULT_FIRST_BATCH = 101;
const CURSOR_IDLE_MS = 10 * 60_000;

interface Cursor {
  readonly id: bigint;
  readonly ns: string;
  readonly source: Iterator<Doc>;
  readonly projection: unknown;
  peeked: IteratorResult<Doc> | undefined;
  /** Documents still allowed by the query's limit. */
  remaining: number;
  lastUsed: number;
}

export interface CursorOptions {
  readonly batchSize?: number | undefined;
  /** A positive limit; 0 or undefined means none. */
  readonly limit?: number | undefined;
  readonly singleBatch?: boolean | undefined;
  readonly projection?: unknown;
}

function takeBatch(cursor: Cursor, batchSize: number | undefined): { batch: Doc[]; exhausted: boolean } {
  const raw: Doc[] = [];
  let bytes = 0;
  let exhausted = false;
  while ((batchSize === undefined || raw.length < batchSize) && cursor.remaining > 0) {
    const r = cursor.peeked ?? cursor.source.next();
    cursor.peeked = undefined;
    if (r.done === true) {
      exhausted = true;
      break;
    }
    const size = BSON.calculateObjectSize(r.value);
    if (raw.length > 0 && bytes + size > MAX_BATCH_BYTES) {
      cursor.peeked = r;
      break;
    }
    raw.push(r.value);
    bytes += size;
    cursor.remaining--;
  }
  if (!exhausted && cursor.remaining <= 0) exhausted = true;
  if (!exhausted && cursor.peeked === undefined) {
    const next = cursor.source.next();
    if (next.done === true) exhausted = true;
    else cursor.peeked = next;
  }
  return { batch: applyProjection(raw, cursor.projection), exhausted };
}

function batchSizeOf(v: number | undefined, fallback: number | undefined): number | undefined {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < 0) throw new MongoCommandError('BadValue', 'batchSize must be a non-negative integer');
  return v;
}

export class CursorRegistry {
  private readonly cursors = new Map<bigint, Cursor>();
  private nextId = BigInt(Math.floor(Math.random() * 2 ** 40)) + 1n;

  /** Runs the first batch and returns the reply's `cursor` document. */
  open(ns: string, source: Iterator<Doc>, options: CursorOptions): Doc {
    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : Number.POSITIVE_INFINITY;
    const cursor: Cursor = {
      id: this.nextId++,
      ns,
      source,
      projection: options.projection,
      peeked: undefined,
      remaining: limit,
      lastUsed: Date.now(),
    };
    const { batch, exhausted } = takeBatch(cursor, batchSizeOf(options.batchSize, DEFAULT_FIRST_BATCH));
    const open = !exhausted && options.singleBatch !== true;
    if (open) this.cursors.set(cursor.id, cursor);
    return { firstBatch: batch, id: Long.fromBigInt(open ? cursor.id : 0n), ns };
  }

  more(id: bigint, ns: string, batchSize: number | undefined): Doc {
    const cursor = this.cursors.get(id);
    if (cursor === undefined) throw new MongoCommandError('CursorNotFound', `cursor id ${id} not found`);
    if (cursor.ns !== ns) throw new MongoCommandError('BadValue', `cursor ${id} belongs to ${cursor.ns}, not ${ns}`);
    cursor.lastUsed = Date.now();
    let result: { batch: Doc[]; exhausted: boolean };
    try {
      result = takeBatch(cursor, batchSizeOf(batchSize, undefined) || undefined);
    } catch (err) {
      this.cursors.delete(id);
      throw err;
    }
    if (result.exhausted) this.cursors.delete(id);
    return { nextBatch: result.batch, id: Long.fromBigInt(result.exhausted ? 0n : id), ns };
  }

  kill(ids: readonly bigint[]): { killed: bigint[]; notFound: bigint[] } {
    const killed: bigint[] = [];
    const notFound: bigint[] = [];
    for (const id of ids) (this.cursors.delete(id) ? killed : notFound).push(id);
    return { killed, notFound };
  }

  expire(now: number): void {
    for (const [id, c] of this.cursors) if (now - c.lastUsed > CURSOR_IDLE_MS) this.cursors.delete(id);
  }

  clear(): void {
    this.cursors.clear();
  }
}
