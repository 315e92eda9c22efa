/**
 * Signature Version 2: `Authorization: AWS AKID:base64(HMAC-SHA1(secret, StringToSign))` and
 * query-string auth (`AWSAccessKeyId`, `Expires`, `Signature`).
 *
 * StringToSign = VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedAmzHeaders CanonicalizedResource
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { S3Error } from '../errors/s3-errors.js';
import { formatIsoSeconds, parseHttpDate } from './amz-date.js';
import { checkSkew, lookupSecret, missingDate, withoutSecret } from './credentials.js';
import { uriDecode, type QueryParam } from './uri-encoding.js';
import type { AuthenticatedResult, AuthOptions, AuthRequest, SecretRecord } from './types.js';

/**
 * Sub-resources and response overrides that are part of the CanonicalizedResource: the list
 * botocore and the other SigV2 signers use.
 */
export const SIGV2_SUBRESOURCES: ReadonlySet<string> = new Set([
  'accelerate',
  'acl',
  'analytics',
  'cors',
  'defaultObjectAcl',
  'delete',
  'inventory',
  'lifecycle',
  'location',
  'logging',
  'metrics',
  'notification',
  'object-lock',
  'partNumber',
  'policy',
  'replication',
  'requestPayment',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
  'restore',
  'select',
  'select-type',
  'storageClass',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
]);

function canonicalizedAmzHeaders(headers: Readonly<Record<string, string | undefined>>, exclude?: string): string {
  const names = Object.keys(headers)
    .filter((n) => n.startsWith('x-amz-') && n !== exclude && headers[n] !== undefined)
    .sort();
  let out = '';
  for (const name of names) {
    // Unfold folded values and trim (repeated headers arrive joined with ',').
    const value = (headers[name] as string).replace(/\r?\n[ \t]+/g, ' ').trim();
    out += `${name}:${value}\n`;
  }
  return out;
}

function canonicalizedResource(req: AuthRequest, params: readonly QueryParam[]): string {
  let resource = req.virtualHostedBucket === undefined ? '' : `/${req.virtualHostedBucket}`;
  resource += req.path === '' ? '/' : req.path;
  const sub = params
    .filter((p) => SIGV2_SUBRESOURCES.has(p.name))
    .map((p, i) => ({ p, i }))
    // Stable sort by name (values are not ordered: duplicates keep request order).
    .sort((a, b) => (a.p.name < b.p.name ? -1 : a.p.name > b.p.name ? 1 : a.i - b.i))
    .map(({ p }) => (p.hasValue ? `${p.name}=${uriDecode(p.rawValue, false)}` : p.name));
  return sub.length === 0 ? resource : `${resource}?${sub.join('&')}`;
}

/**
 * The SigV2 StringToSign. `dateLine` is the Date header, '' when x-amz-date is used, or Expires
 * for query auth; `excludeAmzHeader` drops one x-amz-* header from the canonicalized headers.
 */
export function sigV2StringToSign(req: AuthRequest, params: readonly QueryParam[], dateLine: string, excludeAmzHeader?: string): string {
  const h = req.headers;
  return [
    req.method.toUpperCase(),
    (h['content-md5'] ?? '').trim(),
    (h['content-type'] ?? '').trim(),
    dateLine,
    canonicalizedAmzHeaders(h, excludeAmzHeader) + canonicalizedResource(req, params),
  ].join('\n');
}

/**
 * With x-amz-date, signers disagree on the Date line: the AWS SDKs (and AWS's own description)
 * sign '' and list x-amz-date among the amz headers, some sign the Date header anyway, and AWS's
 * published DELETE example puts the x-amz-date value on the Date line and leaves it out of the amz
 * headers. Each candidate still needs the secret; the first is the canonical one.
 */
function stringsToSign(req: AuthRequest, params: readonly QueryParam[]): string[] {
  const xAmzDate = req.headers['x-amz-date'];
  const date = (req.headers['date'] ?? '').trim();
  if (xAmzDate === undefined) return [sigV2StringToSign(req, params, date)];
  const candidates = [sigV2StringToSign(req, params, '')];
  if (date !== '') candidates.push(sigV2StringToSign(req, params, date));
  candidates.push(sigV2StringToSign(req, params, xAmzDate.trim(), 'x-amz-date'));
  return candidates;
}

export function sigV2Signature(secretKey: string, toSign: string): string {
  return createHmac('sha1', secretKey).update(toSign, 'utf8').digest('base64');
}

/** Constant-time comparison of two base64 SigV2 signatures (a malformed one never matches). */
export function base64SignaturesEqual(computed: string, provided: string): boolean {
  const a = Buffer.from(computed, 'base64');
  const b = Buffer.from(provided, 'base64');
  return a.length === b.length && b.toString('base64') === provided && timingSafeEqual(a, b);
}

function mismatch(accessKeyId: string, provided: string, toSign: string): S3Error {
  return new S3Error('SignatureDoesNotMatch', {
    fields: { AWSAccessKeyId: accessKeyId, StringToSign: toSign, SignatureProvided: provided },
  });
}

export async function authenticateSigV2Header<T extends SecretRecord>(
  req: AuthRequest,
  authorization: string,
  params: readonly QueryParam[],
  options: AuthOptions<T>,
): Promise<AuthenticatedResult<T>> {
  const credentials = authorization.slice('AWS '.length);
  const colon = credentials.lastIndexOf(':');
  const accessKeyId = colon === -1 ? '' : credentials.slice(0, colon).trim();
  const signature = colon === -1 ? '' : credentials.slice(colon + 1).trim();
  if (accessKeyId === '' || signature === '') {
    throw new S3Error('InvalidArgument', {
      message: 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature',
      fields: { ArgumentName: 'Authorization', ArgumentValue: authorization },
    });
  }
  // x-amz-date takes precedence over Date; the Date line of the StringToSign is then empty.
  const xAmzDate = req.headers['x-amz-date'];
  const date = req.headers['date'];
  const requestMs = xAmzDate !== undefined ? parseHttpDate(xAmzDate) : date !== undefined ? parseHttpDate(date) : undefined;
  if (requestMs === undefined) throw missingDate();
  checkSkew(requestMs, (options.now ?? Date.now)());

  const record = await lookupSecret(options.getSecret, accessKeyId, req.headers['x-amz-security-token']);
  const candidates = stringsToSign(req, params);
  if (!candidates.some((toSign) => base64SignaturesEqual(sigV2Signature(record.secretKey, toSign), signature))) {
    throw mismatch(accessKeyId, signature, candidates[0] as string);
  }
  return sigV2Result('sigv2-header', accessKeyId, record);
}

export async function authenticateSigV2Query<T extends SecretRecord>(
  req: AuthRequest,
  params: readonly QueryParam[],
  options: AuthOptions<T>,
): Promise<AuthenticatedResult<T>> {
  const find = (name: string): QueryParam | undefined => params.find((p) => p.name === name);
  const akid = find('AWSAccessKeyId');
  const sig = find('Signature');
  const exp = find('Expires');
  if (akid === undefined || sig === undefined || exp === undefined || akid.value === '' || sig.value === '') {
    throw new S3Error('AccessDenied', {
      message: 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters',
    });
  }
  // Base64 signatures contain '+': decode %2B but keep a literal '+' (clients often leave it raw).
  const signature = uriDecode(sig.rawValue, false);
  if (!/^\d+$/.test(exp.value)) {
    throw new S3Error('AccessDenied', { message: 'Invalid date (should be seconds since epoch): ' + exp.value });
  }
  const expiresMs = Number(exp.value) * 1000;
  const now = (options.now ?? Date.now)();
  if (now > expiresMs) {
    throw new S3Error('AccessDenied', {
      message: 'Request has expired',
      fields: { Expires: formatIsoSeconds(expiresMs), ServerTime: formatIsoSeconds(now) },
    });
  }
  const record = await lookupSecret(
    options.getSecret,
    akid.value,
    find('x-amz-security-token')?.value ?? req.headers['x-amz-security-token'],
  );
  const toSign = sigV2StringToSign(req, params, exp.value);
  if (!base64SignaturesEqual(sigV2Signature(record.secretKey, toSign), signature)) {
    throw mismatch(akid.value, signature, toSign);
  }
  return sigV2Result('sigv2-query', akid.value, record);
}

function sigV2Result<T extends SecretRecord>(kind: 'sigv2-header' | 'sigv2-query', accessKeyId: string, record: T): AuthenticatedResult<T> {
  return {
    kind,
    accessKeyId,
    ...(record.accountId === undefined ? {} : { accountId: record.accountId }),
    identity: withoutSecret(record),
    payload: { kind: 'unsigned' },
  };
}
