/** SigV4 presigned URLs (`X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=…&X-Amz-Signature=…`). */
import { S3Error } from '../errors/s3-errors.js';
import { formatIsoSeconds, parseAmzDate } from './amz-date.js';
import { lookupSecret, withoutSecret } from './credentials.js';
import { defaultSigningKeyCache } from './signing-key-cache.js';
import {
  canonicalRequest,
  checkAmzHeadersSigned,
  checkContentSha256,
  hmacHex,
  MAX_PRESIGN_EXPIRES_SECONDS,
  MAX_SKEW_MS,
  parseCredential,
  parseSignedHeaders,
  payloadModeFor,
  SIGV4_ALGORITHM,
  signatureMismatch,
  signaturesEqual,
  stringToSign,
  UNSIGNED_PAYLOAD,
} from './sigv4.js';
import type { QueryParam } from './uri-encoding.js';
import type { AuthenticatedResult, AuthOptions, AuthRequest, SecretRecord } from './types.js';

const QUERY_ERROR = 'AuthorizationQueryParametersError';
const REQUIRED = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires'] as const;

/** The value of a parameter that may appear at most once; `anyCase` for names SDKs hoist lower-case. */
function single(params: readonly QueryParam[], name: string, anyCase = false): string | undefined {
  let found: string | undefined;
  const lower = name.toLowerCase();
  for (const p of params) {
    if (p.name !== name && !(anyCase && p.name.toLowerCase() === lower)) continue;
    if (found !== undefined) throw new S3Error(QUERY_ERROR, { message: `${name} must appear once.` });
    found = p.value;
  }
  return found;
}

export async function authenticateSigV4Query<T extends SecretRecord>(
  req: AuthRequest,
  params: readonly QueryParam[],
  options: AuthOptions<T>,
): Promise<AuthenticatedResult<T>> {
  const values = new Map<string, string>();
  for (const name of REQUIRED) {
    const v = single(params, name);
    if (v === undefined) {
      throw new S3Error(QUERY_ERROR, {
        message:
          'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
      });
    }
    values.set(name, v);
  }
  const get = (name: (typeof REQUIRED)[number]): string => values.get(name) as string;

  if (get('X-Amz-Algorithm') !== SIGV4_ALGORITHM) {
    throw new S3Error(QUERY_ERROR, { message: 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"' });
  }
  const credential = parseCredential(get('X-Amz-Credential'), QUERY_ERROR);
  const amzDate = get('X-Amz-Date');
  const requestMs = parseAmzDate(amzDate);
  if (requestMs === undefined) {
    throw new S3Error(QUERY_ERROR, { message: `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"` });
  }
  const expiresRaw = get('X-Amz-Expires');
  if (!/^-?\d+$/.test(expiresRaw)) throw new S3Error(QUERY_ERROR, { message: 'X-Amz-Expires should be a number' });
  const expires = Number(expiresRaw);
  if (expires < 0) throw new S3Error(QUERY_ERROR, { message: 'X-Amz-Expires must be non-negative' });
  if (expires > MAX_PRESIGN_EXPIRES_SECONDS) {
    throw new S3Error(QUERY_ERROR, {
      message: 'X-Amz-Expires must be less than a week (in seconds) that is; 604800 seconds',
    });
  }
  if (credential.date !== amzDate.slice(0, 8)) {
    throw new S3Error(QUERY_ERROR, {
      message: 'Error parsing the X-Amz-Credential parameter; Invalid credential date. Date is not the same as X-Amz-Date.',
    });
  }
  const signedHeaders = parseSignedHeaders(get('X-Amz-SignedHeaders'), QUERY_ERROR);

  const now = (options.now ?? Date.now)();
  if (requestMs - now > MAX_SKEW_MS) {
    throw new S3Error('AccessDenied', {
      message: 'Request is not yet valid',
      fields: { 'X-Amz-Date': amzDate, ServerTime: formatIsoSeconds(now) },
    });
  }
  if (now > requestMs + expires * 1000) {
    throw new S3Error('AccessDenied', {
      message: 'Request has expired',
      fields: {
        'X-Amz-Expires': expires,
        Expires: formatIsoSeconds(requestMs + expires * 1000),
        ServerTime: formatIsoSeconds(now),
      },
    });
  }

  checkAmzHeadersSigned(req.headers, signedHeaders);

  // The payload hash: X-Amz-Content-Sha256 (query, then header), else UNSIGNED-PAYLOAD.
  const payloadHash = single(params, 'X-Amz-Content-Sha256', true) ?? req.headers['x-amz-content-sha256'] ?? UNSIGNED_PAYLOAD;
  checkContentSha256(payloadHash);

  const token = single(params, 'X-Amz-Security-Token', true) ?? req.headers['x-amz-security-token'];
  const record = await lookupSecret(options.getSecret, credential.accessKeyId, token);
  const cache = options.signingKeyCache ?? defaultSigningKeyCache;
  const signingKey = cache.get(record.secretKey, credential.date, credential.region, credential.service);
  const canonical = canonicalRequest({
    method: req.method,
    path: req.path,
    query: req.query,
    headers: req.headers,
    signedHeaders,
    payloadHash,
    excludeQueryParam: 'X-Amz-Signature',
  });
  const toSign = stringToSign(amzDate, credential.scope, canonical);
  const computed = hmacHex(signingKey, toSign);
  const provided = get('X-Amz-Signature');
  if (!signaturesEqual(computed, provided)) {
    throw signatureMismatch(credential.accessKeyId, provided, toSign, canonical);
  }
  return {
    kind: 'sigv4-query',
    accessKeyId: credential.accessKeyId,
    ...(record.accountId === undefined ? {} : { accountId: record.accountId }),
    identity: withoutSecret(record),
    payload: payloadModeFor(payloadHash, { signingKey, amzDate, scope: credential.scope, seedSignature: computed }),
    region: credential.region,
    signedHeaders,
    signedAtMs: requestMs,
  };
}
