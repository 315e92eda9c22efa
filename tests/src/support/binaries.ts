// System binaries a test drives (the AWS CLI, rclone, s3cmd, curl...). A missing
// binary skips the test loudly with the command that installs it; under
// ZENKO_TEST_STRICT=1 (CI, set by .ci/run) it is an error instead.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export type BinaryCheck =
  | { readonly ok: true; readonly name: string; readonly path: string; readonly skip: false }
  | { readonly ok: false; readonly name: string; readonly path: undefined; readonly skip: string };

export class MissingBinaryError extends Error {
  constructor(
    readonly binary: string,
    readonly installHint: string,
  ) {
    super(`${binary} not found on PATH (ZENKO_TEST_STRICT=1 turns this skip into a failure); install it: ${installHint}`);
    this.name = 'MissingBinaryError';
  }
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The absolute path of the first executable `name` on `pathVar` (default: this process's PATH). */
export function findBinary(name: string, pathVar = process.env['PATH'] ?? ''): string | undefined {
  if (name.includes('/')) return executable(name) ? name : undefined;
  for (const dir of pathVar.split(delimiter)) {
    if (dir === '' || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * `ok` with the binary's absolute path, or a skip reason (printed loudly on stderr)
 * naming the install command. Throws MissingBinaryError when `env.ZENKO_TEST_STRICT`
 * is `1`. Use the result as a suite option: `describe('aws', { skip: aws.skip }, ...)`.
 */
export function requireBinary(name: string, installHint: string, env: NodeJS.ProcessEnv = process.env): BinaryCheck {
  const path = findBinary(name, env['PATH'] ?? '');
  if (path !== undefined) return { ok: true, name, path, skip: false };
  if (env['ZENKO_TEST_STRICT'] === '1') throw new MissingBinaryError(name, installHint);
  const skip = `${name} not found on PATH; install it: ${installHint}`;
  const bar = '!'.repeat(Math.min(skip.length + 12, 120));
  process.stderr.write(`\n${bar}\n!!! SKIP: ${skip}\n${bar}\n\n`);
  return { ok: false, name, path: undefined, skip };
}
