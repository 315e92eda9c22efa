// Get Blob, Get Blob Properties (HEAD) and Get Blob Metadata: the latest version with
// conditional headers (304 / 412), ranges (`x-ms-range` or `Range`), the MD5 of a range on
// request (`x-ms-range-get-content-md5`) or its CRC64 (`x-ms-range-get-content-crc64`; at most
// 4 MiB), and a service SAS's response header
// overrides (`rscc`, `rsct`, …).
import { responseSink } from '@zenko/mesh';
import { authorizedContainer, blobName } from '../azure/access.js';
import { blobBytes, loadBlob, prefetchBlob, sendBlobBytes } from '../azure/blob-data.js';
import { azureCrc64, blobConditionState, blobEtag, blobHeaders, contentMd5 } from '../azure/blob-state.js';
import { baseHeaders, drain, sendEmpty, type AzureContext } from '../azure/context.js';
import type { AzureHandler } from '../azure/deps.js';
import { checkReadLease, leaseOf } from '../azure/lease.js';
import { AzureError } from '../errors/azure-errors.js';
import { checkConditions } from '../protocol/conditions.js';
import { formatRfc1123 } from '../protocol/dates.js';
import { metadataHeaders } from '../protocol/metadata.js';
import { createHasher } from '@zenko/svc-cloudserver/local-data';
import { parseRangeHeaders, rangeDigest, resolveRange, type ResolvedRange } from '../protocol/range.js';

function sasOverrides(ctx: AzureContext): Record<string, string> {
  return ctx.identity.kind === 'serviceSas' ? { ...ctx.identity.responseHeaders } : {};
}

async function readAll(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export const getBlob: AzureHandler = async (ctx, deps) => {
  const fetched = prefetchBlob(ctx, deps);
  const bucket = await authorizedContainer(ctx, deps);
  const key = blobName(ctx);
  await drain(ctx);
  const v = fetched === undefined ? await loadBlob(deps, bucket.name, key) : await fetched;
  if (v === undefined) throw new AzureError('BlobNotFound');
  const isHead = ctx.req.method === 'HEAD';
  checkReadLease(leaseOf(v.attributes), ctx.headers['x-ms-lease-id'], 'blob');
  checkConditions(ctx.req.method ?? 'GET', ctx.headers, blobConditionState(v));
  const headers: Record<string, string> = { ...baseHeaders(ctx), ...blobHeaders(v), ...sasOverrides(ctx) };
  // Get Blob Properties tells the access tier (List Blobs says it too): every blob is Hot, inferred.
  if (isHead) Object.assign(headers, { 'x-ms-access-tier': 'Hot', 'x-ms-access-tier-inferred': 'true' });
  const wholeMd5 = contentMd5(v);

  const requested = isHead ? undefined : parseRangeHeaders(ctx.headers);
  // A range of an empty blob, or one past its end, is InvalidRange; `Range: bytes=0-` of an empty blob is the (empty) blob.
  const range: ResolvedRange | undefined =
    requested === undefined || (v.size === 0 && requested.start === 0 && requested.header === 'range')
      ? undefined
      : resolveRange(requested, v.size);
  // The range digests are Get Blob's: Get Blob Properties ignores them, as it ignores ranges.
  const digest = isHead ? undefined : rangeDigest(ctx.headers, range);
  headers['content-length'] = String(range?.length ?? v.size);
  if (range !== undefined) {
    headers['content-range'] = range.contentRange;
    if (wholeMd5 !== undefined) headers['x-ms-blob-content-md5'] = wholeMd5;
  } else if (wholeMd5 !== undefined) {
    headers['content-md5'] = wholeMd5;
  }
  const status = range === undefined ? 200 : 206;
  if (isHead || v.size === 0) {
    ctx.res.writeHead(status, headers);
    ctx.res.end();
    return;
  }
  if (digest !== undefined) {
    // At most 4 MiB: read it whole to send its digest before the bytes.
    const body = await readAll(blobBytes(deps, v.data, range));
    if (digest === 'md5') headers['content-md5'] = createHasher('md5').update(body).digest().toString('base64');
    else headers['x-ms-content-crc64'] = azureCrc64(createHasher('crc64nvme').update(body).digest().toString('base64'));
    ctx.res.writeHead(status, headers);
    ctx.res.end(body);
    return;
  }
  // The status and headers go with the first chunk: a first piece that cannot be read is an error answer, not a cut body.
  const begin = (): void => {
    if (!ctx.res.headersSent) ctx.res.writeHead(status, headers);
  };
  await sendBlobBytes(deps, v.data, range, responseSink(ctx.res, begin));
  begin();
  ctx.res.end();
};

export const getBlobMetadata: AzureHandler = async (ctx, deps) => {
  const bucket = await authorizedContainer(ctx, deps);
  const key = blobName(ctx);
  await drain(ctx);
  const v = await loadBlob(deps, bucket.name, key);
  checkReadLease(leaseOf(v.attributes), ctx.headers['x-ms-lease-id'], 'blob');
  checkConditions(ctx.req.method ?? 'GET', ctx.headers, blobConditionState(v));
  sendEmpty(ctx, 200, {
    etag: blobEtag(v),
    'last-modified': formatRfc1123(v.lastModified ?? 0),
    ...Object.fromEntries(metadataHeaders(v.userMetadata)),
  });
};
