// The oplog as the namespace sees it: decoded entries, a follow-mode reader for WatchOplog,
// consumer positions and retention-based trimming that never passes a registered consumer.
import type { metadataV1Metadata } from '@zenko/gen';
import { MeshError } from '@zenko/mesh';
import { prefixSuccessor, type KvStore } from '../store/kv.js';
import { decodeOplog, withRetry } from './common.js';

type OplogEntry = metadataV1Metadata.OplogEntry;

const CONSUMER_PREFIX = 'oplog-consumer/';
const READ_BATCH = 500;
/** Followers also poll this often, in case a notification is missed (another process wrote). */
const POLL_MS = 1000;

export async function readOplog(store: KvStore, fromSequence: number, limit: number): Promise<OplogEntry[]> {
  const from = fromSequence > 0 ? fromSequence : (await store.oplogBounds()).first;
  const records = await store.readOplog(from, limit);
  return records.map((r) => decodeOplog(r.sequence, r.timestamp, r.payload));
}

export interface WatchOptions {
  /** First sequence to return; 0 for the oldest retained entry. */
  fromSequence: number;
  /** Keep waiting for new entries once the backlog is read. */
  follow: boolean;
  signal?: AbortSignal;
}

/** Resolves when the oplog goes past `sequence`, after POLL_MS, or on abort. */
function nextCommit(store: KvStore, sequence: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      unsubscribe();
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const unsubscribe = store.onOplog((last) => {
      if (last >= sequence) done();
    });
    const timer = setTimeout(done, POLL_MS);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Entries from `fromSequence` on; in follow mode, then every new entry as it is committed. */
export async function* watchOplog(store: KvStore, options: WatchOptions): AsyncGenerator<OplogEntry> {
  let next = options.fromSequence > 0 ? options.fromSequence : (await store.oplogBounds()).first;
  while (options.signal?.aborted !== true) {
    const waiting = options.follow ? nextCommit(store, next, options.signal) : undefined;
    const batch = await readOplog(store, next, READ_BATCH);
    for (const entry of batch) {
      yield entry;
      next = entry.sequence + 1;
    }
    if (batch.length === READ_BATCH) continue;
    if (waiting === undefined) return;
    await waiting;
  }
}

export async function getPosition(store: KvStore, consumer: string): Promise<number | undefined> {
  const entry = await store.get('meta', CONSUMER_PREFIX + consumer);
  return entry && Number(Buffer.from(entry.value).toString('utf8'));
}

/**
 * Records that `consumer` has processed every entry up to `sequence` (a consumer that commits
 * once is registered: trimming waits for it). Positions never move back.
 */
export async function commitPosition(store: KvStore, consumer: string, sequence: number): Promise<void> {
  if (consumer === '' || !Number.isSafeInteger(sequence) || sequence < 0) {
    throw new MeshError('INVALID_ARGUMENT', 'a consumer name and a sequence are required');
  }
  const key = CONSUMER_PREFIX + consumer;
  await withRetry(async () => {
    const entry = await store.get('meta', key);
    const current = entry && Number(Buffer.from(entry.value).toString('utf8'));
    if (current !== undefined && current >= sequence) return;
    await store.commit({
      ops: [{ type: 'put', table: 'meta', key, value: Buffer.from(String(sequence)), expectRevision: entry?.revision ?? 0 }],
    });
  });
}

export async function listPositions(store: KvStore): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const page = await store.scan('meta', { gte: CONSUMER_PREFIX, lt: prefixSuccessor(CONSUMER_PREFIX)!, limit: 10_000 });
  for (const entry of page) {
    out.set(entry.key.slice(CONSUMER_PREFIX.length), Number(Buffer.from(entry.value).toString('utf8')));
  }
  return out;
}

export interface TrimOptions {
  /** Entries younger than this are kept. */
  retentionMs: number;
  now?: number;
}

/**
 * Removes the entries older than the retention that every registered consumer has passed.
 * Returns how many were removed.
 */
export async function trimOplog(store: KvStore, options: TrimOptions): Promise<number> {
  const cutoff = (options.now ?? Date.now()) - options.retentionMs;
  const { first, last } = await store.oplogBounds();
  const positions = [...(await listPositions(store)).values()];
  const bound = Math.min(last, ...positions);
  // The last entry older than the cutoff, up to the consumers' bound.
  let through = first - 1;
  while (through < bound) {
    const records = await store.readOplog(through + 1, Math.min(READ_BATCH, bound - through));
    const young = records.findIndex((r) => r.timestamp >= cutoff);
    const old = young < 0 ? records : records.slice(0, young);
    through = old.at(-1)?.sequence ?? through;
    if (young >= 0 || records.length === 0) break;
  }
  return through >= first ? store.trimOplog(through) : 0;
}
