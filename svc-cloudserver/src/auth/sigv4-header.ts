/** SigV4 with the `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header. */
import { S3Error } from '../errors/s3-errors.js';
import { parseAmzDate, parseHttpDate, formatAmzDate } from './amz-date.js';
import { checkSkew, lookupSecret, missingDate, withoutSecret } from './credentials.js';
import { defaultSigningKeyCache } from './signing-key-cache.js';
import {
  canonicalRequest,
  checkAmzHeadersSigned,
  checkContentSha256,
  hmacHex,
  parseCredential,
  parseSignedHeaders,
  payloadModeFor,
  SIGV4_ALGORITHM,
  signatureMismatch,
  signaturesEqual,
  stringToSign,
} from './sigv4.js';
import type { AuthenticatedResult, AuthOptions, AuthRequest, SecretRecord } from './types.js';

const MALFORMED = 'AuthorizationHeaderMalformed';

interface ParsedAuthorization {
  readonly credential: string;
  readonly signedHeaders: string;
  readonly signature: string;
}

export function parseSigV4Authorization(header: string): ParsedAuthorization {
  if (!header.startsWith(`${SIGV4_ALGORITHM} `)) {
    throw new S3Error(MALFORMED, { message: 'The authorization header is malformed; the algorithm is not AWS4-HMAC-SHA256.' });
  }
  const fields = new Map<string, string>();
  for (const part of header.slice(SIGV4_ALGORITHM.length + 1).split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    const key = eq === -1 ? item : item.slice(0, eq);
    if (eq === -1 || fields.has(key)) {
      throw new S3Error(MALFORMED, { message: `The authorization header is malformed; invalid component "${item}".` });
    }
    fields.set(key, item.slice(eq + 1));
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (credential === undefined || signedHeaders === undefined || signature === undefined || fields.size !== 3) {
    throw new S3Error(MALFORMED, {
      message: 'The authorization header is malformed; it must contain Credential, SignedHeaders and Signature, separated by commas.',
    });
  }
  return { credential, signedHeaders, signature };
}

export async function authenticateSigV4Header<T extends SecretRecord>(
  req: AuthRequest,
  authorization: string,
  options: AuthOptions<T>,
): Promise<AuthenticatedResult<T>> {
  const parsed = parseSigV4Authorization(authorization);
  const credential = parseCredential(parsed.credential, MALFORMED);
  const signedHeaders = parseSignedHeaders(parsed.signedHeaders, MALFORMED);

  const contentSha256 = req.headers['x-amz-content-sha256'];
  if (contentSha256 === undefined) {
    throw new S3Error('InvalidRequest', { message: 'Missing required header for this request: x-amz-content-sha256' });
  }
  checkContentSha256(contentSha256);

  // The timestamp: x-amz-date, else the Date header (then signed in ISO 8601 basic form).
  let requestMs: number | undefined;
  let amzDate: string;
  const xAmzDate = req.headers['x-amz-date'];
  if (xAmzDate !== undefined) {
    requestMs = parseAmzDate(xAmzDate.trim());
    amzDate = xAmzDate.trim();
  } else {
    const date = req.headers['date'];
    requestMs = date === undefined ? undefined : parseHttpDate(date);
    amzDate = requestMs === undefined ? '' : formatAmzDate(requestMs);
  }
  if (requestMs === undefined) throw missingDate();
  if (credential.date !== amzDate.slice(0, 8)) {
    throw new S3Error(MALFORMED, {
      message: 'The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.',
    });
  }
  checkSkew(requestMs, (options.now ?? Date.now)());
  checkAmzHeadersSigned(req.headers, signedHeaders);

  const record = await lookupSecret(options.getSecret, credential.accessKeyId, req.headers['x-amz-security-token']);
  const cache = options.signingKeyCache ?? defaultSigningKeyCache;
  const signingKey = cache.get(record.secretKey, credential.date, credential.region, credential.service);
  const canonical = canonicalRequest({
    method: req.method,
    path: req.path,
    query: req.query,
    headers: req.headers,
    signedHeaders,
    payloadHash: contentSha256,
  });
  const toSign = stringToSign(amzDate, credential.scope, canonical);
  const computed = hmacHex(signingKey, toSign);
  if (!signaturesEqual(computed, parsed.signature)) {
    throw signatureMismatch(credential.accessKeyId, parsed.signature, toSign, canonical);
  }
  const identity = withoutSecret(record);
  return {
    kind: 'sigv4-header',
    accessKeyId: credential.accessKeyId,
    ...(record.accountId === undefined ? {} : { accountId: record.accountId }),
    identity,
    payload: payloadModeFor(contentSha256, { signingKey, amzDate, scope: credential.scope, seedSignature: computed }),
    region: credential.region,
    signedHeaders,
    signedAtMs: requestMs,
  };
}
