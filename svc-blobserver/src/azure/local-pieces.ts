// Direct reads of `file` locations: when this process sees a location's directory (one
// machine, or a volume mounted at the same path), blob bytes are read from the piece files
// instead of streamed through DataPlacementService.Get, one process and one gRPC stream
// fewer per read. The directory comes from GetLocalRoot and is trusted only once its
// IDENTITY file matches; anything else (another host, another type, an older peer) reads
// through Get, as does any piece the direct read cannot open.
import type { placementV1DataPlacementService } from '@zenko/gen';
import type { PromiseClient } from '@zenko/mesh';
import { FilePieces } from '@zenko/svc-cloudserver/file-pieces';

type PlacementClient = PromiseClient<typeof placementV1DataPlacementService.DataPlacementServiceService>;

/** A location's answer is asked again after this long (a location updated or re-created elsewhere). */
const TTL_MS = 30_000;

export class LocalPieces {
  readonly #cache = new Map<string, { until: number; pieces: Promise<FilePieces | undefined> }>();

  constructor(
    private readonly placement: PlacementClient,
    private readonly enabled: boolean,
  ) {}

  /** The location's pieces when they can be read directly, else undefined. */
  for(location: string): Promise<FilePieces | undefined> | undefined {
    if (!this.enabled) return undefined;
    const now = Date.now();
    const cached = this.#cache.get(location);
    if (cached !== undefined && cached.until > now) return cached.pieces;
    const pieces = this.placement
      .getLocalRoot({ location })
      .then((root) => (root.path === '' ? undefined : FilePieces.verified(root.path, root.identity)))
      .catch(() => undefined);
    this.#cache.set(location, { until: now + TTL_MS, pieces });
    return pieces;
  }
}
