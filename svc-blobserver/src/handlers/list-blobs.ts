// List Blobs, flat and hierarchical (`delimiter`), with `prefix`, `marker` (NextMarker of the
// previous page), `maxresults` and `include=metadata`, over the namespace's object listing:
// S3 and Azure list the same keys.
import { authorizedContainer } from '../azure/access.js';
import { blobCreationTime, blobEtag, contentMd5, tagCount } from '../azure/blob-state.js';
import { drain, sendXml } from '../azure/context.js';
import type { AzureHandler } from '../azure/deps.js';
import { copyHeaders } from '../azure/copy-state.js';
import { effectiveLease, leaseListing } from '../azure/lease.js';
import { listBlobsXml, type BlobEntry } from '../xml/responses.js';
import { sortedTags } from './blob-tags.js';
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
  const include = parseInclude(ctx.query.get('include'), INCLUDES);
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
      creationTime: blobCreationTime(v),
      lastModified: v.lastModified?.getTime() ?? 0,
      etag: blobEtag(v),
      contentLength: v.size,
      contentType: v.headers['content-type'],
      contentEncoding: v.headers['content-encoding'],
      contentLanguage: v.headers['content-language'],
      contentMd5: contentMd5(v),
      cacheControl: v.headers['cache-control'],
      contentDisposition: v.headers['content-disposition'],
      ...leaseListing(effectiveLease(v.attributes)),
      tagCount: tagCount(v),
      ...(include.has('metadata') ? { metadata: v.userMetadata } : {}),
      ...(include.has('tags') && tagCount(v) !== undefined ? { tags: new Map(sortedTags(v.tags)) } : {}),
      ...(include.has('copy') ? { copy: copyHeaders(v.attributes) } : {}),
    }));
  const prefixes = [...listing.commonPrefixes];
  if (include.has('uncommittedblobs')) {
    // Blobs that have only uncommitted blocks, within this page's key range, listed with no bytes.
    const uncommitted = await deps.metadata.listBlockKeys({
      bucket: bucket.name,
      prefix,
      marker,
      endBefore: listing.isTruncated ? listing.nextMarker : '',
      maxKeys: 1000,
    });
    const listed = new Set(listing.objects.map((v) => v.key));
    for (const name of uncommitted.keys) {
      if (listed.has(name)) continue;
      const cut = delimiter === '' ? -1 : name.indexOf(delimiter, prefix.length);
      if (cut !== -1) {
        const p = name.slice(0, cut + delimiter.length);
        if (!prefixes.includes(p)) prefixes.push(p);
        continue;
      }
      blobs.push({ name, creationTime: Date.now(), lastModified: Date.now(), etag: '"0x8D000000000000"', contentLength: 0 });
    }
    blobs.sort((x, y) => Buffer.compare(Buffer.from(x.name), Buffer.from(y.name)));
    prefixes.sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  }
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
      ...(delimiter === '' ? {} : { blobPrefixes: prefixes }),
      nextMarker: listing.isTruncated ? listing.nextMarker : '',
    }),
  );
};
