#!/usr/bin/env node
// The `zenko` CLI entry point. It exists before the first build so that npm can link
// it at install time; the CLI itself is compiled from mesh/src/cli/zenko.ts.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli/zenko.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('zenko: the CLI is not built yet; run `npm run build` (or `npm start`) first\n');
  process.exit(1);
}
await import(cli.href);
