// The Azure Blob request pipeline: address → route → authenticate (Shared Key, Shared Key Lite,
// SAS or anonymous) → the operation's handler. Operations the router names but this edge refuses
// (routeSupported), and supported ones without a handler yet, answer 501 NotImplemented.
// Failures are rendered by azure-response.ts; every response carries x-ms-request-id,
// x-ms-version and Date.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EdgeHandler, EdgeRequestContext } from '@zenko/mesh';
import { authenticate, type AzureIdentity } from './auth/authenticate.js';
import { queryParams } from './auth/canonical-query.js';
import type { AuthRequest } from './auth/types.js';
import { authorizeSas, getBucket } from './azure/access.js';
import { containerAcl } from './azure/container-state.js';
import type { AzureContext } from './azure/context.js';
import { applyCors } from './azure/cors.js';
import type { AzureDeps } from './azure/deps.js';
import { serviceProperties } from './azure/service-properties.js';
import { StorageAccountCache } from './azure/storage-accounts.js';
import { AZURE_DEFAULT_VERSION, AzureError } from './errors/azure-errors.js';
import { HANDLERS } from './handlers/index.js';
import { parseAddress } from './protocol/addressing.js';
import { routeRequest, routeSupported } from './protocol/route.js';

/** Lower-case header names; repeated headers joined with ', ' (as node:http does). */
function joinHeaders(raw: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    out[name] = out[name] === undefined ? value : `${out[name]}, ${value}`;
  }
  return out;
}

function serviceEndpoint(headers: Record<string, string>, style: 'host' | 'path', account: string): string {
  const host = headers['host'] ?? 'localhost';
  return style === 'path' ? `http://${host}/${account}/` : `http://${host}/`;
}

export function createAzureHandler(deps: AzureDeps): EdgeHandler {
  const accounts = new StorageAccountCache(deps.accounts);
  return async (req: IncomingMessage, res: ServerResponse, edge: EdgeRequestContext) => {
    const headers = joinHeaders(req.rawHeaders);
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const rawPath = q === -1 ? target : target.slice(0, q);
    const rawQuery = q === -1 ? '' : target.slice(q + 1);
    const address = parseAddress(headers['host'], rawPath, { hostSuffixes: deps.config.hostSuffixes });
    const query = queryParams(rawQuery);
    const route = routeRequest({ method: req.method ?? 'GET', address, query, headers });
    edge.operation = route.operation;
    // CORS: every answer to a cross-origin request (errors included) carries the matching rule's headers.
    const origin = headers['origin'];
    if (origin !== undefined && route.operation !== 'PreflightBlobRequest') {
      applyCors(res, serviceProperties(await accounts.get(address.account)).cors, origin, req.method ?? 'GET');
    }

    const authRequest: AuthRequest = {
      method: req.method ?? 'GET',
      path: rawPath,
      query: rawQuery,
      headers,
      ...(req.socket.remoteAddress === undefined ? {} : { sourceIp: req.socket.remoteAddress }),
    };
    const account = await accounts.get(address.account);
    // Read (parsed from the account's stored properties) only for a request that names no version.
    const defaultServiceVersion =
      headers['x-ms-version'] === undefined && account !== undefined ? serviceProperties(account).defaultServiceVersion : undefined;
    // A CORS preflight carries no credentials (a SAS in its URL is the request it precedes): the
    // service's CORS rules alone answer it.
    const identity: AzureIdentity =
      route.operation === 'PreflightBlobRequest'
        ? { kind: 'anonymous', account: address.account }
        : await authenticate(
            authRequest,
            { account: address.account, container: route.container, blob: route.blob },
            {
              getAccountKeys: async (name) => (await accounts.get(name))?.keys,
              // A service SAS's `si`: the container's stored access policy of that id (Set Container ACL).
              getStoredAccessPolicy: async (accountName, containerName, identifier) => {
                const owner = await accounts.get(accountName);
                const bucket = await getBucket(deps, containerName);
                if (owner === undefined || bucket === undefined || bucket.ownerId !== owner.accountId) return undefined;
                return containerAcl(bucket).identifiers.find((i) => i.id === identifier);
              },
              // Set Blob Service Properties' DefaultServiceVersion serves Shared Key requests without x-ms-version.
              ...(defaultServiceVersion === undefined ? {} : { defaultServiceVersion }),
            },
          );
    const handler = HANDLERS[route.operation];
    if (!routeSupported(route) || handler === undefined) {
      throw new AzureError('NotImplemented', { message: `${route.operation} is not implemented by Zenko.` });
    }
    checkUnsupportedHeaders(route.operation, headers);
    const ctx: AzureContext = {
      req,
      res,
      edge,
      operation: route.operation,
      route,
      query,
      headers,
      identity,
      account,
      version: headers['x-ms-version'] ?? (identity.kind === 'anonymous' ? AZURE_DEFAULT_VERSION : identity.version),
      serviceEndpoint: serviceEndpoint(headers, address.style, address.account),
      forgetAccount: () => accounts.invalidate(address.account),
    };
    authorizeSas(ctx);
    await handler(ctx, deps);
    if (!req.complete) req.resume();
  };
}

/** Operations that create a blob, where x-ms-access-tier sets its tier, and Set Blob Tier. */
const TIERED_WRITES = new Set(['PutBlob', 'PutBlockList', 'CopyBlob', 'CopyBlobFromURL', 'PutBlobFromURL', 'SetBlobTier']);
const TIERS = new Set(['Hot', 'Cool', 'Cold', 'Archive']);

/**
 * Request headers asking for features Zenko does not have are refused, never silently ignored
 * (the client would believe its data encrypted under its key, held, or tiered): customer-provided
 * keys, encryption scopes, immutability and legal hold, and any tier but Hot, the only one.
 */
function checkUnsupportedHeaders(operation: string, headers: Readonly<Record<string, string | undefined>>): void {
  const refuse = (what: string): never => {
    throw new AzureError('NotImplemented', { message: `${what} ${what.endsWith('s') ? 'are' : 'is'} not implemented by Zenko.` });
  };
  if (headers['x-ms-encryption-key'] !== undefined || headers['x-ms-source-encryption-key'] !== undefined)
    refuse('Customer-provided encryption keys');
  for (const name of ['x-ms-encryption-scope', 'x-ms-default-encryption-scope']) {
    const scope = headers[name];
    if (scope !== undefined && scope !== '$account-encryption-key') refuse('Encryption scopes');
  }
  if (
    headers['x-ms-legal-hold'] !== undefined ||
    headers['x-ms-immutability-policy-until-date'] !== undefined ||
    headers['x-ms-immutability-policy-mode'] !== undefined
  )
    refuse('Immutability policies and legal holds');
  const tier = headers['x-ms-access-tier'];
  if (tier !== undefined && TIERED_WRITES.has(operation)) {
    if (!TIERS.has(tier)) throw new AzureError('InvalidHeaderValue', { fields: { HeaderName: 'x-ms-access-tier', HeaderValue: tier } });
    if (tier !== 'Hot') refuse(`The ${tier} access tier`);
  }
}
