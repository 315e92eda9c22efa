// What an S3 operation handler receives: the routed request, who sent it, its
// body (decoded and verified as the authentication said) and response helpers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EdgeRequestContext } from '@zenko/mesh';
import type { TrailingChecksum } from '../auth/chunked.js';
import type { PayloadMode } from '../auth/types.js';
import type { Operation, Route } from '../routes/route.js';
import { S3Error } from '../errors/s3-errors.js';

export interface Identity {
  readonly accountId: string;
  readonly displayName: string;
  readonly accessKeyId: string;
}

/** How a request was signed, for the policy condition keys s3:signatureversion, s3:authType and s3:signatureAge. */
export interface SignatureInfo {
  readonly version: 'AWS4-HMAC-SHA256' | 'AWS';
  readonly authType: 'REST-HEADER' | 'REST-QUERY-STRING' | 'POST';
  /** SigV4: when it was signed, in ms. */
  readonly signedAtMs?: number | undefined;
}

export interface S3Context {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly edge: EdgeRequestContext;
  readonly operation: Operation;
  readonly route: Route;
  readonly bucket: string | undefined;
  readonly key: string | undefined;
  readonly query: URLSearchParams;
  /** Lower-case names; repeated headers joined with ','. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** undefined: an anonymous request. */
  readonly identity: Identity | undefined;
  /** undefined: an anonymous request. */
  readonly signature?: SignatureInfo | undefined;
  readonly payload: PayloadMode;
  /** Size of the decoded body, -1 when the client did not say. */
  readonly bodyLength: number;
  /**
   * The request body, decoded (aws-chunked) and verified (payload hash, chunk signatures, the
   * trailing checksum). Read once. `trailingChecksumChecked`: the caller compares the trailing
   * checksum itself (data placement computes it anyway), so the decoder does not hash the bytes too.
   */
  body(options?: { trailingChecksumChecked?: boolean }): AsyncIterable<Uint8Array>;
  /** The trailing checksum of an aws-chunked body, known once the body was read. */
  trailingChecksum(): TrailingChecksum | undefined;
}

export function header(ctx: S3Context, name: string): string | undefined {
  return ctx.headers[name];
}

export function baseHeaders(ctx: S3Context): Record<string, string> {
  return { 'x-amz-request-id': ctx.edge.requestId, 'x-amz-id-2': hostId(ctx.edge.requestId) };
}

export function hostId(requestId: string): string {
  return Buffer.from(`zenko-${requestId}`).toString('base64');
}

export function sendXml(ctx: S3Context, status: number, xml: string, headers: Record<string, string> = {}): void {
  const body = Buffer.from(xml);
  ctx.res.writeHead(status, { ...baseHeaders(ctx), 'content-type': 'application/xml', 'content-length': String(body.length), ...headers });
  ctx.res.end(ctx.req.method === 'HEAD' ? undefined : body);
}

export function sendEmpty(ctx: S3Context, status: number, headers: Record<string, string> = {}): void {
  ctx.res.writeHead(status, { ...baseHeaders(ctx), 'content-length': '0', ...headers });
  ctx.res.end();
}

/** Reads and discards a body the operation does not use, so the connection can be reused. */
export async function drain(ctx: S3Context): Promise<void> {
  for await (const _ of ctx.body()) {
    /* discard */
  }
}

/**
 * The URL of an object, as S3 answers it in Location (CompleteMultipartUpload, PostObject): on
 * the host the client used, path-style or virtual-hosted as it addressed the bucket.
 */
export function objectUrl(ctx: S3Context, bucket: string, key: string): string {
  const path = key.split('/').map(encodeURIComponent).join('/');
  const pathStyle = ctx.route.rawPath === `/${bucket}` || ctx.route.rawPath.startsWith(`/${bucket}/`);
  return `http://${ctx.headers['host'] ?? 'localhost'}/${pathStyle ? `${bucket}/` : ''}${path}`;
}

/**
 * A page-size parameter (max-keys, max-parts, max-uploads): `def` when absent, at most `max`;
 * anything but a decimal 32-bit signed integer is InvalidArgument, as S3 answers.
 */
export function pageSizeParam(ctx: S3Context, name: string, def: number, max: number): number {
  const raw = ctx.query.get(name);
  if (raw === null) return def;
  if (!/^\d+$/.test(raw) || Number(raw) > 2_147_483_647)
    throw new S3Error('InvalidArgument', {
      message: `Provided ${name} not an integer or within integer range`,
      fields: { ArgumentName: name, ArgumentValue: raw },
    });
  return Math.min(max, Number(raw));
}
