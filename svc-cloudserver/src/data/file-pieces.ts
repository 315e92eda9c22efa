// The read side of a `file` location's directory: where a piece lives and how it is read.
// FileBackend writes through it; a process that sees the same file system (the Azure edge)
// reads pieces with it directly once `IDENTITY` proves it is looking at the same directory
// (DataPlacementService.GetLocalRoot). Pieces never change once renamed into place.
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { MeshError } from '@zenko/mesh';
import type { ByteRange } from './backend.js';

const KEY = /^[0-9a-f]{32}$/;
const READ_BLOCK = 1024 * 1024;
/** The file, in a location's directory, that holds the directory's random identity. */
export const IDENTITY_FILE = 'IDENTITY';

export function isPieceKey(key: string): boolean {
  return KEY.test(key);
}

export function storageError(err: unknown, what: string): MeshError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new MeshError('STORE_FULL', `no space left while ${what}`, { cause: err });
  if (code === 'ENOENT') return new MeshError('DATA_NOT_FOUND', `data not found while ${what}`, { cause: err });
  if (err instanceof MeshError) return err;
  return new MeshError('BACKEND_ERROR', `file backend failed while ${what}`, { cause: err });
}

export class FilePieces {
  constructor(readonly root: string) {}

  /** Opens the pieces of `root` if its IDENTITY file holds `identity`; undefined otherwise (another file system, another directory). */
  static async verified(root: string, identity: string): Promise<FilePieces | undefined> {
    if (identity === '') return undefined;
    try {
      const found = (await readFile(join(root, IDENTITY_FILE), 'utf8')).trim();
      return found === identity ? new FilePieces(resolve(root)) : undefined;
    } catch {
      return undefined;
    }
  }

  path(key: string): string {
    if (!KEY.test(key)) throw new MeshError('DATA_NOT_FOUND', 'malformed data key');
    return join(this.root, key.slice(0, 2), key);
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    let fh: FileHandle;
    try {
      fh = await open(this.path(key), 'r');
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

  async head(key: string): Promise<{ size: number }> {
    try {
      return { size: (await stat(this.path(key))).size };
    } catch (err) {
      throw storageError(err, 'reading size');
    }
  }
}
