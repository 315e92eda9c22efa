// The HTTP Range header as S3 reads it: one `bytes=` range (first-last, first-,
// -suffix). A header S3 cannot parse is ignored (the whole object is sent); a
// range that starts past the end is InvalidRange.
import { S3Error } from '../errors/s3-errors.js';
import type { ByteRange } from '../data/backend.js';

export function parseRange(value: string | undefined, size: number): ByteRange | undefined {
  if (value === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) throw new S3Error('InvalidRange', { fields: { RangeRequested: value, ActualObjectSize: size } });
    if (size === 0) return undefined;
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) throw new S3Error('InvalidRange', { fields: { RangeRequested: value, ActualObjectSize: size } });
  return { start, end };
}
