// Copy Blob (`x-ms-copy-source`) and Copy Blob From URL (`x-ms-requires-sync: true`) from a blob of
// this endpoint (azure/copy-source.ts). Both complete before the answer: 202 with
// `x-ms-copy-status: success`. The bytes are copied to new data at the destination container's
// location (no piece is shared with the source, so deleting the source never touches the copy);
// content headers follow the source, metadata too unless the request sets `x-ms-meta-*`; tags are
// `x-ms-tags` (or the source's, on request, for Copy Blob From URL). The
// copy's properties (x-ms-copy-*) are kept with the new version; an active lease on the
// destination needs its id and stays.
import { randomUUID } from 'node:crypto';
import { authorizeSas, authorizedContainer, blobName } from '../azure/access.js';
import { blobBytes, currentBlob, storeStream, writeBlobVersion, writePreconditions } from '../azure/blob-data.js';
import { blobEtag, checkMd5Header } from '../azure/blob-state.js';
import { storedMetadata } from '../azure/container-state.js';
import { drain, sendEmpty } from '../azure/context.js';
import { COPY_ATTRIBUTE, redactedSource, type CopyProperties } from '../azure/copy-state.js';
import { resolveCopySource } from '../azure/copy-source.js';
import type { AzureHandler } from '../azure/deps.js';
import { checkWriteLease, leaseAfterWrite, leaseAttributes, leaseOf } from '../azure/lease.js';
import { formatRfc1123 } from '../protocol/dates.js';
import { extractMetadata } from '../protocol/metadata.js';
import { parseTagsHeader } from '../xml/request-bodies.js';

export const copyBlob: AzureHandler = async (ctx, deps) => {
  const bucket = await authorizedContainer(ctx, deps);
  const key = blobName(ctx);
  const sync = ctx.operation === 'CopyBlobFromURL';
  const requestMetadata = storedMetadata(extractMetadata(ctx.req.rawHeaders));
  const requestTags = Object.fromEntries(parseTagsHeader(ctx.headers['x-ms-tags']));
  const sourceMd5 = sync ? checkMd5Header('x-ms-source-content-md5', ctx.headers['x-ms-source-content-md5']) : undefined;
  await drain(ctx);
  const source = await resolveCopySource(ctx, deps, { callerMayRead: !sync });
  const current = await currentBlob(deps, bucket.name, key);
  authorizeSas(ctx, current !== undefined);
  const preconditions = writePreconditions(ctx, current);
  const lease = leaseOf(current?.attributes);
  checkWriteLease(lease, ctx.headers['x-ms-lease-id'], 'blob');

  const src = source.version;
  const stored = await storeStream(
    deps,
    { location: bucket.location, bucket: bucket.name, key, size: src.size, contentMd5: sourceMd5 },
    blobBytes(deps, src.data),
  );
  const copy: CopyProperties = {
    id: randomUUID(),
    source: redactedSource(source.url),
    status: 'success',
    bytes: stored.piece.size,
    completedAt: Date.now(),
  };
  const object = await writeBlobVersion(
    deps,
    stored,
    {
      bucket: bucket.name,
      key,
      ownerId: ctx.account?.accountId ?? bucket.ownerId,
      ownerDisplayName: ctx.account?.displayName ?? bucket.ownerDisplayName,
      headers: { ...src.headers },
      userMetadata: Object.keys(requestMetadata).length > 0 ? requestMetadata : { ...src.userMetadata },
      // Copy Blob From URL copies the source's tags with `x-ms-copy-source-tag-option: COPY`.
      tags: sync && ctx.headers['x-ms-copy-source-tag-option']?.toUpperCase() === 'COPY' ? { ...src.tags } : requestTags,
      attributes: { ...leaseAttributes(leaseAfterWrite(lease)), [COPY_ATTRIBUTE]: JSON.stringify(copy) },
    },
    preconditions,
  );
  sendEmpty(ctx, 202, {
    etag: blobEtag(object),
    'last-modified': formatRfc1123(object.lastModified ?? 0),
    'x-ms-copy-id': copy.id,
    'x-ms-copy-status': copy.status,
    ...(sync ? { 'x-ms-request-server-encrypted': 'true' } : {}),
  });
};
