import { readFileSync } from 'node:fs';

/** The version of Zenko this process runs (the root package.json's). */
export const ZENKO_VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();
