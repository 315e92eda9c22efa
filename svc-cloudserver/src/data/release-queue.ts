// Data no version references any more (an overwrite's or a delete's, the bytes of a write whose
// metadata commit failed) is deleted in the background. A delete that fails — the location's
// target is down, or refuses — is not forgotten: the piece is appended to a journal file and
// retried until it succeeds, also after a restart, so an outage leaves no orphan at the target.
// Each edge process keeps its own journal under the data directory.
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isMeshError, type Logger } from '@zenko/mesh';

export interface ReleasedPiece {
  readonly location: string;
  readonly key: string;
}

export interface ReleaseQueueOptions {
  /** Deletes one piece (idempotent). */
  readonly delete: (piece: ReleasedPiece) => Promise<void>;
  /** The journal of pieces whose delete failed (JSON lines). */
  readonly file: string;
  readonly logger: Logger;
  /** Pause between retries of the journal. */
  readonly retryMs?: number;
}

const id = (p: ReleasedPiece): string => `${p.location}\0${p.key}`;

/** A location removed from the registry: nothing more can be deleted there. */
const gone = (err: unknown): boolean => isMeshError(err, 'LOCATION_NOT_FOUND');

export class ReleaseQueue {
  readonly #opts: ReleaseQueueOptions;
  /** Pieces waiting for a retry, by location and key. */
  readonly #pending = new Map<string, ReleasedPiece>();
  #timer: NodeJS.Timeout | undefined;
  #journal: Promise<unknown> = Promise.resolve();
  #retrying: Promise<void> | undefined;

  constructor(opts: ReleaseQueueOptions) {
    this.#opts = opts;
  }

  /** Loads the journal left by an earlier run and starts retrying it. */
  async start(): Promise<void> {
    await mkdir(dirname(this.#opts.file), { recursive: true });
    const text = await readFile(this.#opts.file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    });
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const p = JSON.parse(line) as ReleasedPiece;
        if (typeof p.location === 'string' && typeof p.key === 'string') this.#pending.set(id(p), p);
      } catch {
        this.#opts.logger.warn({ file: this.#opts.file }, 'skipping a malformed line of the release journal');
      }
    }
    this.#timer = setInterval(() => void this.retry(), this.#opts.retryMs ?? 30_000);
    this.#timer.unref();
    if (this.#pending.size > 0) void this.retry();
  }

  /** Pieces still to delete. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Deletes the pieces; those that fail are journaled for a retry. Never rejects. */
  async release(pieces: readonly ReleasedPiece[]): Promise<void> {
    // Pieces of an assembled multipart object share one backend object: delete it once.
    // An inline piece (empty key) has nothing stored outside its record.
    const unique = new Map(pieces.filter((p) => p.key !== '').map((p) => [id(p), { location: p.location, key: p.key }]));
    const failed: ReleasedPiece[] = [];
    await Promise.all(
      [...unique.values()].map((p) =>
        this.#opts.delete(p).catch((err: unknown) => {
          if (gone(err)) {
            this.#opts.logger.warn({ err, location: p.location }, 'released data of a removed location left in place');
            return;
          }
          this.#opts.logger.warn({ err, location: p.location }, 'could not delete released data; kept for a retry');
          failed.push(p);
        }),
      ),
    );
    if (failed.length === 0) return;
    for (const p of failed) this.#pending.set(id(p), p);
    await this.#write(() => appendFile(this.#opts.file, failed.map((p) => `${JSON.stringify(p)}\n`).join('')));
  }

  /** One pass over the journal: deleted pieces leave it (a pass already running is the one awaited). */
  retry(): Promise<void> {
    if (this.#pending.size === 0) return this.#retrying ?? Promise.resolve();
    this.#retrying ??= this.#pass().finally(() => (this.#retrying = undefined));
    return this.#retrying;
  }

  async #pass(): Promise<void> {
    const done: string[] = [];
    for (const [key, p] of this.#pending) {
      try {
        await this.#opts.delete(p);
        done.push(key);
      } catch (err) {
        // Still failing: kept for the next pass, unless its location was removed meanwhile.
        if (gone(err)) done.push(key);
      }
    }
    if (done.length === 0) return;
    for (const key of done) this.#pending.delete(key);
    this.#opts.logger.info({ deleted: done.length, left: this.#pending.size }, 'released data deleted on retry');
    await this.#write(async () => {
      const tmp = `${this.#opts.file}.tmp`;
      await writeFile(tmp, [...this.#pending.values()].map((p) => `${JSON.stringify(p)}\n`).join(''));
      await rename(tmp, this.#opts.file);
    });
  }

  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
  }

  /** Journal writes one at a time (an append never races a rewrite). */
  #write(op: () => Promise<unknown>): Promise<void> {
    const next = this.#journal.then(op).catch((err: unknown) => this.#opts.logger.error({ err }, 'could not write the release journal'));
    this.#journal = next;
    return next.then(() => undefined);
  }
}
