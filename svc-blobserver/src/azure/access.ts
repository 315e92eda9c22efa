// Finding the container (bucket) a request addresses and deciding whether the requester may act
// on it: the storage account's account owns its containers (Shared Key and SAS requests of that
// account act as the owner, a SAS further limited by its permissions); anonymous requests may
// only read containers whose public access level allows it.
import type { metadataV1Metadata } from '@zenko/gen';
import { isMeshError } from '@zenko/mesh';
import { assertSasAllows } from '../auth/sas.js';
import { AzureError } from '../errors/azure-errors.js';
import { checkContainerName } from '../protocol/names.js';
import { OPERATIONS, type OperationName } from '../protocol/operations.js';
import type { AzureContext } from './context.js';
import type { AzureDeps } from './deps.js';
import { effectivePublicAccess, type PublicAccess } from './container-state.js';

export type Bucket = metadataV1Metadata.Bucket;

/** The public access level an anonymous request needs for each operation it may call. */
const ANONYMOUS: Partial<Record<OperationName, PublicAccess>> = {
  GetBlob: 'blob',
  GetBlobProperties: 'blob',
  GetBlobMetadata: 'blob',
  GetBlockList: 'blob',
  ListBlobs: 'container',
  GetContainerProperties: 'container',
  GetContainerMetadata: 'container',
};

export function containerName(ctx: AzureContext): string {
  const name = ctx.route.container;
  if (name === undefined) throw new AzureError('InvalidUri');
  checkContainerName(name);
  // `$root`, `$logs` and `$web` are not bucket names: those containers do not exist here.
  if (name.startsWith('$')) throw new AzureError('ContainerNotFound');
  return name;
}

export function blobName(ctx: AzureContext): string {
  const name = ctx.route.blob;
  if (name === undefined || name === '') throw new AzureError('InvalidUri');
  if (name.length > 1024)
    throw new AzureError('OutOfRangeInput', { message: 'The specified resource name length is not within the permissible limits.' });
  return name;
}

/** The storage account of an authenticated request (anonymous requests have none to act as). */
export function requireAccount(ctx: AzureContext): NonNullable<AzureContext['account']> {
  if (ctx.identity.kind === 'anonymous' || ctx.account === undefined) throw new AzureError('NoAuthenticationInformation');
  return ctx.account;
}

/** Checks the operation against the request's SAS, if any (`targetExists` for overwrites). */
export function authorizeSas(ctx: AzureContext, targetExists?: boolean): void {
  if (ctx.identity.kind !== 'accountSas' && ctx.identity.kind !== 'serviceSas') return;
  assertSasAllows(ctx.identity, OPERATIONS[ctx.operation].sas, {
    ...(targetExists === undefined ? {} : { targetExists }),
    leaseBreak: ctx.headers['x-ms-lease-action'] === 'break',
  });
}

export async function getBucket(deps: AzureDeps, name: string): Promise<Bucket | undefined> {
  try {
    return (await deps.metadata.getBucket({ name })).bucket;
  } catch (err) {
    if (isMeshError(err, 'BUCKET_NOT_FOUND') || isMeshError(err, 'INVALID_BUCKET_NAME')) return undefined;
    throw err;
  }
}

/** The container, once the requester may do the request's operation on it. */
export async function authorizedContainer(ctx: AzureContext, deps: AzureDeps): Promise<Bucket> {
  const name = containerName(ctx);
  const bucket = await getBucket(deps, name);
  if (ctx.identity.kind === 'anonymous') {
    const needs = ANONYMOUS[ctx.operation];
    const level = bucket === undefined ? undefined : effectivePublicAccess(bucket);
    if (bucket === undefined || needs === undefined || level === undefined || (needs === 'container' && level !== 'container')) {
      // Azure does not tell an anonymous requester whether a private resource exists.
      throw new AzureError(needs === undefined ? 'NoAuthenticationInformation' : 'ResourceNotFound');
    }
    return bucket;
  }
  if (bucket === undefined) throw new AzureError('ContainerNotFound');
  if (ctx.account === undefined || bucket.ownerId !== ctx.account.accountId) throw new AzureError('AuthorizationFailure');
  return bucket;
}
