/**
 * The order of `x-ms-*` headers in Shared Key's CanonicalizedHeaders. Azure Storage sorts them the
 * way .NET's culture-aware (en-US) string comparison does, and the official SDKs imitate it:
 * hyphens and apostrophes are ignored at first ("x-ms-meta-ab" and "x-ms-meta-a-b" compare equal
 * on letters), punctuation sorts before digits, digits before letters, letters case-insensitively;
 * ties are then broken on case, then on the ignored characters.
 *
 * The weights below encode that order for the characters HTTP header names may contain (RFC 9110
 * tokens); any other character has no weight, as in the SDK's tables.
 */

// Primary order of the non-ignorable token characters, lowest first.
const PRIMARY_ORDER = '!#$%&*.^_`|~+0123456789abcdefghijklmnopqrstuvwxyz';

function primaryWeight(code: number): number {
  let c = code;
  if (c >= 0x41 && c <= 0x5a) c += 0x20; // case-insensitive at this level
  const i = PRIMARY_ORDER.indexOf(String.fromCharCode(c));
  return i === -1 || c > 0x7f ? 0 : i + 2; // 0: ignorable; 1 is the end-of-string marker
}

function caseWeight(code: number): number {
  return code >= 0x41 && code <= 0x5a ? 2 : 0;
}

function ignorableWeight(code: number): number {
  if (code === 0x27) return 2; // '
  if (code === 0x2d) return 3; // -
  return 0;
}

const LEVELS = [primaryWeight, caseWeight, ignorableWeight];
const END = 1;

/**
 * Compares two (lower-cased) header names like the SDK's comparator: walk both strings level by
 * level, skipping characters that have no weight at that level; at the last level, the first
 * skipped character decides.
 */
export function compareHeaderNames(a: string, b: string): number {
  if (a === b) return 0;
  return isLessThan(a, b) ? -1 : 1;
}

function isLessThan(a: string, b: string): boolean {
  for (let level = 0; level < LEVELS.length; level++) {
    const weight = LEVELS[level]!;
    const last = level === LEVELS.length - 1;
    let i = 0;
    let j = 0;
    for (;;) {
      if (last && i !== j) return i > j;
      const wa = i < a.length ? weight(a.charCodeAt(i)) : END;
      const wb = j < b.length ? weight(b.charCodeAt(j)) : END;
      if (wa === END && wb === END) break; // equal at this level: next level
      if (wa === wb) {
        i++;
        j++;
      } else if (wa === 0) i++;
      else if (wb === 0) j++;
      else return wa < wb;
    }
  }
  return false;
}
