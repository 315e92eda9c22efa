// Put Block: the bytes go to the container's location (DataPlacementService, or the piece files
// directly, azure/local-data.ts), then the block is recorded as uncommitted
// (MetadataService.PutBlock): invisible to S3 and Azure reads and listings until a block list
// names it. Re-uploading a block ID replaces the block.
import { authorizedContainer, blobName } from '../azure/access.js';
import { MAX_BLOCK_BYTES, recordBlock, requiredLength, storeBody } from '../azure/blob-data.js';
import { checkCrc64Header, checkMd5Header } from '../azure/blob-state.js';
import type { AzureHandler } from '../azure/deps.js';
import { checkNewBlock, prefetchNewBlock } from '../azure/new-block.js';
import { checkPutBlockId } from '../protocol/block-id.js';

export const putBlock: AzureHandler = async (ctx, deps) => {
  const fetched = prefetchNewBlock(ctx, deps);
  const bucket = await authorizedContainer(ctx, deps);
  const key = blobName(ctx);
  const blockId = checkPutBlockId(ctx.query.get('blockid'));
  const size = requiredLength(ctx, MAX_BLOCK_BYTES);
  const md5 = checkMd5Header('content-md5', ctx.headers['content-md5']);
  const crc64 = checkCrc64Header(ctx.headers['x-ms-content-crc64'], md5);
  await checkNewBlock(ctx, deps, { bucket: bucket.name, key, blockId }, fetched);
  const stored = await storeBody(ctx, deps, { location: bucket.location, bucket: bucket.name, key, size, contentMd5: md5, crc64 });
  await recordBlock(ctx, deps, bucket.name, key, blockId, stored, crc64);
};
