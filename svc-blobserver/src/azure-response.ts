// Azure-shaped error responses for the foundation edge: x-ms-error-code, the XML
// error body, x-ms-request-id and the echoed x-ms-version.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EdgeTimeoutError, isMeshError, MeshError, type EdgeClientError, type EdgeRequestContext } from '@zenko/mesh';

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const escapeXml = (s: string): string => s.replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);

export const AZURE_API_VERSION = '2025-01-05';

export function sendAzureError(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: EdgeRequestContext,
  code: string,
  status: number,
  message: string,
): void {
  const body =
    '\uFEFF<?xml version="1.0" encoding="utf-8"?>' +
    `<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(`${message}\nRequestId:${ctx.requestId}\nTime:${new Date().toISOString()}`)}</Message></Error>`;
  const version = req.headers['x-ms-version'];
  res.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    'x-ms-error-code': code,
    'x-ms-request-id': ctx.requestId,
    'x-ms-version': typeof version === 'string' ? version : AZURE_API_VERSION,
  });
  res.end(body);
}

export function azureNotImplemented(req: IncomingMessage): Promise<void> {
  req.resume();
  return Promise.reject(new MeshError('UNIMPLEMENTED', 'The requested operation is not implemented on this server.'));
}

export function renderAzureFailure(err: unknown, req: IncomingMessage, res: ServerResponse, ctx: EdgeRequestContext): void {
  if (isMeshError(err, 'UNIMPLEMENTED')) {
    sendAzureError(req, res, ctx, 'NotImplemented', 501, err.message);
    return;
  }
  if (err instanceof EdgeTimeoutError) {
    sendAzureError(req, res, ctx, 'OperationTimedOut', 500, 'The operation could not be completed within the permitted time.');
    return;
  }
  ctx.logger.error({ err }, 'internal error');
  sendAzureError(req, res, ctx, 'InternalError', 500, 'The server encountered an internal error. Please retry the request.');
}

/** What the Azure edge answers when node's HTTP parser refuses a request. */
export function azureClientErrorResponse(
  kind: EdgeClientError,
  requestId: string,
): { status: number; headers: Record<string, string>; body: string } {
  const code = kind === 'headers-too-large' ? 'RequestHeaderFieldsTooLarge' : 'InvalidInput';
  const body = `\uFEFF<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${escapeXml(`The request could not be read.\nRequestId:${requestId}\nTime:${new Date().toISOString()}`)}</Message></Error>`;
  return {
    status: 400,
    headers: {
      'content-type': 'application/xml',
      'x-ms-error-code': code,
      'x-ms-request-id': requestId,
      'x-ms-version': AZURE_API_VERSION,
    },
    body,
  };
}
