/**
 * Conditional headers (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since) evaluated
 * against the current state of a blob or container, in the precedence of RFC 9110 §13.2.2 that
 * Azure follows: If-Match, else If-Unmodified-Since; then If-None-Match, else If-Modified-Since.
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

  if (ifMatch !== undefined) {
    if (resource === undefined || !matchesAny(ifMatch, resource.etag)) throw failed(false);
  } else {
    const since = headers['if-unmodified-since'];
    const t = since === undefined ? undefined : parseRfc1123(since);
    if (t !== undefined && resource !== undefined && seconds(resource.lastModified) > seconds(t)) throw failed(false);
  }
  if (resource === undefined) return;
  if (ifNoneMatch !== undefined) {
    if (matchesAny(ifNoneMatch, resource.etag)) throw failed(true);
  } else {
    const since = headers['if-modified-since'];
    const t = since === undefined ? undefined : parseRfc1123(since);
    if (t !== undefined && seconds(resource.lastModified) <= seconds(t)) throw failed(true);
  }
}
