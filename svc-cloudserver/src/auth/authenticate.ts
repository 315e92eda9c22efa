/**
 * S3 request authentication: picks the mechanism (SigV4 header, SigV4 presigned URL, SigV2 header,
 * SigV2 query, anonymous), verifies it, and tells the caller how to read the body. Pure apart from
 * the `getSecret` callback; throws `S3Error` with the code AWS returns.
 */
import { S3Error } from '../errors/s3-errors.js';
import { authenticateSigV2Header, authenticateSigV2Query } from './sigv2.js';
import { checkContentSha256, payloadModeFor, SIGV4_ALGORITHM } from './sigv4.js';
import { authenticateSigV4Header } from './sigv4-header.js';
import { authenticateSigV4Query } from './sigv4-query.js';
import { parseQuery } from './uri-encoding.js';
import type { AuthOptions, AuthRequest, AuthResult, PayloadMode, SecretRecord } from './types.js';

const SIGV4A_ALGORITHM = 'AWS4-ECDSA-P256-SHA256';

export async function authenticate<T extends SecretRecord>(req: AuthRequest, options: AuthOptions<T>): Promise<AuthResult<T>> {
  const params = parseQuery(req.query);
  const has = (name: string): boolean => params.some((p) => p.name === name);
  const authorization = req.headers['authorization'];
  const v4Query = has('X-Amz-Algorithm') || has('X-Amz-Credential') || has('X-Amz-Signature');
  const v2Query = has('AWSAccessKeyId') || has('Signature');

  if ((authorization !== undefined && (v4Query || v2Query)) || (v4Query && v2Query)) {
    throw new S3Error('InvalidArgument', {
      message:
        'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
      fields: { ArgumentName: 'Authorization', ArgumentValue: authorization ?? 'null' },
    });
  }
  const allowV2 = options.allowSigV2 ?? true;

  if (authorization !== undefined) {
    const auth = authorization.trim();
    if (auth.startsWith(`${SIGV4_ALGORITHM} `)) return authenticateSigV4Header(req, auth, options);
    if (auth.startsWith('AWS ') && allowV2) {
      const result = await authenticateSigV2Header(req, auth, params, options);
      return { ...result, payload: unsignedPayloadMode(req) };
    }
    if (auth.startsWith(`${SIGV4A_ALGORITHM} `)) {
      throw new S3Error('NotImplemented', { message: 'SigV4a (AWS4-ECDSA-P256-SHA256) is not implemented.' });
    }
    if (auth.startsWith('AWS ')) {
      throw new S3Error('InvalidRequest', {
        message: 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
      });
    }
    throw new S3Error('InvalidArgument', {
      message: 'Unsupported Authorization Type',
      fields: { ArgumentName: 'Authorization', ArgumentValue: authorization },
    });
  }
  if (v4Query) return authenticateSigV4Query(req, params, options);
  if (v2Query) {
    if (!allowV2) {
      throw new S3Error('InvalidRequest', {
        message: 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
      });
    }
    const result = await authenticateSigV2Query(req, params, options);
    return { ...result, payload: unsignedPayloadMode(req) };
  }
  if (!(options.allowAnonymous ?? true)) throw new S3Error('AccessDenied');
  return { kind: 'anonymous', payload: unsignedPayloadMode(req) };
}

/**
 * The body mode of a request without a SigV4 seed signature: a hex x-amz-content-sha256 is still
 * verified, an unsigned-trailer aws-chunked body is still decoded, signed streaming is refused.
 */
function unsignedPayloadMode(req: AuthRequest): PayloadMode {
  const value = req.headers['x-amz-content-sha256'];
  if (value === undefined) return { kind: 'unsigned' };
  checkContentSha256(value);
  return payloadModeFor(value, undefined);
}
