// Lease Blob: acquire, renew, change, release and break a blob's lease (azure/lease.ts), a
// compare-and-set update of the version's `azure-lease` attribute that keeps its ETag and
// Last-Modified, retried when another write got there first.
import { metadataV1MetadataService } from '@zenko/gen';
import { isMeshError } from '@zenko/mesh';
import { authorizedContainer, blobName } from '../azure/access.js';
import { loadBlob } from '../azure/blob-data.js';
import { blobConditionState, blobEtag } from '../azure/blob-state.js';
import { drain, sendEmpty } from '../azure/context.js';
import type { AzureHandler } from '../azure/deps.js';
import { LEASE_ATTRIBUTE, applyLease, effectiveLease, parseLeaseRequest, type LeaseOutcome } from '../azure/lease.js';
import { AzureError } from '../errors/azure-errors.js';
import { checkConditions } from '../protocol/conditions.js';
import { formatRfc1123 } from '../protocol/dates.js';

const MAX_ATTEMPTS = 5;

/** The response headers of a lease operation. */
export function leaseResponseHeaders(outcome: LeaseOutcome): Record<string, string> {
  const out: Record<string, string> = {};
  if (outcome.leaseId !== undefined) out['x-ms-lease-id'] = outcome.leaseId;
  if (outcome.leaseTime !== undefined) out['x-ms-lease-time'] = String(outcome.leaseTime);
  return out;
}

export const leaseBlob: AzureHandler = async (ctx, deps) => {
  const bucket = await authorizedContainer(ctx, deps);
  const key = blobName(ctx);
  const request = parseLeaseRequest(ctx.headers);
  await drain(ctx);
  for (let attempt = 1; ; attempt++) {
    const v = await loadBlob(deps, bucket.name, key);
    checkConditions('PUT', ctx.headers, blobConditionState(v));
    const outcome = applyLease(effectiveLease(v.attributes), request);
    try {
      await deps.metadata.updateObject(
        metadataV1MetadataService.UpdateObjectRequest.fromPartial({
          bucket: bucket.name,
          key,
          versionId: v.versionId,
          expectedRevision: v.revision,
          attributes: { [LEASE_ATTRIBUTE]: outcome.next === undefined ? '' : JSON.stringify(outcome.next) },
        }),
      );
    } catch (err) {
      if (isMeshError(err, 'CONFLICT') && attempt < MAX_ATTEMPTS) continue;
      if (isMeshError(err, 'VERSION_NOT_FOUND') || isMeshError(err, 'OBJECT_NOT_FOUND'))
        throw new AzureError('BlobNotFound', { cause: err });
      throw err;
    }
    // A lease changes neither the ETag nor Last-Modified of the blob.
    sendEmpty(ctx, outcome.status, {
      etag: blobEtag(v),
      'last-modified': formatRfc1123(v.lastModified ?? 0),
      ...leaseResponseHeaders(outcome),
    });
    return;
  }
};
