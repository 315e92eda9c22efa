// The locations this process can place data in, as the LocationRegistryService
// defines them (see location-watch.ts), each with its backend.
import type { DataBackend } from './backend.js';
import type { Location, LocationResolver } from './placement.js';

/** The default location of new buckets: the built-in local-disk location. */
export const DEFAULT_LOCATION = 'us-east-1';

export class LocationSet implements LocationResolver {
  readonly #locations = new Map<string, Location>();

  get(name: string): Location | undefined {
    return this.#locations.get(name);
  }

  list(): Location[] {
    return [...this.#locations.values()];
  }

  add(
    name: string,
    type: string,
    backend: DataBackend,
    opts: { isTransient?: boolean; sizeLimitBytes?: number; bucketMatch?: boolean } = {},
  ): void {
    this.#locations.set(name, {
      name,
      type,
      backend,
      isTransient: opts.isTransient ?? false,
      sizeLimitBytes: opts.sizeLimitBytes ?? 0,
      bucketMatch: opts.bucketMatch ?? false,
    });
  }

  async remove(name: string): Promise<void> {
    const location = this.#locations.get(name);
    this.#locations.delete(name);
    await location?.backend.close();
  }

  async close(): Promise<void> {
    await Promise.all(this.list().map((l) => l.backend.close()));
  }
}
