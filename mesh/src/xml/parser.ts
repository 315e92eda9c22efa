/**
 * A small, strict, non-validating XML parser for the request bodies of both edges (S3:
 * CompleteMultipartUpload, DeleteObjects, Tagging, ...; Azure: BlockList, SignedIdentifiers, ...).
 * Each edge passes its own error constructors (`XmlErrors`), so a malformed body is MalformedXML on
 * S3 and InvalidXmlDocument on Azure, also when a caller's `one()` or `require()` finds it wrong.
 *
 * Safety: no DTD at all (`<!DOCTYPE`/`<!ENTITY` → MalformedXML, so no entity expansion, no external
 * entities), only the five predefined entities and character references, a caller-given byte
 * limit (→ MaxMessageLengthExceeded) checked before decoding, a nesting-depth limit, strict
 * well-formedness (matching end tags, one root, valid characters, valid UTF-8). It never recurses,
 * and runs in time linear in the input.
 *
 * Character data is kept verbatim (no trimming: object keys may begin or end with spaces). Tree
 * access goes through `XmlElement.all(name)` (always an array) and `one(name)` (at most one,
 * duplicates rejected), so there is no "one element vs array" ambiguity.
 */

/** The errors an edge raises for a body it cannot accept. */
export interface XmlErrors {
  malformed(detail: string, cause?: unknown): Error;
  tooLarge(size: number, maxBytes: number): Error;
}

export interface ParseXmlOptions {
  /** Maximum body size in bytes (UTF-8); larger bodies → `errors.tooLarge`. */
  readonly maxBytes: number;
  /** Maximum element nesting depth (default 32; the S3 and Azure schemas need fewer than 10). */
  readonly maxDepth?: number;
}

export class XmlElement {
  /** Local name (namespace prefix removed). */
  readonly name: string;
  /** Name as written, with its prefix if any. */
  readonly qname: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: XmlElement[] = [];
  /** Character data directly inside this element (CDATA included, entities decoded), verbatim. */
  text = '';

  readonly #errors: XmlErrors;

  constructor(qname: string, attributes: Readonly<Record<string, string>>) {
    this.#errors = active;
    this.qname = qname;
    const colon = qname.indexOf(':');
    this.name = colon === -1 ? qname : qname.slice(colon + 1);
    this.attributes = attributes;
  }

  /** All children with this local name, in document order (possibly empty). */
  all(name: string): XmlElement[] {
    return this.children.filter((c) => c.name === name);
  }

  /** The child with this local name, `undefined` if absent; the edge's malformed error if it repeats. */
  one(name: string): XmlElement | undefined {
    let found: XmlElement | undefined;
    for (const c of this.children) {
      if (c.name !== name) continue;
      if (found !== undefined) throw this.#errors.malformed(`element <${name}> must not repeat inside <${this.name}>`);
      found = c;
    }
    return found;
  }

  /** Like `one`, but the edge's malformed error when absent. */
  require(name: string): XmlElement {
    const c = this.one(name);
    if (c === undefined) throw this.#errors.malformed(`missing <${name}> in <${this.name}>`);
    return c;
  }

  /** Text of the single child `name`, `undefined` if absent. */
  textOf(name: string): string | undefined {
    return this.one(name)?.text;
  }

  /** Text of the single child `name`; the edge's malformed error when absent. */
  requireText(name: string): string {
    return this.require(name).text;
  }

  /** Attribute by local name (prefix ignored), e.g. `attr('type')` for `xsi:type`. */
  attr(localName: string): string | undefined {
    for (const [k, v] of Object.entries(this.attributes)) {
      const colon = k.indexOf(':');
      if ((colon === -1 ? k : k.slice(colon + 1)) === localName && !k.startsWith('xmlns')) return v;
    }
    return undefined;
  }
}

const PLAIN_ERRORS: XmlErrors = {
  malformed: (detail) => new Error(`malformed XML: ${detail}`),
  tooLarge: (size, max) => new Error(`XML body of ${size} bytes > ${max}`),
};
/** The errors of the parse in progress (parsing is synchronous, so one at a time). */
let active: XmlErrors = PLAIN_ERRORS;

function malformed(detail: string): Error {
  return active.malformed(detail);
}

const DEFAULT_MAX_DEPTH = 32;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

// XML 1.0 Char excludes these (lone surrogates cannot come out of a fatal UTF-8 decode).
// eslint-disable-next-line no-control-regex
const INVALID_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;
// Names: ASCII letters/digits plus any non-ASCII character; the exact XML Name production is
// wider than the wire formats need and narrower than nothing: it accepts every name clients send.
const NAME = /[A-Za-z_:\u0080-\uffff][A-Za-z0-9_:.\-\u0080-\uffff]*/y;
const XML_DECL = /^<\?xml[\s?]/i;
const FORBIDDEN_DECLARATIONS = /<!(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i;

/** Parses a request body; failures are the edge's own errors (`errors`). */
export function parseXml(body: Uint8Array | string, options: ParseXmlOptions & { errors: XmlErrors }): XmlElement {
  const previous = active;
  active = options.errors;
  try {
    return parseWith(body, options);
  } finally {
    active = previous;
  }
}

function parseWith(body: Uint8Array | string, options: ParseXmlOptions): XmlElement {
  const size = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.byteLength;
  if (size > options.maxBytes) {
    throw active.tooLarge(size, options.maxBytes);
  }
  let src: string;
  if (typeof body === 'string') {
    src = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  } else {
    try {
      src = utf8.decode(body); // strips a UTF-8 BOM
    } catch (cause) {
      throw active.malformed('invalid UTF-8', cause);
    }
  }
  if (FORBIDDEN_DECLARATIONS.test(src)) throw malformed('DTDs and entity declarations are not allowed');
  if (INVALID_CHARS.test(src)) throw malformed('character not allowed in XML');
  return new Parser(src, options.maxDepth ?? DEFAULT_MAX_DEPTH).parse();
}

class Parser {
  readonly #s: string;
  readonly #maxDepth: number;
  #i = 0;

  constructor(src: string, maxDepth: number) {
    this.#s = src;
    this.#maxDepth = maxDepth;
  }

  parse(): XmlElement {
    const s = this.#s;
    // Prolog: optional XML declaration, then comments / PIs / whitespace.
    if (XML_DECL.test(s.slice(0, 6))) this.#skipPI();
    this.#skipMisc();
    if (s.charCodeAt(this.#i) !== 0x3c /* < */) throw malformed('expected a root element');
    const root = this.#parseElements();
    this.#skipMisc();
    if (this.#i !== s.length) throw malformed('content after the root element');
    return root;
  }

  /** Parses the element starting at the current `<` and all its content, iteratively. */
  #parseElements(): XmlElement {
    const s = this.#s;
    const stack: XmlElement[] = [];
    let root: XmlElement | undefined;
    for (;;) {
      // At '<' of a start tag.
      const { element, selfClosing } = this.#parseStartTag();
      const parent = stack.at(-1);
      if (parent === undefined) root = element;
      else parent.children.push(element);
      if (!selfClosing) {
        stack.push(element);
        if (stack.length > this.#maxDepth) throw malformed('XML nesting too deep');
      }
      // Content until the next start tag, or until the stack empties.
      for (;;) {
        const top = stack.at(-1);
        if (top === undefined) {
          if (root === undefined) throw malformed('no root element');
          return root;
        }
        const lt = s.indexOf('<', this.#i);
        if (lt === -1) throw malformed(`unclosed element <${top.qname}>`);
        if (lt > this.#i) top.text += decodeText(s.slice(this.#i, lt));
        this.#i = lt;
        const next = s.charCodeAt(lt + 1);
        if (next === 0x2f /* / */) {
          this.#parseEndTag(top);
          stack.pop();
        } else if (next === 0x21 /* ! */) {
          if (s.startsWith('<!--', lt)) this.#skipComment();
          else if (s.startsWith('<![CDATA[', lt)) {
            const end = s.indexOf(']]>', lt + 9);
            if (end === -1) throw malformed('unterminated CDATA section');
            top.text += s.slice(lt + 9, end);
            this.#i = end + 3;
          } else throw malformed('unexpected markup declaration');
        } else if (next === 0x3f /* ? */) {
          if (XML_DECL.test(s.slice(lt, lt + 6))) throw malformed('misplaced XML declaration');
          this.#skipPI();
        } else {
          break; // a child start tag
        }
      }
    }
  }

  #parseStartTag(): { element: XmlElement; selfClosing: boolean } {
    const s = this.#s;
    this.#i++; // '<'
    const qname = this.#parseName();
    const attributes: Record<string, string> = Object.create(null) as Record<string, string>;
    for (;;) {
      const hadSpace = this.#skipSpaces();
      const c = s.charCodeAt(this.#i);
      if (c === 0x3e /* > */) {
        this.#i++;
        return { element: new XmlElement(qname, attributes), selfClosing: false };
      }
      if (c === 0x2f /* / */ && s.charCodeAt(this.#i + 1) === 0x3e) {
        this.#i += 2;
        return { element: new XmlElement(qname, attributes), selfClosing: true };
      }
      if (Number.isNaN(c)) throw malformed(`unterminated start tag <${qname}`);
      if (!hadSpace) throw malformed(`expected whitespace before attribute in <${qname}>`);
      const name = this.#parseName();
      this.#skipSpaces();
      if (s.charCodeAt(this.#i) !== 0x3d /* = */) throw malformed(`attribute ${name} without value`);
      this.#i++;
      this.#skipSpaces();
      const quote = s[this.#i];
      if (quote !== '"' && quote !== "'") throw malformed(`unquoted attribute ${name}`);
      const end = s.indexOf(quote, this.#i + 1);
      if (end === -1) throw malformed(`unterminated attribute ${name}`);
      const raw = s.slice(this.#i + 1, end);
      if (raw.includes('<')) throw malformed(`'<' in attribute ${name}`);
      if (Object.hasOwn(attributes, name)) throw malformed(`duplicate attribute ${name}`);
      // Attribute-value normalization: literal line ends and tabs become spaces (references such
      // as &#9; survive, as the XML spec requires), then references are decoded.
      attributes[name] = decodeText(raw.replace(/\r\n?|[\t\n]/g, ' '));
      this.#i = end + 1;
    }
  }

  #parseEndTag(open: XmlElement): void {
    const s = this.#s;
    this.#i += 2; // '</'
    const name = this.#parseName();
    if (name !== open.qname) throw malformed(`</${name}> does not close <${open.qname}>`);
    this.#skipSpaces();
    if (s.charCodeAt(this.#i) !== 0x3e) throw malformed(`malformed end tag </${name}`);
    this.#i++;
  }

  #parseName(): string {
    const s = this.#s;
    NAME.lastIndex = this.#i;
    const m = NAME.exec(s);
    if (m === null) throw malformed('expected a name');
    this.#i += m[0].length;
    return m[0];
  }

  #skipSpaces(): boolean {
    const s = this.#s;
    const start = this.#i;
    while (this.#i < s.length && isSpace(s.charCodeAt(this.#i))) this.#i++;
    return this.#i > start;
  }

  #skipMisc(): void {
    const s = this.#s;
    for (;;) {
      this.#skipSpaces();
      if (s.startsWith('<!--', this.#i)) this.#skipComment();
      else if (s.startsWith('<?', this.#i)) {
        if (XML_DECL.test(s.slice(this.#i, this.#i + 6))) throw malformed('misplaced XML declaration');
        this.#skipPI();
      } else return;
    }
  }

  #skipComment(): void {
    const end = this.#s.indexOf('-->', this.#i + 4);
    if (end === -1) throw malformed('unterminated comment');
    this.#i = end + 3;
  }

  #skipPI(): void {
    const end = this.#s.indexOf('?>', this.#i + 2);
    if (end === -1) throw malformed('unterminated processing instruction');
    this.#i = end + 2;
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const REFERENCE = /&([^;&<]*);?/g;

/** Decodes entity and character references in character data; normalizes line ends. */
function decodeText(raw: string): string {
  let text = raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
  if (!text.includes('&')) return text;
  text = text.replace(REFERENCE, (match, body: string) => {
    if (!match.endsWith(';')) throw malformed('unterminated reference');
    const named = PREDEFINED[body];
    if (named !== undefined) return named;
    let code: number;
    if (/^#x[0-9A-Fa-f]{1,6}$/.test(body)) code = parseInt(body.slice(2), 16);
    else if (/^#[0-9]{1,7}$/.test(body)) code = parseInt(body.slice(1), 10);
    else throw malformed(`undefined entity &${body};`);
    if (!isXmlChar(code)) throw malformed(`character reference &${body}; is not an XML character`);
    return String.fromCodePoint(code);
  });
  return text;
}

function isXmlChar(c: number): boolean {
  return (
    c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff)
  );
}
