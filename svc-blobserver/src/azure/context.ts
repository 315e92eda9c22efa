// What an Azure operation handler receives: the routed request, who sent it, and the response
// helpers that put the headers every Azure response carries (x-ms-request-id, x-ms-version, Date).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EdgeRequestContext } from '@zenko/mesh';
import type { AzureIdentity } from '../auth/authenticate.js';
import { rfc1123Now } from '../protocol/dates.js';
import type { OperationName } from '../protocol/operations.js';
import type { Route } from '../protocol/route.js';
import type { StorageAccount } from './storage-accounts.js';

export interface AzureContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly edge: EdgeRequestContext;
  readonly operation: OperationName;
  readonly route: Route;
  /** Decoded query parameters by lower-cased name. */
  readonly query: ReadonlyMap<string, string>;
  /** Lower-case names; repeated headers joined with ', '. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly identity: AzureIdentity;
  /** The storage account the URL names; `undefined` when none has that name (anonymous requests only). */
  readonly account: StorageAccount | undefined;
  /** The service version echoed in `x-ms-version`. */
  readonly version: string;
  /** `http://host/devstoreaccount1/` (path-style) or `http://account.host/` (host-style). */
  readonly serviceEndpoint: string;
  /** Drops the edge's cached copy of the storage account (after changing it). */
  readonly forgetAccount?: () => void;
}

export function baseHeaders(ctx: AzureContext): Record<string, string> {
  return { 'x-ms-request-id': ctx.edge.requestId, 'x-ms-version': ctx.version, date: rfc1123Now(), ...clientRequestId(ctx.headers) };
}

/** `x-ms-client-request-id`, echoed on every answer (errors too) when it is at most 1024 visible ASCII characters, as Azure does. */
export function clientRequestId(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
  const id = headers['x-ms-client-request-id'];
  return typeof id === 'string' && id.length <= 1024 && /^[\x20-\x7e]*$/.test(id) ? { 'x-ms-client-request-id': id } : {};
}

type Headers = Record<string, string | readonly string[]>;

/** A response without a body (HEAD keeps the headers, including a content length it describes). */
export function sendEmpty(ctx: AzureContext, status: number, headers: Headers = {}): void {
  ctx.res.writeHead(status, { ...baseHeaders(ctx), 'content-length': '0', ...headers });
  ctx.res.end();
}

/** Sends an XML document (its UTF-8 bytes, from XmlWriter.endBytes). */
export function sendXml(ctx: AzureContext, status: number, body: Buffer, headers: Headers = {}): void {
  ctx.res.writeHead(status, {
    ...baseHeaders(ctx),
    'content-type': 'application/xml',
    'content-length': String(body.length),
    ...headers,
  });
  ctx.res.end(ctx.req.method === 'HEAD' ? undefined : body);
}

/** Reads and discards a body the operation does not use, so the connection can be reused. */
export async function drain(ctx: AzureContext): Promise<void> {
  if (ctx.req.complete) return;
  for await (const _ of ctx.req) {
    /* discard */
  }
}
