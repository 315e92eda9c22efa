// Put Block List: commits the blob from the blocks it names (uncommitted, committed or the
// latest of either), in order, in one metadata write (MetadataService.CommitBlockList): the
// object's data pieces are the blocks' data, no byte is copied. A list naming a block that does
// not exist is InvalidBlockList and changes nothing. Blocks the list does not name are discarded.
import { metadataV1Metadata, metadataV1MetadataService } from '@zenko/gen';
import { authorizeSas, authorizedContainer, blobName } from '../azure/access.js';
import { currentBlob, preconditionError, writePreconditions } from '../azure/blob-data.js';
import { blobEtag, headersFromRequest, readVerifiedBody } from '../azure/blob-state.js';
import { storedMetadata } from '../azure/container-state.js';
import { sendEmpty } from '../azure/context.js';
import type { AzureHandler } from '../azure/deps.js';
import { checkWriteLease, leaseAfterWrite, leaseAttributes, leaseOf } from '../azure/lease.js';
import { releaseLater } from '../azure/release.js';
import { formatRfc1123 } from '../protocol/dates.js';
import { extractMetadata } from '../protocol/metadata.js';
import { MAX_BLOCK_LIST_BYTES, parseBlockList, parseTagsHeader, type BlockListKind } from '../xml/request-bodies.js';

const { BlockListSource } = metadataV1MetadataService;

const SOURCE: Record<BlockListKind, metadataV1MetadataService.BlockListSource> = {
  Committed: BlockListSource.BLOCK_LIST_SOURCE_COMMITTED,
  Uncommitted: BlockListSource.BLOCK_LIST_SOURCE_UNCOMMITTED,
  Latest: BlockListSource.BLOCK_LIST_SOURCE_UNSPECIFIED,
};

export const putBlockList: AzureHandler = async (ctx, deps) => {
  const bucket = await authorizedContainer(ctx, deps);
  const key = blobName(ctx);
  const headers = headersFromRequest(ctx.headers, false);
  const userMetadata = storedMetadata(extractMetadata(ctx.req.rawHeaders));
  const tags = Object.fromEntries(parseTagsHeader(ctx.headers['x-ms-tags']));
  const request = await readVerifiedBody(ctx.headers, ctx.req, MAX_BLOCK_LIST_BYTES);
  const entries = parseBlockList(request.body);
  const current = await currentBlob(deps, bucket.name, key);
  authorizeSas(ctx, current !== undefined);
  const preconditions = writePreconditions(ctx, current);
  const lease = leaseOf(current?.attributes);
  checkWriteLease(lease, ctx.headers['x-ms-lease-id'], 'blob');
  let res;
  try {
    res = await deps.metadata.commitBlockList({
      object: metadataV1Metadata.ObjectVersion.fromPartial({
        bucket: bucket.name,
        key,
        ownerId: ctx.account?.accountId ?? bucket.ownerId,
        ownerDisplayName: ctx.account?.displayName ?? bucket.ownerDisplayName,
        storageClass: 'STANDARD',
        headers,
        userMetadata,
        tags,
        attributes: leaseAttributes(leaseAfterWrite(lease)),
      }),
      blocks: entries.map((e) => ({ blockId: e.id, source: SOURCE[e.kind] })),
      ...preconditions,
    });
  } catch (err) {
    throw preconditionError(err);
  }
  releaseLater(deps, [...res.unusedData, ...res.replacedData]);
  const object = res.object;
  if (object === undefined) throw new Error('CommitBlockList answered no object');
  const out: Record<string, string> = {
    etag: blobEtag(object),
    'last-modified': formatRfc1123(object.lastModified ?? 0),
    'x-ms-request-server-encrypted': 'true',
  };
  // Azure: this Content-MD5 is the request's (the block list), not the blob's.
  out['content-md5'] = request.md5;
  sendEmpty(ctx, 201, out);
};
