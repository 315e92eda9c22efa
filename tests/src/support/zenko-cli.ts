// The zenko CLI (mesh/bin/zenko.js) run against a test stack, bounded by a timeout.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, type TestStack } from './stack.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function zenkoCli(stack: TestStack, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'mesh/bin/zenko.js'), ...args],
      { env: stack.env, timeout: 60_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}
