/**
 * Shared access signatures for the Blob service: account SAS (`ss`, `srt`) and service SAS for a
 * blob or a container (`sr=b|bs|bv|c`), optionally bound to a container's stored access policy
 * (`si`). Strings-to-sign match @azure/storage-blob's `generateAccountSASQueryParameters` and
 * `generateBlobSASQueryParameters` for every version they produce; values are signed exactly as
 * they appear (decoded) in the URL.
 *
 * Account SAS (2015-04-05 …; `ses` from 2020-12-06):
 *   account \n sp \n ss \n srt \n st \n se \n sip \n spr \n sv \n [ses \n]
 * Service SAS, canonicalized resource `/blob/<account>/<container>[/<blob>]`:
 *   2020-12-06 …:  sp st se resource si sip spr sv sr snapshot ses rscc rscd rsce rscl rsct
 *   2018-11-09 …:  sp st se resource si sip spr sv sr snapshot rscc rscd rsce rscl rsct
 *   2015-04-05 …:  sp st se resource si sip spr sv rscc rscd rsce rscl rsct
 *   2013-08-15 …:  sp st se resource si sv rscc rscd rsce rscl rsct   (`/<account>/…` before 2015-02-21)
 *
 * Failures (as Azure answers them): malformed fields, bad signature, unknown stored policy,
 * outside the validity window → AuthenticationFailed with AuthenticationErrorDetail; client IP
 * outside `sip` → AuthorizationSourceIPMismatch; http with `spr=https` →
 * AuthorizationProtocolMismatch; then per operation (`assertSasAllows`): `ss` without `b` →
 * AuthorizationServiceMismatch, `srt` without the operation's resource type →
 * AuthorizationResourceTypeMismatch, `sp` without a required letter →
 * AuthorizationPermissionMismatch, an operation no SAS of this kind may call → AuthorizationFailure.
 */
import { utf8HeaderValue } from '@zenko/mesh';
import { AzureError } from '../errors/azure-errors.js';
import { parseIso8601 } from '../protocol/dates.js';
import { queryParams } from './canonical-query.js';
import { decodeSignature, matchesAnySignature } from './hmac.js';
import { inIpRange, isIpRange } from './ip-range.js';
import {
  ACCOUNT_SAS_PERMISSIONS,
  ACCOUNT_SAS_RESOURCE_TYPES,
  ACCOUNT_SAS_SERVICES,
  BLOB_SAS_PERMISSIONS,
  CONTAINER_SAS_PERMISSIONS,
  grantsAny,
  isLetterSet,
} from './sas-permissions.js';
import type { AuthRequest, Clock, GetAccountKeys, GetStoredAccessPolicy } from './types.js';

/** The SAS fields of a request's query string, decoded; absent fields are `undefined`. */
export interface SasParameters {
  readonly sv: string;
  readonly sig: string;
  readonly sp?: string | undefined;
  readonly st?: string | undefined;
  readonly se?: string | undefined;
  readonly sip?: string | undefined;
  readonly spr?: string | undefined;
  readonly ss?: string | undefined;
  readonly srt?: string | undefined;
  readonly ses?: string | undefined;
  readonly sr?: string | undefined;
  readonly si?: string | undefined;
  readonly rscc?: string | undefined;
  readonly rscd?: string | undefined;
  readonly rsce?: string | undefined;
  readonly rscl?: string | undefined;
  readonly rsct?: string | undefined;
  /** The request's `snapshot` (signed for `sr=bs`) and `versionid` (signed for `sr=bv`). */
  readonly snapshot?: string | undefined;
  readonly versionid?: string | undefined;
  /** Any user delegation field (`skoid` …) present: such SAS are not supported here. */
  readonly userDelegation: boolean;
}

const FIELDS = [
  'sp',
  'st',
  'se',
  'sip',
  'spr',
  'ss',
  'srt',
  'ses',
  'sr',
  'si',
  'rscc',
  'rscd',
  'rsce',
  'rscl',
  'rsct',
  'snapshot',
  'versionid',
] as const;
const USER_DELEGATION_FIELDS = ['skoid', 'sktid', 'skt', 'ske', 'sks', 'skv', 'saoid', 'suoid', 'scid', 'skdutid', 'sduoid'];

/** The SAS in a raw query string; `undefined` when the query has no `sig` (not a SAS request). */
export function parseSas(rawQuery: string): SasParameters | undefined {
  const q = queryParams(rawQuery);
  const sig = q.get('sig');
  if (sig === undefined) return undefined;
  const out: Record<string, string | boolean | undefined> = {
    sv: q.get('sv') ?? '',
    // A '+' left unencoded in a signature reads as a space once decoded; base64 has no spaces.
    sig: sig.replace(/ /g, '+'),
    userDelegation: USER_DELEGATION_FIELDS.some((f) => q.has(f)),
  };
  for (const f of FIELDS) out[f] = q.get(f);
  return out as unknown as SasParameters;
}

/** True for an account SAS (`ss`/`srt`), false for a service SAS. */
export function isAccountSas(sas: SasParameters): boolean {
  return sas.ss !== undefined || sas.srt !== undefined;
}

/** The account SAS string-to-sign, as `generateAccountSASQueryParameters` builds it. */
export function accountSasStringToSign(account: string, sas: SasParameters): string {
  const fields = [account, sas.sp, sas.ss, sas.srt, sas.st, sas.se, sas.sip, sas.spr, sas.sv];
  if (sas.sv >= '2020-12-06') fields.push(sas.ses);
  fields.push(''); // a trailing newline
  return fields.map((f) => f ?? '').join('\n');
}

/** `/blob/<account>/<container>[/<blob>]` (without `/blob` before 2015-02-21). */
export function sasCanonicalResource(version: string, account: string, container: string, blob: string | undefined): string {
  const prefix = version >= '2015-02-21' ? `/blob/${account}` : `/${account}`;
  return `${prefix}/${container}${blob === undefined ? '' : `/${blob}`}`;
}

/**
 * The service SAS string-to-sign, as `generateBlobSASQueryParameters` builds it. `blob` is the
 * decoded blob name for `sr=b|bs|bv`, `undefined` for `sr=c`.
 */
export function serviceSasStringToSign(account: string, container: string, blob: string | undefined, sas: SasParameters): string {
  const v = sas.sv;
  const fields: Array<string | undefined> = [sas.sp, sas.st, sas.se, sasCanonicalResource(v, account, container, blob), sas.si];
  if (v >= '2015-04-05') fields.push(sas.sip, sas.spr);
  fields.push(v);
  if (v >= '2018-11-09') {
    fields.push(sas.sr, sas.sr === 'bs' ? sas.snapshot : sas.sr === 'bv' ? sas.versionid : undefined);
  }
  if (v >= '2020-12-06') fields.push(sas.ses);
  if (v >= '2013-08-15') fields.push(sas.rscc, sas.rscd, sas.rsce, sas.rscl, sas.rsct);
  return fields.map((f) => f ?? '').join('\n');
}

/** Response headers a service SAS overrides on Get Blob / Get Blob Properties. */
export interface SasResponseHeaders {
  readonly 'cache-control'?: string;
  readonly 'content-disposition'?: string;
  readonly 'content-encoding'?: string;
  readonly 'content-language'?: string;
  readonly 'content-type'?: string;
}

export interface VerifiedSas {
  readonly kind: 'accountSas' | 'serviceSas';
  readonly account: string;
  /** `sv`: the service version the request runs with. */
  readonly version: string;
  /** Effective permissions (from `sp`, or from the stored access policy). */
  readonly permissions: string;
  /** Account SAS: `ss` and `srt`. */
  readonly services?: string;
  readonly resourceTypes?: string;
  /** Service SAS: `sr` and the stored access policy identifier `si`. */
  readonly resource?: 'b' | 'bs' | 'bv' | 'c';
  readonly identifier?: string;
  readonly responseHeaders: SasResponseHeaders;
}

export interface VerifySasOptions {
  readonly getAccountKeys: GetAccountKeys;
  /** Required to honour `si`; without it a SAS naming a stored policy fails. */
  readonly getStoredAccessPolicy?: GetStoredAccessPolicy;
  /** Default `Date.now`. */
  readonly clock?: Clock;
}

/** What the addressed resource is, as needed to rebuild a service SAS's canonical resource. */
export interface SasTarget {
  readonly account: string;
  readonly container?: string | undefined;
  readonly blob?: string | undefined;
}

function notWellFormed(detail: string): AzureError {
  return AzureError.authenticationFailed(`Signature fields not well formed. ${detail}`);
}

const SUPPORTED_ACCOUNT_SAS_VERSION = '2015-04-05';
const SUPPORTED_SERVICE_SAS_VERSION = '2013-08-15';
const VERSION = /^\d{4}-\d{2}-\d{2}$/;

function checkCommonFields(sas: SasParameters): void {
  if (!VERSION.test(sas.sv)) throw notWellFormed('sv is missing or invalid.');
  if (sas.userDelegation) throw AzureError.authenticationFailed('User delegation SAS is not supported by this server.');
  if (sas.spr !== undefined && sas.spr !== 'https' && sas.spr !== 'https,http' && sas.spr !== 'http,https') {
    throw notWellFormed(`spr ${sas.spr} is invalid.`);
  }
  if (sas.sip !== undefined && !isIpRange(sas.sip)) throw notWellFormed(`sip ${sas.sip} is invalid.`);
  for (const [name, value] of [
    ['st', sas.st],
    ['se', sas.se],
  ] as const) {
    if (value !== undefined && parseIso8601(value) === undefined) throw notWellFormed(`${name} ${value} is invalid.`);
  }
}

function checkTimeWindow(start: string | undefined, expiry: string | undefined, now: number): void {
  if (expiry === undefined) throw notWellFormed('se is required.');
  const expiryMs = parseIso8601(expiry);
  const startMs = start === undefined ? undefined : parseIso8601(start);
  if (expiryMs === undefined || (start !== undefined && startMs === undefined)) throw notWellFormed('st or se is invalid.');
  // Azure's wording, dates in RFC 1123; a SAS without a start starts now, so once expired it ends before it starts.
  const date = (ms: number): string => new Date(ms).toUTCString();
  if (expiryMs < (startMs ?? now)) {
    throw AzureError.authenticationFailed(
      `Signed expiry time [${date(expiryMs)}] must be after signed start time [${date(startMs ?? now)}]`,
    );
  }
  if (now > expiryMs || (startMs !== undefined && now < startMs)) {
    throw AzureError.authenticationFailed(
      `Signature not valid in the specified time frame: Start [${date(startMs ?? now)}] - Expiry [${date(expiryMs)}] - Current [${date(now)}]`,
    );
  }
}

function checkNetwork(req: AuthRequest, sas: SasParameters): void {
  if (sas.sip !== undefined && (req.sourceIp === undefined || !inIpRange(req.sourceIp, sas.sip))) {
    throw new AzureError('AuthorizationSourceIPMismatch', {
      message: `This request is not authorized to perform this operation using this source IP ${req.sourceIp ?? ''}.`,
    });
  }
  if (sas.spr === 'https' && (req.protocol ?? 'http') !== 'https') throw new AzureError('AuthorizationProtocolMismatch');
}

async function checkSignature(options: VerifySasOptions, account: string, sas: SasParameters, stringToSign: string): Promise<void> {
  const mismatch = (): AzureError => AzureError.authenticationFailed(`Signature did not match. String to sign used was ${stringToSign}`);
  const provided = decodeSignature(sas.sig);
  const keys = await options.getAccountKeys(account);
  if (provided === undefined || keys === undefined || keys.length === 0) throw mismatch();
  if (!matchesAnySignature(provided, keys, [stringToSign])) throw mismatch();
}

const RESPONSE_HEADERS = [
  ['rscc', 'cache-control'],
  ['rscd', 'content-disposition'],
  ['rsce', 'content-encoding'],
  ['rscl', 'content-language'],
  ['rsct', 'content-type'],
] as const;

/** The response headers a service SAS sets: the UTF-8 bytes of its values; a control character no header may carry is refused. */
function responseHeaders(sas: SasParameters): SasResponseHeaders {
  const out: Record<string, string> = {};
  for (const [param, header] of RESPONSE_HEADERS) {
    const value = sas[param];
    if (value === undefined) continue;
    const sent = utf8HeaderValue(value);
    if (sent === undefined)
      throw new AzureError('InvalidQueryParameterValue', { fields: { QueryParameterName: param, QueryParameterValue: value } });
    out[header] = sent;
  }
  return out;
}

async function verifyAccountSas(req: AuthRequest, target: SasTarget, sas: SasParameters, options: VerifySasOptions): Promise<VerifiedSas> {
  if (sas.sv < SUPPORTED_ACCOUNT_SAS_VERSION) throw notWellFormed(`sv ${sas.sv} does not support account SAS.`);
  if (sas.sp === undefined || !isLetterSet(sas.sp, ACCOUNT_SAS_PERMISSIONS)) throw notWellFormed('sp is missing or invalid.');
  if (sas.ss === undefined || !isLetterSet(sas.ss, ACCOUNT_SAS_SERVICES)) throw notWellFormed('ss is missing or invalid.');
  if (sas.srt === undefined || !isLetterSet(sas.srt, ACCOUNT_SAS_RESOURCE_TYPES)) throw notWellFormed('srt is missing or invalid.');
  if (sas.se === undefined) throw notWellFormed('se is required.');
  await checkSignature(options, target.account, sas, accountSasStringToSign(target.account, sas));
  checkTimeWindow(sas.st, sas.se, (options.clock ?? Date.now)());
  checkNetwork(req, sas);
  return {
    kind: 'accountSas',
    account: target.account,
    version: sas.sv,
    permissions: sas.sp,
    services: sas.ss,
    resourceTypes: sas.srt,
    responseHeaders: {},
  };
}

async function verifyServiceSas(req: AuthRequest, target: SasTarget, sas: SasParameters, options: VerifySasOptions): Promise<VerifiedSas> {
  if (sas.sv < SUPPORTED_SERVICE_SAS_VERSION) throw notWellFormed(`sv ${sas.sv} is not supported.`);
  const resource = sas.sr;
  if (resource !== 'b' && resource !== 'bs' && resource !== 'bv' && resource !== 'c') throw notWellFormed('sr is missing or invalid.');
  if (target.container === undefined || (resource !== 'c' && target.blob === undefined)) {
    // The SAS names a container or a blob; the request does not: nothing it could have signed.
    throw AzureError.authenticationFailed('Signature did not match: the request does not address the signed resource.');
  }
  const letters = resource === 'c' ? CONTAINER_SAS_PERMISSIONS : BLOB_SAS_PERMISSIONS;
  if (sas.sp !== undefined && !isLetterSet(sas.sp, letters)) throw notWellFormed('sp is invalid.');
  if (sas.si === undefined && (sas.sp === undefined || sas.se === undefined)) throw notWellFormed('sp and se are required without si.');
  const blob = resource === 'c' ? undefined : target.blob;
  await checkSignature(options, target.account, sas, serviceSasStringToSign(target.account, target.container, blob, sas));

  let { sp: permissions, st: start, se: expiry } = sas;
  if (sas.si !== undefined) {
    const policy = await options.getStoredAccessPolicy?.(target.account, target.container, sas.si);
    if (policy === undefined) throw AzureError.authenticationFailed(`Signed identifier ${sas.si} does not match any stored access policy.`);
    // A field may come from the policy or from the URL, never both.
    for (const [name, inUrl, inPolicy] of [
      ['sp', sas.sp, policy.permission],
      ['st', sas.st, policy.start],
      ['se', sas.se, policy.expiry],
    ] as const) {
      if (inUrl !== undefined && inPolicy !== undefined && inPolicy !== '') {
        throw new AzureError('InvalidQueryParameterValue', {
          message: `The field ${name} is specified both in the stored access policy and in the signature.`,
          fields: { QueryParameterName: name, QueryParameterValue: inUrl },
        });
      }
    }
    start = sas.st ?? (policy.start === '' ? undefined : policy.start);
    expiry = sas.se ?? (policy.expiry === '' ? undefined : policy.expiry);
    if (sas.sp === undefined && policy.permission !== undefined && policy.permission !== '') {
      // The policy is the container's, in the container alphabet: a blob SAS naming it gets its
      // blob letters (`l` and `f`, container-only, simply do not apply to a blob).
      if (!isLetterSet(policy.permission, CONTAINER_SAS_PERMISSIONS)) throw notWellFormed('stored permissions are invalid.');
      permissions = [...policy.permission].filter((l) => letters.includes(l)).join('');
    }
  }
  checkTimeWindow(start, expiry, (options.clock ?? Date.now)());
  checkNetwork(req, sas);
  return {
    kind: 'serviceSas',
    account: target.account,
    version: sas.sv,
    permissions: permissions ?? '',
    resource,
    ...(sas.si === undefined ? {} : { identifier: sas.si }),
    responseHeaders: responseHeaders(sas),
  };
}

/**
 * Verifies the SAS of a request addressed to `target` (see protocol/addressing.ts). Returns
 * `undefined` when the request carries no SAS (no `sig`); throws AzureError when it carries an
 * invalid one. The operation's permissions are checked separately with `assertSasAllows`.
 */
export async function verifySas(req: AuthRequest, target: SasTarget, options: VerifySasOptions): Promise<VerifiedSas | undefined> {
  const sas = parseSas(req.query);
  if (sas === undefined) return undefined;
  checkCommonFields(sas);
  return isAccountSas(sas) ? verifyAccountSas(req, target, sas, options) : verifyServiceSas(req, target, sas, options);
}

/** What an operation needs from a SAS (protocol/operations.ts holds one per operation). */
export interface SasRequirement {
  /**
   * Account SAS: the `srt` letters (`s` service, `c` container, `o` object) and the `sp` letters,
   * any one of each suffices; `undefined`: no account SAS may call it.
   */
  readonly account: { readonly resourceTypes: string; readonly anyOf: string } | undefined;
  /** Service SAS: the `sp` letters, any of which suffices; `undefined`: no service SAS may call it. */
  readonly service: { readonly anyOf: string } | undefined;
  /**
   * For operations that create or overwrite a blob (Put Blob, Put Block List, Copy Blob):
   * `c` alone may create but not overwrite, so `w` is required when the target already exists.
   */
  readonly overwriteNeedsWrite?: boolean;
  /** Lease operations: the `sp` letters any of which suffices to break a lease (write or delete). */
  readonly breakAnyOf?: string;
}

export interface SasCheckContext {
  /** Whether the blob the operation writes already exists (for `overwriteNeedsWrite`). */
  readonly targetExists?: boolean;
  /** The lease action is `break` (for `breakAnyOf`). */
  readonly leaseBreak?: boolean;
}

/** Allows the operation, or throws the Authorization* error Azure answers. */
export function assertSasAllows(sas: VerifiedSas, requirement: SasRequirement, context: SasCheckContext = {}): void {
  let anyOf: string;
  if (sas.kind === 'accountSas') {
    if (!(sas.services ?? '').includes('b')) throw new AzureError('AuthorizationServiceMismatch');
    if (requirement.account === undefined) throw new AzureError('AuthorizationFailure');
    if (!grantsAny(sas.resourceTypes ?? '', requirement.account.resourceTypes)) throw new AzureError('AuthorizationResourceTypeMismatch');
    anyOf = requirement.account.anyOf;
  } else {
    if (requirement.service === undefined) throw new AzureError('AuthorizationFailure');
    anyOf = requirement.service.anyOf;
  }
  if (context.leaseBreak === true && requirement.breakAnyOf !== undefined) anyOf = requirement.breakAnyOf;
  if (!grantsAny(sas.permissions, anyOf)) throw new AzureError('AuthorizationPermissionMismatch');
  if (requirement.overwriteNeedsWrite === true && context.targetExists === true && !sas.permissions.includes('w')) {
    throw new AzureError('AuthorizationPermissionMismatch');
  }
}
