#!/usr/bin/env node
// `npm test`: builds (incremental), then runs every compiled *.test.js of every
// workspace with node's test runner. Arguments are passed to `node --test`
// (e.g. `npm test -- --test-name-pattern=reflection`); a path argument limits the
// run to the test files under it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const WORKSPACES = ['gen', 'mesh', 'svc-metadata', 'svc-cloudserver', 'svc-blobserver', 'svc-backbeat', 'svc-cosmos', 'tests'];

const build = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

function walk(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : name.endsWith('.test.js') ? [path] : [];
  });
}

const args = process.argv.slice(2);
const filters = args.filter((a) => !a.startsWith('-')).map((a) => resolve(a));
const options = args.filter((a) => a.startsWith('-'));
let files = WORKSPACES.flatMap((w) => walk(join(root, w, 'dist'))).sort();
if (filters.length > 0) {
  // A filter names a source path or folder; match it against the compiled file's source.
  const wanted = (f) =>
    filters.some((p) => {
      const rel = relative(root, p)
        .replace(/(^|\/)src(\/|$)/, '$1dist$2')
        .replace(/\.ts$/, '.js');
      return relative(root, f).startsWith(rel);
    });
  files = files.filter(wanted);
}
if (files.length === 0) {
  process.stderr.write('npm test: no test files found\n');
  process.exit(1);
}
// A watchdog: a process a test leaves running (a server it started) keeps its file's
// runner alive; past ZENKO_TEST_TIMEOUT_S (default 25 min) the run is killed and
// reported, rather than hanging until an outer CI limit with nothing to show.
const limitS = Number(process.env.ZENKO_TEST_TIMEOUT_S || 1500);
const run = spawn(process.execPath, ['--test', ...options, ...files], { cwd: root, stdio: 'inherit', detached: true });
// Its own process group (so the watchdog can kill every process under it): pass on Ctrl-C.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.kill(-run.pid, signal));
const watchdog = setTimeout(() => {
  process.stderr.write(`\nnpm test: still running after ${limitS} s; killing the test run (a test left a process running?)\n`);
  for (const [signal, delay] of [
    ['SIGTERM', 0],
    ['SIGKILL', 10_000],
  ]) {
    setTimeout(() => {
      try {
        process.kill(-run.pid, signal);
      } catch {
        // already gone
      }
    }, delay).unref();
  }
}, limitS * 1000);
const stopped = await new Promise((resolve) => run.once('exit', (code) => resolve(code ?? 1)));
clearTimeout(watchdog);
process.exit(stopped);
