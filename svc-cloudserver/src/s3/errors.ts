// Renders any failure of an S3 request as AWS does: the S3 error document (no body
// for HEAD), x-amz-request-id, and the status of the error table.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EdgeTimeoutError, type EdgeClientError, type EdgeRequestContext } from '@zenko/mesh';
import { s3ErrorOf } from '../errors/reason-to-s3.js';
import { renderS3Error, S3Error } from '../errors/s3-errors.js';
import { hostId } from './context.js';

export function renderS3Failure(err: unknown, req: IncomingMessage, res: ServerResponse, edge: EdgeRequestContext): void {
  const resource = (req.url ?? '/').split('?')[0] ?? '/';
  const s3err = err instanceof EdgeTimeoutError ? new S3Error('RequestTimeout', { resource }) : s3ErrorOf(err, resource);
  // NotImplemented (501) is the answer to a request, not a failure of the server.
  // A client that went away mid-request is not a server failure.
  const clientGone = res.destroyed || (req.destroyed && !req.complete);
  if (!clientGone && (s3err.code === 'InternalError' || (s3err.status >= 500 && s3err.code !== 'NotImplemented')))
    edge.logger.error({ err: s3err.cause ?? err, operation: edge.operation }, 'S3 request failed');
  else edge.logger.debug({ code: s3err.code, operation: edge.operation }, 'S3 request refused');
  const body = req.method === 'HEAD' ? undefined : Buffer.from(renderS3Error(s3err, edge.requestId, hostId(edge.requestId)));
  const headers: Record<string, string> = {
    'x-amz-request-id': edge.requestId,
    'x-amz-id-2': hostId(edge.requestId),
    'content-type': 'application/xml',
  };
  if (body !== undefined) headers['content-length'] = String(body.length);
  const respond = (): void => {
    if (res.headersSent || res.destroyed) return;
    // A request whose body was not read must not leave the connection in an unknown state.
    if (!req.complete) headers['connection'] = 'close';
    res.writeHead(s3err.status, headers);
    res.end(body);
  };
  if (req.complete || req.destroyed || err instanceof EdgeTimeoutError) {
    respond();
    return;
  }
  // What is left of a small body is read first (at most LINGER_BYTES, for at most LINGER_MS):
  // closing while the client still sends makes some clients (fetch) report a reset instead of
  // the answer. A larger or slower rest gets the answer and a closed connection.
  let left = LINGER_BYTES;
  const timer = setTimeout(respond, LINGER_MS);
  const done = (): void => {
    clearTimeout(timer);
    req.off('data', count);
    respond();
  };
  const count = (chunk: Buffer): void => {
    left -= chunk.length;
    if (left < 0) done();
  };
  req.on('data', count);
  req.once('end', done);
  req.once('error', done);
  req.resume();
}

const LINGER_BYTES = 1024 * 1024;
const LINGER_MS = 1_000;

/** What the S3 edge answers when node's HTTP parser refuses a request. */
export function s3ClientErrorResponse(
  kind: EdgeClientError,
  requestId: string,
): { status: number; headers: Record<string, string>; body: string } {
  const err = new S3Error(kind === 'headers-too-large' ? 'RequestHeaderSectionTooLarge' : 'BadRequest');
  return {
    status: err.status,
    headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId, 'x-amz-id-2': hostId(requestId) },
    body: renderS3Error(err, requestId, hostId(requestId)),
  };
}
