// The `file` location type: one file per stored piece under the location's
// directory. Keys are generated ids, never derived from object keys, so no object
// key can reach a path. A write goes to tmp/<writer>/, is fsync'd, renamed into its
// shard directory, and the directory is fsync'd: a reader never sees a torn file, and
// a crash leaves at most files in the writer's tmp directory, which it empties when it
// opens. A body that fits in one write (up to WRITE_BLOCK) is written to a file opened
// with O_DSYNC (the write returns once durable: no separate fdatasync), and the shard
// directories stay open for their fsyncs: a small put is five file system calls. A
// larger body is written one block at a time while the next gathers, and flushed
// (fdatasync) in the background every FLUSH_EVERY bytes: the final fdatasync has little
// left to do.
// `IDENTITY` holds a random id made at the first open:
// DataPlacementService.GetLocalRoot hands it out with the directory, so another process
// that sees the same directory (the Azure edge) attaches to it as a second writer with
// its own tmp directory, and reads and writes pieces itself.
import { randomBytes } from 'node:crypto';
import {
  close as closeCb,
  closeSync,
  constants,
  fdatasync as fdatasyncCb,
  fstatSync,
  fsync as fsyncCb,
  open as openCb,
  openSync,
  readSync,
  writev as writevCb,
} from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { MeshError, ensureIdentity, readIdentity, type ChunkSink } from '@zenko/mesh';
import type { ByteRange, DataBackend, PutHint } from './backend.js';

const KEY = /^[0-9a-f]{32}$/;
/** Writes are gathered into blocks of this size before reaching the file. */
const WRITE_BLOCK = 1024 * 1024;
/** A large body's written bytes are flushed (fdatasync) in the background after this many more. */
const FLUSH_EVERY = 8 * 1024 * 1024;
const READ_BLOCK = 1024 * 1024;
/** Reads up to this size use one buffer of their size, not pooled blocks, read without the thread pool. */
const SMALL_READ = 64 * 1024;
/** READ_BLOCK buffers kept for reuse across reads (each read in flight holds two). */
const POOL_MAX = 16;
/**
 * Descriptors of small files kept open for small reads (per backend, least recently used closed
 * first). Skipping the open and close saved about an eighth of svc-cloudserver's CPU per 4 KiB
 * GET at concurrency 32 (0.21 to 0.185 ms). Files never change once written and keys are never
 * reused, so a cached descriptor always reads what the key names. Only files of at most
 * SMALL_READ bytes are kept: a file another process deletes keeps its blocks while a descriptor
 * holds it, at most FD_CACHE × SMALL_READ (16 MiB) per backend; this process's own deletes close
 * it first.
 */
const FD_CACHE = 256;
const readBlocks: Buffer[] = [];

function takeBlock(): Buffer {
  return readBlocks.pop() ?? Buffer.allocUnsafeSlow(READ_BLOCK);
}

function giveBlock(block: Buffer): void {
  if (readBlocks.length < POOL_MAX) readBlocks.push(block);
}

/**
 * Sends bytes `start..end` (inclusive) of an open file to `sink` from two reused buffers: the
 * next block is read while the sink sends the previous one, and a buffer is filled again only
 * once the sink is done with it. Large objects allocate nothing per block.
 */
async function pumpFile(fh: FileHandle, start: number, end: number, sink: ChunkSink): Promise<void> {
  const total = end - start + 1;
  if (total <= 0) return;
  const pooled = total > SMALL_READ;
  const buffers = !pooled ? [Buffer.allocUnsafe(total)] : total > READ_BLOCK ? [takeBlock(), takeBlock()] : [takeBlock()];
  let pending: Promise<void> | undefined;
  let pendingBuffer: Buffer | undefined;
  try {
    for (let pos = start, i = 0; pos <= end; i++) {
      const buffer = buffers[i % buffers.length]!;
      if (buffer === pendingBuffer) await pending;
      const { bytesRead } = await fh.read(buffer, 0, Math.min(buffer.length, end - pos + 1), pos);
      if (bytesRead === 0) throw new MeshError('BACKEND_ERROR', `stored data ends at byte ${pos}, before byte ${end}`);
      await pending;
      pending = sink(buffer.subarray(0, bytesRead));
      // Settled below (or awaited by the next block); never an unhandled rejection meanwhile.
      pending.catch(() => undefined);
      pendingBuffer = buffer;
      pos += bytesRead;
    }
    await pending;
  } finally {
    // A buffer goes back to the pool only once nothing holds it.
    await pending?.catch(() => undefined);
    if (pooled) buffers.forEach(giveBlock);
  }
}

function storageError(err: unknown, what: string): MeshError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new MeshError('STORE_FULL', `no space left while ${what}`, { cause: err });
  if (code === 'ENOENT') return new MeshError('DATA_NOT_FOUND', `data not found while ${what}`, { cause: err });
  if (err instanceof MeshError) return err;
  return new MeshError('BACKEND_ERROR', `file backend failed while ${what}`, { cause: err });
}

function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

const openFd = promisify(openCb);
const closeFd = promisify(closeCb);
const fsyncFd = promisify(fsyncCb);
const fdatasyncFd = promisify(fdatasyncCb);
const writevFd = promisify(writevCb);
const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
/** Each write returns once its data (and the size needed to read it) is durable, as write + fdatasync. */
const CREATE_DSYNC = CREATE | constants.O_DSYNC;

/** Writes every byte of `blocks` at the file's position (a short write is continued, never dropped). */
async function writeAll(fd: number, blocks: Uint8Array[]): Promise<void> {
  let left = blocks.filter((b) => b.length > 0);
  while (left.length > 0) {
    let written = (await writevFd(fd, left)).bytesWritten;
    if (written <= 0) throw new MeshError('BACKEND_ERROR', 'the file system accepted no byte of a write');
    const rest: Uint8Array[] = [];
    for (const block of left) {
      if (written >= block.length) written -= block.length;
      else {
        rest.push(written > 0 ? block.subarray(written) : block);
        written = 0;
      }
    }
    left = rest;
  }
}

/** The same promise, marked handled: it is awaited later, and a rejection before then is not unhandled. */
function background<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

const DIRECTORY = constants.O_RDONLY | constants.O_DIRECTORY;

async function syncDir(dir: string): Promise<void> {
  const fd = await openFd(dir, DIRECTORY);
  try {
    await fsyncFd(fd);
  } finally {
    await closeFd(fd);
  }
}

/**
 * `mkdir -p` that always ends: node's recursive mkdir retries forever where mkdir answers ENOENT
 * under a parent that exists (procfs does, e.g. for `/proc/1/x`), which hung the location's setup.
 */
export async function makeDirectory(path: string): Promise<void> {
  const isDirectory = async (): Promise<boolean> => (await stat(path).catch(() => undefined))?.isDirectory() === true;
  try {
    await mkdir(path);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && (await isDirectory())) return;
    if (code !== 'ENOENT' || dirname(path) === path) throw err;
  }
  await makeDirectory(dirname(path));
  try {
    await mkdir(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST' && (await isDirectory())) return;
    throw err;
  }
}

/** The writer name of the process that owns a location's directory (svc-cloudserver). */
export const OWNER = 'svc-cloudserver';

export class FileBackend implements DataBackend {
  readonly type = 'file';
  readonly keepsVersions = true;
  readonly #tmp: string;
  /** Shard directories kept open for the fsync that makes a rename durable (at most 256). */
  readonly #dirs = new Map<string, Promise<number>>();
  /** Small files' descriptors (FD_CACHE), in order of use, least recent first. */
  readonly #fds = new Map<string, number>();
  /** Directory fsyncs in flight: close() closes the directories once none is. */
  #syncing = 0;
  #closed = false;
  /** Random id kept in `<root>/IDENTITY`: proves to another process that it sees this directory. */
  identity = '';

  private constructor(
    readonly root: string,
    writer: string,
  ) {
    if (!/^[\w.-]+$/.test(writer) || writer.startsWith('.')) throw new Error(`invalid writer name ${writer}`);
    this.#tmp = join(root, 'tmp', writer);
  }

  /** Opens (creating) the location's directory as its owner and removes what a crash left in tmp/. */
  static async open(root: string): Promise<FileBackend> {
    const backend = new FileBackend(resolve(root), OWNER);
    // Files directly in tmp/ are what a version before per-writer tmp directories left.
    await makeDirectory(join(backend.root, 'tmp'));
    for (const entry of await readdir(join(backend.root, 'tmp'), { withFileTypes: true })) {
      if (!entry.isDirectory()) await rm(join(backend.root, 'tmp', entry.name), { force: true });
    }
    await backend.#emptyTmp();
    // 256 shard directories, created once and made durable, so a put never creates a directory.
    let created = false;
    for (let i = 0; i < 256; i++) {
      const dir = join(backend.root, i.toString(16).padStart(2, '0'));
      const made = await mkdir(dir, { recursive: true });
      created ||= made !== undefined;
    }
    if (created) await syncDir(backend.root);
    backend.identity = await ensureIdentity(backend.root, backend.#tmp);
    return backend;
  }

  /** Writer tmp directories this process emptied (attach), so a later attach never removes its in-flight writes. */
  static readonly #emptied = new Map<string, Promise<void>>();

  /**
   * Attaches another process (`writer`, one process per name) to a directory its owner opened,
   * once its IDENTITY file holds `identity`; undefined otherwise (another file system, another
   * directory). The writer's own tmp directory is emptied at its first attach in this process;
   * the owner's is never touched.
   */
  static async attach(root: string, identity: string, writer: string): Promise<FileBackend | undefined> {
    if (writer === OWNER) throw new Error(`${OWNER} opens its directories, it does not attach`);
    if (identity === '' || (await readIdentity(root).catch(() => undefined)) !== identity) return undefined;
    const backend = new FileBackend(resolve(root), writer);
    let emptied = FileBackend.#emptied.get(backend.#tmp);
    if (emptied === undefined) {
      emptied = backend.#emptyTmp();
      FileBackend.#emptied.set(backend.#tmp, emptied);
      emptied.catch(() => FileBackend.#emptied.delete(backend.#tmp));
    }
    await emptied;
    backend.identity = identity;
    return backend;
  }

  #path(key: string): string {
    if (!KEY.test(key)) throw new MeshError('DATA_NOT_FOUND', 'malformed data key');
    return join(this.root, key.slice(0, 2), key);
  }

  async #emptyTmp(): Promise<void> {
    await mkdir(this.#tmp, { recursive: true });
    for (const name of await readdir(this.#tmp)) await rm(join(this.#tmp, name), { force: true, recursive: true });
  }

  async put(body: AsyncIterable<Uint8Array>, hint: PutHint): Promise<{ key: string; size: number }> {
    const key = randomBytes(16).toString('hex');
    const tmp = join(this.#tmp, key);
    let fd: number | undefined;
    let size = 0;
    // A large body is written while the next block gathers (one write in flight), and its
    // pages are flushed (fdatasync) in the background every FLUSH_EVERY bytes (one flush in
    // flight): the bytes keep arriving while the disk works, and the final fdatasync has
    // little left to do.
    let writing: Promise<void> | undefined;
    let flushing: Promise<void> | undefined;
    let unflushed = 0;
    try {
      let pending: Uint8Array[] = [];
      let pendingBytes = 0;
      for await (const chunk of body) {
        if (hint.signal?.aborted) throw hint.signal.reason;
        pending.push(chunk);
        pendingBytes += chunk.length;
        size += chunk.length;
        if (pendingBytes >= WRITE_BLOCK) {
          fd ??= await openFd(tmp, CREATE, 0o644);
          const blocks = pending;
          pending = [];
          unflushed += pendingBytes;
          pendingBytes = 0;
          await writing;
          const target = fd;
          writing = background(writeAll(target, blocks));
          if (unflushed >= FLUSH_EVERY) {
            // A disk slower than the network holds the body back here, not in memory.
            await flushing;
            unflushed = 0;
            flushing = background(writing.then(() => fdatasyncFd(target)));
          }
        }
      }
      if (fd === undefined) {
        // The whole body is here and fits in one write: O_DSYNC makes it durable as it lands.
        fd = await openFd(tmp, CREATE_DSYNC, 0o644);
        await writeAll(fd, pending);
      } else {
        await writing;
        await writeAll(fd, pending);
        await flushing;
        await fdatasyncFd(fd);
      }
      const written = fd;
      fd = undefined;
      await closeFd(written);
      await rename(tmp, this.#path(key));
      await this.#syncShard(key.slice(0, 2));
      return { key, size };
    } catch (err) {
      if (fd !== undefined) {
        // The descriptor is closed only once no write or flush uses it.
        await Promise.allSettled([writing, flushing]);
        await closeFd(fd).catch(() => undefined);
      }
      await unlink(tmp).catch(() => undefined);
      // Only the file system's own failures are mapped; the body's errors (digest, signature) pass through.
      throw isSystemError(err) ? storageError(err, 'writing') : err;
    }
  }

  /** Makes the renames into a shard directory durable, on the directory's kept descriptor. */
  async #syncShard(shard: string): Promise<void> {
    const dir = join(this.root, shard);
    if (this.#closed) return syncDir(dir);
    let opened = this.#dirs.get(shard);
    if (opened === undefined) {
      opened = openFd(dir, DIRECTORY);
      this.#dirs.set(shard, opened);
      // A failed open is not kept: the next put tries again.
      opened.catch(() => this.#dirs.delete(shard));
    }
    this.#syncing++;
    try {
      await fsyncFd(await opened);
    } finally {
      if (--this.#syncing === 0 && this.#closed) void this.#closeDirs();
    }
  }

  async #closeDirs(): Promise<void> {
    const dirs = [...this.#dirs.values()];
    this.#dirs.clear();
    await Promise.all(dirs.map((opened) => opened.then((fd) => closeFd(fd)).catch(() => undefined)));
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    let fh: FileHandle;
    try {
      fh = await open(this.#path(key), 'r');
    } catch (err) {
      throw storageError(err, 'opening');
    }
    if (range) {
      return fh.createReadStream({ highWaterMark: Math.min(READ_BLOCK, range.end - range.start + 1), start: range.start, end: range.end });
    }
    // A read stream without an end allocates a READ_BLOCK buffer for every read, the final
    // empty one included: for a 4 KiB object, two 1 MiB buffers and a read past the end.
    // Bounded by the file's size (files never change once written), it reads what is there.
    let size: number;
    try {
      size = (await fh.stat()).size;
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw storageError(err, 'reading size');
    }
    if (size === 0) return fh.createReadStream({ highWaterMark: 1 });
    return fh.createReadStream({ highWaterMark: Math.min(READ_BLOCK, size), start: 0, end: size - 1 });
  }

  /**
   * Sends the bytes (or a range) to `sink` from reused buffers (see pumpFile); fails before
   * the first chunk when the key is unknown.
   */
  async readTo(key: string, range: ByteRange | undefined, sink: ChunkSink): Promise<void> {
    if (range !== undefined && range.end - range.start < SMALL_READ) {
      await sink(this.#readSmall(key, range));
      return;
    }
    let fh: FileHandle;
    try {
      fh = await open(this.#path(key), 'r');
    } catch (err) {
      throw storageError(err, 'opening');
    }
    try {
      let end: number;
      try {
        end = range ? range.end : (await fh.stat()).size - 1;
      } catch (err) {
        throw storageError(err, 'reading size');
      }
      try {
        await pumpFile(fh, range?.start ?? 0, end, sink);
      } catch (err) {
        throw isSystemError(err) ? storageError(err, 'reading') : err;
      }
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  /**
   * A small range read in one go without the thread pool: from the page cache, open, read and
   * close take microseconds, while each of the three asynchronous calls waits for a pool thread
   * and a wakeup of the event loop (about 0.2 ms each on a small VM). A small file's descriptor
   * stays open for the next read (FD_CACHE).
   */
  #readSmall(key: string, range: ByteRange): Buffer {
    let fd: number;
    try {
      fd = this.#smallFd(key);
    } catch (err) {
      throw storageError(err, 'opening');
    }
    try {
      const buffer = Buffer.allocUnsafe(range.end - range.start + 1);
      for (let done = 0; done < buffer.length;) {
        const n = readSync(fd, buffer, done, buffer.length - done, range.start + done);
        if (n === 0) throw new MeshError('BACKEND_ERROR', `stored data ends at byte ${range.start + done}, before byte ${range.end}`);
        done += n;
      }
      return buffer;
    } catch (err) {
      // A descriptor that failed is not kept.
      if (this.#fds.get(key) === fd) this.#fds.delete(key);
      throw isSystemError(err) ? storageError(err, 'reading') : err;
    } finally {
      if (this.#fds.get(key) !== fd) closeSync(fd);
    }
  }

  /** A descriptor for a small read: the cached one (now the most recent), or a new one, cached if the file is small. */
  #smallFd(key: string): number {
    const cached = this.#fds.get(key);
    if (cached !== undefined) {
      this.#fds.delete(key);
      this.#fds.set(key, cached);
      return cached;
    }
    const fd = openSync(this.#path(key), 'r');
    let small = false;
    try {
      small = fstatSync(fd).size <= SMALL_READ;
    } catch {
      // Not kept; the read reports what is wrong.
    }
    if (small && !this.#closed && KEY.test(key)) {
      this.#fds.set(key, fd);
      if (this.#fds.size > FD_CACHE) this.#forget(this.#fds.keys().next().value!);
    }
    return fd;
  }

  /** Closes and drops a cached descriptor. */
  #forget(key: string): void {
    const fd = this.#fds.get(key);
    if (fd === undefined) return;
    this.#fds.delete(key);
    closeSync(fd);
  }

  async head(key: string): Promise<{ size: number }> {
    try {
      return { size: (await stat(this.#path(key))).size };
    } catch (err) {
      throw storageError(err, 'reading size');
    }
  }

  async delete(key: string): Promise<void> {
    if (!KEY.test(key)) return;
    this.#forget(key);
    try {
      await unlink(this.#path(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw storageError(err, 'deleting');
    }
  }

  /** Closes the shard directories (now, or once the fsyncs in flight are done); later puts still work. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const key of [...this.#fds.keys()]) this.#forget(key);
    if (this.#syncing === 0) await this.#closeDirs();
  }
}
