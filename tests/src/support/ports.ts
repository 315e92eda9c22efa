// Loopback ports for the processes the tests start.
//
// A port the kernel hands out for `listen(0)` comes from the ephemeral range
// (Linux: 32768–60999), the same range every outgoing connection takes its local
// port from: between the probe closing it and our service binding it, a client
// socket of any process (the test runner runs files in parallel, each opening
// hundreds of connections) may take it, and the service then fails to bind. So
// ports come from below that range, are checked free by binding them, and are
// reserved across the test processes of this machine by an exclusive lock file
// naming the reserving pid (a dead pid's reservation is taken over).
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FIRST = 20_000;
const LAST = 32_000;
const LOCKS = join(tmpdir(), 'zenko-test-ports');
const mine = new Set<number>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the machine-wide reservation of `port` for this process, or answers false. */
function reserve(port: number): boolean {
  const file = join(LOCKS, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner = Number.NaN;
      try {
        owner = Number(readFileSync(file, 'utf8'));
      } catch {
        // Removed meanwhile: try again.
      }
      // An empty file is a reservation being written: leave it to its owner.
      if (Number.isInteger(owner) && owner > 0 && !alive(owner)) rmSync(file, { force: true });
      else if (!Number.isNaN(owner)) return false;
    }
  }
  return false;
}

function releaseAll(): void {
  for (const port of mine) rmSync(join(LOCKS, String(port)), { force: true });
  mine.clear();
}

let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  mkdirSync(LOCKS, { recursive: true });
  process.once('exit', releaseAll);
  // Reservations of processes that are gone (killed, crashed) are free again.
  for (const name of readdirSync(LOCKS)) {
    try {
      const owner = Number(readFileSync(join(LOCKS, name), 'utf8'));
      if (Number.isInteger(owner) && owner > 0 && !alive(owner)) rmSync(join(LOCKS, name), { force: true });
    } catch {
      // Another process is tidying too.
    }
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * `n` distinct ports, free on 127.0.0.1 now and reserved for this process until
 * it exits: no other test process of this machine is given them meanwhile.
 */
export async function freePorts(n: number): Promise<number[]> {
  hookExit();
  const span = LAST - FIRST;
  const found: number[] = [];
  let port = FIRST + Math.floor(Math.random() * span);
  for (let tried = 0; found.length < n; tried++, port = FIRST + ((port - FIRST + 1) % span)) {
    if (tried > span) throw new Error(`no ${n} free loopback ports between ${FIRST} and ${LAST}`);
    if (mine.has(port) || !reserve(port)) continue;
    mine.add(port);
    if (await bindable(port)) found.push(port);
  }
  return found;
}

export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}
