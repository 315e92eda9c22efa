/**
 * AWS's URI encoding rules for canonical requests: unreserved characters (A-Z a-z 0-9 - . _ ~)
 * are literal, every other byte is %XX with upper-case hex.
 */

const HEX = '0123456789ABCDEF';
const UNRESERVED = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~') UNRESERVED[c.charCodeAt(0)] = 1;

function isUnreserved(byte: number): boolean {
  return byte < 128 && UNRESERVED[byte] === 1;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Percent-encodes every byte except unreserved ones (and `/` when `keepSlash`). */
export function uriEncodeBytes(bytes: Uint8Array, keepSlash: boolean): string {
  let out = '';
  for (const b of bytes) {
    if (isUnreserved(b) || (keepSlash && b === 0x2f)) out += String.fromCharCode(b);
    else out += `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

export function uriEncode(value: string, keepSlash = false): string {
  return uriEncodeBytes(Buffer.from(value, 'utf8'), keepSlash);
}

/**
 * Percent-decodes to bytes. Malformed escapes (`%`, `%G1`) stay literal; with `plusAsSpace`, `+`
 * is a space (query strings).
 */
export function uriDecodeBytes(value: string, plusAsSpace: boolean): Buffer {
  if (!value.includes('%') && !(plusAsSpace && value.includes('+'))) return Buffer.from(value, 'utf8');
  const raw = Buffer.from(value, 'utf8');
  const out = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (b === 0x25 && i + 2 < raw.length) {
      const hi = hexValue(raw[i + 1]!);
      const lo = hexValue(raw[i + 2]!);
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[n++] = plusAsSpace && b === 0x2b ? 0x20 : b;
  }
  return out.subarray(0, n);
}

export function uriDecode(value: string, plusAsSpace: boolean): string {
  return uriDecodeBytes(value, plusAsSpace).toString('utf8');
}

const CANONICAL_PATH = /^[A-Za-z0-9\-._~/]*$/;

/**
 * The SigV4 canonical URI for S3: the path URI-encoded once (not twice, not normalized), with
 * escapes normalized so that equivalent spellings agree: `%7E` → `~`, `(` → `%28`, `%2f` → `%2F`.
 * An encoded slash stays encoded; a literal slash stays literal.
 */
export function canonicalPath(rawPath: string): string {
  if (rawPath === '') return '/';
  if (CANONICAL_PATH.test(rawPath)) return rawPath;
  let out = '';
  const raw = Buffer.from(rawPath, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (b === 0x25 && i + 2 < raw.length) {
      const hi = hexValue(raw[i + 1]!);
      const lo = hexValue(raw[i + 2]!);
      if (hi >= 0 && lo >= 0) {
        const decoded = (hi << 4) | lo;
        out += isUnreserved(decoded) ? String.fromCharCode(decoded) : `%${HEX[hi]}${HEX[lo]}`;
        i += 2;
        continue;
      }
    }
    out += isUnreserved(b) || b === 0x2f ? String.fromCharCode(b) : `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

export interface QueryParam {
  /** Decoded name and value (UTF-8; `+` is a space). */
  readonly name: string;
  readonly value: string;
  /** Whether the raw parameter had an `=`. */
  readonly hasValue: boolean;
  /** Raw (still encoded) name and value. */
  readonly rawName: string;
  readonly rawValue: string;
}

/** Splits a raw query string into parameters, in order, keeping duplicates. */
export function parseQuery(rawQuery: string): QueryParam[] {
  const params: QueryParam[] = [];
  if (rawQuery === '') return params;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq === -1 ? part : part.slice(0, eq);
    const rawValue = eq === -1 ? '' : part.slice(eq + 1);
    params.push({
      name: uriDecode(rawName, true),
      value: uriDecode(rawValue, true),
      hasValue: eq !== -1,
      rawName,
      rawValue,
    });
  }
  return params;
}

/**
 * The SigV4 canonical query string: names and values decoded then URI-encoded (slashes too),
 * sorted by name then value, `name=value` joined with `&` (`name=` for valueless parameters).
 */
export function canonicalQuery(rawQuery: string, exclude?: string): string {
  const pairs: [string, string][] = [];
  if (rawQuery === '') return '';
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq === -1 ? part : part.slice(0, eq);
    const rawValue = eq === -1 ? '' : part.slice(eq + 1);
    const name = uriEncodeBytes(uriDecodeBytes(rawName, true), false);
    if (exclude !== undefined && name === exclude) continue;
    pairs.push([name, uriEncodeBytes(uriDecodeBytes(rawValue, true), false)]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join('&');
}
