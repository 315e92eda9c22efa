/** Request timestamps: ISO 8601 basic (`20130524T000000Z`) and HTTP dates (RFC 1123 / 850 / asctime). */

const ISO_BASIC = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Parses `YYYYMMDDTHHMMSSZ`; `undefined` if malformed or not a real date. */
export function parseAmzDate(value: string): number | undefined {
  const m = ISO_BASIC.exec(value);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  return formatAmzDate(t) === value ? t : undefined;
}

export function formatAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

const HTTP_DATE =
  /^[A-Za-z]{3},? \d{1,2}[ -][A-Za-z]{3}[ -]\d{2,4} \d{2}:\d{2}:\d{2} (?:GMT|UTC|[+-]\d{4})$|^[A-Za-z]{3} [A-Za-z]{3} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4}$/;

/** Parses the `Date` header (HTTP date formats, or ISO 8601 basic). */
export function parseHttpDate(value: string): number | undefined {
  const v = value.trim();
  const iso = parseAmzDate(v);
  if (iso !== undefined) return iso;
  if (!HTTP_DATE.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** ISO 8601 with seconds, as S3 writes times in error details (`2013-05-24T00:00:00Z`). */
export function formatIsoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
