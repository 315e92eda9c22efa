// Get Blob Tags and Set Blob Tags (`comp=tags`): a blob's index tags are the object's tags, the
// ones S3 GetObjectTagging / PutObjectTagging read and write. Setting them replaces the whole set
// and changes neither the blob's ETag nor its Last-Modified, as in Azure; `x-ms-if-tags` makes
// either operation conditional on the current tags (412 ConditionNotMet); a given `x-ms-lease-id`
// must name the blob's active lease.
import { metadataV1MetadataService, type metadataV1Metadata } from '@zenko/gen';
import { isMeshError } from '@zenko/mesh';
import { authorizedContainer, blobName } from '../azure/access.js';
import { loadBlob } from '../azure/blob-data.js';
import { drain, sendEmpty, sendXml, type AzureContext } from '../azure/context.js';
import type { AzureHandler } from '../azure/deps.js';
import { checkReadLease, checkWriteLease, leaseOf } from '../azure/lease.js';
import { AzureError } from '../errors/azure-errors.js';
import { matchesTags, parseTagQuery } from '../protocol/tag-query.js';
import { readVerifiedBody } from '../azure/blob-state.js';
import { parseBlobTags } from '../xml/request-bodies.js';
import { blobTagsXml } from '../xml/responses.js';

/** `x-ms-if-tags`: the blob's current tags must match the expression. */
export function checkIfTags(ctx: AzureContext, v: metadataV1Metadata.ObjectVersion): void {
  const condition = ctx.headers['x-ms-if-tags'];
  if (condition === undefined) return;
  const query = parseTagQuery(condition, 'if-tags');
  if (!matchesTags(query.expression, v.tags, v.bucket)) throw new AzureError('ConditionNotMet');
}

/** Tags sorted by key, as Azure lists them. */
export function sortedTags(tags: Readonly<Record<string, string>>): Array<[string, string]> {
  return Object.entries(tags).sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

export const getBlobTags: AzureHandler = async (ctx, deps) => {
  const bucket = await authorizedContainer(ctx, deps);
  const key = blobName(ctx);
  await drain(ctx);
  const v = await loadBlob(deps, bucket.name, key);
  checkIfTags(ctx, v);
  checkReadLease(leaseOf(v.attributes), ctx.headers['x-ms-lease-id'], 'blob');
  sendXml(ctx, 200, blobTagsXml(new Map(sortedTags(v.tags))));
};

export const setBlobTags: AzureHandler = async (ctx, deps) => {
  const bucket = await authorizedContainer(ctx, deps);
  const key = blobName(ctx);
  const { body } = await readVerifiedBody(ctx.headers, ctx.req, 64 * 1024);
  if (body.length === 0) throw new AzureError('InvalidXmlDocument');
  const tags = parseBlobTags(body);
  const v = await loadBlob(deps, bucket.name, key);
  checkIfTags(ctx, v);
  // A write: a leased blob's tags change only with its lease id (Azure's SDK tests expect the refusal).
  checkWriteLease(leaseOf(v.attributes), ctx.headers['x-ms-lease-id'], 'blob');
  try {
    await deps.metadata.updateObject(
      metadataV1MetadataService.UpdateObjectRequest.fromPartial({
        bucket: bucket.name,
        key,
        versionId: v.versionId,
        // Compare-and-set only when the request's condition was evaluated against this revision.
        expectedRevision: ctx.headers['x-ms-if-tags'] === undefined ? 0 : v.revision,
        replaceTags: true,
        tags: Object.fromEntries(tags),
      }),
    );
  } catch (err) {
    if (isMeshError(err, 'CONFLICT')) throw new AzureError('ConditionNotMet', { cause: err });
    throw err;
  }
  sendEmpty(ctx, 204);
};
