/**
 * Which scheme a request uses, and its verification: an `Authorization` header (Shared Key or
 * Shared Key Lite; bearer tokens are not supported), else a SAS (`sig` in the query), else
 * anonymous (the edge decides whether the container allows public access).
 */
import { AzureError } from '../errors/azure-errors.js';
import { verifySas, type SasTarget, type VerifiedSas } from './sas.js';
import { parseSharedKeyAuthorization, verifySharedKey, type SharedKeyIdentity } from './shared-key.js';
import type { AuthRequest, Clock, GetAccountKeys, GetStoredAccessPolicy } from './types.js';

export interface AnonymousIdentity {
  readonly kind: 'anonymous';
  readonly account: string;
}

export type AzureIdentity = SharedKeyIdentity | VerifiedSas | AnonymousIdentity;

export interface AuthenticateOptions {
  readonly getAccountKeys: GetAccountKeys;
  readonly getStoredAccessPolicy?: GetStoredAccessPolicy;
  readonly clock?: Clock;
  /** The account's DefaultServiceVersion, for Shared Key requests without `x-ms-version`. */
  readonly defaultServiceVersion?: string | undefined;
}

/** Authenticates a request addressed to `target` (protocol/addressing.ts). */
export async function authenticate(req: AuthRequest, target: SasTarget, options: AuthenticateOptions): Promise<AzureIdentity> {
  const authorization = req.headers['authorization'];
  if (authorization !== undefined && authorization !== '') {
    if (parseSharedKeyAuthorization(authorization) === undefined) {
      throw AzureError.authenticationFailed('Only Shared Key, Shared Key Lite and shared access signatures are supported.');
    }
    return verifySharedKey(req, target.account, {
      getAccountKeys: options.getAccountKeys,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      defaultServiceVersion: options.defaultServiceVersion,
    });
  }
  const sas = await verifySas(req, target, {
    getAccountKeys: options.getAccountKeys,
    ...(options.getStoredAccessPolicy === undefined ? {} : { getStoredAccessPolicy: options.getStoredAccessPolicy }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  return sas ?? { kind: 'anonymous', account: target.account };
}
