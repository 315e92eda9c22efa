/**
 * The one escaping XML writer of the S3 edge. Every XML response body is built here; nothing
 * else concatenates markup. Element and attribute names come from code and are validated;
 * text and attribute values come from users (object keys, tag values, ...) and are always escaped.
 */

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

export type XmlScalar = string | number | bigint | boolean;
export type XmlAttributes = Readonly<Record<string, XmlScalar | undefined>>;

/*
 * Escaping. Besides the five markup characters, every character an XML parser would not give back
 * verbatim is written as a character reference:
 * - CR, LF and TAB (end-of-line and attribute-value normalization would otherwise rewrite them;
 *   AWS documents `&#13;` / `&#10;` for object keys),
 * - the other C0 controls, DEL-adjacent U+FFFE/U+FFFF: not representable in XML 1.0 at all; S3
 *   keys may contain them, so like S3 we emit a character reference (clients that cannot parse it
 *   ask for `encoding-type=url`),
 * - lone surrogates, which cannot be encoded in UTF-8, become U+FFFD.
 */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[&<>"'\u0000-\u001f\ufffe\uffff\ud800-\udfff]/;
// eslint-disable-next-line no-control-regex
const ESCAPE_GLOBAL = /[&<>"'\u0000-\u001f\ufffe\uffff]|[\ud800-\udbff][\udc00-\udfff]|[\ud800-\udfff]/g;

const NAMED: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

function replaceOne(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  if (ch.length === 2) return ch; // a valid surrogate pair
  const code = ch.charCodeAt(0);
  if (code >= 0xd800 && code <= 0xdfff) return '\ufffd';
  return `&#x${code.toString(16).toUpperCase()};`;
}

/** Escapes a string for use as XML text or as a (double- or single-quoted) attribute value. */
export function escapeXml(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(ESCAPE_GLOBAL, replaceOne);
}

function scalarToString(value: XmlScalar): string {
  return typeof value === 'string' ? value : String(value);
}

// XML 1.0 Name, restricted to what the S3 wire format uses (ASCII names, optional prefix).
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*(?::[A-Za-z_][A-Za-z0-9_.-]*)?$/;
const checkedNames = new Set<string>();

function checkName(name: string): string {
  if (checkedNames.has(name)) return name;
  if (!NAME.test(name)) throw new TypeError(`invalid XML name: ${JSON.stringify(name)}`);
  if (checkedNames.size < 4096) checkedNames.add(name);
  return name;
}

export interface XmlWriterOptions {
  /** Write the `<?xml version="1.0" encoding="UTF-8"?>` declaration first (default true). */
  readonly declaration?: boolean;
}

/**
 * A builder that produces a string. Usage:
 *
 * ```ts
 * const w = new XmlWriter();
 * w.open('ListBucketResult', { xmlns: S3_XMLNS }).leaf('Name', bucket).leaf('IsTruncated', false);
 * for (const o of objects) w.open('Contents').leaf('Key', o.key).leaf('Size', o.size).close();
 * const body = w.close().end();
 * ```
 */
export class XmlWriter {
  readonly #parts: string[] = [];
  readonly #stack: string[] = [];
  #ended = false;

  constructor(options: XmlWriterOptions = {}) {
    if (options.declaration ?? true) this.#parts.push(XML_DECLARATION);
  }

  /** Opens an element; attributes whose value is `undefined` are omitted. */
  open(name: string, attributes?: XmlAttributes): this {
    this.#assertOpen();
    this.#parts.push(`<${checkName(name)}${renderAttributes(attributes)}>`);
    this.#stack.push(name);
    return this;
  }

  /** Closes the innermost open element. */
  close(): this {
    this.#assertOpen();
    const name = this.#stack.pop();
    if (name === undefined) throw new Error('XmlWriter.close() without an open element');
    this.#parts.push(`</${name}>`);
    return this;
  }

  /** `<name>value</name>`; an empty string gives `<name></name>`. */
  leaf(name: string, value: XmlScalar, attributes?: XmlAttributes): this {
    this.#assertOpen();
    checkName(name);
    this.#parts.push(`<${name}${renderAttributes(attributes)}>${escapeXml(scalarToString(value))}</${name}>`);
    return this;
  }

  /** Like `leaf`, but writes nothing when the value is `undefined` or `null`. */
  optionalLeaf(name: string, value: XmlScalar | undefined | null, attributes?: XmlAttributes): this {
    return value === undefined || value === null ? this : this.leaf(name, value, attributes);
  }

  /** `<name/>` */
  empty(name: string, attributes?: XmlAttributes): this {
    this.#assertOpen();
    this.#parts.push(`<${checkName(name)}${renderAttributes(attributes)}/>`);
    return this;
  }

  /** Escaped character data inside the current element. */
  text(value: XmlScalar): this {
    this.#assertOpen();
    if (this.#stack.length === 0) throw new Error('XmlWriter.text() outside the root element');
    this.#parts.push(escapeXml(scalarToString(value)));
    return this;
  }

  /** Opens `name`, runs `body`, closes `name`. */
  element(name: string, body: (w: this) => void, attributes?: XmlAttributes): this {
    this.open(name, attributes);
    const depth = this.#stack.length;
    body(this);
    if (this.#stack.length !== depth) throw new Error(`XmlWriter.element(${name}): unbalanced body`);
    return this.close();
  }

  /** Number of currently open elements. */
  get depth(): number {
    return this.#stack.length;
  }

  /** Returns the document; every element must be closed. The writer cannot be used afterwards. */
  end(): string {
    this.#assertOpen();
    if (this.#stack.length !== 0) throw new Error(`XmlWriter.end() with unclosed <${this.#stack.join('>, <')}>`);
    this.#ended = true;
    return this.#parts.join('');
  }

  #assertOpen(): void {
    if (this.#ended) throw new Error('XmlWriter used after end()');
  }
}

function renderAttributes(attributes: XmlAttributes | undefined): string {
  if (attributes === undefined) return '';
  let out = '';
  for (const name of Object.keys(attributes)) {
    const value = attributes[name];
    if (value === undefined) continue;
    out += ` ${checkName(name)}="${escapeXml(scalarToString(value))}"`;
  }
  return out;
}
