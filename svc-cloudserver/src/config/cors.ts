/**
 * CORSConfiguration (PutBucketCors / GetBucketCors) and the CORS evaluation S3 performs for
 * preflight (OPTIONS) and actual requests.
 *
 * Limits and errors as AWS: 1..100 rules (MalformedXML beyond), each with at least one
 * AllowedMethod (GET, PUT, POST, DELETE, HEAD: others → InvalidRequest) and AllowedOrigin; at
 * most one `*` in an AllowedOrigin or AllowedHeader, none in an ExposeHeader (InvalidRequest);
 * ID ≤ 255 characters (InvalidRequest); MaxAgeSeconds a non-negative integer.
 */
import { isHeaderName } from '@zenko/mesh';
import type { XmlElement } from '../xml/parser.js';
import { S3_XMLNS, XmlWriter } from '../xml/writer.js';
import { container, integerText, invalidRequest, malformed, optionalText, rootElement, valueOf } from './xml-input.js';

export const CORS_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'] as const;
export type CorsMethod = (typeof CORS_METHODS)[number];

export const MAX_CORS_RULES = 100;

export interface CorsRule {
  readonly id?: string;
  readonly allowedMethods: CorsMethod[];
  readonly allowedOrigins: string[];
  readonly allowedHeaders: string[];
  readonly exposeHeaders: string[];
  readonly maxAgeSeconds?: number;
}

export interface CorsConfiguration {
  readonly rules: CorsRule[];
}

const RULE_FIELDS = ['ID', 'AllowedMethod', 'AllowedOrigin', 'AllowedHeader', 'ExposeHeader', 'MaxAgeSeconds'];

function wildcards(s: string): number {
  return s.split('*').length - 1;
}

function parseRule(el: XmlElement): CorsRule {
  container(el, RULE_FIELDS);
  const id = optionalText(el, 'ID');
  if (id !== undefined && id.length > 255) throw invalidRequest('ID can not be longer than 255 characters');
  const methods = el.all('AllowedMethod').map((m) => valueOf(m).trim());
  const origins = el.all('AllowedOrigin').map((o) => valueOf(o).trim());
  const headers = el.all('AllowedHeader').map((h) => valueOf(h).trim());
  const expose = el.all('ExposeHeader').map((h) => valueOf(h).trim());
  if (methods.length === 0) throw malformed('<CORSRule> without <AllowedMethod>');
  if (origins.length === 0) throw malformed('<CORSRule> without <AllowedOrigin>');
  const allowedMethods = methods.map((m) => {
    const found = CORS_METHODS.find((x) => x === m);
    if (found === undefined) throw invalidRequest(`Found unsupported HTTP method in CORS config. Unsupported method is ${m}`);
    return found;
  });
  for (const o of origins) {
    if (wildcards(o) > 1) throw invalidRequest(`AllowedOrigin "${o}" can not have more than one wildcard.`);
  }
  for (const h of headers) {
    if (wildcards(h) > 1) throw invalidRequest(`AllowedHeader "${h}" can not have more than one wildcard.`);
    if (!isHeaderName(h)) throw invalidRequest(`AllowedHeader "${h}" is not a valid header name.`);
  }
  for (const h of expose) {
    if (h.includes('*')) {
      throw invalidRequest(`ExposeHeader "${h}" contains wildcard. We currently do not support wildcard for ExposeHeader.`);
    }
    // Sent back in Access-Control-Expose-Headers: a name that is no header name cannot be.
    if (!isHeaderName(h)) throw invalidRequest(`ExposeHeader "${h}" is not a valid header name.`);
  }
  const maxAgeSeconds = integerText(el, 'MaxAgeSeconds', { min: 0 }, () => malformed('<MaxAgeSeconds> out of range'));
  return {
    ...(id === undefined ? {} : { id }),
    allowedMethods,
    allowedOrigins: origins,
    allowedHeaders: headers,
    exposeHeaders: expose,
    ...(maxAgeSeconds === undefined ? {} : { maxAgeSeconds }),
  };
}

/** Parses a PutBucketCors body. */
export function parseCors(input: XmlElement | Uint8Array | string): CorsConfiguration {
  const root = container(rootElement(input, 'CORSConfiguration', 64 * 1024), ['CORSRule']);
  const elements = root.all('CORSRule');
  if (elements.length === 0) throw malformed('no <CORSRule>');
  if (elements.length > MAX_CORS_RULES) throw malformed(`more than ${MAX_CORS_RULES} CORS rules`);
  return { rules: elements.map(parseRule) };
}

/** The GetBucketCors body, elements in AWS's order. */
export function renderCors(doc: CorsConfiguration): string {
  const w = new XmlWriter();
  w.open('CORSConfiguration', { xmlns: S3_XMLNS });
  for (const r of doc.rules) {
    w.open('CORSRule').optionalLeaf('ID', r.id);
    for (const h of r.allowedHeaders) w.leaf('AllowedHeader', h);
    for (const m of r.allowedMethods) w.leaf('AllowedMethod', m);
    for (const o of r.allowedOrigins) w.leaf('AllowedOrigin', o);
    for (const h of r.exposeHeaders) w.leaf('ExposeHeader', h);
    w.optionalLeaf('MaxAgeSeconds', r.maxAgeSeconds).close();
  }
  return w.close().end();
}

export interface CorsRequest {
  /** The `Origin` request header. */
  readonly origin: string;
  /** Preflight: `Access-Control-Request-Method`; actual request: the request's method. */
  readonly method: string;
  /**
   * Preflight only: the `Access-Control-Request-Headers` value (comma-separated) or its parts.
   * Leave undefined for actual requests (their headers are not checked).
   */
  readonly requestHeaders?: string | readonly string[];
}

/** Lower-case response header name → value. */
export type CorsHeaders = Record<string, string>;

/** `pattern` with at most one `*` matching any (possibly empty) run of characters. */
function wildcardMatch(pattern: string, value: string): boolean {
  const star = pattern.indexOf('*');
  if (star === -1) return pattern === value;
  const head = pattern.slice(0, star);
  const tail = pattern.slice(star + 1);
  return value.length >= head.length + tail.length && value.startsWith(head) && value.endsWith(tail);
}

function splitHeaders(h: string | readonly string[] | undefined): string[] | undefined {
  if (h === undefined) return undefined;
  const parts = typeof h === 'string' ? h.split(',') : h.flatMap((x) => x.split(','));
  return parts.map((x) => x.trim().toLowerCase()).filter((x) => x !== '');
}

/**
 * The first rule that allows this origin, method and (preflight) every requested header, as S3
 * evaluates CORS; `undefined` when none does (a preflight then gets 403 AccessForbidden, an actual
 * request simply gets no CORS headers). Origins are compared case-sensitively, headers not.
 */
export function findCorsRule(doc: CorsConfiguration, req: CorsRequest): CorsRule | undefined {
  const requested = splitHeaders(req.requestHeaders) ?? [];
  return doc.rules.find(
    (rule) =>
      rule.allowedMethods.some((m) => m === req.method) &&
      rule.allowedOrigins.some((o) => wildcardMatch(o, req.origin)) &&
      requested.every((h) => rule.allowedHeaders.some((a) => wildcardMatch(a.toLowerCase(), h))),
  );
}

/**
 * The CORS response headers for a request, or `undefined` when no rule matches. A rule allowing
 * any origin (`*`) answers `Access-Control-Allow-Origin: *`; otherwise the request's origin is
 * echoed with `Access-Control-Allow-Credentials: true`.
 */
export function matchCors(doc: CorsConfiguration, req: CorsRequest): CorsHeaders | undefined {
  if (req.origin === '') return undefined;
  const rule = findCorsRule(doc, req);
  if (rule === undefined) return undefined;
  const headers: CorsHeaders = {};
  if (rule.allowedOrigins.includes('*')) {
    headers['access-control-allow-origin'] = '*';
  } else {
    headers['access-control-allow-origin'] = req.origin;
    headers['access-control-allow-credentials'] = 'true';
  }
  headers['access-control-allow-methods'] = rule.allowedMethods.join(', ');
  const requested = splitHeaders(req.requestHeaders);
  if (requested !== undefined && requested.length > 0) headers['access-control-allow-headers'] = requested.join(', ');
  if (rule.exposeHeaders.length > 0) headers['access-control-expose-headers'] = rule.exposeHeaders.join(', ');
  if (rule.maxAgeSeconds !== undefined) headers['access-control-max-age'] = String(rule.maxAgeSeconds);
  headers['vary'] = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';
  return headers;
}
