// Keeps the LocationSet in step with the LocationRegistryService: the current set
// at start, then every change, reconnecting when the stream breaks.
import { isAbsolute, join } from 'node:path';
import { locationV1LocationRegistryService as loc } from '@zenko/gen';
import type { Logger, PromiseClient } from '@zenko/mesh';
import type { DataBackend } from './backend.js';
import { FileBackend } from './file-backend.js';
import type { LocationSet } from './locations.js';
import { MemBackend } from './mem-backend.js';

type RegistryClient = PromiseClient<typeof loc.LocationRegistryServiceService>;

const GIB = 1024 ** 3;

/** Builds the backend of a location definition; undefined for types this process cannot serve yet. */
export async function backendFor(l: loc.Location, dataDir: string): Promise<DataBackend | undefined> {
  switch (l.type) {
    case loc.LocationType.LOCATION_TYPE_MEM:
      return new MemBackend();
    case loc.LocationType.LOCATION_TYPE_FILE: {
      const path = l.details?.path || join('data', l.name);
      return FileBackend.open(isAbsolute(path) ? path : join(dataDir, path));
    }
    // Cloud location types arrive with their backends (issue: locations and data placement).
    case loc.LocationType.LOCATION_TYPE_AWS_S3:
    case loc.LocationType.LOCATION_TYPE_GCP:
    case loc.LocationType.LOCATION_TYPE_AZURE:
    case loc.LocationType.LOCATION_TYPE_UNSPECIFIED:
    case loc.LocationType.UNRECOGNIZED:
      return undefined;
  }
}

export async function applyLocation(set: LocationSet, l: loc.Location, dataDir: string, logger: Logger): Promise<void> {
  const existing = set.get(l.name);
  if (existing && existing.type === typeName(l.type)) {
    set.add(l.name, existing.type, existing.backend, { isTransient: l.isTransient, sizeLimitBytes: Math.round(l.sizeLimitGb * GIB) });
    return;
  }
  const backend = await backendFor(l, dataDir);
  if (backend === undefined) {
    logger.warn({ location: l.name, type: typeName(l.type) }, 'location type not served by this process yet; ignored');
    return;
  }
  set.add(l.name, typeName(l.type), backend, { isTransient: l.isTransient, sizeLimitBytes: Math.round(l.sizeLimitGb * GIB) });
  if (existing) await existing.backend.close();
}

function typeName(t: loc.LocationType): string {
  return loc.LocationType[t].replace('LOCATION_TYPE_', '').toLowerCase();
}

/** Follows the registry until `signal` aborts; resolves once the current set was applied. */
export function followLocations(
  client: RegistryClient,
  set: LocationSet,
  dataDir: string,
  logger: Logger,
  signal: AbortSignal,
): Promise<void> {
  return new Promise<void>((synced) => {
    const run = async (): Promise<void> => {
      while (!signal.aborted) {
        try {
          for await (const e of client.watchLocations({}, { deadlineMs: Infinity, signal })) {
            if (e.event === 'synced') synced();
            else if (e.event === 'delete') await set.remove(e.name);
            else if (e.location) await applyLocation(set, e.location, dataDir, logger);
          }
        } catch (err) {
          if (signal.aborted) return;
          logger.warn({ err }, 'location watch interrupted; reconnecting');
        }
        await new Promise((r) => setTimeout(r, 1_000));
      }
    };
    void run();
  });
}
