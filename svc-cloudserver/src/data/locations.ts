// The locations this process can place data in. Built-in locations exist on every
// stack; operator-defined ones arrive from the LocationRegistryService.
import { join } from 'node:path';
import type { DataBackend } from './backend.js';
import { FileBackend } from './file-backend.js';
import { MemBackend } from './mem-backend.js';
import type { Location, LocationResolver } from './placement.js';

/** The default location of new buckets: local disk under the data directory. */
export const DEFAULT_LOCATION = 'us-east-1';
/** Process memory: for tests and ephemeral data. */
export const MEMORY_LOCATION = 'memory';

export class LocationSet implements LocationResolver {
  readonly #locations = new Map<string, Location>();

  get(name: string): Location | undefined {
    return this.#locations.get(name);
  }

  list(): Location[] {
    return [...this.#locations.values()];
  }

  add(name: string, type: string, backend: DataBackend, opts: { isTransient?: boolean; sizeLimitBytes?: number } = {}): void {
    this.#locations.set(name, { name, type, backend, isTransient: opts.isTransient ?? false, sizeLimitBytes: opts.sizeLimitBytes ?? 0 });
  }

  async close(): Promise<void> {
    await Promise.all(this.list().map((l) => l.backend.close()));
  }

  /** The built-in locations: `us-east-1` (file, under <dataDir>/data/us-east-1) and `memory`. */
  static async withBuiltins(dataDir: string): Promise<LocationSet> {
    const set = new LocationSet();
    set.add(DEFAULT_LOCATION, 'file', await FileBackend.open(join(dataDir, 'data', DEFAULT_LOCATION)));
    set.add(MEMORY_LOCATION, 'mem', new MemBackend());
    return set;
  }
}
