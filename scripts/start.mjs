#!/usr/bin/env node
// `npm start`: installs dependencies if they are missing, builds (incremental:
// a no-op when nothing changed), then runs every service on embedded defaults.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`zenko: ${what} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(r.status ?? 1);
  }
}

if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) {
  process.stdout.write('zenko: installing dependencies (npm ci)...\n');
  run(npm, ['ci', '--no-audit', '--no-fund'], 'npm ci');
}
process.stdout.write('zenko: building...\n');
run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'], 'build');

const child = spawn(process.execPath, [join(root, 'mesh', 'dist', 'launcher', 'main.js')], { cwd: process.cwd(), stdio: 'inherit' });
// Ctrl-C reaches the launcher through the terminal's process group; SIGTERM is forwarded.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
