// Copy Blob (`x-ms-copy-source`), Copy Blob From URL (`x-ms-requires-sync: true`) and Put Blob
// From URL (`x-ms-copy-source` with `x-ms-blob-type: BlockBlob`), from a blob of this endpoint
// (azure/copy-source.ts). All complete before the answer. The bytes are copied to new data at the
// destination container's location (no piece is shared with the source, so deleting the source
// never touches the copy); an active lease on the destination needs its id and stays.
// - Copy Blob / Copy Blob From URL: 202 with `x-ms-copy-status: success`; content headers follow
//   the source, metadata too unless the request sets `x-ms-meta-*`; tags are `x-ms-tags` (or the
//   source's, on request, for Copy Blob From URL); the copy's properties (x-ms-copy-*) are kept
//   with the new version.
// - Put Blob From URL: 201 like Put Blob, Content-Length 0; content headers are the source's
//   (`x-ms-copy-source-blob-properties`, default true) with the request's `x-ms-blob-content-*`
//   over them, or the request's alone; metadata is the request's; tags `x-ms-tags` or the
//   source's (`x-ms-copy-source-tag-option: COPY`); no copy properties.
import { randomUUID } from 'node:crypto';
import { authorizeSas, authorizedContainer, blobName } from '../azure/access.js';
import { blobBytes, currentBlob, prefetchBlob, storeStream, writeBlobVersion, writePreconditions } from '../azure/blob-data.js';
import { blobEtag, checkMd5Header, contentMd5, headersFromRequest } from '../azure/blob-state.js';
import { storedMetadata } from '../azure/container-state.js';
import { drain, sendEmpty } from '../azure/context.js';
import { COPY_ATTRIBUTE, redactedSource, type CopyProperties } from '../azure/copy-state.js';
import { resolveCopySource } from '../azure/copy-source.js';
import type { AzureHandler } from '../azure/deps.js';
import { checkWriteLease, leaseAfterWrite, leaseAttributes, leaseOf } from '../azure/lease.js';
import { AzureError } from '../errors/azure-errors.js';
import { formatRfc1123 } from '../protocol/dates.js';
import { extractMetadata } from '../protocol/metadata.js';
import { parseTagsHeader } from '../xml/request-bodies.js';

/** Put Blob From URL's checks of its own request: a block blob, and no body. */
function checkPutFromUrl(headers: Readonly<Record<string, string | undefined>>): void {
  const type = headers['x-ms-blob-type'] ?? '';
  if (type !== 'BlockBlob') throw new AzureError('InvalidHeaderValue', { fields: { HeaderName: 'x-ms-blob-type', HeaderValue: type } });
  const length = headers['content-length']?.trim();
  if (length !== undefined && length !== '0') {
    throw new AzureError('InvalidHeaderValue', { fields: { HeaderName: 'Content-Length', HeaderValue: length } });
  }
}

/** Put Blob From URL's content headers: the source's under the request's, or the request's alone. */
function putFromUrlHeaders(headers: Readonly<Record<string, string | undefined>>, source: Record<string, string>): Record<string, string> {
  const requested = headersFromRequest(headers, true);
  if (headers['x-ms-copy-source-blob-properties']?.trim().toLowerCase() === 'false') return requested;
  // The default content type stands only when neither the request nor the source names one.
  if (headers['x-ms-blob-content-type'] === undefined && headers['content-type'] === undefined) delete requested['content-type'];
  return { ...source, ...requested };
}

export const copyBlob: AzureHandler = async (ctx, deps) => {
  const put = ctx.operation === 'PutBlobFromURL';
  const fetched = put ? prefetchBlob(ctx, deps) : undefined;
  const bucket = await authorizedContainer(ctx, deps);
  const key = blobName(ctx);
  const sync = ctx.operation !== 'CopyBlob';
  if (put) checkPutFromUrl(ctx.headers);
  const requestMetadata = storedMetadata(extractMetadata(ctx.req.rawHeaders));
  const requestTags = Object.fromEntries(parseTagsHeader(ctx.headers['x-ms-tags']));
  const sourceMd5 = sync ? checkMd5Header('x-ms-source-content-md5', ctx.headers['x-ms-source-content-md5']) : undefined;
  await drain(ctx);
  const source = await resolveCopySource(ctx, deps, { callerMayRead: !sync });
  const current = fetched === undefined ? await currentBlob(deps, bucket.name, key) : await fetched;
  authorizeSas(ctx, current !== undefined);
  const preconditions = writePreconditions(ctx, current);
  const lease = leaseOf(current?.attributes);
  checkWriteLease(lease, ctx.headers['x-ms-lease-id'], 'blob');

  const src = source.version;
  const stored = await storeStream(
    deps,
    { location: bucket.location, bucket: bucket.name, key, size: src.size, contentMd5: sourceMd5, inline: true },
    blobBytes(deps, src.data),
  );
  const copy: CopyProperties | undefined = put
    ? undefined
    : { id: randomUUID(), source: redactedSource(source.url), status: 'success', bytes: stored.piece.size, completedAt: Date.now() };
  const copyTags = sync && ctx.headers['x-ms-copy-source-tag-option']?.toUpperCase() === 'COPY';
  const object = await writeBlobVersion(
    deps,
    stored,
    {
      bucket: bucket.name,
      key,
      ownerId: ctx.account?.accountId ?? bucket.ownerId,
      ownerDisplayName: ctx.account?.displayName ?? bucket.ownerDisplayName,
      headers: put ? putFromUrlHeaders(ctx.headers, src.headers) : { ...src.headers },
      userMetadata: put || Object.keys(requestMetadata).length > 0 ? requestMetadata : { ...src.userMetadata },
      tags: copyTags ? { ...src.tags } : requestTags,
      attributes: { ...leaseAttributes(leaseAfterWrite(lease)), ...(copy ? { [COPY_ATTRIBUTE]: JSON.stringify(copy) } : {}) },
    },
    preconditions,
  );
  const written = { etag: blobEtag(object), 'last-modified': formatRfc1123(object.lastModified ?? 0) };
  if (copy === undefined) {
    const digest = contentMd5(object);
    sendEmpty(ctx, 201, { ...written, ...(digest ? { 'content-md5': digest } : {}), 'x-ms-request-server-encrypted': 'true' });
    return;
  }
  sendEmpty(ctx, 202, {
    ...written,
    'x-ms-copy-id': copy.id,
    'x-ms-copy-status': copy.status,
    ...(sync ? { 'x-ms-request-server-encrypted': 'true' } : {}),
  });
};
