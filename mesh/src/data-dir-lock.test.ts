import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DataDirLockedError, holderAlive, lockDataDir, lockFile, lockHolder, type LockOwner } from './data-dir-lock.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'zenko-lock-'));
  dirs.push(d);
  return d;
}

/** Writes the lock file another process would have written. */
function plant(dir: string, owner: string, holder: Partial<LockOwner> & { pid: number }): void {
  mkdirSync(join(dir, 'locks'), { recursive: true });
  writeFileSync(lockFile(dir, owner), JSON.stringify({ owner, host: 'h', since: new Date().toISOString(), ...holder }));
}

/** A process that runs until killed, and its lock identity as it would write it. */
async function otherProcess(): Promise<{ pid: number; startTime: string | undefined; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  const pid = child.pid!;
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : undefined;
  return {
    pid,
    startTime: stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19],
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('data directory lock', () => {
  it('is refused while a live process holds it, naming it, and taken over once that process is gone', async () => {
    const dir = dataDir();
    const other = await otherProcess();
    const bootId = existsSync('/proc/sys/kernel/random/boot_id')
      ? readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
      : undefined;
    plant(dir, 'svc-cloudserver', { pid: other.pid, ...(other.startTime && { startTime: other.startTime }), ...(bootId && { bootId }) });
    try {
      assert.equal(lockHolder(dir, 'svc-cloudserver')?.pid, other.pid);
      assert.throws(
        () => lockDataDir(dir, 'svc-cloudserver'),
        (err: unknown) => err instanceof DataDirLockedError && err.holder.pid === other.pid && err.dataDir === dir,
      );
      // Another service's lock of the same directory is its own.
      lockDataDir(dir, 'svc-blobserver').release();
    } finally {
      await other.stop();
    }
    assert.equal(lockHolder(dir, 'svc-cloudserver'), undefined);
    const lock = lockDataDir(dir, 'svc-cloudserver');
    assert.equal((JSON.parse(readFileSync(lock.file, 'utf8')) as LockOwner).pid, process.pid);
    lock.release();
    assert.equal(existsSync(lock.file), false);
    assert.deepEqual(readdirSync(join(dir, 'locks')), [], 'nothing left beside it');
  });

  it(
    'a pid that now names another process (its start time differs), or an unreadable file, is stale',
    { skip: !existsSync('/proc/self/stat') && 'SKIPPED: needs /proc (Linux) to tell a reused pid from the lock holder by its start time' },
    () => {
      const dir = dataDir();
      const reused = { pid: process.pid, startTime: '1' };
      assert.equal(holderAlive({ owner: 'x', host: 'h', since: '', ...reused }), false);
      plant(dir, 'svc-metadata', reused);
      lockDataDir(dir, 'svc-metadata').release();
      mkdirSync(join(dir, 'locks'), { recursive: true });
      writeFileSync(lockFile(dir, 'svc-metadata'), '{"pid":');
      lockDataDir(dir, 'svc-metadata').release();
    },
  );

  it('is held once per process: taken again by its holder, released only by it', () => {
    const dir = dataDir();
    const lock = lockDataDir(dir, 'launcher');
    const again = lockDataDir(dir, 'launcher');
    assert.equal(again.file, lock.file);
    lock.release();
    assert.equal(existsSync(lock.file), false);
    // A lock taken over by someone else since is theirs: releasing ours leaves it.
    plant(dir, 'launcher', { pid: 1, startTime: 'theirs' });
    lock.release();
    assert.equal(existsSync(lock.file), true);
  });
});
