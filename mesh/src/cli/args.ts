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
