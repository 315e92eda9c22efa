// Data no object references any more (replaced, deleted, discarded blocks) is deleted in the
// background: a failure is logged, never reported to the client whose request already succeeded.
import type { AzureDeps } from './deps.js';

export function releaseLater(deps: AzureDeps, pieces: ReadonlyArray<{ readonly location: string; readonly key: string }>): void {
  for (const p of pieces) {
    deps.placement.delete({ location: p.location, key: p.key }).catch((err: unknown) => {
      deps.logger.warn({ err }, 'could not delete released data');
    });
  }
}
