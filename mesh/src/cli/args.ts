// A small argument parser for the zenko CLI: positionals and `--name value` /
// `--flag` options.
export interface Args {
  positionals: string[];
  options: Map<string, string | true>;
}

export function parseArgs(argv: readonly string[], flags: readonly string[] = []): Args {
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) {
      options.set(a.slice(2, eq), a.slice(eq + 1));
    } else if (flags.includes(a.slice(2))) {
      options.set(a.slice(2), true);
    } else {
      const value = argv[i + 1];
      // `--bucket --skip-probe` is a missing value, not a bucket named "--skip-probe".
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${a} needs a value`);
      options.set(a.slice(2), value);
      i++;
    }
  }
  return { positionals, options };
}

export class UsageError extends Error {}

/** What `-` stands for in a secret option: standard input. */
export const FROM_STDIN = '-';
/** A secret read from standard input is one line; a longer one is a mistake (a binary file). */
const MAX_SECRET_CHARS = 64 * 1024;

/**
 * The secret options given as `-` (`--secret-key -`) take the first line of standard input
 * (without its line ending) instead, so that a secret appears neither in `ps` nor in the
 * shell's history. Standard input holds one secret: two options reading it are a usage error,
 * and so are an empty line and a terminal (the line would be echoed as it is typed).
 */
export async function secretsFromStdin(
  args: Args,
  secrets: readonly string[],
  readLine: () => Promise<string> = readStdinLine,
): Promise<void> {
  const fromStdin = secrets.filter((name) => args.options.get(name) === FROM_STDIN);
  if (fromStdin.length === 0) return;
  if (fromStdin.length > 1)
    throw new UsageError(`${fromStdin.map((n) => `--${n}`).join(' and ')} both read standard input (-): it holds one secret`);
  const name = fromStdin[0]!;
  let line: string;
  try {
    line = await readLine();
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`--${name} -: ${err.message}`);
    throw err;
  }
  if (line === '') throw new UsageError(`--${name} -: standard input holds no secret (an empty first line)`);
  args.options.set(name, line);
}

/** The first line of standard input, without its line ending (`\n` or `\r\n`); all of it when it has none. */
export async function readStdinLine(): Promise<string> {
  const stdin = process.stdin;
  if (stdin.isTTY) throw new UsageError('standard input is a terminal: pipe the secret in or redirect it from a file (< FILE)');
  stdin.setEncoding('utf8');
  let text = '';
  // Up to the first line ending only: a writer that keeps its end open does not hold the command.
  for await (const chunk of stdin as AsyncIterable<string>) {
    text += chunk;
    const end = text.indexOf('\n');
    if (end >= 0) {
      text = text.slice(0, end);
      break;
    }
    if (text.length > MAX_SECRET_CHARS) break;
  }
  if (text.length > MAX_SECRET_CHARS) throw new UsageError(`its first line is longer than ${MAX_SECRET_CHARS} characters`);
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

export function str(args: Args, name: string, fallback = ''): string {
  const v = args.options.get(name);
  return v === undefined ? fallback : v === true ? 'true' : v;
}

/** A flag: given bare or as `=true` / `=false`; any other value is a usage error. */
export function flag(args: Args, name: string): boolean {
  const v = args.options.get(name);
  if (v === undefined || v === 'false') return false;
  if (v === true || v === 'true') return true;
  throw new UsageError(`--${name} takes no value, or =true / =false (got ${JSON.stringify(v)})`);
}

/** A non-negative decimal number option (e.g. 1.5); `fallback` when absent, a usage error otherwise. */
export function nonNegativeNumber(args: Args, name: string, fallback: number): number {
  const v = args.options.get(name);
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isFinite(n)) throw new UsageError(`--${name} needs a number such as 10 or 0.5 (got ${JSON.stringify(v === true ? '' : v)})`);
  return n;
}

export function positional(args: Args, index: number, what: string): string {
  const v = args.positionals[index];
  if (v === undefined) throw new UsageError(`missing ${what}`);
  return v;
}

/** Prints rows as an aligned table (first row: headers). */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
