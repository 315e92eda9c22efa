/**
 * The query part of Shared Key's CanonicalizedResource. Azure's documented rule: lower-case each
 * parameter name, URL-decode names and values, sort by name, and write `\nname:value` with
 * repeated parameters' values sorted and comma-joined. The JavaScript SDK (and Azurite) differ on
 * edge cases: they drop parameters whose value is empty or contains '=', keep the last of repeated
 * names, decode only values, and treat '+' literally. Both forms are produced; they coincide for
 * every request an SDK sends.
 */
import { AzureError } from '../errors/azure-errors.js';

function decode(raw: string, plusIsSpace: boolean): string {
  try {
    return decodeURIComponent(plusIsSpace ? raw.replace(/\+/g, '%20') : raw);
  } catch (cause) {
    throw new AzureError('InvalidUri', { cause });
  }
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** All `name=value` pairs of a raw query, decoded, in order (`a` alone gives `['a', '']`). */
export function parseQuery(rawQuery: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  if (rawQuery === '') return pairs;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    pairs.push([decode(name, true), decode(value, true)]);
  }
  return pairs;
}

/** Decoded query parameters by lower-cased name (the first occurrence wins). */
export function queryParams(rawQuery: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const [name, value] of parseQuery(rawQuery)) {
    const key = name.toLowerCase();
    if (!params.has(key)) params.set(key, value);
  }
  return params;
}

/** Azure's documented canonical form: `\nname:v1,v2` lines, names sorted. */
export function canonicalQueryDocumented(rawQuery: string): string {
  const byName = new Map<string, string[]>();
  for (const [name, value] of parseQuery(rawQuery)) {
    const key = name.toLowerCase();
    const values = byName.get(key);
    if (values === undefined) byName.set(key, [value]);
    else values.push(value);
  }
  let out = '';
  for (const name of [...byName.keys()].sort(compareCodeUnits)) {
    out += `\n${name}:${byName.get(name)!.sort(compareCodeUnits).join(',')}`;
  }
  return out;
}

/** The JavaScript SDK's canonical form (see the module comment). */
export function canonicalQuerySdk(rawQuery: string): string {
  const byName = new Map<string, string>();
  for (const part of rawQuery.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq !== part.lastIndexOf('=') || eq === part.length - 1) continue;
    byName.set(part.slice(0, eq).toLowerCase(), decode(part.slice(eq + 1), false));
  }
  let out = '';
  for (const name of [...byName.keys()].sort(compareCodeUnits)) out += `\n${name}:${byName.get(name)!}`;
  return out;
}
