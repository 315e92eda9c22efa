// A process that must not outlive the one that started it: a service under the launcher, the
// launcher under the tests. The parent gives it a pipe as stdin that it never writes to and keeps
// open while it lives; the kernel closes the parent's end when the parent dies, however it dies
// (SIGKILL, the OOM killer, a crash), and the child reads end-of-file. No polling, and no pid to
// watch (a parent's pid, once it is gone, may name another process; an orphan's parent pid becomes
// init's or a subreaper's). Asked for by ZENKO_EXIT_WITH_PARENT=1: without it stdin is left alone,
// so a service run by hand or by Kubernetes, or `npm start` in the background, ignores its stdin.
import { fstatSync } from 'node:fs';
import { bool, ConfigError } from './config.js';

export const EXIT_WITH_PARENT = 'ZENKO_EXIT_WITH_PARENT';

const setting = bool(EXIT_WITH_PARENT, 'stdin is a pipe from the parent process: stop when it closes', false);

/**
 * Whether this process is to stop when its parent is gone. A value that is not a boolean, or
 * stdin (`fd`) not a pipe, is a ConfigError: a terminal or /dev/null would stop it at once or never.
 */
export function exitWithParent(env: NodeJS.ProcessEnv = process.env, fd = 0): boolean {
  const raw = env[EXIT_WITH_PARENT];
  if (raw === undefined || raw.trim() === '') return false;
  let on: boolean;
  try {
    on = setting.parse(raw);
  } catch (err) {
    throw new ConfigError(EXIT_WITH_PARENT, (err as Error).message);
  }
  if (!on) return false;
  let pipe = false;
  try {
    const stdin = fstatSync(fd);
    // node's 'pipe' stdio is a socket pair; a shell's `|` a FIFO.
    pipe = stdin.isSocket() || stdin.isFIFO();
  } catch {
    // No stdin at all (closed).
  }
  if (!pipe) throw new ConfigError(EXIT_WITH_PARENT, 'stdin is not a pipe from the parent process');
  return true;
}

/**
 * Calls `onGone` once, when stdin ends (the parent closed it or died). Anything the parent writes
 * is dropped. Reading stdin does not keep the process alive.
 */
export function watchParent(onGone: () => void): void {
  const stdin = process.stdin;
  let gone = false;
  const fire = (): void => {
    if (gone) return;
    gone = true;
    onGone();
  };
  for (const event of ['end', 'close', 'error']) stdin.on(event, fire);
  stdin.on('data', () => undefined);
  stdin.resume();
  // A socket or FIFO stdin is a net.Socket (exitWithParent refused any other).
  stdin.unref();
}
