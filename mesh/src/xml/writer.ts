/**
 * The one escaping XML writer of both edges. Every XML response body is built here; nothing else
 * concatenates markup. Element and attribute names come from code and are validated; text and
 * attribute values come from users (object keys, blob names, metadata, tag values, ...) and are
 * always escaped. Each edge sets its prolog and its text-whitespace rule (svc-cloudserver and
 * svc-blobserver `xml/writer.ts`).
 */

export const BOM = '\uFEFF';
const BOM_UTF8 = Buffer.from(BOM, 'utf8');

export type XmlScalar = string | number | bigint | boolean;
export type XmlAttributes = Readonly<Record<string, XmlScalar | undefined>>;

/*
 * Escaping. Besides the five markup characters, every character an XML parser would not give back
 * verbatim is written as a character reference:
 * - CR always (end-of-line normalization would turn it into LF); LF and TAB inside attribute values
 *   (attribute-value normalization would turn them into spaces). In text, LF and TAB are written
 *   as they are: parsers return them verbatim, and Azure's error messages carry literal line feeds
 *   (`…\nRequestId:…\nTime:…`),
 * - the other C0 controls, DEL-adjacent U+FFFE/U+FFFF: not representable in XML 1.0 at all; blob
 *   names may contain them; a character reference keeps the document well-formed for lenient
 *   parsers (List Blobs also offers `Encoded="true"` names for strict ones),
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

/** In text, LF and TAB may stay literal: parsers return them verbatim. */
function replaceInText(ch: string): string {
  return ch === '\n' || ch === '\t' ? ch : replaceOne(ch);
}

/** Escapes a string for use as a (double- or single-quoted) attribute value, or as text. */
export function escapeXml(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(ESCAPE_GLOBAL, replaceOne);
}

/** Escapes a string for use as element text: like `escapeXml`, but LF and TAB stay literal. */
export function escapeXmlText(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(ESCAPE_GLOBAL, replaceInText);
}

function scalarToString(value: XmlScalar): string {
  return typeof value === 'string' ? value : String(value);
}

// XML 1.0 Name, restricted to what the wire formats use (ASCII names, optional prefix).
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*(?::[A-Za-z_][A-Za-z0-9_.-]*)?$/;
const checkedNames = new Set<string>();

function checkName(name: string): string {
  if (checkedNames.has(name)) return name;
  if (!NAME.test(name)) throw new TypeError(`invalid XML name: ${JSON.stringify(name)}`);
  if (checkedNames.size < 4096) checkedNames.add(name);
  return name;
}

export interface XmlWriterOptions {
  /** Write the XML declaration first (default true). */
  readonly declaration?: boolean;
  /** The declaration's encoding label: S3 writes `UTF-8`, Azure `utf-8` (default `UTF-8`). */
  readonly encodingLabel?: string;
  /** Prefix the document with a byte order mark, as Azure does (default false). */
  readonly bom?: boolean;
  /** Keep LF and TAB literal in text (Azure's error messages carry line feeds); else references (default false). */
  readonly literalWhitespaceInText?: boolean;
}

/**
 * A builder that produces a string. Usage:
 *
 * ```ts
 * const w = new XmlWriter();
 * w.open('EnumerationResults', { ServiceEndpoint: endpoint }).leaf('Prefix', prefix).open('Containers');
 * for (const c of containers) w.open('Container').leaf('Name', c.name).close();
 * const body = w.close().close().end();
 * ```
 */
export class XmlWriter {
  readonly #parts: string[] = [];
  readonly #stack: string[] = [];
  #ended = false;
  readonly #escapeText: (value: string) => string;
  /** Kept out of #parts: one U+FEFF in the string would widen the whole document to two-byte characters. */
  readonly #bom: boolean;

  constructor(options: XmlWriterOptions = {}) {
    const declaration = options.declaration ?? true;
    this.#bom = options.bom === true;
    if (declaration) this.#parts.push(`<?xml version="1.0" encoding="${options.encodingLabel ?? 'UTF-8'}"?>`);
    this.#escapeText = options.literalWhitespaceInText === true ? escapeXmlText : escapeXml;
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
    this.#parts.push(`<${name}${renderAttributes(attributes)}>${this.#escapeText(scalarToString(value))}</${name}>`);
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
    this.#parts.push(this.#escapeText(scalarToString(value)));
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
    const doc = this.#finish();
    return this.#bom ? BOM + doc : doc;
  }

  /**
   * The document as UTF-8 bytes, as `end()` would encode. The byte order mark is prefixed as
   * bytes, so the text of a document made of one-byte characters stays one-byte: with U+FEFF in
   * the string, joining and encoding a 100-blob listing took about four times as long.
   */
  endBytes(): Buffer {
    const doc = Buffer.from(this.#finish(), 'utf8');
    return this.#bom ? Buffer.concat([BOM_UTF8, doc]) : doc;
  }

  #finish(): string {
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
