// List Blobs, flat and hierarchical (`delimiter`), with `prefix`, `marker` (NextMarker of the
// previous page), `maxresults` and `include=metadata`, over the namespace's object listing:
// S3 and Azure list the same keys.
import { authorizedContainer } from '../azure/access.js';
import { blobEtag, contentMd5 } from '../azure/blob-state.js';
import { drain, sendXml } from '../azure/context.js';
import type { AzureHandler } from '../azure/deps.js';
import { AzureError } from '../errors/azure-errors.js';
import { listBlobsXml, type BlobEntry } from '../xml/responses.js';
import { MAX_RESULTS, parseInclude, parseMaxResults } from './list-containers.js';

const INCLUDES = new Set([
  'metadata',
  'snapshots',
  'uncommittedblobs',
  'copy',
  'deleted',
  'tags',
  'versions',
  'deletedwithversions',
  'immutabilitypolicy',
  'legalhold',
  'permissions',
]);

export const listBlobs: AzureHandler = async (ctx, deps) => {
  const bucket = await authorizedContainer(ctx, deps);
  await drain(ctx);
  const prefix = ctx.query.get('prefix') ?? '';
  const delimiter = ctx.query.get('delimiter') ?? '';
  const marker = ctx.query.get('marker') ?? '';
  const maxResults = parseMaxResults(ctx.query.get('maxresults'));
  const include = parseInclude(ctx.query.get('include'));
  for (const value of include) {
    if (!INCLUDES.has(value)) {
      throw new AzureError('InvalidQueryParameterValue', { fields: { QueryParameterName: 'include', QueryParameterValue: value } });
    }
  }
  const listing = await deps.metadata.listObjects({
    bucket: bucket.name,
    prefix,
    delimiter,
    marker,
    maxKeys: maxResults ?? MAX_RESULTS,
  });
  const blobs = listing.objects
    .filter((v) => !v.isDeleteMarker)
    .map((v): BlobEntry => ({
      name: v.key,
      creationTime: v.lastModified?.getTime() ?? 0,
      lastModified: v.lastModified?.getTime() ?? 0,
      etag: blobEtag(v),
      contentLength: v.size,
      contentType: v.headers['content-type'],
      contentEncoding: v.headers['content-encoding'],
      contentLanguage: v.headers['content-language'],
      contentMd5: contentMd5(v),
      cacheControl: v.headers['cache-control'],
      contentDisposition: v.headers['content-disposition'],
      ...(include.has('metadata') ? { metadata: v.userMetadata } : {}),
    }));
  sendXml(
    ctx,
    200,
    listBlobsXml({
      serviceEndpoint: ctx.serviceEndpoint,
      containerName: bucket.name,
      prefix: ctx.query.get('prefix'),
      marker: ctx.query.get('marker'),
      maxResults,
      delimiter: ctx.query.get('delimiter'),
      blobs,
      ...(delimiter === '' ? {} : { blobPrefixes: listing.commonPrefixes }),
      nextMarker: listing.isTruncated ? listing.nextMarker : '',
    }),
  );
};
