// Writes to one name, one at a time. A location whose target keeps one object per name (`azure`,
// `aws_s3` without supportsVersioning) is written under a name derived from the object's key:
// two writes of a key racing there could commit in metadata in one order and land at the target
// in the other, leaving the version metadata calls current without its bytes; a delete checking
// a name's data id and then deleting could remove a write that landed between the two. Holding a
// name's lock across such steps orders them within this process.
export class KeyLocks {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `fn` once every earlier holder of `name` is done; later ones wait for it. */
  async with<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(name) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.#tails.set(name, tail);
    try {
      await previous;
      return await fn();
    } finally {
      release();
      if (this.#tails.get(name) === tail) this.#tails.delete(name);
    }
  }

  /** Names currently held or awaited (for tests). */
  get size(): number {
    return this.#tails.size;
  }
}
