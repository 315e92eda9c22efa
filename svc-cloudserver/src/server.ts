// The S3 request pipeline: route → authenticate → read the body as the signature
// says → the operation's handler. Operations without a handler answer 501
// NotImplemented (listed in the README).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EdgeHandler, EdgeRequestContext } from '@zenko/mesh';
import { authenticate } from './auth/authenticate.js';
import { createAwsChunkedDecoder, type AwsChunkedDecoder } from './auth/chunked.js';
import { createPayloadHashVerifier } from './auth/payload-hash.js';
import { S3Error } from './errors/s3-errors.js';
import { HANDLERS } from './handlers/index.js';
import { route, RouteError } from './routes/route.js';
import { emptyVersionId } from './s3/access.js';
import type { Identity, S3Context, SignatureInfo } from './s3/context.js';
import type { S3Deps } from './s3/deps.js';

/** Lower-case header names; repeated headers joined with ',' (what signers sign). */
function joinHeaders(raw: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    out[name] = out[name] === undefined ? value : `${out[name]},${value}`;
  }
  return out;
}

function declaredLength(headers: Record<string, string>, chunked: boolean): number {
  const raw = chunked ? headers['x-amz-decoded-content-length'] : headers['content-length'];
  if (raw === undefined || !/^\d{1,16}$/.test(raw.trim())) return -1;
  return Number(raw);
}

export function createS3Handler(deps: S3Deps): EdgeHandler {
  return async (req: IncomingMessage, res: ServerResponse, edge: EdgeRequestContext) => {
    const headers = joinHeaders(req.rawHeaders);
    let routed;
    try {
      routed = route(req.method ?? 'GET', req.url ?? '/', headers, deps.config.endpoints);
    } catch (err) {
      if (err instanceof RouteError) throw new S3Error(err.code);
      throw err;
    }
    edge.operation = routed.operation ?? 'NotImplemented';

    const vhost = routed.bucket !== undefined && !routed.rawPath.startsWith(`/${encodeURIComponent(routed.bucket)}`);
    const auth = await authenticate(
      {
        method: req.method ?? 'GET',
        path: routed.rawPath,
        query: routed.rawQuery,
        headers,
        ...(vhost ? { virtualHostedBucket: routed.bucket! } : {}),
      },
      { getSecret: deps.secrets.get },
    );
    const identity: Identity | undefined =
      auth.kind === 'anonymous'
        ? undefined
        : { accountId: auth.identity.accountId, displayName: auth.identity.displayName, accessKeyId: auth.accessKeyId };
    const signature: SignatureInfo | undefined =
      auth.kind === 'anonymous'
        ? undefined
        : {
            version: auth.kind.startsWith('sigv4') ? 'AWS4-HMAC-SHA256' : 'AWS',
            authType: auth.kind.endsWith('-query') ? 'REST-QUERY-STRING' : 'REST-HEADER',
            signedAtMs: auth.signedAtMs,
          };

    const operation = routed.operation;
    const handler = operation === undefined ? undefined : HANDLERS[operation];
    if (operation === undefined || handler === undefined) {
      throw new S3Error('NotImplemented', {
        message: `${routed.unsupported ?? operation ?? 'This operation'} is not implemented by Zenko`,
      });
    }

    checkEncryptionHeaders(headers);
    // S3 refuses `?versionId=` with no id (it never means "the latest version": a client passing
    // an unset version id must not delete or read the current object instead).
    if (routed.key !== undefined && routed.query.get('versionId') === '') throw emptyVersionId();

    const chunked = auth.payload.kind === 'aws-chunked';
    let decoder: AwsChunkedDecoder | undefined;
    let consumed = false;
    const body = (options: { trailingChecksumChecked?: boolean } = {}): AsyncIterable<Uint8Array> => {
      if (consumed) throw new Error('request body read twice');
      consumed = true;
      const payload = auth.payload;
      if (payload.kind === 'unsigned') return req;
      const transform =
        payload.kind === 'sha256'
          ? createPayloadHashVerifier(payload.sha256Hex)
          : (decoder = createAwsChunkedDecoder(payload, headers, { verifyChecksum: options.trailingChecksumChecked !== true }));
      // The verifier's own error (SignatureDoesNotMatch, XAmzContentSHA256Mismatch, ...) must reach the
      // reader as it is, and a client that goes away must end the read, not leave it waiting.
      req.on('error', (err) => transform.destroy(err));
      req.on('close', () => {
        if (!req.complete && !transform.destroyed) transform.destroy(new S3Error('IncompleteBody'));
      });
      // The reader gets errors through iteration; once it has stopped reading, later ones have no one to tell.
      transform.on('error', () => undefined);
      req.pipe(transform);
      return transform;
    };
    const ctx: S3Context = {
      req,
      res,
      edge,
      operation,
      route: routed,
      bucket: routed.bucket,
      key: routed.key,
      query: routed.query,
      headers,
      identity,
      signature,
      payload: auth.payload,
      bodyLength: declaredLength(headers, chunked),
      body,
      trailingChecksum: () => decoder?.checksum,
    };
    await handler(ctx, deps);
    if (!consumed && !req.complete) req.resume();
  };
}

/**
 * Server-side encryption headers: `x-amz-server-side-encryption: AES256` is accepted (the bytes
 * are stored as written: encryption at rest is the data directory's or the cloud location's);
 * KMS and customer-provided keys (SSE-C) are not implemented — refused, never silently ignored.
 */
function checkEncryptionHeaders(headers: Readonly<Record<string, string | undefined>>): void {
  const sse = headers['x-amz-server-side-encryption'];
  if (sse !== undefined && sse !== 'AES256') {
    if (sse === 'aws:kms' || sse === 'aws:kms:dsse')
      throw new S3Error('NotImplemented', { message: `Server-side encryption with ${sse} is not implemented by Zenko` });
    throw new S3Error('InvalidArgument', {
      message: 'The encryption method specified is not supported',
      fields: { ArgumentName: 'x-amz-server-side-encryption', ArgumentValue: sse },
    });
  }
  for (const name of Object.keys(headers)) {
    if (name.startsWith('x-amz-server-side-encryption-customer-') || name.startsWith('x-amz-copy-source-server-side-encryption-customer-'))
      throw new S3Error('NotImplemented', {
        message: 'Server-side encryption with customer-provided keys (SSE-C) is not implemented by Zenko',
      });
  }
}
