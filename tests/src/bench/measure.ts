// Small helpers for benchmarks: run an async operation at a given concurrency
// for a bounded time and report operations per second.
export interface Rate {
  ops: number;
  seconds: number;
  opsPerSecond: number;
  errors: number;
}

export async function measureRate(
  op: (i: number) => Promise<unknown>,
  opts: { concurrency: number; seconds: number; maxOps?: number },
): Promise<Rate> {
  const until = performance.now() + opts.seconds * 1000;
  const maxOps = opts.maxOps ?? Number.MAX_SAFE_INTEGER;
  let next = 0;
  let done = 0;
  let errors = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (performance.now() < until && next < maxOps) {
        const i = next++;
        try {
          await op(i);
          done++;
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return { ops: done, seconds, opsPerSecond: done / seconds, errors };
}

export function printTable(title: string, rows: (string | number)[][]): void {
  const text = rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)));
  const widths = text[0]!.map((_, i) => Math.max(...text.map((r) => r[i]!.length)));
  process.stdout.write(`\n## ${title}\n\n`);
  text.forEach((r, n) => {
    process.stdout.write(`| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |\n`);
    if (n === 0) process.stdout.write(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|\n`);
  });
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(2);
}

export const describeError = (err: unknown): string => (err instanceof Error ? `${err.name}: ${err.message}` : JSON.stringify(err));

/** measureRate, printing the first error of a measurement to stderr (errors are counted, never hidden). */
export async function rate(
  what: string,
  op: (i: number) => Promise<unknown>,
  opts: { concurrency: number; seconds: number; maxOps?: number },
): Promise<Rate> {
  let first: unknown;
  const r = await measureRate(async (i) => {
    try {
      return await op(i);
    } catch (err) {
      first ??= err;
      throw err;
    }
  }, opts);
  if (first !== undefined) process.stderr.write(`bench: ${what}: ${r.errors} error(s), first: ${describeError(first)}\n`);
  return r;
}

const SLICES = 3;

/** The unmeasured run of each subject before a measure of large transfers (see `interleaved`). */
export const WARM_UP_SECONDS = 1;

/**
 * Measures each subject for `seconds` in total, in SLICES alternating slices, so
 * that every subject sees the same (shared, noisy) machine. `i` counts each
 * subject's operations across slices; `maxOps` bounds a subject's total.
 * `warmUpSeconds`: each subject first runs that long, unmeasured (with the indexes the measure
 * then starts from again). Large transfers need it: a client reading 64 MiB responses allocates
 * a 64 KiB buffer per socket read, and until its garbage collector has raised its external-memory
 * limit it runs about three full collections per response, which doubled or tripled the client's
 * CPU in whichever slices came first.
 */
export async function interleaved(
  what: string,
  subjects: { name: string; op: (i: number) => Promise<unknown>; maxOps?: number }[],
  opts: { concurrency: number; seconds: number; warmUpSeconds?: number },
): Promise<Rate[]> {
  if (opts.warmUpSeconds !== undefined) {
    for (const s of subjects) await rate(`${s.name} ${what} warm-up`, s.op, { concurrency: opts.concurrency, seconds: opts.warmUpSeconds });
  }
  const totals: Rate[] = subjects.map(() => ({ ops: 0, seconds: 0, opsPerSecond: 0, errors: 0 }));
  for (let slice = 0; slice < SLICES; slice++) {
    for (const [n, s] of subjects.entries()) {
      const t = totals[n]!;
      const offset = t.ops + t.errors;
      const left = s.maxOps === undefined ? undefined : s.maxOps - offset;
      if (left !== undefined && left <= 0) continue;
      const r = await rate(`${s.name} ${what}`, (i) => s.op(offset + i), {
        concurrency: opts.concurrency,
        seconds: opts.seconds / SLICES,
        ...(left === undefined ? {} : { maxOps: left }),
      });
      t.ops += r.ops;
      t.errors += r.errors;
      t.seconds += r.seconds;
    }
  }
  for (const t of totals) t.opsPerSecond = t.seconds > 0 ? t.ops / t.seconds : 0;
  return totals;
}

export const errorsOf = (r: Rate[]): string => r.map((x) => String(x.errors)).join(' / ');
export const ratio = (a: number, b: number): number => (b > 0 ? a / b : Number.NaN);
/** Throughput of a measurement whose every operation moved `size` bytes. */
export const mibps = (r: Rate, size: number): number => (r.ops * size) / (1024 * 1024) / r.seconds;
