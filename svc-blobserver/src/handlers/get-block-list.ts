// Get Block List: the committed blocks (the pieces of the latest version that carry a block ID)
// and/or the uncommitted ones (`blocklisttype=committed|uncommitted|all`, default committed).
// A given `x-ms-lease-id` must name the blob's active lease, and `x-ms-if-tags` must match its
// tags, as for Get Blob.
import { authorizedContainer, blobName } from '../azure/access.js';
import { currentBlob } from '../azure/blob-data.js';
import { blobEtag } from '../azure/blob-state.js';
import { drain, sendXml } from '../azure/context.js';
import type { AzureHandler } from '../azure/deps.js';
import { checkReadLease, leaseOf } from '../azure/lease.js';
import { AzureError } from '../errors/azure-errors.js';
import { formatRfc1123 } from '../protocol/dates.js';
import { blockListXml, type BlockInfo } from '../xml/responses.js';
import { checkIfTags } from './blob-tags.js';

export const getBlockList: AzureHandler = async (ctx, deps) => {
  const bucket = await authorizedContainer(ctx, deps);
  const key = blobName(ctx);
  await drain(ctx);
  const type = (ctx.query.get('blocklisttype') ?? 'committed').toLowerCase();
  if (type !== 'committed' && type !== 'uncommitted' && type !== 'all') {
    throw new AzureError('InvalidQueryParameterValue', {
      fields: { QueryParameterName: 'blocklisttype', QueryParameterValue: ctx.query.get('blocklisttype') },
    });
  }
  const v = await currentBlob(deps, bucket.name, key);
  if (v !== undefined) {
    checkIfTags(ctx, v);
    checkReadLease(leaseOf(v.attributes), ctx.headers['x-ms-lease-id'], 'blob');
  }
  const uncommitted =
    type === 'committed'
      ? undefined
      : (await deps.metadata.listBlocks({ bucket: bucket.name, key, maxBlocks: 0 })).blocks.map((b): BlockInfo => ({
          name: b.blockId,
          size: b.size,
        }));
  // A blob with only uncommitted blocks exists for Get Block List (an empty committed list).
  const staged =
    uncommitted !== undefined
      ? uncommitted.length > 0
      : v === undefined && (await deps.metadata.listBlocks({ bucket: bucket.name, key, maxBlocks: 1 })).blocks.length > 0;
  if (v === undefined && !staged) throw new AzureError('BlobNotFound');
  const committed =
    type === 'uncommitted'
      ? undefined
      : (v?.data ?? []).filter((p) => p.blockId !== '').map((p): BlockInfo => ({ name: p.blockId, size: p.size }));
  const headers: Record<string, string> = { 'x-ms-blob-content-length': String(v?.size ?? 0) };
  if (v !== undefined) {
    headers['etag'] = blobEtag(v);
    headers['last-modified'] = formatRfc1123(v.lastModified ?? 0);
  }
  sendXml(ctx, 200, blockListXml(committed, uncommitted), headers);
};
