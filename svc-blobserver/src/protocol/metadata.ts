/**
 * User metadata: `x-ms-meta-<name>: <value>` request headers. Names follow C# identifier rules
 * (a letter or '_' first, then letters, digits, '_'), are case-insensitive (two names differing
 * only in case are one name) and keep the case the client sent, so they are read from the raw
 * header list (node's `req.rawHeaders`), not from the lower-cased header object.
 *
 * An empty name → EmptyMetadataKey; an invalid or repeated name → InvalidMetadata; names and
 * values over 8 KiB in total → MetadataTooLarge.
 */
import { AzureError } from '../errors/azure-errors.js';

export const METADATA_PREFIX = 'x-ms-meta-';
export const MAX_METADATA_BYTES = 8 * 1024;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True when `name` is a valid metadata name (a C# identifier, ASCII). */
export function isValidMetadataName(name: string): boolean {
  return IDENTIFIER.test(name);
}

/**
 * Extracts metadata from node's flat `rawHeaders` (`[name, value, name, value, …]`), or from
 * `[name, value]` pairs. Returns names in the case sent, in the order sent.
 */
export function extractMetadata(rawHeaders: readonly string[] | Iterable<readonly [string, string]>): Map<string, string> {
  const pairs: Array<readonly [string, string]> = [];
  if (Array.isArray(rawHeaders) && (rawHeaders.length === 0 || typeof rawHeaders[0] === 'string')) {
    const flat = rawHeaders as readonly string[];
    for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
  } else {
    for (const pair of rawHeaders as Iterable<readonly [string, string]>) pairs.push(pair);
  }
  const metadata = new Map<string, string>();
  const seen = new Set<string>();
  let size = 0;
  for (const [header, value] of pairs) {
    if (header.length < METADATA_PREFIX.length || header.slice(0, METADATA_PREFIX.length).toLowerCase() !== METADATA_PREFIX) continue;
    const name = header.slice(METADATA_PREFIX.length);
    if (name === '') throw new AzureError('EmptyMetadataKey');
    if (!isValidMetadataName(name)) throw new AzureError('InvalidMetadata', { fields: { MetadataName: name } });
    const folded = name.toLowerCase();
    if (seen.has(folded)) throw new AzureError('InvalidMetadata', { fields: { MetadataName: name } });
    seen.add(folded);
    size += Buffer.byteLength(name) + Buffer.byteLength(value);
    if (size > MAX_METADATA_BYTES) throw new AzureError('MetadataTooLarge');
    metadata.set(name, value);
  }
  return metadata;
}

/** Response headers for stored metadata: `x-ms-meta-<name>` in the stored case. */
export function metadataHeaders(metadata: ReadonlyMap<string, string> | Readonly<Record<string, string>>): Array<[string, string]> {
  const entries: Array<[string, string]> =
    metadata instanceof Map ? [...(metadata as ReadonlyMap<string, string>)] : Object.entries(metadata as Readonly<Record<string, string>>);
  return entries.map(([name, value]) => [`${METADATA_PREFIX}${name}`, value]);
}
