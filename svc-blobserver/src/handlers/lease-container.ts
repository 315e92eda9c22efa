// Lease Container: the same lease actions as Lease Blob (azure/lease.ts) on the bucket's
// `azure-lease` attribute, a compare-and-set bucket update retried when another write got there
// first. An active container lease blocks Delete Container without its id.
import { isMeshError } from '@zenko/mesh';
import { authorizedContainer } from '../azure/access.js';
import { containerEtag, lastModified } from '../azure/container-state.js';
import { drain, sendEmpty } from '../azure/context.js';
import type { AzureHandler } from '../azure/deps.js';
import { LEASE_ATTRIBUTE, applyLease, effectiveLease, parseLeaseRequest } from '../azure/lease.js';
import { AzureError } from '../errors/azure-errors.js';
import { checkConditions } from '../protocol/conditions.js';
import { formatRfc1123 } from '../protocol/dates.js';
import { leaseResponseHeaders } from './lease-blob.js';

const MAX_ATTEMPTS = 5;

export const leaseContainer: AzureHandler = async (ctx, deps) => {
  const request = parseLeaseRequest(ctx.headers);
  await drain(ctx);
  for (let attempt = 1; ; attempt++) {
    const bucket = await authorizedContainer(ctx, deps);
    if (ctx.headers['if-match'] !== undefined || ctx.headers['if-none-match'] !== undefined) {
      throw new AzureError('UnsupportedHeader', {
        fields: { HeaderName: ctx.headers['if-match'] !== undefined ? 'If-Match' : 'If-None-Match' },
      });
    }
    checkConditions('PUT', ctx.headers, { etag: containerEtag(bucket), lastModified: lastModified(bucket) });
    const outcome = applyLease(effectiveLease(bucket.attributes), request);
    try {
      await deps.metadata.updateBucket({
        name: bucket.name,
        expectedRevision: bucket.revision,
        attributes: { [LEASE_ATTRIBUTE]: outcome.next === undefined ? '' : JSON.stringify(outcome.next) },
      });
    } catch (err) {
      if (isMeshError(err, 'CONFLICT') && attempt < MAX_ATTEMPTS) continue;
      if (isMeshError(err, 'BUCKET_NOT_FOUND')) throw new AzureError('ContainerNotFound', { cause: err });
      throw err;
    }
    sendEmpty(ctx, outcome.status, {
      etag: containerEtag(bucket),
      'last-modified': formatRfc1123(lastModified(bucket)),
      ...leaseResponseHeaders(outcome),
    });
    return;
  }
};
