// Data no version references any more (an overwrite's or a delete's, the bytes of a write whose
// metadata commit failed, what a failed write left at a target that was down: an open multipart
// upload) is deleted in the background. A delete that fails — the location's
// target is down, or refuses — is not forgotten: the piece is appended to a journal file and
// retried until it succeeds, also after a restart, so an outage leaves no orphan at the target.
// Each edge process keeps its own journal under the data directory.
//
// A write whose metadata commit failed releases the bytes it stored. When the failure leaves open
// whether the commit happened (svc-metadata went away or the deadline passed with the request
// sent: the commit may have landed, its answer lost), deleting them could leave a version whose
// data is gone. Such pieces (`releaseFailedWrite`) are journaled with the object they were
// written for and deleted only once, no sooner than one retry period later (so a commit still in
// flight has landed or failed), none of the object's versions is seen to reference them.
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isMeshError, MeshError, type Logger, type MetadataClient, type Reason } from '@zenko/mesh';

export interface ReleasedPiece {
  readonly location: string;
  readonly key: string;
}

/** The object a failed write was for. */
export interface WrittenObject {
  readonly bucket: string;
  readonly key: string;
}

/** A piece waiting in the journal; `check`: delete only if no version of that object references it, from `after` (ms) on. */
interface PendingPiece extends ReleasedPiece {
  readonly check?: WrittenObject;
  readonly after?: number;
}

export interface ReleaseQueueOptions {
  /** Deletes one piece (idempotent). */
  readonly delete: (piece: ReleasedPiece) => Promise<void>;
  /** Whether a version of `object` references `piece` (versionsReference); rejects when it cannot tell. */
  readonly referenced: (object: WrittenObject, piece: ReleasedPiece) => Promise<boolean>;
  /** The journal of pieces whose delete failed (JSON lines). */
  readonly file: string;
  readonly logger: Logger;
  /** Pause between retries of the journal. */
  readonly retryMs?: number;
}

const id = (p: ReleasedPiece): string => `${p.location}\0${p.key}`;

/** A location removed from the registry: nothing more can be deleted there. */
const gone = (err: unknown): boolean => isMeshError(err, 'LOCATION_NOT_FOUND');

/** Failures after which a commit may still have happened (anything but a definite answer). */
const UNDECIDED: readonly Reason[] = ['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'INTERNAL'];
const undecided = (err: unknown): boolean => !(err instanceof MeshError) || UNDECIDED.includes(err.reason);

/** Whether one of `object`'s versions (read through `listObjectVersions`) has `piece` among its data. */
export function versionsReference(
  metadata: Pick<MetadataClient, 'listObjectVersions'>,
): (object: WrittenObject, piece: ReleasedPiece) => Promise<boolean> {
  return async (object, piece) => {
    let keyMarker = '';
    let versionIdMarker = '';
    for (;;) {
      let page: Awaited<ReturnType<MetadataClient['listObjectVersions']>>;
      try {
        page = await metadata.listObjectVersions({
          bucket: object.bucket,
          prefix: object.key,
          delimiter: '',
          keyMarker,
          versionIdMarker,
          maxKeys: 1000,
        });
      } catch (err) {
        if (isMeshError(err, 'BUCKET_NOT_FOUND')) return false;
        throw err;
      }
      for (const v of page.versions) {
        // Keys come in byte order, the object's own first: past them, nothing references the piece.
        if (v.key !== object.key) return false;
        if (v.data.some((d) => d.location === piece.location && d.key === piece.key)) return true;
      }
      if (!page.isTruncated) return false;
      keyMarker = page.nextKeyMarker;
      versionIdMarker = page.nextVersionIdMarker;
    }
  };
}

export class ReleaseQueue {
  readonly #opts: ReleaseQueueOptions;
  /** Pieces waiting for a retry, by location and key. */
  readonly #pending = new Map<string, PendingPiece>();
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
        const p = JSON.parse(line) as PendingPiece;
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
    await this.#keep(failed);
  }

  /**
   * Pieces whose delete is known to fail now (a target that is down left an upload open): journaled
   * at once and deleted by the retries. Never rejects.
   */
  async later(pieces: readonly ReleasedPiece[]): Promise<void> {
    await this.#keep(pieces.filter((p) => p.key !== '').map((p) => ({ location: p.location, key: p.key })));
  }

  /**
   * The data of a write whose metadata commit failed with `err`: released at once when the
   * commit surely did not happen, else kept until a check shows that no version of `object`
   * references it. Never rejects.
   */
  async releaseFailedWrite(pieces: readonly ReleasedPiece[], err: unknown, object: WrittenObject): Promise<void> {
    if (!undecided(err)) return this.release(pieces);
    const after = Date.now() + (this.#opts.retryMs ?? 30_000);
    const kept = pieces.filter((p) => p.key !== '').map((p) => ({ location: p.location, key: p.key, check: object, after }));
    this.#opts.logger.warn(
      { err, pieces: kept.length, bucket: object.bucket },
      'a write failed after its commit was sent: its data is kept until checked',
    );
    await this.#keep(kept);
  }

  async #keep(pieces: readonly PendingPiece[]): Promise<void> {
    if (pieces.length === 0) return;
    for (const p of pieces) this.#pending.set(id(p), p);
    await this.#write(() => appendFile(this.#opts.file, pieces.map((p) => `${JSON.stringify(p)}\n`).join('')));
  }

  /**
   * One pass over the journal: deleted pieces leave it (a pass already running is the one awaited).
   * Locations are retried side by side, each one's pieces in turn: a target that is silent (each
   * delete running out its timeouts) delays only its own pieces.
   */
  retry(): Promise<void> {
    if (this.#pending.size === 0) return this.#retrying ?? Promise.resolve();
    this.#retrying ??= this.#pass().finally(() => (this.#retrying = undefined));
    return this.#retrying;
  }

  async #pass(): Promise<void> {
    const done: string[] = [];
    const now = Date.now();
    const byLocation = new Map<string, [string, PendingPiece][]>();
    for (const [key, p] of this.#pending) {
      if (p.after !== undefined && p.after > now) continue;
      const list = byLocation.get(p.location) ?? [];
      list.push([key, p]);
      byLocation.set(p.location, list);
    }
    await Promise.all(
      [...byLocation.values()].map(async (pieces) => {
        for (const [key, p] of pieces) {
          try {
            if (p.check !== undefined && (await this.#opts.referenced(p.check, p))) {
              this.#opts.logger.info(
                { location: p.location, bucket: p.check.bucket },
                'data of a write reported failed is referenced: kept',
              );
            } else {
              await this.#opts.delete(p);
            }
            done.push(key);
          } catch (err) {
            // Still failing: kept for the next pass, unless its location was removed meanwhile.
            if (gone(err)) done.push(key);
          }
        }
      }),
    );
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
