// Find Blobs by Tags (`?comp=blobs&where=…`, every container of the account) and Find Blobs by
// Tags in Container (`?restype=container&comp=blobs&where=…`): the blobs whose index tags match
// the expression (protocol/tag-query.ts), by container then name, each with the tags the
// expression names. Implemented by scanning the containers' listings; `marker` is opaque (the
// last blob returned), `maxresults` (pages of at most 5000).
import type { metadataV1Metadata } from '@zenko/gen';
import { authorizedContainer, requireAccount } from '../azure/access.js';
import { drain, sendXml } from '../azure/context.js';
import type { AzureHandler } from '../azure/deps.js';
import { AzureError } from '../errors/azure-errors.js';
import { matchesTags, parseTagQuery } from '../protocol/tag-query.js';
import { filterBlobsXml, type FilterBlobEntry } from '../xml/responses.js';
import { sortedTags } from './blob-tags.js';
import { MAX_RESULTS, parseMaxResults } from './list-containers.js';

interface Position {
  readonly container: string;
  readonly blob: string;
}

function encodeMarker(p: Position): string {
  return Buffer.from(JSON.stringify([p.container, p.blob])).toString('base64url');
}

function decodeMarker(value: string | undefined): Position | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    const [container, blob] = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown[];
    if (typeof container === 'string' && typeof blob === 'string') return { container, blob };
  } catch {
    // fall through
  }
  throw new AzureError('InvalidQueryParameterValue', { fields: { QueryParameterName: 'marker', QueryParameterValue: value } });
}

const byName = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

export const findBlobsByTags: AzureHandler = async (ctx, deps) => {
  const containerLevel = ctx.operation === 'FindBlobsByTagsInContainer';
  const scoped = containerLevel ? await authorizedContainer(ctx, deps) : undefined;
  const account = containerLevel ? undefined : requireAccount(ctx);
  await drain(ctx);
  const where = ctx.query.get('where') ?? '';
  const query = parseTagQuery(where, 'where');
  const limit = parseMaxResults(ctx.query.get('maxresults')) ?? MAX_RESULTS;
  const from = decodeMarker(ctx.query.get('marker'));

  let buckets: metadataV1Metadata.Bucket[];
  if (scoped !== undefined) buckets = [scoped];
  else buckets = (await deps.metadata.listBuckets({ ownerId: account!.accountId })).buckets;
  const containers = buckets
    .map((b) => b.name)
    .filter(
      (name) => (query.container === undefined || name === query.container) && (from === undefined || byName(name, from.container) >= 0),
    )
    .sort(byName);

  const found: FilterBlobEntry[] = [];
  scan: for (const container of containers) {
    let marker = from !== undefined && from.container === container ? from.blob : '';
    for (;;) {
      const page = await deps.metadata.listObjects({ bucket: container, prefix: '', delimiter: '', marker, maxKeys: 1000 });
      for (const v of page.objects) {
        if (v.isDeleteMarker || !matchesTags(query.expression, v.tags, container)) continue;
        const named = sortedTags(v.tags).filter(([k]) => query.keys.includes(k));
        found.push({ name: v.key, containerName: container, tags: new Map(named) });
        if (found.length > limit) break scan;
      }
      if (!page.isTruncated || page.objects.length === 0) break;
      marker = page.nextMarker || page.objects[page.objects.length - 1]!.key;
    }
  }
  const more = found.length > limit;
  const blobs = found.slice(0, limit);
  const last = blobs[blobs.length - 1];
  sendXml(
    ctx,
    200,
    filterBlobsXml({
      serviceEndpoint: ctx.serviceEndpoint,
      where,
      blobs,
      nextMarker: more && last !== undefined ? encodeMarker({ container: last.containerName, blob: last.name }) : '',
    }),
  );
};
