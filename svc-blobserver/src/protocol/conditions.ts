/**
 * Conditional headers (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since) evaluated
 * against the current state of a blob or container. Writes follow the precedence of RFC 9110
 * §13.2.2: If-Match, else If-Unmodified-Since; then If-None-Match, else If-Modified-Since. Reads
 * (Get Blob, Get Blob Properties) combine every condition given as Azure does since 2013-08-15:
 * If-Match && If-Unmodified-Since && (If-None-Match || If-Modified-Since), so a proxy adding a
 * condition never overrides the client's.
 *
 * A failed condition → ConditionNotMet: 412 for writes, 304 (no body) for GET and HEAD when the
 * failing condition is If-None-Match or If-Modified-Since. Dates compare at second precision.
 * Unparseable dates are ignored, as HTTP prescribes. `x-ms-if-tags` (a blob's index tags must
 * match the expression) fails with 412 for every method.
 */
import { AzureError } from '../errors/azure-errors.js';
import { parseRfc1123 } from './dates.js';
import { matchesTags, parseTagQuery } from './tag-query.js';

export interface ResourceState {
  /** The ETag, quoted or not (`"0x8D…"`). */
  readonly etag: string;
  /** Last modification, milliseconds since the epoch. */
  readonly lastModified: number;
  /** A blob's index tags and container, which `x-ms-if-tags` is evaluated against (blobs only). */
  readonly tags?: { readonly tags: Readonly<Record<string, string>>; readonly container: string };
}

export interface ConditionHeaders {
  readonly 'if-match'?: string | undefined;
  readonly 'if-none-match'?: string | undefined;
  readonly 'if-modified-since'?: string | undefined;
  readonly 'if-unmodified-since'?: string | undefined;
  readonly 'x-ms-if-tags'?: string | undefined;
}

function unquote(tag: string): string {
  const t = tag.trim().replace(/^W\//, '');
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

function matchesAny(list: string, etag: string): boolean {
  const mine = unquote(etag);
  return list.split(',').some((t) => t.trim() === '*' || unquote(t) === mine);
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

/**
 * Throws ConditionNotMet (status 412, or 304 for reads) when a condition fails. `resource` is
 * `undefined` when the target does not exist: then only If-Match (which needs a current
 * representation) fails; the caller reports the missing resource itself otherwise.
 */
export function checkConditions(method: string, headers: ConditionHeaders, resource: ResourceState | undefined): void {
  const read = method.toUpperCase() === 'GET' || method.toUpperCase() === 'HEAD';
  const ifMatch = headers['if-match'];
  const ifNoneMatch = headers['if-none-match'];
  const failed = (notModified: boolean): AzureError => new AzureError('ConditionNotMet', notModified && read ? { status: 304 } : {});

  // x-ms-if-tags (blob operations): the blob must exist and its tags match; 412 also for reads.
  const ifTags = headers['x-ms-if-tags'];
  if (ifTags !== undefined && (resource === undefined || resource.tags !== undefined)) {
    const query = parseTagQuery(ifTags, 'if-tags');
    if (resource?.tags === undefined || !matchesTags(query.expression, resource.tags.tags, resource.tags.container)) throw failed(false);
  }

  const unmodifiedSince = dateOf(headers['if-unmodified-since']);
  const modifiedSince = dateOf(headers['if-modified-since']);
  if (ifMatch !== undefined) {
    if (resource === undefined || !matchesAny(ifMatch, resource.etag)) throw failed(false);
  }
  if (unmodifiedSince !== undefined && (ifMatch === undefined || read) && resource !== undefined) {
    if (seconds(resource.lastModified) > seconds(unmodifiedSince)) throw failed(false);
  }
  if (resource === undefined) return;
  const noneMatchHolds = ifNoneMatch === undefined ? undefined : !matchesAny(ifNoneMatch, resource.etag);
  const modifiedHolds = modifiedSince === undefined ? undefined : seconds(resource.lastModified) > seconds(modifiedSince);
  if (read) {
    if ((noneMatchHolds ?? modifiedHolds ?? true) || (modifiedHolds ?? false)) return;
    throw failed(true);
  }
  if (noneMatchHolds ?? modifiedHolds ?? true) return;
  throw failed(true);
}

function dateOf(value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseRfc1123(value);
}
