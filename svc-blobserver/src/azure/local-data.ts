// Direct access to `file` locations: when this process sees a location's directory (one
// machine, or a volume mounted at the same path), blob bytes are written to and read from the
// piece files here instead of streamed through DataPlacementService Put and Get: one process
// and one gRPC stream fewer per request. The directory comes from GetLocalRoot and is trusted
// only once its IDENTITY file matches; this process then writes as the `svc-blobserver` writer
// (its own tmp directory) with the same placement code svc-cloudserver runs (size, size
// limit and Content-MD5 checked before the data is durable). Anything else (another host,
// another type, an older peer, a directory it cannot write) goes through the service, as
// does a read of a piece the direct read cannot open.
import type { placementV1DataPlacementService } from '@zenko/gen';
import type { PromiseClient } from '@zenko/mesh';
import { DataPlacement, FileBackend, type UsageReader } from '@zenko/svc-cloudserver/local-data';

type PlacementClient = PromiseClient<typeof placementV1DataPlacementService.DataPlacementServiceService>;

/** This process's writer name in a location's directory (its tmp directory). */
const WRITER = 'svc-blobserver';
/** A location's answer is asked again after this long (a location updated or re-created elsewhere). */
const TTL_MS = 30_000;

export interface LocalLocation {
  readonly backend: FileBackend;
  /** Placement over this one location (its name resolves to `backend`). */
  readonly placement: DataPlacement;
}

export class LocalData {
  readonly #cache = new Map<string, { until: number; local: Promise<LocalLocation | undefined> }>();

  constructor(
    private readonly placement: PlacementClient,
    private readonly enabled: boolean,
    /** ZENKO_INLINE_MAX_BYTES, as svc-cloudserver reads it. */
    private readonly inlineMaxBytes = 0,
    private readonly usage?: UsageReader,
  ) {}

  /** The location when this process reads and writes it directly, else undefined. */
  for(location: string): Promise<LocalLocation | undefined> | undefined {
    if (!this.enabled) return undefined;
    const now = Date.now();
    const cached = this.#cache.get(location);
    if (cached !== undefined && cached.until > now) return cached.local;
    const local = this.placement
      .getLocalRoot({ location })
      .then(async (root) => {
        if (root.path === '') return undefined;
        const backend = await FileBackend.attach(root.path, root.identity, WRITER);
        if (backend === undefined) return undefined;
        const resolved = {
          name: location,
          type: 'file',
          isTransient: false,
          sizeLimitBytes: root.sizeLimitBytes,
          bucketMatch: false,
          backend,
        };
        const placement = new DataPlacement({ get: (name) => (name === location ? resolved : undefined) }, this.inlineMaxBytes, this.usage);
        return { backend, placement };
      })
      .catch(() => undefined);
    this.#cache.set(location, { until: now + TTL_MS, local });
    return local;
  }
}
