// Set Blob Tier (`comp=tier`): every blob is Hot, the only tier Zenko has, so setting Hot is
// accepted (200, nothing changes: not the ETag, not Last-Modified, as in Azure) and any other
// tier is refused as not implemented before this handler runs (server.ts). The blob must
// exist; `x-ms-if-tags` and a given `x-ms-lease-id` are checked as for the blob's other writes
// that leave its content alone.
import { authorizedContainer, blobName } from '../azure/access.js';
import { loadBlob } from '../azure/blob-data.js';
import { drain, sendEmpty } from '../azure/context.js';
import type { AzureHandler } from '../azure/deps.js';
import { checkReadLease, leaseOf } from '../azure/lease.js';
import { AzureError } from '../errors/azure-errors.js';
import { checkIfTags } from './blob-tags.js';

export const setBlobTier: AzureHandler = async (ctx, deps) => {
  const bucket = await authorizedContainer(ctx, deps);
  const key = blobName(ctx);
  await drain(ctx);
  if (ctx.headers['x-ms-access-tier'] === undefined) {
    throw new AzureError('MissingRequiredHeader', { fields: { HeaderName: 'x-ms-access-tier' } });
  }
  const v = await loadBlob(deps, bucket.name, key);
  checkIfTags(ctx, v);
  checkReadLease(leaseOf(v.attributes), ctx.headers['x-ms-lease-id'], 'blob');
  sendEmpty(ctx, 200);
};
