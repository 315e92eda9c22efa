// The storage contract under svc-metadata: ordered tables of string keys with revisions,
// atomic + durable multi-key commits with optimistic preconditions, and a gap-free oplog
// written in the same commit. LMDB (lmdb-store.ts) and MongoDB (mongo-store.ts) implement it;
// both run the same contract suite (contract.ts).
//
// Semantics every implementation must honour:
// - Keys are strings ordered by their UTF-8 bytes (not by JS UTF-16 code units). A key must
//   be well-formed Unicode (no lone surrogates) and non-empty.
// - Each record carries a revision: 1 when created, +1 on every put. Revision 0 means "absent".
// - `commit` applies every op or none. It resolves only once the change is durable (on disk,
//   or majority-acknowledged). A failed precondition rejects with MeshError('CONFLICT') and
//   changes nothing (no oplog sequence is consumed). A full disk rejects with STORE_FULL, any
//   other storage failure with INTERNAL; the store stays usable.
// - An `add` op adds its delta to a counter record (a float64, little-endian, created at 0),
//   atomically with the commit and without a precondition: concurrent adds all count.
// - A `check` op is a precondition only; it is validated atomically with the writes (so a
//   concurrent writer of that record makes the commit fail).
// - Oplog payloads get consecutive sequences (no gaps, strictly increasing, starting at 1) and
//   a timestamp, inside the same commit as the ops.
// - Stored values are checksummed; a corrupted record is reported as MeshError('INTERNAL').
import { MeshError } from '@zenko/mesh';

export const TABLES = ['buckets', 'objects', 'versions', 'mpu', 'parts', 'meta', 'accounts', 'keys', 'locations'] as const;
export type Table = (typeof TABLES)[number];

export interface KvEntry {
  key: string;
  value: Uint8Array;
  revision: number;
}

/** Bounds of a scan; unset bounds are open. */
export interface KeyRange {
  gt?: string;
  gte?: string;
  lt?: string;
  lte?: string;
}

export interface ScanOptions extends KeyRange {
  /** Maximum number of entries returned (a scan is always bounded). */
  limit: number;
  /** Descending byte order. */
  reverse?: boolean;
  /**
   * This scan continues a read begun on the store in the same turn of the event loop (a listing's
   * next seek): a store that starts each read on a fresh snapshot (LmdbStore opened read-only)
   * keeps the current one, so a listing reads one snapshot. Others ignore it.
   */
  sameSnapshot?: boolean;
}

/**
 * `expectRevision`: undefined = unconditional, 0 = the record must not exist,
 * n > 0 = the record must exist at revision n.
 */
export type KvOp =
  | { type: 'put'; table: Table; key: string; value: Uint8Array; expectRevision?: number }
  | { type: 'delete'; table: Table; key: string; expectRevision?: number }
  | { type: 'check'; table: Table; key: string; expectRevision: number }
  | { type: 'add'; table: Table; key: string; delta: number; expectRevision?: undefined };

/** The value of a counter record (what `add` ops keep); 0 when absent. */
export function counterValue(value: Uint8Array | undefined): number {
  if (value === undefined || value.length < 8) return 0;
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).readDoubleLE(0);
}

export function encodeCounter(n: number): Buffer {
  const out = Buffer.allocUnsafe(8);
  out.writeDoubleLE(n, 0);
  return out;
}

export interface CommitRequest {
  ops: readonly KvOp[];
  /** Opaque payloads appended to the oplog, in order, in the same commit. */
  oplog?: readonly Uint8Array[];
}

export interface CommitResult {
  /** Per op: the new revision for a put or an add, 0 for a delete, the checked revision for a check. */
  revisions: number[];
  /** The sequence assigned to each oplog payload. */
  sequences: number[];
  /** Commit time (ms since epoch), also the timestamp of the oplog records. */
  timestamp: number;
}

export interface OplogRecord {
  sequence: number;
  /** Commit time in ms since epoch. */
  timestamp: number;
  payload: Uint8Array;
}

export interface OplogBounds {
  /** Oldest retained sequence (last + 1 when the oplog is empty). */
  first: number;
  /** Last assigned sequence (0 when nothing was ever written). */
  last: number;
}

export interface KvStore {
  get(table: Table, key: string): Promise<KvEntry | undefined>;
  scan(table: Table, options: ScanOptions): Promise<KvEntry[]>;
  /** The keys `scan` would return, without reading their values (a delimited listing's seeks). */
  scanKeys(table: Table, options: ScanOptions): Promise<string[]>;
  /**
   * `scanKeys` answered at once, for a store that reads in this process (LMDB): a delimited
   * listing seeks once per common prefix, and a promise per seek costs more than the seek.
   */
  scanKeysNow?(table: Table, options: ScanOptions): string[];
  commit(request: CommitRequest): Promise<CommitResult>;
  /** Records from `fromSequence` (inclusive); OPLOG_POSITION_TRIMMED if it was trimmed. */
  readOplog(fromSequence: number, limit: number): Promise<OplogRecord[]>;
  oplogBounds(): Promise<OplogBounds>;
  /** Removes records up to `throughSequence` (inclusive, capped at the last one); returns how many. */
  trimOplog(throughSequence: number): Promise<number>;
  /** Called after each durable commit that appended to the oplog, with its last sequence. */
  onOplog(listener: (lastSequence: number) => void): () => void;
  close(): Promise<void>;
}

/** Compares two keys (well-formed strings) in UTF-8 byte order (the order of every store). */
export function compareKeys(a: string, b: string): number {
  // Without encoding: UTF-16 code unit order is code point order (so UTF-8 byte order) except
  // that surrogates (code points from U+10000) sort below U+E000–U+FFFF; shifting both ranges
  // at the first difference puts them in code point order.
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 || y < 0xd800) return x - y;
    return (x >= 0xe000 ? x - 0x800 : x + 0x2000) - (y >= 0xe000 ? y - 0x800 : y + 0x2000);
  }
  return a.length - b.length;
}

const MAX_CODE_POINT = 0x10ffff;

/**
 * The smallest string greater than every string that starts with `prefix` (in UTF-8 byte
 * order), or undefined when there is none (the prefix is made of U+10FFFF only). Seeking to it
 * skips a whole common prefix in one step.
 */
export function prefixSuccessor(prefix: string): string | undefined {
  // Code point by code point from the end (a surrogate pair is one), without splitting the
  // whole prefix: a listing calls this once per common prefix, on keys of up to 1 KiB.
  for (let end = prefix.length; end > 0;) {
    const unit = prefix.charCodeAt(end - 1);
    const paired = unit >= 0xdc00 && unit <= 0xdfff && end >= 2 && (prefix.charCodeAt(end - 2) & 0xfc00) === 0xd800;
    const start = paired ? end - 2 : end - 1;
    const last = prefix.codePointAt(start)!;
    if (last < MAX_CODE_POINT) {
      const next = last === 0xd7ff ? 0xe000 : last + 1;
      return prefix.slice(0, start) + String.fromCodePoint(next);
    }
    end = start;
  }
  return undefined;
}

export function isWellFormedKey(key: string): boolean {
  return !/\p{Cs}/u.test(key);
}

/**
 * The longest key (in UTF-8 bytes) a store accepts: LMDB's build limit, which every store
 * applies so all of them accept the same keys.
 */
export const MAX_KEY_BYTES = 1978;

/** The UTF-8 bytes of a store key; INVALID_ARGUMENT if empty or ill-formed, KEY_TOO_LONG past MAX_KEY_BYTES. */
export function storeKey(key: string): Buffer {
  if (key === '' || !isWellFormedKey(key)) throw new MeshError('INVALID_ARGUMENT', 'invalid store key');
  const bytes = Buffer.from(key, 'utf8');
  if (bytes.length > MAX_KEY_BYTES) {
    throw new MeshError('KEY_TOO_LONG', 'key too long for the store', {
      details: { bytes: String(bytes.length), max: String(MAX_KEY_BYTES) },
    });
  }
  return bytes;
}

export function conflict(message: string, details: Record<string, string> = {}): MeshError {
  return new MeshError('CONFLICT', message, { details });
}
