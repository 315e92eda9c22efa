// Put Blob (block blobs, single shot): the bytes go to the container's location (DataPlacementService,
// or the piece files directly, azure/local-data.ts; Content-MD5 and x-ms-blob-content-md5 verified before they are made
// durable), then one metadata write. The
// client is answered once both are durable; data whose metadata write failed, and data the write
// replaced, is deleted. Uncommitted blocks of the blob are discarded in the same metadata commit, as Azure does.
import { authorizeSas, authorizedContainer, blobName } from '../azure/access.js';
import {
  MAX_PUT_BLOB_BYTES,
  currentBlob,
  prefetchBlob,
  requiredLength,
  storeBody,
  writeBlobVersion,
  writePreconditions,
} from '../azure/blob-data.js';
import { azureCrc64, blobEtag, checkCrc64Header, checkMd5Header, contentMd5, headersFromRequest } from '../azure/blob-state.js';
import { storedMetadata } from '../azure/container-state.js';
import { sendEmpty } from '../azure/context.js';
import type { AzureHandler } from '../azure/deps.js';
import { AzureError } from '../errors/azure-errors.js';
import { checkWriteLease, leaseAfterWrite, leaseAttributes, leaseOf } from '../azure/lease.js';
import { formatRfc1123 } from '../protocol/dates.js';
import { extractMetadata } from '../protocol/metadata.js';
import { parseTagsHeader } from '../xml/request-bodies.js';

export const putBlob: AzureHandler = async (ctx, deps) => {
  const fetched = prefetchBlob(ctx, deps);
  const bucket = await authorizedContainer(ctx, deps);
  const key = blobName(ctx);
  const size = requiredLength(ctx, MAX_PUT_BLOB_BYTES);
  const headers = headersFromRequest(ctx.headers, true);
  const userMetadata = storedMetadata(extractMetadata(ctx.req.rawHeaders));
  const md5 = checkMd5Header('content-md5', ctx.headers['content-md5']);
  const crc64 = checkCrc64Header(ctx.headers['x-ms-content-crc64'], md5);
  // The blob's MD5 property, when given, is checked against the body too (it takes precedence
  // over Content-MD5 on Azure): a blob never carries an MD5 that is not its content's.
  const blobMd5 = checkMd5Header('x-ms-blob-content-md5', ctx.headers['x-ms-blob-content-md5']);
  if (blobMd5 !== undefined && md5 !== undefined && blobMd5 !== md5) throw new AzureError('Md5Mismatch');
  const tags = Object.fromEntries(parseTagsHeader(ctx.headers['x-ms-tags']));
  const current = fetched === undefined ? await currentBlob(deps, bucket.name, key) : await fetched;
  authorizeSas(ctx, current !== undefined);
  const preconditions = writePreconditions(ctx, current);
  const lease = leaseOf(current?.attributes);
  checkWriteLease(lease, ctx.headers['x-ms-lease-id'], 'blob');

  const stored = await storeBody(ctx, deps, {
    location: bucket.location,
    bucket: bucket.name,
    key,
    size,
    contentMd5: blobMd5 ?? md5,
    crc64,
    inline: true,
  });
  const object = await writeBlobVersion(
    deps,
    stored,
    {
      bucket: bucket.name,
      key,
      ownerId: ctx.account?.accountId ?? bucket.ownerId,
      ownerDisplayName: ctx.account?.displayName ?? bucket.ownerDisplayName,
      headers,
      userMetadata,
      tags,
      attributes: leaseAttributes(leaseAfterWrite(lease)),
    },
    preconditions,
  );
  const out: Record<string, string> = {
    etag: blobEtag(object),
    'last-modified': formatRfc1123(object.lastModified ?? 0),
    'x-ms-request-server-encrypted': 'true',
  };
  const digest = contentMd5(object);
  if (digest !== undefined) out['content-md5'] = digest;
  if (crc64 !== undefined) out['x-ms-content-crc64'] = azureCrc64(crc64);
  sendEmpty(ctx, 201, out);
};
