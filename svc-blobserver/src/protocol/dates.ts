/**
 * Dates on the Azure wire: RFC 1123 in headers (`Date`, `x-ms-date`, `Last-Modified`, conditional
 * headers) and in listings (`Last-Modified`, `Creation-Time`), ISO 8601 in SAS (`st`, `se`) and
 * stored access policies.
 */

/** `Sun, 06 Nov 1994 08:49:37 GMT`. */
export function formatRfc1123(date: Date | number): string {
  return (typeof date === 'number' ? new Date(date) : date).toUTCString();
}

let nowSecond = -1;
let nowText = '';

/** The current time for the `Date` header of every response, formatted once per second. */
export function rfc1123Now(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== nowSecond) {
    nowSecond = second;
    nowText = formatRfc1123(second * 1000);
  }
  return nowText;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const RFC1123 =
  /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) (GMT|UTC)$/;

/**
 * Parses an RFC 1123 date (`GMT` or `UTC`), milliseconds since the epoch; `undefined` when the
 * value is not one (including impossible dates such as 31 Feb, and a wrong day of the week).
 */
export function parseRfc1123(value: string): number | undefined {
  const m = RFC1123.exec(value.trim());
  if (m === null) return undefined;
  const [, day, dd, mon, yyyy, hh, mi, ss] = m;
  const month = MONTHS.indexOf(mon!);
  const ms = Date.UTC(Number(yyyy), month, Number(dd), Number(hh), Number(mi), Number(ss));
  const d = new Date(ms);
  if (d.getUTCDate() !== Number(dd) || d.getUTCMonth() !== month || Number(hh) > 23 || Number(mi) > 59 || Number(ss) > 59) {
    return undefined;
  }
  if (DAYS[d.getUTCDay()] !== day) return undefined;
  return ms;
}

const ISO8601 = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?Z)?$/;

/**
 * Parses the ISO 8601 UTC forms Azure accepts in SAS and access policies: `YYYY-MM-DD`,
 * `YYYY-MM-DDThh:mmZ`, `YYYY-MM-DDThh:mm:ssZ`, `YYYY-MM-DDThh:mm:ss.fffffffZ`. Returns
 * milliseconds since the epoch, or `undefined`.
 */
export function parseIso8601(value: string): number | undefined {
  const m = ISO8601.exec(value);
  if (m === null) return undefined;
  const [, yyyy, mo, dd, hh = '0', mi = '0', ss = '0', frac = ''] = m;
  const month = Number(mo) - 1;
  if (Number(hh) > 23 || Number(mi) > 59 || Number(ss) > 59) return undefined;
  const ms = Date.UTC(Number(yyyy), month, Number(dd), Number(hh), Number(mi), Number(ss), Number(frac.padEnd(3, '0').slice(0, 3)));
  const d = new Date(ms);
  if (d.getUTCDate() !== Number(dd) || d.getUTCMonth() !== month) return undefined;
  return ms;
}

/** `2024-01-02T03:04:05Z`: the SDK's truncated ISO form used in SAS and access policies. */
export function formatIso8601Seconds(date: Date | number): string {
  return (typeof date === 'number' ? new Date(date) : date).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
