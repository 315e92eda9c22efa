/**
 * Decoders of the Azure Blob request bodies, over the safe parser: Put Block List (`BlockList`),
 * Set Container ACL (`SignedIdentifiers`), Set Blob Service Properties (`StorageServiceProperties`,
 * CORS rules in detail) and Set Blob Tags (`Tags`). Syntax errors → InvalidXmlDocument; a well-formed
 * document with a wrong value → InvalidXmlNodeValue (or the operation's own code).
 */
import { isHeaderName } from '@zenko/mesh';
import { AzureError } from '../errors/azure-errors.js';
import { checkBlockListIds } from '../protocol/block-id.js';
import { parseIso8601 } from '../protocol/dates.js';
import { CONTAINER_SAS_PERMISSIONS, isLetterSet } from '../auth/sas-permissions.js';
import { parseXml, type XmlElement } from './parser.js';

const MB = 1024 * 1024;

function invalidNode(name: string, value: string): AzureError {
  return new AzureError('InvalidXmlNodeValue', { fields: { XmlNodeName: name, XmlNodeValue: value } });
}

function root(body: Uint8Array | string, name: string, maxBytes: number): XmlElement {
  const doc = parseXml(body, { maxBytes });
  if (doc.name !== name) throw new AzureError('InvalidXmlDocument', { cause: new Error(`root <${doc.name}> instead of <${name}>`) });
  return doc;
}

// ---------------------------------------------------------------------------------------------
// Put Block List

export type BlockListKind = 'Committed' | 'Uncommitted' | 'Latest';
export interface BlockListEntry {
  readonly id: string;
  readonly kind: BlockListKind;
}

export const MAX_BLOCKS_PER_BLOB = 50_000;
/** 50,000 entries of a 64-byte ID fit well within 8 MiB. */
export const MAX_BLOCK_LIST_BYTES = 8 * MB;

/** `<BlockList><Latest>id</Latest><Committed>id</Committed><Uncommitted>id</Uncommitted>…</BlockList>`, in order. */
export function parseBlockList(body: Uint8Array | string): BlockListEntry[] {
  const doc = root(body, 'BlockList', MAX_BLOCK_LIST_BYTES);
  if (doc.children.length > MAX_BLOCKS_PER_BLOB) throw new AzureError('BlockListTooLong');
  const entries = doc.children.map((child): BlockListEntry => {
    if (child.name !== 'Committed' && child.name !== 'Uncommitted' && child.name !== 'Latest') {
      throw new AzureError('InvalidXmlDocument', { cause: new Error(`unexpected <${child.name}> in <BlockList>`) });
    }
    return { id: child.text.trim(), kind: child.name };
  });
  checkBlockListIds(entries.map((e) => e.id));
  return entries;
}

// ---------------------------------------------------------------------------------------------
// Set Container ACL

export interface SignedIdentifier {
  readonly id: string;
  readonly start?: string;
  readonly expiry?: string;
  readonly permission?: string;
}

export const MAX_SIGNED_IDENTIFIERS = 5;
const MAX_IDENTIFIER_LENGTH = 64;

/** `<SignedIdentifiers><SignedIdentifier><Id/><AccessPolicy><Start/><Expiry/><Permission/></AccessPolicy></SignedIdentifier>…` */
export function parseSignedIdentifiers(body: Uint8Array | string): SignedIdentifier[] {
  const doc = root(body, 'SignedIdentifiers', 64 * 1024);
  const items = doc.all('SignedIdentifier');
  if (items.length !== doc.children.length)
    throw new AzureError('InvalidXmlDocument', { cause: new Error('unexpected element in <SignedIdentifiers>') });
  if (items.length > MAX_SIGNED_IDENTIFIERS)
    throw new AzureError('InvalidXmlDocument', { cause: new Error('more than 5 signed identifiers') });
  const ids = new Set<string>();
  return items.map((item) => {
    const id = item.requireText('Id');
    if (id === '' || id.length > MAX_IDENTIFIER_LENGTH) throw invalidNode('Id', id);
    if (ids.has(id)) throw invalidNode('Id', id);
    ids.add(id);
    const policy = item.one('AccessPolicy');
    const out: { id: string; start?: string; expiry?: string; permission?: string } = { id };
    if (policy === undefined) return out;
    for (const [element, key] of [
      ['Start', 'start'],
      ['Expiry', 'expiry'],
    ] as const) {
      const value = policy.textOf(element)?.trim();
      if (value === undefined || value === '') continue;
      if (parseIso8601(value) === undefined) throw invalidNode(element, value);
      out[key] = value;
    }
    const permission = policy.textOf('Permission')?.trim();
    if (permission !== undefined && permission !== '') {
      if (!isLetterSet(permission, CONTAINER_SAS_PERMISSIONS)) throw invalidNode('Permission', permission);
      out.permission = permission;
    }
    return out;
  });
}

// ---------------------------------------------------------------------------------------------
// Set Blob Service Properties

export interface CorsRule {
  readonly allowedOrigins: string[];
  readonly allowedMethods: string[];
  readonly allowedHeaders: string[];
  readonly exposedHeaders: string[];
  readonly maxAgeInSeconds: number;
}

export interface RetentionPolicy {
  readonly enabled: boolean;
  readonly days?: number;
}

export interface StaticWebsite {
  readonly enabled: boolean;
  readonly indexDocument?: string;
  readonly errorDocument404Path?: string;
  readonly defaultIndexDocumentPath?: string;
}

/** The parts of `StorageServiceProperties` present in the request (absent parts stay unchanged). */
export interface ServicePropertiesUpdate {
  cors?: CorsRule[];
  defaultServiceVersion?: string;
  deleteRetentionPolicy?: RetentionPolicy;
  staticWebsite?: StaticWebsite;
  /** Logging, HourMetrics, MinuteMetrics: accepted and kept as parsed elements. */
  logging?: XmlElement;
  hourMetrics?: XmlElement;
  minuteMetrics?: XmlElement;
}

export const MAX_CORS_RULES = 5;
const CORS_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'MERGE', 'POST', 'OPTIONS', 'PUT', 'PATCH']);

function list(value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((v) => v.trim());
}

function parseBool(element: XmlElement, name: string): boolean {
  const value = element.requireText(name).trim();
  if (value !== 'true' && value !== 'false') throw invalidNode(name, value);
  return value === 'true';
}

function parseInteger(element: XmlElement, name: string, min: number, max: number): number {
  const value = element.requireText(name).trim();
  const n = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) throw invalidNode(name, value);
  return n;
}

function parseRetention(element: XmlElement): RetentionPolicy {
  const enabled = parseBool(element, 'Enabled');
  if (!enabled) return { enabled };
  return { enabled, days: parseInteger(element, 'Days', 1, 365) };
}

/**
 * A CORS rule's header list: at most 64 names and 2 prefixes (`x-ms-meta-*`), each at most 256
 * characters (Azure's limits), each a header name (the exposed ones are sent back in a header).
 */
function corsHeaders(rule: XmlElement, element: 'AllowedHeaders' | 'ExposedHeaders'): string[] {
  const headers = list(rule.textOf(element));
  const prefixes = headers.filter((h) => h.endsWith('*') && h !== '*');
  if (headers.length - prefixes.length > 64 || prefixes.length > 2 || headers.some((h) => h.length > 256 || !isHeaderName(h))) {
    throw invalidNode(element, headers.join(','));
  }
  return headers;
}

function parseCorsRule(rule: XmlElement): CorsRule {
  const allowedOrigins = list(rule.requireText('AllowedOrigins'));
  const allowedMethods = list(rule.requireText('AllowedMethods'));
  if (allowedOrigins.length === 0) throw invalidNode('AllowedOrigins', '');
  for (const o of allowedOrigins) if (!/^[\x21-\x7e]+$/.test(o)) throw invalidNode('AllowedOrigins', o);
  for (const m of allowedMethods) if (!CORS_METHODS.has(m)) throw invalidNode('AllowedMethods', m);
  if (allowedMethods.length === 0) throw invalidNode('AllowedMethods', '');
  const allowedHeaders = corsHeaders(rule, 'AllowedHeaders');
  const exposedHeaders = corsHeaders(rule, 'ExposedHeaders');
  return {
    allowedOrigins,
    allowedMethods,
    allowedHeaders,
    exposedHeaders,
    maxAgeInSeconds: parseInteger(rule, 'MaxAgeInSeconds', 0, 2_147_483_647),
  };
}

export function parseServiceProperties(body: Uint8Array | string): ServicePropertiesUpdate {
  const doc = root(body, 'StorageServiceProperties', MB);
  const out: ServicePropertiesUpdate = {};
  const cors = doc.one('Cors');
  if (cors !== undefined) {
    const rules = cors.all('CorsRule');
    if (rules.length > MAX_CORS_RULES) throw invalidNode('Cors', `${rules.length} rules`);
    out.cors = rules.map(parseCorsRule);
  }
  const version = doc.textOf('DefaultServiceVersion')?.trim();
  if (version !== undefined) {
    // A service version: 2008-10-27 (the first) or later, a real date.
    if (!/^\d{4}-\d{2}-\d{2}$/.test(version) || version < '2008-10-27' || Number.isNaN(Date.parse(`${version}T00:00:00Z`)))
      throw invalidNode('DefaultServiceVersion', version);
    out.defaultServiceVersion = version;
  }
  const retention = doc.one('DeleteRetentionPolicy');
  if (retention !== undefined) out.deleteRetentionPolicy = parseRetention(retention);
  const website = doc.one('StaticWebsite');
  if (website !== undefined) {
    const site: { enabled: boolean; indexDocument?: string; errorDocument404Path?: string; defaultIndexDocumentPath?: string } = {
      enabled: parseBool(website, 'Enabled'),
    };
    const index = website.textOf('IndexDocument');
    const error404 = website.textOf('ErrorDocument404Path');
    const defaultIndex = website.textOf('DefaultIndexDocumentPath');
    if (index !== undefined) site.indexDocument = index;
    if (error404 !== undefined) site.errorDocument404Path = error404;
    if (defaultIndex !== undefined) site.defaultIndexDocumentPath = defaultIndex;
    out.staticWebsite = site;
  }
  const logging = doc.one('Logging');
  const hour = doc.one('HourMetrics');
  const minute = doc.one('MinuteMetrics');
  if (logging !== undefined) out.logging = logging;
  if (hour !== undefined) out.hourMetrics = hour;
  if (minute !== undefined) out.minuteMetrics = minute;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Set Blob Tags

export const MAX_TAGS = 10;
const TAG_CHARS = /^[A-Za-z0-9 +\-./:=_]*$/;

/**
 * Azure's rules for a blob's tags (Set Blob Tags and `x-ms-tags`): at most 10 (TagsTooLarge),
 * keys 1–128 characters (EmptyTagName, TagsTooLarge), values 0–256 (TagsTooLarge), letters,
 * digits and ` +-./:=_` only (InvalidTag), no duplicate keys (DuplicateTagNames).
 */
export function checkBlobTags(pairs: ReadonlyArray<readonly [string, string]>): Map<string, string> {
  if (pairs.length > MAX_TAGS) throw new AzureError('TagsTooLarge');
  const tags = new Map<string, string>();
  for (const [key, value] of pairs) {
    if (key === '') throw new AzureError('EmptyTagName');
    if (key.length > 128 || value.length > 256) throw new AzureError('TagsTooLarge');
    if (!TAG_CHARS.test(key) || !TAG_CHARS.test(value)) throw new AzureError('InvalidTag');
    if (tags.has(key)) throw new AzureError('DuplicateTagNames');
    tags.set(key, value);
  }
  return tags;
}

/** `<Tags><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tags>`. */
export function parseBlobTags(body: Uint8Array | string): Map<string, string> {
  const doc = root(body, 'Tags', 64 * 1024);
  const tagSet = doc.require('TagSet');
  return checkBlobTags(tagSet.all('Tag').map((tag) => [tag.textOf('Key') ?? '', tag.textOf('Value') ?? ''] as const));
}

/** `x-ms-tags`: a query string (`k1=v1&k2=v2`, URL-encoded); absent or empty: no tags. */
export function parseTagsHeader(value: string | undefined): Map<string, string> {
  if (value === undefined || value.trim() === '') return new Map();
  const pairs = value.split('&').map((pair): [string, string] => {
    const eq = pair.indexOf('=');
    const decode = (s: string): string => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw new AzureError('InvalidHeaderValue', { fields: { HeaderName: 'x-ms-tags', HeaderValue: value } });
      }
    };
    return eq === -1 ? [decode(pair), ''] : [decode(pair.slice(0, eq)), decode(pair.slice(eq + 1))];
  });
  return checkBlobTags(pairs);
}
