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
