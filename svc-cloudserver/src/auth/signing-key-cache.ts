/**
 * SigV4 signing keys (HMAC chain over date, region, service) cached per (secret, date, region,
 * service) in a small LRU: a client signs every request with the same key for a whole day.
 */
import { createHmac } from 'node:crypto';
import type { SigningKeyCacheLike } from './types.js';

export function deriveSigningKey(secretKey: string, date: string, region: string, service: string): Buffer {
  const kDate = createHmac('sha256', `AWS4${secretKey}`).update(date).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  return createHmac('sha256', kService).update('aws4_request').digest();
}

export class SigningKeyCache implements SigningKeyCacheLike {
  readonly #max: number;
  readonly #map = new Map<string, Buffer>();
  #misses = 0;

  constructor(maxEntries = 512) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
    this.#max = maxEntries;
  }

  get(secretKey: string, date: string, region: string, service: string): Buffer {
    // NUL cannot appear in the date, region or service of a valid credential scope.
    const key = `${date}\0${region}\0${service}\0${secretKey}`;
    const hit = this.#map.get(key);
    if (hit !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, hit); // most recently used last
      return hit;
    }
    this.#misses++;
    const derived = deriveSigningKey(secretKey, date, region, service);
    this.#map.set(key, derived);
    if (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next();
      if (oldest.done !== true) this.#map.delete(oldest.value);
    }
    return derived;
  }

  get size(): number {
    return this.#map.size;
  }

  /** Number of derivations so far (for tests and metrics). */
  get misses(): number {
    return this.#misses;
  }
}

export const defaultSigningKeyCache = new SigningKeyCache();
