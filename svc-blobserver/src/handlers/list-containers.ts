// List Containers: the buckets the storage account's account owns, by name, with `prefix`,
// `marker` (the first name to return, as NextMarker gave it), `maxresults` and `include=metadata`.
import { requireAccount } from '../azure/access.js';
import { containerAcl, containerEtag, containerMetadata, lastModified } from '../azure/container-state.js';
import { effectiveLease, leaseListing } from '../azure/lease.js';
import { drain, sendXml } from '../azure/context.js';
import type { AzureHandler } from '../azure/deps.js';
import { AzureError } from '../errors/azure-errors.js';
import { isContainerName } from '../protocol/names.js';
import { listContainersXml, type ContainerEntry } from '../xml/responses.js';

export const MAX_RESULTS = 5000;

/**
 * `maxresults`: at least 1; above 5000 (or absent) the page holds up to 5000, as Azure pages;
 * zero or a negative → OutOfRangeQueryParameterValue, not a number → InvalidQueryParameterValue.
 */
export function parseMaxResults(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d{1,10}$/.test(value)) {
    throw new AzureError('InvalidQueryParameterValue', { fields: { QueryParameterName: 'maxresults', QueryParameterValue: value } });
  }
  const n = Number(value);
  if (n < 1) {
    throw new AzureError('OutOfRangeQueryParameterValue', {
      fields: { QueryParameterName: 'maxresults', QueryParameterValue: value, MinimumAllowed: 1, MaximumAllowed: 2147483647 },
    });
  }
  return Math.min(n, MAX_RESULTS);
}

/** What List Containers may include (only metadata changes the answer here). */
const CONTAINER_INCLUDES = new Set(['metadata', 'deleted', 'system']);

/** The `include` values of a listing, lower-cased; one not in `allowed` is InvalidQueryParameterValue. */
export function parseInclude(value: string | undefined, allowed: ReadonlySet<string>): Set<string> {
  const include = new Set(
    (value ?? '')
      .split(',')
      .map((v) => v.trim().toLowerCase())
      .filter((v) => v !== ''),
  );
  for (const v of include)
    if (!allowed.has(v))
      throw new AzureError('InvalidQueryParameterValue', { fields: { QueryParameterName: 'include', QueryParameterValue: v } });
  return include;
}

const compareNames = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export const listContainers: AzureHandler = async (ctx, deps) => {
  const account = requireAccount(ctx);
  await drain(ctx);
  const prefix = ctx.query.get('prefix') ?? '';
  const marker = ctx.query.get('marker') ?? '';
  const maxResults = parseMaxResults(ctx.query.get('maxresults'));
  const withMetadata = parseInclude(ctx.query.get('include'), CONTAINER_INCLUDES).has('metadata');
  const { buckets } = await deps.metadata.listBuckets({ ownerId: account.accountId });
  const matching = buckets
    // A bucket whose name no Azure request can address (S3 allows dots, `--`) is not listed.
    .filter((b) => isContainerName(b.name) && b.name.startsWith(prefix) && compareNames(b.name, marker) >= 0)
    .sort((a, b) => compareNames(a.name, b.name));
  const limit = maxResults ?? MAX_RESULTS;
  const page = matching.slice(0, limit);
  const containers = page.map((b): ContainerEntry => {
    const publicAccess = containerAcl(b).publicAccess;
    return {
      name: b.name,
      lastModified: lastModified(b),
      etag: containerEtag(b),
      ...leaseListing(effectiveLease(b.attributes)),
      ...(publicAccess === undefined ? {} : { publicAccess }),
      ...(withMetadata ? { metadata: containerMetadata(b).metadata } : {}),
    };
  });
  sendXml(
    ctx,
    200,
    listContainersXml({
      serviceEndpoint: ctx.serviceEndpoint,
      prefix: ctx.query.get('prefix'),
      marker: ctx.query.get('marker'),
      maxResults,
      containers,
      nextMarker: matching[limit]?.name ?? '',
    }),
  );
};
