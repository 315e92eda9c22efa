// Abort Copy Blob (`comp=copy&copyid=…`, `x-ms-copy-action: abort`): every copy of this endpoint
// completes before its answer, so there is never a pending copy to abort; the blob, its lease
// and the request's headers are checked as Azure does, then 409 NoPendingCopyOperation.
import { authorizedContainer, blobName } from '../azure/access.js';
import { currentBlob, prefetchBlob } from '../azure/blob-data.js';
import { drain } from '../azure/context.js';
import type { AzureHandler } from '../azure/deps.js';
import { checkWriteLease, leaseOf } from '../azure/lease.js';
import { AzureError } from '../errors/azure-errors.js';

export const abortCopyBlob: AzureHandler = async (ctx, deps) => {
  const fetched = prefetchBlob(ctx, deps);
  const bucket = await authorizedContainer(ctx, deps);
  const key = blobName(ctx);
  const action = ctx.headers['x-ms-copy-action'];
  if (action === undefined) throw new AzureError('MissingRequiredHeader', { fields: { HeaderName: 'x-ms-copy-action' } });
  if (action.trim().toLowerCase() !== 'abort') {
    throw new AzureError('InvalidHeaderValue', { fields: { HeaderName: 'x-ms-copy-action', HeaderValue: action } });
  }
  const copyId = ctx.query.get('copyid');
  if (copyId === null || copyId === '') throw new AzureError('MissingRequiredQueryParameter', { fields: { QueryParameterName: 'copyid' } });
  await drain(ctx);
  const v = fetched === undefined ? await currentBlob(deps, bucket.name, key) : await fetched;
  if (v === undefined) throw new AzureError('BlobNotFound');
  checkWriteLease(leaseOf(v.attributes), ctx.headers['x-ms-lease-id'], 'blob');
  throw new AzureError('NoPendingCopyOperation');
};
