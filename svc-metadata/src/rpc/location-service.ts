// LocationRegistryService over gRPC. WatchLocations sends the current set as
// "snapshot" events, then every change ("put", "delete") until the client leaves.
import { locationV1LocationRegistryService as loc } from '@zenko/gen';
import { MeshError, service, type ServiceRegistration } from '@zenko/mesh';
import type { LocationEvent, LocationRegistry } from '../locations/registry.js';

function required(l: loc.Location | undefined): loc.Location {
  if (l === undefined) throw new MeshError('INVALID_ARGUMENT', 'a location is required');
  return l;
}

export function locationService(registry: LocationRegistry): ServiceRegistration {
  return service(loc.LocationRegistryServiceService, {
    createLocation: async (req) => ({ location: await registry.create(required(req.location), { skipProbe: req.skipProbe }) }),
    getLocation: async (req) => ({ location: await registry.get(req.name) }),
    listLocations: async () => ({ locations: await registry.list() }),
    updateLocation: async (req) => ({ location: await registry.update(required(req.location), { skipProbe: req.skipProbe }) }),
    deleteLocation: async (req) => {
      await registry.delete(req.name);
      return {};
    },
    getLocationSecrets: async (req) => ({ location: await registry.withSecrets(req.name) }),
    async *watchLocations(_req, ctx): AsyncGenerator<loc.WatchLocationsResponse> {
      const pending: LocationEvent[] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = registry.subscribe((e) => {
        pending.push(e);
        wake?.();
      });
      const onAbort = (): void => wake?.();
      ctx.signal.addEventListener('abort', onAbort);
      try {
        for (const location of await registry.list()) yield { event: 'snapshot', location, name: location.name };
        yield { event: 'synced', name: '', location: undefined };
        while (!ctx.signal.aborted) {
          const e = pending.shift();
          if (e === undefined) {
            await new Promise<void>((resolve) => (wake = resolve));
            wake = undefined;
            continue;
          }
          yield e.event === 'put'
            ? { event: 'put', location: e.location, name: e.location.name }
            : { event: 'delete', name: e.name, location: undefined };
        }
      } finally {
        unsubscribe();
        ctx.signal.removeEventListener('abort', onAbort);
      }
    },
  });
}
