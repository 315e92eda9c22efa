// A directory's identity: a random id in its IDENTITY file, made once by the process that owns
// the directory. Another process that reads the id its owner announces (over gRPC) in that file
// sees the same directory, not a same-named one on another host: the check behind the edges'
// direct access to `file` location data and to the embedded metadata store.
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const IDENTITY_FILE = 'IDENTITY';

/** The id in `<dir>/IDENTITY`; undefined when there is none. */
export async function readIdentity(dir: string): Promise<string | undefined> {
  try {
    return (await readFile(join(dir, IDENTITY_FILE), 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The directory's identity, made at the first call, durably: written under `stagingDir` (on the
 * same file system), renamed into place, the directory synced.
 */
export async function ensureIdentity(dir: string, stagingDir: string = dir): Promise<string> {
  const found = await readIdentity(dir);
  if (found !== undefined) return found;
  const identity = randomBytes(16).toString('hex');
  const staged = join(stagingDir, `${IDENTITY_FILE}.tmp`);
  await writeFile(staged, identity, { flush: true });
  await rename(staged, join(dir, IDENTITY_FILE));
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  return identity;
}
