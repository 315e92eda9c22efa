// One owner per data directory and service: `<data dir>/locks/<owner>.lock` holds the pid (and,
// on Linux, the boot id and the process's start time) of the process that owns that service's
// files there. A second process finds it held and is refused; a lock whose process is gone (it
// crashed, was killed, the machine rebooted, or its pid now names another process) is taken over.
// Nothing else stops two stacks on one directory from deleting each other's files: svc-cloudserver
// empties its temporary directory at start, which holds the other one's uploads in flight.
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export interface LockOwner {
  readonly owner: string;
  readonly pid: number;
  readonly host: string;
  /** Linux: /proc/sys/kernel/random/boot_id, so a lock from before a reboot is known stale. */
  readonly bootId?: string;
  /** Linux: the process's start time (clock ticks after boot), so a reused pid is not taken for the owner. */
  readonly startTime?: string;
  readonly since: string;
}

/** The data directory is held by another live process. */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly holder: LockOwner,
    readonly file: string,
  ) {
    super(
      `data directory ${dataDir} is in use by ${holder.owner} (pid ${holder.pid}, since ${holder.since}; lock ${file}): ` +
        'stop that process, or set another ZENKO_DATA_DIR',
    );
  }
}

export interface DataDirLock {
  readonly file: string;
  /** Removes the lock file if it is still this process's. Idempotent; synchronous, so it runs in an 'exit' handler. */
  release(): void;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

const bootId = readText('/proc/sys/kernel/random/boot_id')?.trim();

/** State and start time of a process from /proc/<pid>/stat; undefined where there is no /proc. */
function procStat(pid: number | 'self'): { state: string; startTime: string } | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses; fields after it are plain.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTime = fields[19];
  return state === undefined || startTime === undefined ? undefined : { state, startTime };
}

const HAS_PROC = procStat('self') !== undefined;

function me(owner: string): LockOwner {
  const startTime = procStat('self')?.startTime;
  return {
    owner,
    pid: process.pid,
    host: hostname(),
    ...(bootId === undefined ? {} : { bootId }),
    ...(startTime === undefined ? {} : { startTime }),
    since: new Date().toISOString(),
  };
}

function parse(text: string): LockOwner | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    return typeof v.pid === 'number' && Number.isInteger(v.pid) && v.pid > 0 && typeof v.owner === 'string' ? (v as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

function sameProcess(a: LockOwner, b: LockOwner): boolean {
  return a.pid === b.pid && a.bootId === b.bootId && a.startTime === b.startTime;
}

/** Whether the process that wrote `holder` still runs (as far as this machine can tell). */
export function holderAlive(holder: LockOwner): boolean {
  // Another boot (or another kernel, as a volume shared between machines): not a process this one can see.
  if (holder.bootId !== undefined && bootId !== undefined && holder.bootId !== bootId) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(holder.pid);
  // Without /proc, the signal's answer is all there is; with it, a missing entry is a process just gone.
  if (stat === undefined) return !HAS_PROC;
  // A zombie (killed, not yet reaped by its parent) holds nothing; a different start time is another process.
  return stat.state !== 'Z' && (holder.startTime === undefined || holder.startTime === stat.startTime);
}

export function lockFile(dataDir: string, owner: string): string {
  return join(dataDir, 'locks', `${owner}.lock`);
}

/** The live process holding `owner`'s lock of the data directory, if any. */
export function lockHolder(dataDir: string, owner: string): LockOwner | undefined {
  const text = readText(lockFile(dataDir, owner));
  const holder = text === undefined ? undefined : parse(text);
  return holder !== undefined && holderAlive(holder) ? holder : undefined;
}

/**
 * Takes `owner`'s lock of the data directory (creating the directory), or throws
 * DataDirLockedError when a live process holds it. The lock file appears whole (written aside,
 * then hard-linked into place, which fails if it exists); a stale one is renamed away, and put
 * back if what was renamed turns out to be another newcomer's fresh lock.
 */
export function lockDataDir(dataDir: string, owner: string): DataDirLock {
  const file = lockFile(dataDir, owner);
  mkdirSync(join(dataDir, 'locks'), { recursive: true });
  const self = me(owner);
  const text = `${JSON.stringify(self)}\n`;
  const lock: DataDirLock = {
    file,
    release: () => {
      const now = readText(file);
      const holder = now === undefined ? undefined : parse(now);
      if (holder === undefined || !sameProcess(holder, self)) return;
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    },
  };
  for (let attempt = 0; attempt < 20; attempt++) {
    const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(aside, text, { flag: 'wx' });
    try {
      linkSync(aside, file);
      return lock;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      unlinkSync(aside);
    }
    const found = readText(file);
    if (found === undefined) continue; // released meanwhile
    const holder = parse(found);
    if (holder !== undefined && sameProcess(holder, self)) return lock;
    if (holder !== undefined && holderAlive(holder)) throw new DataDirLockedError(dataDir, holder, file);
    // Stale (or unreadable: its writer died before it was whole, which linking prevents): move it away.
    const stale = `${file}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
    try {
      renameSync(file, stale);
    } catch {
      continue; // another newcomer moved it first
    }
    if (readText(stale) !== found) {
      // Between our read and the rename, another newcomer replaced the stale lock with its own: restore it.
      try {
        linkSync(stale, file);
      } catch {
        // A third one locked in that instant too: two newcomers racing over one stale lock, in a
        // window of microseconds, both proceed. Accepted: the loop goes on with whoever holds it now.
      }
    }
    unlinkSync(stale);
  }
  throw new Error(`cannot take the lock ${file}: it keeps changing`);
}
