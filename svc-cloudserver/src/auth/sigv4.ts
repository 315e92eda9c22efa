/**
 * Signature Version 4 building blocks shared by header auth, presigned URLs and aws-chunked
 * bodies: credential scope parsing, canonical request, string to sign, signature comparison.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { S3Error, type S3ErrorCode } from '../errors/s3-errors.js';
import { canonicalPath, canonicalQuery } from './uri-encoding.js';
import type { ChunkSigningContext, PayloadMode } from './types.js';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** Requests dated further than this from the server's clock are refused. */
export const MAX_SKEW_MS = 15 * 60 * 1000;
/** Presigned URLs live at most a week. */
export const MAX_PRESIGN_EXPIRES_SECONDS = 604_800;

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
const STREAMING_ECDSA = 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD';
const STREAMING_ECDSA_TRAILER = 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER';

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
const SIGNATURE_HEX = /^[0-9a-f]{64}$/;

export interface CredentialScope {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  /** `date/region/service/aws4_request` */
  readonly scope: string;
}

/**
 * Parses `AKID/YYYYMMDD/region/s3/aws4_request`. `code` is AuthorizationHeaderMalformed for the
 * Authorization header and AuthorizationQueryParametersError for presigned URLs.
 */
export function parseCredential(value: string, code: S3ErrorCode): CredentialScope {
  const where =
    code === 'AuthorizationQueryParametersError' ? 'Error parsing the X-Amz-Credential parameter' : 'The authorization header is malformed';
  const parts = value.split('/');
  if (parts.length !== 5 || parts.some((p) => p === '')) {
    throw new S3Error(code, {
      message: `${where}; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`,
    });
  }
  const [accessKeyId, date, region, service, terminal] = parts as [string, string, string, string, string];
  if (!/^\d{8}$/.test(date)) {
    throw new S3Error(code, {
      message: `${where}; incorrect date format "${date}". This date in the credential must be in the format "yyyyMMdd".`,
    });
  }
  if (service !== 's3') {
    throw new S3Error(code, { message: `${where}; incorrect service "${service}". This endpoint belongs to "s3".` });
  }
  if (terminal !== 'aws4_request') {
    throw new S3Error(code, {
      message: `${where}; incorrect terminal "${terminal}". This endpoint uses "aws4_request".`,
    });
  }
  return { accessKeyId, date, region, service, scope: `${date}/${region}/${service}/aws4_request` };
}

/** Lower-case, `;`-separated header names; MalformedHeader errors use `code`. */
export function parseSignedHeaders(value: string, code: S3ErrorCode): string[] {
  const names = value.split(';');
  if (value === '' || names.some((n) => n === '' || n !== n.toLowerCase() || /\s/.test(n))) {
    throw new S3Error(code, { message: 'SignedHeaders is malformed.' });
  }
  return names;
}

/**
 * `x-amz-content-sha256` validation: a hex SHA-256 or one of the documented literals.
 * SigV4a (ECDSA) streaming is recognized but not implemented.
 */
export function checkContentSha256(value: string): void {
  if (
    SHA256_HEX.test(value) ||
    value === UNSIGNED_PAYLOAD ||
    value === STREAMING_SIGNED ||
    value === STREAMING_SIGNED_TRAILER ||
    value === STREAMING_UNSIGNED_TRAILER
  ) {
    return;
  }
  if (value === STREAMING_ECDSA || value === STREAMING_ECDSA_TRAILER) {
    throw new S3Error('NotImplemented', { message: 'SigV4a (AWS4-ECDSA-P256-SHA256) is not implemented.' });
  }
  throw new S3Error('InvalidArgument', {
    message:
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.',
    fields: { ArgumentName: 'x-amz-content-sha256', ArgumentValue: value },
  });
}

/** What the caller must do with the body, given the (validated) payload hash value. */
export function payloadModeFor(value: string, signing: ChunkSigningContext | undefined): PayloadMode {
  if (SHA256_HEX.test(value)) return { kind: 'sha256', sha256Hex: value.toLowerCase() };
  switch (value) {
    case STREAMING_UNSIGNED_TRAILER:
      return { kind: 'aws-chunked', signed: false, trailer: true };
    case STREAMING_SIGNED:
    case STREAMING_SIGNED_TRAILER:
      if (signing === undefined) {
        throw new S3Error('AccessDenied', { message: `${value} requires a signed request.` });
      }
      return { kind: 'aws-chunked', signed: true, trailer: value === STREAMING_SIGNED_TRAILER, signing };
    default:
      return { kind: 'unsigned' };
  }
}

/** Canonical header block: `name:value\n` per signed header, values trimmed and space-collapsed. */
export function canonicalHeaders(headers: Readonly<Record<string, string | undefined>>, signedHeaders: readonly string[]): string {
  let out = '';
  for (const name of signedHeaders) {
    let value = headers[name];
    // Some proxies drop `Expect: 100-continue` after handling it; the client signed it.
    if (value === undefined && name === 'expect') value = '100-continue';
    out += `${name}:${(value ?? '').trim().replace(/\s+/g, ' ')}\n`;
  }
  return out;
}

export interface CanonicalRequestInput {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly signedHeaders: readonly string[];
  readonly payloadHash: string;
  /** A query parameter left out (X-Amz-Signature for presigned URLs). */
  readonly excludeQueryParam?: string;
}

export function canonicalRequest(input: CanonicalRequestInput): string {
  return [
    input.method.toUpperCase(),
    canonicalPath(input.path),
    canonicalQuery(input.query, input.excludeQueryParam),
    canonicalHeaders(input.headers, input.signedHeaders),
    input.signedHeaders.join(';'),
    input.payloadHash,
  ].join('\n');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  // Node hands header values over as latin-1 (one char per byte received): hashing those chars as
  // latin-1 hashes the bytes the client signed (a raw UTF-8 x-amz-meta-* value, say), as S3 does.
  let wide = false;
  for (let i = 0; i < canonical.length && !wide; i++) wide = canonical.charCodeAt(i) > 0xff;
  const bytes = Buffer.from(canonical, wide ? 'utf8' : 'latin1');
  return `${SIGV4_ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(bytes)}`;
}

export function hmacHex(key: Uint8Array, data: string): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

/** Constant-time comparison of a computed signature with the client's (lower-case hex). */
/**
 * Every x-amz-* header a SigV4 request carries must be signed (AccessDenied with
 * HeadersNotSigned, as S3 answers), so none can be added on the way. x-amz-content-sha256 is let
 * through unsigned, as S3 does: the payload is checked against it anyway.
 */
export function checkAmzHeadersSigned(headers: Readonly<Record<string, string | undefined>>, signedHeaders: readonly string[]): void {
  const signed = new Set(signedHeaders);
  const unsigned = Object.keys(headers).filter(
    (h) => h.startsWith('x-amz-') && h !== 'x-amz-content-sha256' && !signed.has(h) && headers[h] !== undefined,
  );
  if (unsigned.length > 0) {
    throw new S3Error('AccessDenied', {
      message: 'There were headers present in the request which were not signed',
      fields: { HeadersNotSigned: unsigned.sort().join(', ') },
    });
  }
}

export function signaturesEqual(computed: string, provided: string): boolean {
  if (!SIGNATURE_HEX.test(provided) || computed.length !== provided.length) return false;
  return timingSafeEqual(Buffer.from(computed, 'latin1'), Buffer.from(provided, 'latin1'));
}

/** Space-separated hex of the UTF-8 bytes, as S3's `*Bytes` elements show them. */
function hexBytes(text: string): string {
  return Buffer.from(text, 'utf8')
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');
}

/** S3's SignatureDoesNotMatch, with what the server signed, so a client can tell where it differs. */
export function signatureMismatch(accessKeyId: string, provided: string, toSign: string, canonical: string): S3Error {
  return new S3Error('SignatureDoesNotMatch', {
    fields: {
      AWSAccessKeyId: accessKeyId,
      StringToSign: toSign,
      SignatureProvided: provided,
      StringToSignBytes: hexBytes(toSign),
      CanonicalRequest: canonical,
      CanonicalRequestBytes: hexBytes(canonical),
    },
  });
}
