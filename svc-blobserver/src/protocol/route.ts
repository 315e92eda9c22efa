/**
 * Request → Azure Blob operation, one table: the level the path addresses (service, container,
 * blob), the method, `restype`, `comp`, and for a few operations a header (`x-ms-copy-source`,
 * `x-ms-blob-type`, `x-ms-requires-sync`). Rules are tried in order; the first match wins.
 *
 * - A blob of the root container may be addressed without naming it (`/myblob`): a one-segment
 *   path without `restype=container` is routed as a blob of `$root`.
 * - `snapshot` / `versionid` query parameters are reported on the route so that the edge can refuse
 *   snapshot and version access (`routeSupported`).
 * - An unknown `comp` or `restype` → InvalidQueryParameterValue; a known resource with a method it
 *   does not take → UnsupportedHttpVerb; Put Blob without `x-ms-blob-type` → MissingRequiredHeader.
 */
import { AzureError } from '../errors/azure-errors.js';
import type { AzureAddress } from './addressing.js';
import { OPERATIONS, type OperationName } from './operations.js';

export type Level = 'service' | 'container' | 'blob';

export interface RouteInput {
  readonly method: string;
  readonly address: AzureAddress;
  /** Decoded query parameters by lower-cased name (auth/canonical-query.ts `queryParams`). */
  readonly query: ReadonlyMap<string, string>;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export interface Route {
  readonly operation: OperationName;
  readonly level: Level;
  readonly account: string;
  readonly container: string | undefined;
  readonly blob: string | undefined;
  /** `snapshot` and `versionid` query parameters of blob requests. */
  readonly snapshot: string | undefined;
  readonly versionId: string | undefined;
}

type HeaderTest = (headers: Readonly<Record<string, string | undefined>>) => boolean;

interface Rule {
  readonly level: Level;
  readonly methods: readonly string[];
  readonly restype?: string;
  /** `null`: no `comp` parameter. */
  readonly comp: string | null;
  readonly when?: HeaderTest;
  readonly operation: OperationName;
}

const has =
  (name: string): HeaderTest =>
  (h) =>
    h[name] !== undefined;
const equals =
  (name: string, value: string): HeaderTest =>
  (h) =>
    h[name]?.toLowerCase() === value.toLowerCase();
const all =
  (...tests: HeaderTest[]): HeaderTest =>
  (h) =>
    tests.every((t) => t(h));

const GET_HEAD = ['GET', 'HEAD'];

export const ROUTES: readonly Rule[] = [
  // Any level: CORS preflight and account information.
  ...(['service', 'container', 'blob'] as const).flatMap((level): Rule[] => [
    { level, methods: ['OPTIONS'], comp: null, operation: 'PreflightBlobRequest' },
    { level, methods: GET_HEAD, restype: 'account', comp: 'properties', operation: 'GetAccountInformation' },
  ]),

  // Service
  { level: 'service', methods: ['GET'], restype: 'service', comp: 'properties', operation: 'GetBlobServiceProperties' },
  { level: 'service', methods: ['PUT'], restype: 'service', comp: 'properties', operation: 'SetBlobServiceProperties' },
  { level: 'service', methods: ['GET'], restype: 'service', comp: 'stats', operation: 'GetBlobServiceStats' },
  { level: 'service', methods: ['POST'], restype: 'service', comp: 'userdelegationkey', operation: 'GetUserDelegationKey' },
  { level: 'service', methods: ['GET'], comp: 'list', operation: 'ListContainers' },
  { level: 'service', methods: ['GET'], comp: 'blobs', operation: 'FindBlobsByTags' },
  { level: 'service', methods: ['POST'], comp: 'batch', operation: 'SubmitBatch' },
  // The SDK's account-level BlobBatchClient sends restype=container on the service URL too.
  { level: 'service', methods: ['POST'], restype: 'container', comp: 'batch', operation: 'SubmitBatch' },

  // Container
  { level: 'container', methods: ['PUT'], restype: 'container', comp: null, operation: 'CreateContainer' },
  { level: 'container', methods: GET_HEAD, restype: 'container', comp: null, operation: 'GetContainerProperties' },
  { level: 'container', methods: ['DELETE'], restype: 'container', comp: null, operation: 'DeleteContainer' },
  { level: 'container', methods: GET_HEAD, restype: 'container', comp: 'metadata', operation: 'GetContainerMetadata' },
  { level: 'container', methods: ['PUT'], restype: 'container', comp: 'metadata', operation: 'SetContainerMetadata' },
  { level: 'container', methods: GET_HEAD, restype: 'container', comp: 'acl', operation: 'GetContainerACL' },
  { level: 'container', methods: ['PUT'], restype: 'container', comp: 'acl', operation: 'SetContainerACL' },
  { level: 'container', methods: ['PUT'], restype: 'container', comp: 'lease', operation: 'LeaseContainer' },
  { level: 'container', methods: ['GET'], restype: 'container', comp: 'list', operation: 'ListBlobs' },
  { level: 'container', methods: ['GET'], restype: 'container', comp: 'blobs', operation: 'FindBlobsByTagsInContainer' },
  { level: 'container', methods: ['PUT'], restype: 'container', comp: 'undelete', operation: 'RestoreContainer' },
  { level: 'container', methods: ['PUT'], restype: 'container', comp: 'rename', operation: 'RenameContainer' },
  { level: 'container', methods: ['POST'], restype: 'container', comp: 'batch', operation: 'SubmitContainerBatch' },

  // Blob: Put Blob and the copies (header-selected).
  { level: 'blob', methods: ['PUT'], comp: null, when: all(has('x-ms-copy-source'), has('x-ms-blob-type')), operation: 'PutBlobFromURL' },
  {
    level: 'blob',
    methods: ['PUT'],
    comp: null,
    when: all(has('x-ms-copy-source'), equals('x-ms-requires-sync', 'true')),
    operation: 'CopyBlobFromURL',
  },
  { level: 'blob', methods: ['PUT'], comp: null, when: has('x-ms-copy-source'), operation: 'CopyBlob' },
  { level: 'blob', methods: ['PUT'], comp: null, when: equals('x-ms-blob-type', 'BlockBlob'), operation: 'PutBlob' },
  { level: 'blob', methods: ['PUT'], comp: null, when: equals('x-ms-blob-type', 'PageBlob'), operation: 'PutPageBlob' },
  { level: 'blob', methods: ['PUT'], comp: null, when: equals('x-ms-blob-type', 'AppendBlob'), operation: 'PutAppendBlob' },
  { level: 'blob', methods: ['PUT'], comp: 'block', when: has('x-ms-copy-source'), operation: 'PutBlockFromURL' },
  { level: 'blob', methods: ['PUT'], comp: 'block', operation: 'PutBlock' },
  { level: 'blob', methods: ['PUT'], comp: 'blocklist', operation: 'PutBlockList' },
  { level: 'blob', methods: ['GET'], comp: 'blocklist', operation: 'GetBlockList' },
  { level: 'blob', methods: ['GET'], comp: null, operation: 'GetBlob' },
  { level: 'blob', methods: ['HEAD'], comp: null, operation: 'GetBlobProperties' },
  { level: 'blob', methods: ['PUT'], comp: 'properties', operation: 'SetBlobProperties' },
  { level: 'blob', methods: GET_HEAD, comp: 'metadata', operation: 'GetBlobMetadata' },
  { level: 'blob', methods: ['PUT'], comp: 'metadata', operation: 'SetBlobMetadata' },
  { level: 'blob', methods: ['GET'], comp: 'tags', operation: 'GetBlobTags' },
  { level: 'blob', methods: ['PUT'], comp: 'tags', operation: 'SetBlobTags' },
  { level: 'blob', methods: ['DELETE'], comp: null, operation: 'DeleteBlob' },
  { level: 'blob', methods: ['PUT'], comp: 'lease', operation: 'LeaseBlob' },
  { level: 'blob', methods: ['PUT'], comp: 'copy', operation: 'AbortCopyBlob' },
  { level: 'blob', methods: ['PUT'], comp: 'snapshot', operation: 'SnapshotBlob' },
  { level: 'blob', methods: ['PUT'], comp: 'undelete', operation: 'UndeleteBlob' },
  { level: 'blob', methods: ['PUT'], comp: 'tier', operation: 'SetBlobTier' },
  { level: 'blob', methods: ['PUT'], comp: 'expiry', operation: 'SetBlobExpiry' },
  { level: 'blob', methods: ['PUT'], comp: 'immutabilitypolicies', operation: 'SetBlobImmutabilityPolicy' },
  { level: 'blob', methods: ['DELETE'], comp: 'immutabilitypolicies', operation: 'DeleteBlobImmutabilityPolicy' },
  { level: 'blob', methods: ['PUT'], comp: 'legalhold', operation: 'SetBlobLegalHold' },
  { level: 'blob', methods: ['POST'], comp: 'query', operation: 'QueryBlobContents' },
  { level: 'blob', methods: ['PUT'], comp: 'page', when: has('x-ms-copy-source'), operation: 'PutPageFromURL' },
  { level: 'blob', methods: ['PUT'], comp: 'page', operation: 'PutPage' },
  { level: 'blob', methods: ['GET'], comp: 'pagelist', operation: 'GetPageRanges' },
  { level: 'blob', methods: ['PUT'], comp: 'incrementalcopy', operation: 'IncrementalCopyBlob' },
  { level: 'blob', methods: ['PUT'], comp: 'appendblock', when: has('x-ms-copy-source'), operation: 'AppendBlockFromURL' },
  { level: 'blob', methods: ['PUT'], comp: 'appendblock', operation: 'AppendBlock' },
  { level: 'blob', methods: ['PUT'], comp: 'seal', operation: 'AppendBlobSeal' },
];

const KNOWN_RESTYPES = new Set(['service', 'container', 'account']);
const KNOWN_COMPS = new Set(ROUTES.map((r) => r.comp).filter((c): c is string => c !== null));

function matches(
  rule: Rule,
  level: Level,
  method: string,
  restype: string | undefined,
  comp: string | undefined,
  input: RouteInput,
): boolean {
  if (rule.level !== level || !rule.methods.includes(method)) return false;
  // Blob rules ignore `restype` only when absent; service and container rules name theirs.
  if ((rule.restype ?? undefined) !== restype) return false;
  if ((rule.comp ?? undefined) !== comp) return false;
  return rule.when === undefined || rule.when(input.headers);
}

function levelOf(address: AzureAddress, restype: string | undefined): { level: Level; container?: string; blob?: string } {
  if (address.container === undefined) return { level: 'service' };
  if (address.blob !== undefined) return { level: 'blob', container: address.container, blob: address.blob };
  // `/name` without restype=container (or account) is a blob of the root container.
  if (restype !== 'container' && restype !== 'account') return { level: 'blob', container: '$root', blob: address.container };
  return { level: 'container', container: address.container };
}

/** Routes a request to its operation; throws AzureError for requests that name none. */
export function routeRequest(input: RouteInput): Route {
  const method = input.method.toUpperCase();
  const restype = input.query.get('restype');
  const compRaw = input.query.get('comp');
  const comp = compRaw?.toLowerCase();
  if (method === 'OPTIONS') {
    // A CORS preflight is sent to the URL of the request it precedes (comp=block, restype=container,
    // …): whatever that request, the service's CORS rules answer it.
    const target = levelOf(input.address, restype);
    return {
      operation: 'PreflightBlobRequest',
      level: target.level,
      account: input.address.account,
      container: target.container,
      blob: target.blob,
      snapshot: undefined,
      versionId: undefined,
    };
  }
  if (restype !== undefined && !KNOWN_RESTYPES.has(restype)) {
    throw new AzureError('InvalidQueryParameterValue', { fields: { QueryParameterName: 'restype', QueryParameterValue: restype } });
  }
  if (comp !== undefined && !KNOWN_COMPS.has(comp)) {
    throw new AzureError('InvalidQueryParameterValue', { fields: { QueryParameterName: 'comp', QueryParameterValue: compRaw } });
  }
  const target = levelOf(input.address, restype);
  const rule = ROUTES.find((r) => matches(r, target.level, method, restype, comp, input));
  if (rule === undefined) {
    if (target.level === 'blob' && method === 'PUT' && comp === undefined && restype === undefined) {
      const blobType = input.headers['x-ms-blob-type'];
      if (blobType === undefined) throw new AzureError('MissingRequiredHeader', { fields: { HeaderName: 'x-ms-blob-type' } });
      throw new AzureError('InvalidHeaderValue', { fields: { HeaderName: 'x-ms-blob-type', HeaderValue: blobType } });
    }
    const known = ROUTES.some(
      (r) =>
        r.operation !== 'PreflightBlobRequest' &&
        r.level === target.level &&
        (r.restype ?? undefined) === restype &&
        (r.comp ?? undefined) === comp,
    );
    if (known) throw new AzureError('UnsupportedHttpVerb');
    throw new AzureError('InvalidQueryParameterValue', { fields: { QueryParameterName: 'comp', QueryParameterValue: compRaw ?? '' } });
  }
  return {
    operation: rule.operation,
    level: target.level,
    account: input.address.account,
    container: target.container,
    blob: target.blob,
    snapshot: target.level === 'blob' ? input.query.get('snapshot') : undefined,
    versionId: target.level === 'blob' ? input.query.get('versionid') : undefined,
  };
}

/** False when the edge must answer NotImplemented: refused operations, snapshot or version access. */
export function routeSupported(route: Route): boolean {
  return OPERATIONS[route.operation].supported && route.snapshot === undefined && route.versionId === undefined;
}
