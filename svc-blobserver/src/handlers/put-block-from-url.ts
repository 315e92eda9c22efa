// Put Block From URL: an uncommitted block whose bytes are read from a blob of this endpoint
// (azure/copy-source.ts), the whole blob or `x-ms-source-range` (`bytes=<start>-<end>`,
// inclusive, or `bytes=<start>-`). The bytes are copied to new data, recorded like Put Block's;
// `x-ms-source-content-md5` is verified before the data is made durable.
import { authorizedContainer, blobName } from '../azure/access.js';
import { MAX_BLOCK_BYTES, blobBytes, recordBlock, storeStream } from '../azure/blob-data.js';
import { checkMd5Header } from '../azure/blob-state.js';
import { drain } from '../azure/context.js';
import { resolveCopySource } from '../azure/copy-source.js';
import type { AzureHandler } from '../azure/deps.js';
import { checkNewBlock, prefetchNewBlock } from '../azure/new-block.js';
import { AzureError } from '../errors/azure-errors.js';
import { checkPutBlockId } from '../protocol/block-id.js';

const SOURCE_RANGE = /^bytes=(\d{1,16})-(\d{1,16})?$/;

/** The inclusive byte range of the source to copy; the whole blob without `x-ms-source-range`. */
export function sourceRange(value: string | undefined, size: number): { start: number; end: number } | undefined {
  if (value === undefined || value === '') return size === 0 ? undefined : { start: 0, end: size - 1 };
  const m = SOURCE_RANGE.exec(value.trim());
  const start = m === null ? Number.NaN : Number(m[1]);
  const end = m?.[2] === undefined ? size - 1 : Number(m[2]);
  if (m === null || !Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) {
    throw new AzureError('InvalidHeaderValue', { fields: { HeaderName: 'x-ms-source-range', HeaderValue: value } });
  }
  // The source answers a range past its end with 416, which the copy reports.
  if (start >= size) {
    throw new AzureError('CannotVerifyCopySource', {
      status: 416,
      message: 'The range specified is invalid for the current size of the resource.',
    });
  }
  return { start, end: Math.min(end, size - 1) };
}

export const putBlockFromUrl: AzureHandler = async (ctx, deps) => {
  const fetched = prefetchNewBlock(ctx, deps);
  const bucket = await authorizedContainer(ctx, deps);
  const key = blobName(ctx);
  const blockId = checkPutBlockId(ctx.query.get('blockid'));
  const md5 = checkMd5Header('x-ms-source-content-md5', ctx.headers['x-ms-source-content-md5']);
  await drain(ctx);
  const source = await resolveCopySource(ctx, deps, { callerMayRead: false });
  const range = sourceRange(ctx.headers['x-ms-source-range'], source.version.size);
  const size = range === undefined ? 0 : range.end - range.start + 1;
  if (size > MAX_BLOCK_BYTES) throw new AzureError('RequestBodyTooLarge', { fields: { MaxLimit: MAX_BLOCK_BYTES } });
  await checkNewBlock(ctx, deps, { bucket: bucket.name, key, blockId }, fetched);
  const stored = await storeStream(
    deps,
    { location: bucket.location, bucket: bucket.name, key, size, contentMd5: md5 },
    blobBytes(deps, range === undefined ? [] : source.version.data, range),
  );
  await recordBlock(ctx, deps, bucket.name, key, blockId, stored);
};
