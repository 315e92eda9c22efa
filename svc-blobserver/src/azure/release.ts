// Data no object references any more (replaced, deleted, discarded blocks) is deleted in the
// background: a failure is logged, never reported to the client whose request already succeeded.
import type { AzureDeps } from './deps.js';

export function releaseLater(deps: AzureDeps, pieces: ReadonlyArray<{ readonly location: string; readonly key: string }>): void {
  // An inline piece (empty key) has nothing stored outside its record.
  for (const p of pieces.filter((piece) => piece.key !== '')) {
    release(deps, p).catch((err: unknown) => {
      deps.logger.warn({ err }, 'could not delete released data');
    });
  }
}

/** Deletes the piece's file when this process sees its location's directory (local-data.ts), else asks DataPlacementService. */
async function release(deps: AzureDeps, p: { readonly location: string; readonly key: string }): Promise<void> {
  const local = await deps.local.for(p.location);
  if (local !== undefined) await local.backend.delete(p.key);
  else await deps.placement.delete({ location: p.location, key: p.key });
}
