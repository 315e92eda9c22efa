// Conditional requests (If-Match, If-None-Match, If-Modified-Since,
// If-Unmodified-Since) with the precedence S3 applies (RFC 7232 §6).
import { S3Error } from '../errors/s3-errors.js';

export interface Conditional {
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
  ifModifiedSince?: string | undefined;
  ifUnmodifiedSince?: string | undefined;
}

function etagList(value: string): string[] {
  return value.split(',').map((v) => v.trim().replace(/^W\//, '').replace(/^"|"$/g, ''));
}

function matches(value: string, etag: string): boolean {
  const list = etagList(value);
  return list.includes('*') || list.includes(etag);
}

function parseDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * 'ok' to proceed, 'not-modified' for a 304 (reads only). Throws PreconditionFailed; for a copy
 * source (`read` false), also when it was not modified since the If-Modified-Since date, which S3
 * ignores when that date is in the future. `etag` without quotes; dates compared at second precision.
 */
export function evaluateConditions(c: Conditional, etag: string, lastModified: Date, read: boolean): 'ok' | 'not-modified' {
  const modified = Math.floor(lastModified.getTime() / 1000);
  if (c.ifMatch !== undefined) {
    if (!matches(c.ifMatch, etag)) throw new S3Error('PreconditionFailed', { fields: { Condition: 'If-Match' } });
  } else {
    const since = parseDate(c.ifUnmodifiedSince);
    if (since !== undefined && modified > Math.floor(since / 1000)) {
      throw new S3Error('PreconditionFailed', { fields: { Condition: 'If-Unmodified-Since' } });
    }
  }
  if (c.ifNoneMatch !== undefined) {
    if (matches(c.ifNoneMatch, etag)) {
      if (read) return 'not-modified';
      throw new S3Error('PreconditionFailed', { fields: { Condition: 'If-None-Match' } });
    }
  } else {
    const since = parseDate(c.ifModifiedSince);
    if (since !== undefined && modified <= Math.floor(since / 1000)) {
      if (read) return 'not-modified';
      if (since <= Date.now()) throw new S3Error('PreconditionFailed', { fields: { Condition: 'x-amz-copy-source-If-Modified-Since' } });
    }
  }
  return 'ok';
}
