// Set Blob Properties (content headers; those not given are cleared, as Azure does) and Set Blob
// Metadata (replaces the user metadata): compare-and-set updates of the latest version, which
// change its ETag and Last-Modified but not its bytes. A leased blob needs the lease id; an
// expired or broken lease is cleared by the write, and Set Blob Properties clears the properties of
// a past copy, as Azure does.
import type { metadataV1MetadataService } from '@zenko/gen';
import { isMeshError } from '@zenko/mesh';
import { authorizedContainer, blobName } from '../azure/access.js';
import { loadBlob } from '../azure/blob-data.js';
import { blobConditionState, blobEtag, headersFromRequest, isImmutable } from '../azure/blob-state.js';
import { storedMetadata } from '../azure/container-state.js';
import { drain, sendEmpty, type AzureContext } from '../azure/context.js';
import type { AzureDeps, AzureHandler } from '../azure/deps.js';
import { COPY_ATTRIBUTE } from '../azure/copy-state.js';
import { LEASE_ATTRIBUTE, checkWriteLease, isLocked, leaseOf } from '../azure/lease.js';
import { AzureError } from '../errors/azure-errors.js';
import { checkConditions } from '../protocol/conditions.js';
import { formatRfc1123 } from '../protocol/dates.js';
import { extractMetadata } from '../protocol/metadata.js';

type Update = Partial<metadataV1MetadataService.UpdateObjectRequest>;

async function updateBlob(
  ctx: AzureContext,
  deps: AzureDeps,
  change: (ctx: AzureContext) => Update,
  clearedAttributes: readonly string[] = [],
): Promise<void> {
  const bucket = await authorizedContainer(ctx, deps);
  const key = blobName(ctx);
  const update = change(ctx);
  await drain(ctx);
  const v = await loadBlob(deps, bucket.name, key);
  checkConditions(ctx.req.method ?? 'PUT', ctx.headers, blobConditionState(v));
  const lease = leaseOf(v.attributes);
  checkWriteLease(lease, ctx.headers['x-ms-lease-id'], 'blob');
  // A version under retention or legal hold (an S3 object lock) is immutable: its properties and
  // metadata too, as Azure's immutability policies keep them.
  if (isImmutable(v)) throw new AzureError('BlobImmutableDueToPolicy');
  const attributes: Record<string, string> = {};
  if (lease.stored !== undefined && !isLocked(lease)) attributes[LEASE_ATTRIBUTE] = '';
  for (const name of clearedAttributes) if (v.attributes[name] !== undefined) attributes[name] = '';
  let updated;
  try {
    ({ object: updated } = await deps.metadata.updateObject({
      bucket: bucket.name,
      key,
      versionId: v.versionId,
      expectedRevision: v.revision,
      replaceTags: false,
      tags: {},
      replaceData: false,
      data: [],
      replaceHeaders: false,
      headers: {},
      replaceUserMetadata: false,
      userMetadata: {},
      attributes,
      ...update,
    }));
  } catch (err) {
    // Changed since the conditions were evaluated: the request's view is stale.
    if (isMeshError(err, 'CONFLICT')) throw new AzureError('ConditionNotMet', { cause: err });
    if (isMeshError(err, 'VERSION_NOT_FOUND') || isMeshError(err, 'OBJECT_NOT_FOUND')) throw new AzureError('BlobNotFound', { cause: err });
    throw err;
  }
  if (updated === undefined) throw new Error('UpdateObject answered no object');
  sendEmpty(ctx, 200, {
    etag: blobEtag(updated),
    'last-modified': formatRfc1123(updated.lastModified ?? 0),
    // Set Blob Metadata writes (encrypted) metadata and says so; Set Blob Properties does not.
    ...(ctx.operation === 'SetBlobMetadata' ? { 'x-ms-request-server-encrypted': 'true' } : {}),
  });
}

export const setBlobProperties: AzureHandler = (ctx, deps) =>
  updateBlob(
    ctx,
    deps,
    (c) => {
      // Resizing and sequence numbers are page-blob properties; every blob here is a block blob. Refused
      // rather than ignored: the request would otherwise clear every content header it does not name.
      if (c.headers['x-ms-blob-content-length'] !== undefined || c.headers['x-ms-sequence-number-action'] !== undefined) {
        throw new AzureError('InvalidBlobType');
      }
      return { replaceHeaders: true, headers: headersFromRequest(c.headers, false) };
    },
    [COPY_ATTRIBUTE],
  );

export const setBlobMetadata: AzureHandler = (ctx, deps) =>
  updateBlob(ctx, deps, (c) => ({ replaceUserMetadata: true, userMetadata: storedMetadata(extractMetadata(c.req.rawHeaders)) }));
