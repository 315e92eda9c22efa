// The checks of a new uncommitted block (Put Block, Put Block From URL): the blob's lease, and
// block IDs of one length per blob. What they read (the current version and the first
// uncommitted block) is looked up while the container is (prefetchBlob's rule: nothing of the
// answers is used before the container's checks have passed), so a block costs one metadata
// round trip before its bytes, not three.
import { checkSameBlockIdLength } from '../protocol/block-id.js';
import { blobName, containerName } from './access.js';
import { currentBlob } from './blob-data.js';
import type { AzureContext } from './context.js';
import type { AzureDeps } from './deps.js';
import { checkWriteLease, leaseOf } from './lease.js';

export interface NewBlockState {
  readonly current: ReturnType<typeof currentBlob>;
  /** The blob's first uncommitted block ID, '' when it has none. */
  readonly firstBlockId: Promise<string>;
}

function lookup(deps: AzureDeps, bucket: string, key: string): NewBlockState {
  return {
    current: currentBlob(deps, bucket, key),
    firstBlockId: deps.metadata.listBlocks({ bucket, key, maxBlocks: 1 }).then((r) => r.blocks[0]?.blockId ?? ''),
  };
}

/** Starts the lookups when the names are valid; undefined otherwise (the container's checks answer). */
export function prefetchNewBlock(ctx: AzureContext, deps: AzureDeps): NewBlockState | undefined {
  let state: NewBlockState;
  try {
    state = lookup(deps, containerName(ctx), blobName(ctx));
  } catch {
    return undefined;
  }
  state.current.catch(() => undefined);
  state.firstBlockId.catch(() => undefined);
  return state;
}

/** Refuses the block unless the blob's lease allows the write and `blockId`'s length matches the blob's blocks. */
export async function checkNewBlock(
  ctx: AzureContext,
  deps: AzureDeps,
  target: { bucket: string; key: string; blockId: string },
  fetched: NewBlockState | undefined,
): Promise<void> {
  const state = fetched ?? lookup(deps, target.bucket, target.key);
  const [current, first] = await Promise.all([state.current, state.firstBlockId]);
  checkWriteLease(leaseOf(current?.attributes), ctx.headers['x-ms-lease-id'], 'blob');
  checkSameBlockIdLength(target.blockId, first === '' ? [] : [first]);
}
