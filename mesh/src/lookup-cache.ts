// Answers of another service (an access key's secret, a storage account's keys) kept for a
// short while, so that a burst of requests costs one lookup, and kept longer for when that
// service cannot answer: on one machine the edges go on serving while svc-metadata restarts
// (they read and commit to the local store meanwhile) instead of refusing every request whose
// cached answer happened to expire. A key revoked while AccountService is unreachable thus
// keeps working until it answers again or the stale window ends.
import { isMeshError } from './errors.js';

export interface LookupCacheOptions {
  /** How long an answer is used without asking again. */
  ttlMs?: number;
  /** How long past that an answer is still used when asking fails with UNAVAILABLE or DEADLINE_EXCEEDED. */
  staleMs?: number;
  /** Entries kept at most (all are dropped when full). */
  maxEntries?: number;
}

/** The lookup could not be answered (the service is down, restarting or too slow), as opposed to answered with an error. */
function unanswered(err: unknown): boolean {
  return isMeshError(err, 'UNAVAILABLE') || isMeshError(err, 'DEADLINE_EXCEEDED');
}

export class LookupCache<V> {
  readonly #entries = new Map<string, { value: V; expires: number }>();
  readonly #ttlMs: number;
  readonly #staleMs: number;
  readonly #maxEntries: number;

  constructor(
    /** Asks the service; an answer meaning "none" is a value (e.g. undefined), not an error. */
    private readonly lookup: (key: string) => Promise<V>,
    options: LookupCacheOptions = {},
  ) {
    this.#ttlMs = options.ttlMs ?? 10_000;
    this.#staleMs = options.staleMs ?? 5 * 60_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
  }

  readonly get = async (key: string): Promise<V> => {
    const now = Date.now();
    const hit = this.#entries.get(key);
    if (hit !== undefined && hit.expires > now) return hit.value;
    let value: V;
    try {
      value = await this.lookup(key);
    } catch (err) {
      if (hit !== undefined && hit.expires + this.#staleMs > now && unanswered(err)) return hit.value;
      throw err;
    }
    if (this.#entries.size >= this.#maxEntries) this.#entries.clear();
    this.#entries.set(key, { value, expires: now + this.#ttlMs });
    return value;
  };

  /** Forgets an answer, so that the next request asks again (after this process changed it). */
  readonly invalidate = (key: string): void => {
    this.#entries.delete(key);
  };
}
