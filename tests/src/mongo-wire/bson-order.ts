// MongoDB's value ordering, equality keys and document-path helpers.
//
// MongoDB compares strings by their UTF-8 bytes (no collation) and values of different
// types by a fixed BSON type order. JavaScript's `<` compares UTF-16 code units, which
// puts U+E000..U+FFFF after supplementary characters (emoji); everything here uses code
// point order, which is the same as UTF-8 byte order.

export type Doc = Record<string, unknown>;

/** Canonical rank of each BSON type in MongoDB's cross-type comparison order. */
const RANK = {
  minKey: 0,
  nullish: 1,
  number: 2,
  string: 3,
  object: 4,
  array: 5,
  binary: 6,
  objectId: 7,
  boolean: 8,
  date: 9,
  timestamp: 10,
  regex: 11,
  code: 12,
  maxKey: 13,
} as const;

type BsonTagged = { readonly _bsontype?: unknown };

function bsonType(v: object): unknown {
  return (v as BsonTagged)._bsontype;
}

export function isPlainObject(v: unknown): v is Doc {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function typeRank(v: unknown): number {
  switch (typeof v) {
    case 'undefined':
      return RANK.nullish;
    case 'number':
    case 'bigint':
      return RANK.number;
    case 'string':
      return RANK.string;
    case 'boolean':
      return RANK.boolean;
    case 'function':
    case 'symbol':
      return RANK.code;
    case 'object':
      break;
  }
  if (v === null) return RANK.nullish;
  if (Array.isArray(v)) return RANK.array;
  if (v instanceof Date) return RANK.date;
  if (v instanceof RegExp) return RANK.regex;
  if (v instanceof Uint8Array) return RANK.binary;
  switch (bsonType(v)) {
    case 'MinKey':
      return RANK.minKey;
    case 'MaxKey':
      return RANK.maxKey;
    case 'Long':
    case 'Int32':
    case 'Double':
    case 'Decimal128':
      return RANK.number;
    case 'BSONSymbol':
      return RANK.string;
    case 'Binary':
      return RANK.binary;
    case 'ObjectId':
      return RANK.objectId;
    case 'Timestamp':
      return RANK.timestamp;
    case 'BSONRegExp':
      return RANK.regex;
    case 'Code':
      return RANK.code;
    default:
      return RANK.object;
  }
}

/** Surrogates (U+D800..U+DFFF) sort above U+E000..U+FFFF in code point order. */
function codePointFixup(c: number): number {
  return c >= 0xe000 ? c - 0x800 : c + 0x2000;
}

/** Compares two strings in Unicode code point order (= UTF-8 byte order). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) return codePointFixup(x) - codePointFixup(y);
      return x - y;
    }
  }
  return a.length - b.length;
}

export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'object' && v !== null) {
    switch (bsonType(v)) {
      case 'Int32':
      case 'Double':
        return (v as { value: number }).value;
      case 'Long':
        return (v as { toNumber(): number }).toNumber();
      case 'Decimal128':
        return Number.parseFloat((v as { toString(): string }).toString());
      default:
        break;
    }
  }
  return Number.NaN;
}

function compareNumbers(a: number, b: number): number {
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an && bn ? 0 : an ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function stringOf(v: unknown): string {
  return typeof v === 'string' ? v : String((v as { value: unknown }).value);
}

function binaryParts(v: unknown): { bytes: Uint8Array; subtype: number } {
  if (v instanceof Uint8Array) return { bytes: v, subtype: 0 };
  const b = v as { buffer: Uint8Array; position: number; sub_type: number };
  return { bytes: b.buffer.subarray(0, b.position), subtype: b.sub_type };
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function compareObjects(a: Doc, b: Doc): number {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  const n = Math.min(ka.length, kb.length);
  for (let i = 0; i < n; i++) {
    const fa = ka[i] as string;
    const fb = kb[i] as string;
    const va = a[fa];
    const vb = b[fb];
    const byType = typeRank(va) - typeRank(vb);
    if (byType !== 0) return byType;
    const byName = compareStrings(fa, fb);
    if (byName !== 0) return byName;
    const byValue = compareValues(va, vb);
    if (byValue !== 0) return byValue;
  }
  return ka.length - kb.length;
}

function compareArrays(a: readonly unknown[], b: readonly unknown[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Total order over BSON values, as MongoDB sorts them. Returns <0, 0 or >0. */
export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case RANK.number:
      return compareNumbers(toNumber(a), toNumber(b));
    case RANK.string:
      return sign(compareStrings(stringOf(a), stringOf(b)));
    case RANK.object:
      return sign(compareObjects(a as Doc, b as Doc));
    case RANK.array:
      return sign(compareArrays(a as unknown[], b as unknown[]));
    case RANK.binary: {
      const x = binaryParts(a);
      const y = binaryParts(b);
      if (x.bytes.length !== y.bytes.length) return sign(x.bytes.length - y.bytes.length);
      if (x.subtype !== y.subtype) return sign(x.subtype - y.subtype);
      return sign(compareBytes(x.bytes, y.bytes));
    }
    case RANK.objectId:
      return sign(compareStrings(String(a), String(b)));
    case RANK.boolean:
      return Number(a) - Number(b);
    case RANK.date:
      return compareNumbers((a as Date).getTime(), (b as Date).getTime());
    case RANK.timestamp: {
      const x = a as { high: number; low: number };
      const y = b as { high: number; low: number };
      const byHigh = (x.high >>> 0) - (y.high >>> 0);
      return sign(byHigh !== 0 ? byHigh : (x.low >>> 0) - (y.low >>> 0));
    }
    case RANK.regex: {
      const [sa, fa] = regexParts(a);
      const [sb, fb] = regexParts(b);
      return sign(compareStrings(sa, sb) || compareStrings(fa, fb));
    }
    default:
      return sign(compareStrings(String(a), String(b)));
  }
}

function regexParts(v: unknown): [string, string] {
  if (v instanceof RegExp) return [v.source, v.flags];
  const r = v as { pattern: string; options: string };
  return [r.pattern, r.options];
}

/**
 * A string that is equal for two values exactly when MongoDB considers them equal
 * (numbers compare by value across int/long/double; field order matters in documents).
 */
export function keyOf(v: unknown): string {
  switch (typeRank(v)) {
    case RANK.minKey:
      return '-';
    case RANK.maxKey:
      return '+';
    case RANK.nullish:
      return 'z';
    case RANK.number: {
      const n = toNumber(v);
      if (Number.isSafeInteger(n) || !Number.isFinite(n)) return `n${n}`;
      return typeof v === 'object' && v !== null ? `n${(v as { toString(): string }).toString()}` : `n${n}`;
    }
    case RANK.string:
      return JSON.stringify(stringOf(v));
    case RANK.boolean:
      return v === true ? 'T' : 'F';
    case RANK.date:
      return `d${(v as Date).getTime()}`;
    case RANK.objectId:
      return `o${String(v)}`;
    case RANK.array:
      return `[${(v as unknown[]).map(keyOf).join(',')}]`;
    case RANK.object: {
      const parts: string[] = [];
      for (const [k, value] of Object.entries(v as Doc)) parts.push(`${JSON.stringify(k)}:${keyOf(value)}`);
      return `{${parts.join(',')}}`;
    }
    case RANK.binary: {
      const { bytes, subtype } = binaryParts(v);
      return `x${subtype}:${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
    }
    case RANK.timestamp: {
      const t = v as { high: number; low: number };
      return `t${t.high >>> 0}:${t.low >>> 0}`;
    }
    case RANK.regex: {
      const [s, f] = regexParts(v);
      return `r${JSON.stringify(s)}${f}`;
    }
    default:
      return `c${String(v)}`;
  }
}

/**
 * All values reached by a dotted path, descending into arrays the way MongoDB does
 * (an array in the middle of a path fans out over its elements; an array at the end is
 * returned whole and, when `expandLeafArrays`, also element by element).
 */
export function pathValues(doc: unknown, path: string, expandLeafArrays: boolean): unknown[] {
  const out: unknown[] = [];
  collect(doc, path.split('.'), 0, out, expandLeafArrays);
  return out;
}

function collect(v: unknown, parts: readonly string[], i: number, out: unknown[], expand: boolean): void {
  if (i === parts.length) {
    if (Array.isArray(v) && expand) out.push(...(v as unknown[]));
    else out.push(v);
    return;
  }
  const part = parts[i] as string;
  if (Array.isArray(v)) {
    if (/^\d+$/.test(part)) {
      const item: unknown = v[Number(part)];
      if (item !== undefined) collect(item, parts, i + 1, out, expand);
      return;
    }
    for (const item of v as unknown[]) if (isPlainObject(item)) collect(item, parts, i, out, expand);
    return;
  }
  if (isPlainObject(v) && Object.hasOwn(v, part)) collect(v[part], parts, i + 1, out, expand);
}

/** Sets a dotted path, creating intermediate documents. */
export function setPath(doc: Doc, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: Doc = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i] as string;
    const next = cur[part];
    if (isPlainObject(next)) {
      cur = next;
    } else {
      const created: Doc = {};
      cur[part] = created;
      cur = created;
    }
  }
  cur[parts[parts.length - 1] as string] = value;
}

/** Deep copy of plain documents and arrays; BSON value objects are immutable and shared. */
export function cloneValue<T>(v: T): T {
  if (Array.isArray(v)) return v.map(cloneValue) as T;
  if (v instanceof Date) return new Date(v.getTime()) as T;
  if (isPlainObject(v)) {
    const out: Doc = {};
    for (const [k, value] of Object.entries(v)) out[k] = cloneValue(value);
    return out as T;
  }
  return v;
}

/** Returns the document with `_id` as its first field (MongoDB always stores it first). */
export function withIdFirst(doc: Doc): Doc {
  const keys = Object.keys(doc);
  if (keys[0] === '_id' || !Object.hasOwn(doc, '_id')) return doc;
  const out: Doc = { _id: doc['_id'] };
  for (const k of keys) if (k !== '_id') out[k] = doc[k];
  return out;
}

export type SortSpec = ReadonlyArray<readonly [path: string, direction: 1 | -1]>;

/** Parses a sort document ({a: 1, b: -1}); `$natural` is ignored. */
export function parseSortSpec(spec: unknown): SortSpec {
  if (spec === undefined || spec === null) return [];
  if (!isPlainObject(spec)) throw new TypeError('sort must be a document');
  const out: Array<readonly [string, 1 | -1]> = [];
  for (const [path, dir] of Object.entries(spec)) {
    if (path === '$natural') continue;
    const n = toNumber(dir);
    if (n !== 1 && n !== -1) throw new TypeError(`invalid sort direction for ${path}`);
    out.push([path, n]);
  }
  return out;
}

/** The value a document sorts by for one key: min of reached values ascending, max descending. */
export function sortKey(doc: unknown, path: string, direction: 1 | -1): unknown {
  const values = pathValues(doc, path, true);
  if (values.length === 0) return null;
  let best: unknown = values[0];
  for (let i = 1; i < values.length; i++) {
    const c = compareValues(values[i], best);
    if ((direction === 1 && c < 0) || (direction === -1 && c > 0)) best = values[i];
  }
  return best === undefined ? null : best;
}

/** Stable sort of documents by a sort spec in MongoDB order. */
export function sortDocs<T>(docs: readonly T[], spec: SortSpec): T[] {
  if (spec.length === 0) return docs.slice();
  const decorated = docs.map((doc, index) => ({ doc, index, keys: spec.map(([p, d]) => sortKey(doc, p, d)) }));
  decorated.sort((x, y) => {
    for (let i = 0; i < spec.length; i++) {
      const c = compareValues(x.keys[i], y.keys[i]);
      if (c !== 0) return c * (spec[i] as readonly [string, 1 | -1])[1];
    }
    return x.index - y.index;
  });
  return decorated.map((d) => d.doc);
}
