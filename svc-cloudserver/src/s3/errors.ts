// Renders any failure of an S3 request as AWS does: the S3 error document (no body
// for HEAD), x-amz-request-id, and the status of the error table.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { drainAfterAnswer, EdgeTimeoutError, type EdgeClientError, type EdgeRequestContext } from '@zenko/mesh';
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
  if (res.headersSent || res.destroyed) return;
  // A stalled body (RequestTimeout) is not waited for: the connection closes after the answer.
  if (err instanceof EdgeTimeoutError) {
    if (!req.complete) headers['connection'] = 'close';
  } else drainAfterAnswer(req, res);
  res.writeHead(s3err.status, headers);
  res.end(body);
}

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
