// CORS as Azure Blob Storage applies it ("CORS support for Azure Storage"): the storage account's
// rules (Set Blob Service Properties) are evaluated in order and the first that matches is used.
//
// - Preflight (OPTIONS, Preflight Blob Request): Origin and Access-Control-Request-Method are
//   required (400 otherwise); a rule matches when it allows the origin (or `*`), the method, and
//   every requested header (literally or by a `prefix*` rule); the answer is 200 with
//   Access-Control-Allow-Origin (the origin), -Allow-Methods, -Allow-Headers, -Max-Age and
//   -Allow-Credentials, else 403 CorsPreflightFailure.
// - Actual requests with an Origin: when a rule allows the origin and the method, the response
//   (success or error) carries Access-Control-Allow-Origin (`*` for a wildcard rule, else the
//   origin, with Vary: Origin and Access-Control-Allow-Credentials), and
//   Access-Control-Expose-Headers (the rule's literal names, and the response's headers that its
//   `prefix*` names match). Otherwise the response carries no CORS header (Vary: Origin when
//   the account has rules).
import type { ServerResponse } from 'node:http';
import type { CorsRule } from '../xml/request-bodies.js';

function items(list: readonly string[]): string[] {
  return list.map((v) => v.trim()).filter((v) => v !== '');
}

function originAllowed(rule: CorsRule, origin: string): boolean {
  return items(rule.allowedOrigins).some((o) => o === '*' || o.toLowerCase() === origin.trim().toLowerCase());
}

function methodAllowed(rule: CorsRule, method: string): boolean {
  return items(rule.allowedMethods).some((m) => m.toUpperCase() === method.trim().toUpperCase());
}

function headerAllowed(rule: CorsRule, header: string): boolean {
  const h = header.toLowerCase();
  return items(rule.allowedHeaders).some((a) => {
    const allowed = a.toLowerCase();
    return allowed === '*' || allowed === h || (allowed.endsWith('*') && h.startsWith(allowed.slice(0, -1)));
  });
}

export type PreflightResult = { readonly allowed: false } | { readonly allowed: true; readonly headers: Record<string, string> };

export function evaluatePreflight(
  rules: readonly CorsRule[],
  origin: string,
  method: string,
  requestHeaders: string | undefined,
): PreflightResult {
  const requested = (requestHeaders ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  const rule = rules.find((r) => originAllowed(r, origin) && methodAllowed(r, method) && requested.every((h) => headerAllowed(r, h)));
  if (rule === undefined) return { allowed: false };
  const headers: Record<string, string> = {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': method,
    'access-control-max-age': String(rule.maxAgeInSeconds),
    'access-control-allow-credentials': 'true',
  };
  if (requestHeaders !== undefined) headers['access-control-allow-headers'] = requestHeaders;
  return { allowed: true, headers };
}

/** The CORS headers of an actual request's response, given the response's header names. */
export function corsResponseHeaders(
  rules: readonly CorsRule[],
  origin: string,
  method: string,
  responseHeaderNames: readonly string[],
): Record<string, string> {
  const rule = rules.find((r) => originAllowed(r, origin) && methodAllowed(r, method));
  if (rule === undefined) return rules.length > 0 ? { vary: 'Origin' } : {};
  const names = responseHeaderNames.map((n) => n.toLowerCase());
  const exposed = new Set<string>();
  for (const e of items(rule.exposedHeaders)) {
    const lower = e.toLowerCase();
    if (!lower.endsWith('*')) {
      exposed.add(lower);
      continue;
    }
    for (const n of names) if (n.startsWith(lower.slice(0, -1))) exposed.add(n);
  }
  const wildcard = items(rule.allowedOrigins).includes('*');
  const out: Record<string, string> = {
    'access-control-allow-origin': wildcard ? '*' : origin,
    'access-control-expose-headers': [...exposed].join(','),
  };
  if (!wildcard) {
    out['vary'] = 'Origin';
    out['access-control-allow-credentials'] = 'true';
  }
  return out;
}

type Headers = Parameters<ServerResponse['writeHead']>[1];

function headerNames(res: ServerResponse, headers: unknown): string[] {
  const names = new Set(res.getHeaderNames());
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) names.add(String(headers[i]).toLowerCase());
  } else if (headers !== null && typeof headers === 'object') {
    for (const n of Object.keys(headers)) names.add(n.toLowerCase());
  }
  return [...names];
}

/**
 * Makes every response of this request (the handler's or the error renderer's) carry the CORS
 * headers of the matching rule, computed when its headers are written.
 */
export function applyCors(res: ServerResponse, rules: readonly CorsRule[], origin: string, method: string): void {
  if (rules.length === 0) return;
  const writeHead = res.writeHead.bind(res) as (status: number, a?: unknown, b?: unknown) => ServerResponse;
  res.writeHead = (status: number, a?: string | Headers, b?: Headers): ServerResponse => {
    const headers = typeof a === 'string' ? b : a;
    for (const [name, value] of Object.entries(corsResponseHeaders(rules, origin, method, headerNames(res, headers)))) {
      res.setHeader(name, value);
    }
    return writeHead(status, a, b);
  };
}
