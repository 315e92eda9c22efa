/** Steps every signature version shares: secret lookup, session tokens, clock skew. */
import { timingSafeEqual } from 'node:crypto';
import { S3Error } from '../errors/s3-errors.js';
import { formatIsoSeconds } from './amz-date.js';
import { MAX_SKEW_MS } from './sigv4.js';
import type { GetSecret, SecretRecord } from './types.js';

export async function lookupSecret<T extends SecretRecord>(
  getSecret: GetSecret<T>,
  accessKeyId: string,
  sessionToken: string | undefined,
): Promise<T> {
  const record = await getSecret(accessKeyId);
  if (record === undefined) throw new S3Error('InvalidAccessKeyId', { fields: { AWSAccessKeyId: accessKeyId } });
  // A key with a session token needs it; a long-term key takes none (S3 refuses a stale token sent with one).
  if (
    record.sessionToken === undefined
      ? sessionToken !== undefined
      : sessionToken === undefined || !stringsEqual(record.sessionToken, sessionToken)
  ) {
    throw new S3Error('InvalidToken');
  }
  return record;
}

export function withoutSecret<T extends SecretRecord>(record: T): Omit<T, 'secretKey'> {
  const { secretKey: _secret, ...identity } = record;
  return identity;
}

export function stringsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** RequestTimeTooSkewed when the request is dated more than 15 minutes away from `now`. */
export function checkSkew(requestMs: number, nowMs: number): void {
  if (Math.abs(nowMs - requestMs) > MAX_SKEW_MS) {
    throw new S3Error('RequestTimeTooSkewed', {
      fields: {
        RequestTime: formatIsoSeconds(requestMs),
        ServerTime: formatIsoSeconds(nowMs),
        MaxAllowedSkewMilliseconds: MAX_SKEW_MS,
      },
    });
  }
}

export function missingDate(): S3Error {
  return new S3Error('AccessDenied', { message: 'AWS authentication requires a valid Date or x-amz-date header' });
}
