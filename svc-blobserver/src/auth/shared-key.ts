/**
 * Shared Key and Shared Key Lite authorization for the Blob service
 * (`Authorization: SharedKey <account>:<base64 HMAC-SHA256>`).
 *
 * Shared Key string-to-sign (versions 2009-09-19 and later):
 *
 *   VERB \n Content-Encoding \n Content-Language \n Content-Length \n Content-MD5 \n Content-Type \n
 *   Date \n If-Modified-Since \n If-Match \n If-None-Match \n If-Unmodified-Since \n Range \n
 *   CanonicalizedHeaders CanonicalizedResource
 *
 * Content-Length is empty when it is 0 (versions 2015-02-21 and later). CanonicalizedHeaders are
 * the `x-ms-*` headers, lower-cased, in .NET culture order (header-order.ts), as `name:value\n`.
 * CanonicalizedResource is `/<account><raw path>` followed by the canonical query: with path-style
 * addressing the account therefore appears twice (`/devstoreaccount1/devstoreaccount1/c/b`), as
 * the SDKs sign it and Azurite verifies it.
 *
 * Shared Key Lite: VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedHeaders
 * `/<account><raw path>[?comp=<value>]`.
 *
 * The account's keys all sign (key rotation); the signature is compared in constant time. The
 * request time (`x-ms-date`, else `Date`) must be within 15 minutes of the clock.
 */
import { AzureError } from '../errors/azure-errors.js';
import { parseRfc1123 } from '../protocol/dates.js';
import { canonicalQueryDocumented, canonicalQuerySdk, queryParams } from './canonical-query.js';
import { compareHeaderNames } from './header-order.js';
import { decodeSignature, matchesAnySignature } from './hmac.js';
import type { AuthRequest, Clock, GetAccountKeys } from './types.js';

export type SharedKeyScheme = 'SharedKey' | 'SharedKeyLite';

export interface SharedKeyCredentials {
  readonly scheme: SharedKeyScheme;
  readonly account: string;
  readonly signature: string;
}

export interface SharedKeyOptions {
  readonly getAccountKeys: GetAccountKeys;
  /** Default `Date.now`. */
  readonly clock?: Clock;
  /**
   * The account's `DefaultServiceVersion` (Set Blob Service Properties), used when a request has no
   * `x-ms-version`; without it such a request is refused with MissingRequiredHeader.
   */
  readonly defaultServiceVersion?: string | undefined;
  /** Allowed difference between the request time and the clock (default 15 minutes). */
  readonly maxClockSkewMs?: number;
}

export interface SharedKeyIdentity {
  readonly kind: 'sharedKey';
  readonly scheme: SharedKeyScheme;
  readonly account: string;
  /** The service version the request runs with (`x-ms-version`, else the account default). */
  readonly version: string;
}

export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

const AUTHORIZATION = /^(SharedKey|SharedKeyLite) ([^:\s]+):(\S+)$/;

/**
 * Parses an `Authorization` header of the Shared Key schemes; `undefined` when it uses another
 * scheme (`Bearer` …). A Shared Key header that is malformed → InvalidAuthenticationInfo.
 */
export function parseSharedKeyAuthorization(value: string): SharedKeyCredentials | undefined {
  const trimmed = value.trim();
  const scheme = /^(\S+)/.exec(trimmed)?.[1];
  if (scheme !== 'SharedKey' && scheme !== 'SharedKeyLite') return undefined;
  const m = AUTHORIZATION.exec(trimmed);
  if (m === null) throw new AzureError('InvalidAuthenticationInfo', { cause: new Error('malformed Shared Key authorization header') });
  return { scheme: m[1] as SharedKeyScheme, account: m[2]!, signature: m[3]! };
}

function header(req: AuthRequest, name: string): string {
  return req.headers[name] ?? '';
}

function contentLengthToSign(req: AuthRequest): string {
  const value = header(req, 'content-length');
  const version = req.headers['x-ms-version'];
  // Before 2015-02-21 a zero Content-Length is signed as "0".
  return value === '0' && (version === undefined || version >= '2015-02-21') ? '' : value;
}

/** `name:value\n` for every `x-ms-*` header; `collapse` folds runs of whitespace in values. */
export function canonicalizedHeaders(req: AuthRequest, collapse = false): string {
  // Before 2016-05-31, headers with empty values were left out of the string to sign.
  const version = req.headers['x-ms-version'];
  const omitEmpty = version !== undefined && version < '2016-05-31';
  const names = Object.keys(req.headers)
    .map((n) => n.toLowerCase())
    .filter((n) => n.startsWith('x-ms-') && req.headers[n] !== undefined && !(omitEmpty && req.headers[n].trim() === ''))
    .sort(compareHeaderNames);
  let out = '';
  let previous: string | undefined;
  for (const name of names) {
    if (name === previous) continue;
    previous = name;
    let value = (req.headers[name] ?? '').replace(/^\s+/, '');
    if (collapse) value = value.replace(/[ \t\r\n]+/g, ' ').trim();
    out += `${name}:${value}\n`;
  }
  return out;
}

function canonicalPath(req: AuthRequest): string {
  return req.path === '' ? '/' : req.path;
}

function sharedKeyHead(req: AuthRequest): string {
  return [
    req.method.toUpperCase(),
    header(req, 'content-encoding'),
    header(req, 'content-language'),
    contentLengthToSign(req),
    header(req, 'content-md5'),
    header(req, 'content-type'),
    header(req, 'date'),
    header(req, 'if-modified-since'),
    header(req, 'if-match'),
    header(req, 'if-none-match'),
    header(req, 'if-unmodified-since'),
    header(req, 'range'),
  ].join('\n');
}

/** Azure's documented Shared Key string-to-sign for `account`. */
export function sharedKeyStringToSign(req: AuthRequest, account: string): string {
  return `${sharedKeyHead(req)}\n${canonicalizedHeaders(req)}/${account}${canonicalPath(req)}${canonicalQueryDocumented(req.query)}`;
}

/**
 * Every string-to-sign a conforming client may have signed: the documented one, plus the SDK's
 * reading of the query and the whitespace-folding reading of header values where they differ.
 */
export function sharedKeyCandidates(req: AuthRequest, account: string): string[] {
  const head = sharedKeyHead(req);
  const resource = `/${account}${canonicalPath(req)}`;
  const candidates = new Set<string>();
  for (const headers of new Set([canonicalizedHeaders(req), canonicalizedHeaders(req, true)])) {
    for (const query of new Set([canonicalQueryDocumented(req.query), canonicalQuerySdk(req.query)])) {
      candidates.add(`${head}\n${headers}${resource}${query}`);
    }
  }
  return [...candidates];
}

/** Shared Key Lite string-to-sign for the Blob service (versions 2009-09-19 and later). */
export function sharedKeyLiteStringToSign(req: AuthRequest, account: string): string {
  const comp = queryParams(req.query).get('comp');
  const resource = `/${account}${canonicalPath(req)}${comp === undefined ? '' : `?comp=${comp}`}`;
  return (
    [req.method.toUpperCase(), header(req, 'content-md5'), header(req, 'content-type'), header(req, 'date'), ''].join('\n') +
    canonicalizedHeaders(req) +
    resource
  );
}

function checkRequestTime(req: AuthRequest, now: number, maxSkew: number): void {
  const msDate = req.headers['x-ms-date'];
  const raw = msDate ?? req.headers['date'];
  if (raw === undefined || raw === '') {
    throw AzureError.authenticationFailed('Request date header not specified.');
  }
  const time = parseRfc1123(raw);
  if (time === undefined) {
    throw AzureError.authenticationFailed(
      `The ${msDate === undefined ? 'Date' : 'x-ms-date'} header in the request is incorrect: '${raw}'.`,
    );
  }
  if (time < now - maxSkew) throw AzureError.authenticationFailed(`Request date header too old: '${raw}'`);
  if (time > now + maxSkew) throw AzureError.authenticationFailed(`Request date header too far in the future: '${raw}'`);
}

/**
 * Verifies a Shared Key or Shared Key Lite request addressed to `account` (the account of the URL,
 * see protocol/addressing.ts). Throws AzureError:
 * - InvalidAuthenticationInfo: the `Authorization` header is not a Shared Key header;
 * - MissingRequiredHeader (HeaderName x-ms-version): no version and no account default;
 * - AuthenticationFailed (with AuthenticationErrorDetail): wrong account, missing, malformed or
 *   skewed date, unknown account, signature mismatch.
 */
export async function verifySharedKey(req: AuthRequest, account: string, options: SharedKeyOptions): Promise<SharedKeyIdentity> {
  const authorization = req.headers['authorization'];
  const credentials = authorization === undefined ? undefined : parseSharedKeyAuthorization(authorization);
  if (credentials === undefined) {
    throw new AzureError('InvalidAuthenticationInfo', { cause: new Error('no Shared Key authorization header') });
  }
  const version = req.headers['x-ms-version'] ?? options.defaultServiceVersion;
  if (version === undefined || version === '') {
    throw new AzureError('MissingRequiredHeader', { fields: { HeaderName: 'x-ms-version' } });
  }
  // A service version is a date (2009-09-19 is the first one Shared Key signs).
  if (!/^\d{4}-\d{2}-\d{2}$/.test(version) || version < '2009-09-19') {
    throw new AzureError('InvalidHeaderValue', { fields: { HeaderName: 'x-ms-version', HeaderValue: version } });
  }
  if (credentials.account !== account) {
    throw AzureError.authenticationFailed(
      `The account ${credentials.account} in the Authorization header does not match the account ${account} of the request.`,
    );
  }
  checkRequestTime(req, (options.clock ?? Date.now)(), options.maxClockSkewMs ?? MAX_CLOCK_SKEW_MS);
  const documented = credentials.scheme === 'SharedKey' ? sharedKeyStringToSign(req, account) : sharedKeyLiteStringToSign(req, account);
  const mismatch = (): AzureError =>
    AzureError.authenticationFailed(
      `The MAC signature found in the HTTP request '${credentials.signature}' is not the same as any computed signature. Server used following string to sign: '${documented}'.`,
    );
  const provided = decodeSignature(credentials.signature);
  const keys = await options.getAccountKeys(account);
  if (provided === undefined || keys === undefined || keys.length === 0) throw mismatch();
  const candidates = credentials.scheme === 'SharedKey' ? sharedKeyCandidates(req, account) : [documented];
  if (!matchesAnySignature(provided, keys, candidates)) throw mismatch();
  return { kind: 'sharedKey', scheme: credentials.scheme, account, version };
}
