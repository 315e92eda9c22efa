// The source of Copy Blob, Copy Blob From URL and Put Block From URL (`x-ms-copy-source`): a blob
// URL of this same server (any storage account it serves, under any name that reaches this
// machine on the request's port), read as Azure would fetch it:
//
// - with the SAS the URL carries (verified for the source account and path, read permission), or
// - anonymously when its container allows public read access, or
// - (Copy Blob only) as the caller, when the caller signed with Shared Key for the source's own
//   storage account: Azure authorizes a same-account Copy Blob source with the destination's key.
//
// Every failure to reach the source is CannotVerifyCopySource with the status the source request
// got (404 for a missing or private blob, 403 for a refused SAS), as Azure reports it. The source
// conditions (`x-ms-source-if-*`, `x-ms-source-if-tags` on the source's index tags included) fail with
// SourceConditionNotMet.
import { lookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import type { metadataV1Metadata } from '@zenko/gen';
import { authenticate } from '../auth/authenticate.js';
import { assertSasAllows } from '../auth/sas.js';
import type { AuthRequest } from '../auth/types.js';
import { AzureError, isAzureError } from '../errors/azure-errors.js';
import { checkConditions } from '../protocol/conditions.js';
import { accountFromHost, parseAddress } from '../protocol/addressing.js';
import { OPERATIONS } from '../protocol/operations.js';
import { getBucket, type Bucket } from './access.js';
import { currentBlob } from './blob-data.js';
import { blobConditionState } from './blob-state.js';
import { effectivePublicAccess } from './container-state.js';
import type { AzureContext } from './context.js';
import type { AzureDeps } from './deps.js';
import { checkReadLease, leaseOf } from './lease.js';
import { StorageAccountCache } from './storage-accounts.js';

type ObjectVersion = metadataV1Metadata.ObjectVersion;

export interface CopySource {
  readonly url: URL;
  readonly bucket: Bucket;
  readonly version: ObjectVersion;
}

function cannotVerify(status: number, message: string, cause?: unknown): AzureError {
  return new AzureError('CannotVerifyCopySource', { status, message, ...(cause === undefined ? {} : { cause }) });
}

const NOT_FOUND = (): AzureError => cannotVerify(404, 'The specified blob does not exist.');

/** `host[:port]` without its first label when that label names a storage account (host-style). */
function endpointOf(host: string, hostSuffixes: readonly string[]): string {
  const h = host.toLowerCase();
  if (accountFromHost(h, { hostSuffixes }) === undefined) return h;
  return h.slice(h.indexOf('.') + 1);
}

function parseSourceUrl(ctx: AzureContext): URL {
  const raw = ctx.headers['x-ms-copy-source'];
  if (raw === undefined || raw === '') throw new AzureError('MissingRequiredHeader', { fields: { HeaderName: 'x-ms-copy-source' } });
  let url: URL;
  try {
    url = new URL(raw);
  } catch (err) {
    throw new AzureError('InvalidHeaderValue', { fields: { HeaderName: 'x-ms-copy-source', HeaderValue: raw }, cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AzureError('InvalidHeaderValue', { fields: { HeaderName: 'x-ms-copy-source', HeaderValue: raw } });
  }
  return url;
}

/** Every address of this host's interfaces (loopback included), lower-case. */
function localAddresses(): Set<string> {
  const out = new Set(['localhost']);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address.toLowerCase());
  return out;
}

/**
 * Whether a source URL names this server: the request's own endpoint, or — whatever name the
 * URL's maker used (`localhost` for `127.0.0.1`, the machine's name or one of its addresses) — a
 * host that resolves to this machine, on the port the request came in on.
 */
async function isThisServer(ctx: AzureContext, url: URL, hostSuffixes: readonly string[]): Promise<boolean> {
  const own = ctx.headers['host'] ?? '';
  if (endpointOf(url.host, hostSuffixes) === endpointOf(own, hostSuffixes)) return true;
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if (port !== ctx.req.socket.localPort) return false;
  const name = new URL(`http://${endpointOf(url.host, hostSuffixes)}`).hostname.replace(/^\[|\]$/g, '');
  const local = localAddresses();
  if (local.has(name) || name.endsWith('.localhost')) return true;
  try {
    const resolved = await lookup(name, { all: true });
    return resolved.length > 0 && resolved.every((a) => local.has(a.address.toLowerCase()));
  } catch {
    return false;
  }
}

export interface ResolveCopySourceOptions {
  /** Copy Blob: a Shared Key caller of the source's storage account may read the source. */
  readonly callerMayRead: boolean;
}

/** The source blob of a copy, once the request may read it. */
export async function resolveCopySource(ctx: AzureContext, deps: AzureDeps, options: ResolveCopySourceOptions): Promise<CopySource> {
  const url = parseSourceUrl(ctx);
  if (!(await isThisServer(ctx, url, deps.config.hostSuffixes))) {
    throw new AzureError('NotImplemented', { message: 'Zenko copies only from blobs it serves itself (this endpoint, under any name).' });
  }
  const address = parseAddress(url.host, url.pathname, { hostSuffixes: deps.config.hostSuffixes });
  if (url.searchParams.has('snapshot') || url.searchParams.has('versionid') || url.searchParams.has('versionId')) {
    throw new AzureError('NotImplemented', { message: 'Copying from snapshots or versions is not implemented by Zenko.' });
  }
  // `/account/blob` names a blob of `$root`, which does not exist here.
  if (address.container === undefined || address.blob === undefined || address.container.startsWith('$')) throw NOT_FOUND();

  const accounts = new StorageAccountCache(deps.accounts);
  const request: AuthRequest = {
    method: 'GET',
    path: url.pathname,
    query: url.search.startsWith('?') ? url.search.slice(1) : url.search,
    headers: {},
    protocol: url.protocol === 'https:' ? 'https' : 'http',
  };
  let identity;
  try {
    identity = await authenticate(
      request,
      { account: address.account, container: address.container, blob: address.blob },
      { getAccountKeys: async (name) => (await accounts.get(name))?.keys },
    );
    if (identity.kind === 'accountSas' || identity.kind === 'serviceSas') assertSasAllows(identity, OPERATIONS.GetBlob.sas);
  } catch (err) {
    if (isAzureError(err)) throw cannotVerify(err.status, err.message, err);
    throw err;
  }
  const sourceAccount = await accounts.get(address.account);
  const bucket = await getBucket(deps, address.container);
  if (sourceAccount === undefined || bucket === undefined) throw NOT_FOUND();
  const owned = bucket.ownerId === sourceAccount.accountId;
  let allowed: boolean;
  if (identity.kind === 'anonymous') {
    const caller =
      options.callerMayRead &&
      ctx.identity.kind === 'sharedKey' &&
      ctx.account !== undefined &&
      ctx.account.name === sourceAccount.name &&
      owned;
    allowed = caller || effectivePublicAccess(bucket) !== undefined;
  } else {
    allowed = owned;
  }
  // Azure does not tell a requester without access whether a private blob exists.
  if (!allowed) throw NOT_FOUND();

  const version = await currentBlob(deps, bucket.name, address.blob);
  if (version === undefined) throw NOT_FOUND();
  try {
    checkConditions(
      'PUT',
      {
        'if-match': ctx.headers['x-ms-source-if-match'],
        'if-none-match': ctx.headers['x-ms-source-if-none-match'],
        'if-modified-since': ctx.headers['x-ms-source-if-modified-since'],
        'if-unmodified-since': ctx.headers['x-ms-source-if-unmodified-since'],
        'x-ms-if-tags': ctx.headers['x-ms-source-if-tags'],
      },
      blobConditionState(version),
    );
  } catch (err) {
    if (isAzureError(err) && err.code === 'ConditionNotMet') throw new AzureError('SourceConditionNotMet', { cause: err });
    if (isAzureError(err) && err.code === 'InvalidHeaderValue' && err.fields['HeaderName'] === 'x-ms-if-tags')
      throw new AzureError('InvalidHeaderValue', {
        fields: { HeaderName: 'x-ms-source-if-tags', HeaderValue: ctx.headers['x-ms-source-if-tags'] },
      });
    throw err;
  }
  checkReadLease(leaseOf(version.attributes), ctx.headers['x-ms-source-lease-id'], 'blob');
  return { url, bucket, version };
}
