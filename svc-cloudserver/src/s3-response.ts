// Minimal S3 error responses for the foundation edge. The full S3 error table
// (errors/s3-errors.ts) replaces the small map below as operations arrive.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isMeshError, type EdgeRequestContext, type Reason } from '@zenko/mesh';

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const escapeXml = (s: string): string => s.replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);

const REASON_TO_S3: Partial<Record<Reason, [code: string, status: number]>> = {
  UNIMPLEMENTED: ['NotImplemented', 501],
  UNAVAILABLE: ['ServiceUnavailable', 503],
  DEADLINE_EXCEEDED: ['ServiceUnavailable', 503],
};

export function sendS3Error(
  res: ServerResponse,
  ctx: EdgeRequestContext,
  code: string,
  status: number,
  message: string,
  resource: string,
): void {
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message>` +
    `<Resource>${escapeXml(resource)}</Resource><RequestId>${ctx.requestId}</RequestId></Error>`;
  res.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    'x-amz-request-id': ctx.requestId,
  });
  res.end(body);
}

export function renderS3Failure(err: unknown, req: IncomingMessage, res: ServerResponse, ctx: EdgeRequestContext): void {
  const mapped = isMeshError(err) ? REASON_TO_S3[err.reason] : undefined;
  if (mapped === undefined) ctx.logger.error({ err }, 'internal error');
  const [code, status] = mapped ?? ['InternalError', 500];
  const message = mapped ? (err as Error).message : 'We encountered an internal error. Please try again.';
  sendS3Error(res, ctx, code, status, message, (req.url ?? '/').split('?')[0] ?? '/');
}
