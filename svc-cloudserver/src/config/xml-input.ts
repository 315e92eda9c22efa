/**
 * Shared input helpers for the configuration codecs: every S3 sub-document is validated against
 * AWS's schema (unknown elements, repeated singletons, text where a container is expected and
 * children where a value is expected are all MalformedXML, as AWS answers for bodies that "did not
 * validate against our published schema"); semantic errors carry AWS's specific code and message.
 */
import { S3Error } from '../errors/s3-errors.js';
import { parseXml, XmlElement } from '../xml/parser.js';

/** Request bodies larger than this are refused before parsing (AWS caps configuration bodies). */
export const DEFAULT_MAX_XML_BYTES = 1024 * 1024;

export function malformed(detail: string): S3Error {
  return new S3Error('MalformedXML', { cause: new Error(detail) });
}

export function invalidArgument(message: string, name?: string, value?: string): S3Error {
  return new S3Error('InvalidArgument', {
    message,
    ...(name === undefined ? {} : { fields: { ArgumentName: name, ArgumentValue: value } }),
  });
}

export function invalidRequest(message: string): S3Error {
  return new S3Error('InvalidRequest', { message });
}

/** Accepts an already parsed element or a raw body; checks the root element's local name. */
export function rootElement(input: XmlElement | Uint8Array | string, name: string, maxBytes = DEFAULT_MAX_XML_BYTES): XmlElement {
  const root = input instanceof XmlElement ? input : parseXml(input, { maxBytes });
  if (root.name !== name) throw malformed(`root element must be <${name}>, got <${root.name}>`);
  return root;
}

/**
 * Checks that `el` is a pure container: only whitespace text, and children among `allowed`.
 * Returns `el` for chaining.
 */
export function container(el: XmlElement, allowed: readonly string[]): XmlElement {
  if (el.text.trim() !== '') throw malformed(`unexpected text in <${el.name}>`);
  for (const c of el.children) {
    if (!allowed.includes(c.name)) throw malformed(`unexpected <${c.name}> in <${el.name}>`);
  }
  return el;
}

/** Text of a value element (no child elements allowed), verbatim. */
export function valueOf(el: XmlElement): string {
  if (el.children.length > 0) throw malformed(`<${el.name}> must not contain elements`);
  return el.text;
}

/** Text of the optional single child `name`, verbatim; `undefined` when absent. */
export function optionalText(parent: XmlElement, name: string): string | undefined {
  const el = parent.one(name);
  return el === undefined ? undefined : valueOf(el);
}

/** Text of the required single child `name`, verbatim; MalformedXML when absent. */
export function requiredText(parent: XmlElement, name: string): string {
  return valueOf(parent.require(name));
}

/** An enumerated value (surrounding whitespace ignored); anything else is MalformedXML. */
export function enumText<T extends string>(parent: XmlElement, name: string, values: readonly T[]): T | undefined {
  const raw = optionalText(parent, name);
  if (raw === undefined) return undefined;
  const v = raw.trim();
  const found = values.find((x) => x === v);
  if (found === undefined) throw malformed(`invalid <${name}> value ${JSON.stringify(v)}`);
  return found;
}

/** xs:boolean: true / false / 1 / 0, whitespace ignored. */
export function booleanText(parent: XmlElement, name: string): boolean | undefined {
  const raw = optionalText(parent, name);
  if (raw === undefined) return undefined;
  switch (raw.trim()) {
    case 'true':
    case '1':
      return true;
    case 'false':
    case '0':
      return false;
    default:
      throw malformed(`invalid boolean in <${name}>`);
  }
}

/**
 * An integer element. Not an integer at all → MalformedXML (schema type); an integer outside
 * the range → `onRange()` (the caller's AWS error).
 */
export function integerText(
  parent: XmlElement,
  name: string,
  range: { min: number; max?: number },
  onRange: (value: string) => S3Error,
): number | undefined {
  const raw = optionalText(parent, name);
  if (raw === undefined) return undefined;
  const v = raw.trim();
  if (!/^[+-]?\d+$/.test(v)) throw malformed(`<${name}> is not an integer`);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < range.min || (range.max !== undefined && n > range.max)) throw onRange(v);
  return n;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Parses an ISO 8601 date or date-time (UTC when no offset is given); `undefined` if invalid. */
export function parseIsoDate(value: string): Date | undefined {
  const m = ISO_DATE.exec(value.trim());
  if (m === null) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = frac === '' ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  let t = Date.UTC(Number(y), month - 1, day, hour, minute, second, ms);
  if (new Date(Date.UTC(Number(y), month - 1, day)).getUTCDate() !== day) return undefined; // Feb 30
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return new Date(t);
}
