/**
 * SAS permission letters, services and resource types, in the canonical orders the Azure SDKs
 * write them (`AccountSASPermissions`, `BlobSASPermissions`, `ContainerSASPermissions`,
 * `AccountSASServices`, `AccountSASResourceTypes` of @azure/storage-blob). The service signs the
 * `sp`/`ss`/`srt` strings exactly as they appear in the URL, so order is not enforced when
 * verifying; these orders are for writing SAS and for normalizing stored access policies.
 */

/**
 * Account SAS `sp`: read, write, delete, delete version, filter (find by tags), tag, list, add,
 * create, update, process, set immutability policy, permanent delete.
 */
export const ACCOUNT_SAS_PERMISSIONS = 'rwdxftlacupiy';
/**
 * Service SAS `sp` for a blob (`sr=b`, `bs`, `bv`): read, add, create, write, delete, delete
 * version, tag, move, execute, set immutability policy, permanent delete; then the Data Lake
 * ownership and permissions letters, which the SDK does not write.
 */
export const BLOB_SAS_PERMISSIONS = 'racwdxtmeiyop';
/** Service SAS `sp` for a container (`sr=c`), also stored access policies' `Permission`. */
export const CONTAINER_SAS_PERMISSIONS = 'racwdxltmeiyfop';
/** Account SAS `ss`: blob, file, queue, table. */
export const ACCOUNT_SAS_SERVICES = 'bfqt';
/** Account SAS `srt`: service, container, object. */
export const ACCOUNT_SAS_RESOURCE_TYPES = 'sco';

/** True when `value` is a non-empty set of letters of `alphabet`, each at most once. */
export function isLetterSet(value: string, alphabet: string): boolean {
  if (value === '') return false;
  const seen = new Set<string>();
  for (const ch of value) {
    if (!alphabet.includes(ch) || seen.has(ch)) return false;
    seen.add(ch);
  }
  return true;
}

/** Rewrites a set of letters in `alphabet`'s order (`'wr'` → `'rw'`); throws on foreign letters. */
export function canonicalLetters(value: string, alphabet: string): string {
  if (!isLetterSet(value, alphabet)) throw new RangeError(`invalid letters ${JSON.stringify(value)} for ${alphabet}`);
  return [...alphabet].filter((ch) => value.includes(ch)).join('');
}

/** True when `granted` contains at least one letter of `anyOf`. */
export function grantsAny(granted: string, anyOf: string): boolean {
  for (const ch of anyOf) if (granted.includes(ch)) return true;
  return false;
}
