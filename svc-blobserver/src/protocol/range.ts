/**
 * Range requests: `x-ms-range` (preferred when both are sent) or `Range`, in the two forms Azure
 * accepts: `bytes=<start>-` and `bytes=<start>-<end>` (inclusive). A range starting at or beyond
 * the blob's size → InvalidRange (416); an end beyond the size is clamped.
 *
 * A malformed `x-ms-range` → InvalidHeaderValue; a `Range` that is not one of the accepted forms
 * (suffix ranges `bytes=-n`, several ranges, other units) is ignored and the whole blob is
 * returned, as HTTP allows.
 */
import { AzureError } from '../errors/azure-errors.js';

export interface ByteRange {
  /** First byte, inclusive. */
  readonly start: number;
  /** Last byte, inclusive; `undefined` for an open range (`bytes=100-`). */
  readonly end: number | undefined;
  /** The header it came from. */
  readonly header: 'x-ms-range' | 'range';
}

export interface ResolvedRange {
  readonly start: number;
  /** Inclusive, clamped to `size - 1`. */
  readonly end: number;
  readonly length: number;
  /** `bytes <start>-<end>/<size>`. */
  readonly contentRange: string;
}

const RANGE = /^bytes=(\d{1,16})-(\d{1,16})?$/;

function parseOne(value: string): { start: number; end: number | undefined } | undefined {
  const m = RANGE.exec(value.trim());
  if (m === null) return undefined;
  const start = Number(m[1]);
  const end = m[2] === undefined ? undefined : Number(m[2]);
  if (!Number.isSafeInteger(start) || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) return undefined;
  return { start, end };
}

/** The requested range, `undefined` for the whole blob. */
export function parseRangeHeaders(headers: Readonly<Record<string, string | undefined>>): ByteRange | undefined {
  const msRange = headers['x-ms-range'];
  if (msRange !== undefined) {
    const r = parseOne(msRange);
    if (r === undefined) throw new AzureError('InvalidHeaderValue', { fields: { HeaderName: 'x-ms-range', HeaderValue: msRange } });
    return { ...r, header: 'x-ms-range' };
  }
  const range = headers['range'];
  if (range === undefined) return undefined;
  const r = parseOne(range);
  return r === undefined ? undefined : { ...r, header: 'range' };
}

/** Applies a range to a blob of `size` bytes; InvalidRange when it starts at or past the end. */
export function resolveRange(range: ByteRange, size: number): ResolvedRange {
  if (range.start >= size) {
    // As HTTP's 416: the size in Content-Range.
    throw new AzureError('InvalidRange', {
      fields: { RangeRequested: `bytes=${range.start}-${range.end ?? ''}` },
      headers: { 'content-range': `bytes */${size}` },
    });
  }
  const end = Math.min(range.end ?? size - 1, size - 1);
  return { start: range.start, end, length: end - range.start + 1, contentRange: `bytes ${range.start}-${end}/${size}` };
}

/** `x-ms-range-get-content-md5` / `-crc64: true` are allowed only for ranges of at most 4 MiB. */
export const MAX_RANGE_DIGEST_BYTES = 4 * 1024 * 1024;

/**
 * The digest of the range a read asks for: `x-ms-range-get-content-md5: true` (answered in
 * Content-MD5) or `x-ms-range-get-content-crc64: true` (in x-ms-content-crc64), never both, and
 * only with a range of at most 4 MiB.
 */
export function rangeDigest(
  headers: Readonly<Record<string, string | undefined>>,
  range: ResolvedRange | undefined,
): 'md5' | 'crc64' | undefined {
  const md5 = headers['x-ms-range-get-content-md5']?.toLowerCase() === 'true';
  const crc64 = headers['x-ms-range-get-content-crc64']?.toLowerCase() === 'true';
  if (md5 && crc64) {
    throw new AzureError('InvalidHeaderValue', {
      message: 'x-ms-range-get-content-md5 and x-ms-range-get-content-crc64 cannot both be true.',
      fields: { HeaderName: 'x-ms-range-get-content-crc64', HeaderValue: headers['x-ms-range-get-content-crc64'] },
    });
  }
  if (!md5 && !crc64) return undefined;
  if (range === undefined || range.length > MAX_RANGE_DIGEST_BYTES) {
    throw new AzureError('OutOfRangeInput', {
      fields: { HeaderName: md5 ? 'x-ms-range-get-content-md5' : 'x-ms-range-get-content-crc64' },
    });
  }
  return md5 ? 'md5' : 'crc64';
}
