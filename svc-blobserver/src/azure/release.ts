// Data no object references any more (replaced, deleted, discarded blocks) is deleted in the
// background: never reported to the client whose request already succeeded; a delete that fails
// is journaled and retried (ReleaseQueue).
import type { placementV1DataPlacementService } from '@zenko/gen';
import type { PromiseClient } from '@zenko/mesh';
import type { ReleasedPiece } from '@zenko/svc-cloudserver/local-data';
import type { AzureDeps } from './deps.js';
import type { LocalData } from './local-data.js';

export function releaseLater(deps: AzureDeps, pieces: ReadonlyArray<{ readonly location: string; readonly key: string }>): void {
  if (pieces.length > 0) void deps.releases.release(pieces);
}

/** Deletes the piece's file when this process sees its location's directory (local-data.ts), else asks DataPlacementService. */
export async function deletePiece(
  local: LocalData,
  placement: PromiseClient<typeof placementV1DataPlacementService.DataPlacementServiceService>,
  p: ReleasedPiece,
): Promise<void> {
  const attached = await local.for(p.location);
  if (attached !== undefined) await attached.backend.delete(p.key);
  else await placement.delete({ location: p.location, key: p.key });
}
