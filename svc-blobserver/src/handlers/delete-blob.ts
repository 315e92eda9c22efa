// Delete Blob: the latest version (a delete marker in a versioned bucket), with conditional
// headers; the blob's uncommitted blocks go too. Data no longer referenced is released.
// Blobs have no snapshots here: `x-ms-delete-snapshots: only` deletes nothing (and says so
// with 202, as Azure does for a blob without snapshots); `include` deletes the blob.
import { authorizedContainer, blobName } from '../azure/access.js';
import { loadBlob } from '../azure/blob-data.js';
import { blobConditionState } from '../azure/blob-state.js';
import { drain, sendEmpty } from '../azure/context.js';
import type { AzureHandler } from '../azure/deps.js';
import { checkWriteLease, leaseOf } from '../azure/lease.js';
import { releaseLater } from '../azure/release.js';
import { AzureError } from '../errors/azure-errors.js';
import { checkConditions } from '../protocol/conditions.js';

export const deleteBlob: AzureHandler = async (ctx, deps) => {
  const bucket = await authorizedContainer(ctx, deps);
  const key = blobName(ctx);
  await drain(ctx);
  const v = await loadBlob(deps, bucket.name, key);
  checkConditions('DELETE', ctx.headers, blobConditionState(v));
  checkWriteLease(leaseOf(v.attributes), ctx.headers['x-ms-lease-id'], 'blob');
  const snapshots = ctx.headers['x-ms-delete-snapshots'];
  if (snapshots !== undefined && snapshots !== 'include' && snapshots !== 'only')
    throw new AzureError('InvalidHeaderValue', { fields: { HeaderName: 'x-ms-delete-snapshots', HeaderValue: snapshots } });
  if (snapshots === 'only') return sendEmpty(ctx, 202);
  const res = await deps.metadata.deleteObject({
    bucket: bucket.name,
    key,
    versionId: '',
    bypassGovernanceRetention: false,
    ifMatchEtag: '',
    ownerId: ctx.account?.accountId ?? bucket.ownerId,
    ownerDisplayName: ctx.account?.displayName ?? bucket.ownerDisplayName,
    leaseId: ctx.headers['x-ms-lease-id'] ?? '',
  });
  releaseLater(deps, res.releasedData);
  const discarded = await deps.metadata.discardBlocks({ bucket: bucket.name, key });
  releaseLater(deps, discarded.releasedData);
  sendEmpty(ctx, 202, { 'x-ms-delete-type-permanent': 'true' });
};
