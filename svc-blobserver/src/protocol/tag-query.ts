/**
 * Blob index tag expressions: the `where` parameter of Find Blobs by Tags and the `x-ms-if-tags`
 * conditional header (Azure's "Manage and find data with blob index tags" and "Specifying
 * conditional headers").
 *
 * - Comparisons `"key" op 'value'`: keys double-quoted (tag characters) or bare (letters, digits,
 *   `_`), values single-quoted (a doubled quote is a literal one); strings compare byte-wise and
 *   case-sensitively; a blob without the tag matches no comparison.
 * - `where`: `=`, `>`, `>=`, `<`, `<=`, `AND`, `@container = 'name'`, at most 10 distinct tags, and
 *   several conditions on one tag only when they form a range; anything else →
 *   InvalidQueryParameterValue (QueryParameterName `where`).
 * - `x-ms-if-tags`: also `<>`, `OR` and parentheses, no `@container` → InvalidHeaderValue.
 */
import { AzureError } from '../errors/azure-errors.js';

export type TagOperator = '=' | '<>' | '>' | '>=' | '<' | '<=';

export type TagExpression =
  | { readonly kind: 'compare'; readonly key: string; readonly op: TagOperator; readonly value: string }
  | { readonly kind: 'and' | 'or'; readonly left: TagExpression; readonly right: TagExpression };

export type TagQueryMode = 'where' | 'if-tags';

export interface TagQuery {
  readonly expression: TagExpression;
  /** The container named by `@container = '…'`, if any. */
  readonly container: string | undefined;
  /** The tag keys the expression names (what Find Blobs by Tags returns of each blob), in order. */
  readonly keys: readonly string[];
}

const TAG_CHARS = /^[A-Za-z0-9 +\-./:=_]*$/;
const BARE_KEY = /^[A-Za-z0-9_]+$/;
const MAX_TAGS_IN_QUERY = 10;
/** Parentheses and chained and/or nest at most this deep (far above what ten tags need): deeper is refused, never a stack overflow. */
const MAX_DEPTH = 64;

class Parser {
  #pos = 0;
  #depth = 0;
  constructor(
    private readonly text: string,
    private readonly mode: TagQueryMode,
  ) {}

  fail(): never {
    if (this.mode === 'if-tags') {
      throw new AzureError('InvalidHeaderValue', { fields: { HeaderName: 'x-ms-if-tags', HeaderValue: this.text } });
    }
    throw new AzureError('InvalidQueryParameterValue', { fields: { QueryParameterName: 'where', QueryParameterValue: this.text } });
  }

  private skipSpaces(): void {
    while (this.#pos < this.text.length && /\s/.test(this.text[this.#pos]!)) this.#pos++;
  }

  /** Consumes a keyword (case-insensitive) followed by a space or a parenthesis. */
  private keyword(word: string): boolean {
    this.skipSpaces();
    const end = this.#pos + word.length;
    if (this.text.slice(this.#pos, end).toLowerCase() !== word) return false;
    const next = this.text[end];
    if (next !== undefined && !/[\s("']/.test(next)) return false;
    this.#pos = end;
    return true;
  }

  private char(c: string): boolean {
    this.skipSpaces();
    if (this.text[this.#pos] !== c) return false;
    this.#pos++;
    return true;
  }

  parse(): TagExpression {
    this.skipSpaces();
    if (this.#pos >= this.text.length) this.fail();
    const expression = this.or();
    this.skipSpaces();
    if (this.#pos !== this.text.length) this.fail();
    return expression;
  }

  /** Runs one level of the recursive descent, refusing an expression nested deeper than MAX_DEPTH. */
  private nested<T>(parse: () => T): T {
    if (++this.#depth > MAX_DEPTH) this.fail();
    try {
      return parse();
    } finally {
      this.#depth--;
    }
  }

  private or(): TagExpression {
    const left = this.and();
    if (!this.keyword('or')) return left;
    if (this.mode === 'where') this.fail();
    return { kind: 'or', left, right: this.nested(() => this.or()) };
  }

  private and(): TagExpression {
    const left = this.group();
    if (!this.keyword('and')) return left;
    return { kind: 'and', left, right: this.nested(() => this.and()) };
  }

  private group(): TagExpression {
    if (this.char('(')) {
      const inner = this.nested(() => this.or());
      if (!this.char(')')) this.fail();
      return inner;
    }
    return this.comparison();
  }

  private quoted(quote: string): string {
    if (this.text[this.#pos] !== quote) this.fail();
    let out = '';
    for (let i = this.#pos + 1; i < this.text.length; i++) {
      const c = this.text[i]!;
      if (c !== quote) {
        out += c;
        continue;
      }
      if (this.text[i + 1] === quote) {
        out += quote;
        i++;
        continue;
      }
      this.#pos = i + 1;
      return out;
    }
    return this.fail();
  }

  private comparison(): TagExpression {
    this.skipSpaces();
    let key: string;
    if (this.text[this.#pos] === '"') {
      key = this.quoted('"');
      if (key === '' || key.length > 128 || !TAG_CHARS.test(key)) this.fail();
    } else {
      const m = /^@?[A-Za-z0-9_]+/.exec(this.text.slice(this.#pos));
      if (m === null) this.fail();
      key = m[0];
      this.#pos += key.length;
      if (key.startsWith('@') ? this.mode === 'if-tags' || key !== '@container' : !BARE_KEY.test(key) || key.length > 128) this.fail();
    }
    this.skipSpaces();
    const op = (['<>', '>=', '<=', '=', '>', '<'] as const).find((o) => this.text.startsWith(o, this.#pos));
    if (op === undefined) this.fail();
    this.#pos += op.length;
    if (op === '<>' && this.mode === 'where') this.fail();
    if (key === '@container' && op !== '=') this.fail();
    this.skipSpaces();
    const value = this.quoted("'");
    if (key !== '@container' && (value.length > 256 || !TAG_CHARS.test(value))) this.fail();
    return { kind: 'compare', key, op, value };
  }
}

function comparisons(e: TagExpression): Array<Extract<TagExpression, { kind: 'compare' }>> {
  return e.kind === 'compare' ? [e] : [...comparisons(e.left), ...comparisons(e.right)];
}

export function parseTagQuery(text: string, mode: TagQueryMode): TagQuery {
  const parser = new Parser(text, mode);
  const expression = parser.parse();
  const all = comparisons(expression);
  const keys: string[] = [];
  let container: string | undefined;
  for (const c of all) {
    if (c.key === '@container') {
      if (container !== undefined) parser.fail();
      container = c.value;
    } else if (!keys.includes(c.key)) {
      keys.push(c.key);
    }
  }
  if (mode === 'where') {
    if (keys.length > MAX_TAGS_IN_QUERY) parser.fail();
    // Several conditions on one tag only when they define a range: at most one lower and one upper bound, no `=` with others.
    for (const key of keys) {
      const ops = all.filter((c) => c.key === key).map((c) => c.op);
      const lower = ops.filter((o) => o === '>' || o === '>=').length;
      const upper = ops.filter((o) => o === '<' || o === '<=').length;
      if (ops.length > 1 && (ops.includes('=') || lower > 1 || upper > 1)) parser.fail();
    }
  }
  return { expression, container, keys };
}

function compare(a: string, b: string): number {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return Buffer.compare(x, y);
}

/** Whether a blob with these tags (in this container) matches. */
export function matchesTags(e: TagExpression, tags: Readonly<Record<string, string>>, container: string): boolean {
  if (e.kind !== 'compare') {
    return e.kind === 'and'
      ? matchesTags(e.left, tags, container) && matchesTags(e.right, tags, container)
      : matchesTags(e.left, tags, container) || matchesTags(e.right, tags, container);
  }
  const actual = e.key === '@container' ? container : Object.hasOwn(tags, e.key) ? tags[e.key] : undefined;
  if (actual === undefined) return false;
  const c = compare(actual, e.value);
  switch (e.op) {
    case '=':
      return c === 0;
    case '<>':
      return c !== 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
  }
}
