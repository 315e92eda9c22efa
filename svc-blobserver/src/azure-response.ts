// Azure-shaped failure responses: x-ms-error-code, the XML error body (none for HEAD and 304),
// x-ms-request-id, the echoed x-ms-version and Date, through the one error renderer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { drainAfterAnswer, EdgeTimeoutError, type EdgeClientError, type EdgeRequestContext } from '@zenko/mesh';
import { clientRequestId } from './azure/context.js';
import { AZURE_DEFAULT_VERSION, AzureError, azureErrorTime, renderAzureError } from './errors/azure-errors.js';
import { azureErrorOf } from './errors/reason-to-azure.js';
import { XmlWriter } from './xml/writer.js';

export function renderAzureFailure(err: unknown, req: IncomingMessage, res: ServerResponse, ctx: EdgeRequestContext): void {
  const azureErr = err instanceof EdgeTimeoutError ? new AzureError('OperationTimedOut') : azureErrorOf(err);
  // A client that went away mid-request is not a server failure.
  const clientGone = res.destroyed || (req.destroyed && !req.complete);
  if (azureErr.status >= 500 && azureErr.code !== 'NotImplemented' && !clientGone) {
    ctx.logger.error({ err: azureErr.cause ?? err, operation: ctx.operation }, 'Azure request failed');
  } else {
    ctx.logger.debug({ code: azureErr.code, operation: ctx.operation }, 'Azure request refused');
  }
  const version = req.headers['x-ms-version'];
  const rendered = renderAzureError(azureErr, ctx.requestId, {
    method: req.method ?? 'GET',
    version: typeof version === 'string' && version !== '' ? version : undefined,
  });
  const headers: Record<string, string> = { ...rendered.headers, ...clientRequestId(req.headers) };
  // A stalled body (OperationTimedOut) is not waited for: the connection closes after the answer.
  if (err instanceof EdgeTimeoutError) {
    if (!req.complete) headers['connection'] = 'close';
  } else drainAfterAnswer(req, res);
  res.writeHead(rendered.status, headers);
  res.end(rendered.body);
}

/** What the Azure edge answers when node's HTTP parser refuses a request. */
export function azureClientErrorResponse(
  kind: EdgeClientError,
  requestId: string,
): { status: number; headers: Record<string, string>; body: string } {
  const code = kind === 'headers-too-large' ? 'RequestHeaderFieldsTooLarge' : 'InvalidInput';
  const w = new XmlWriter();
  w.open('Error')
    .leaf('Code', code)
    .leaf('Message', `The request could not be read.\nRequestId:${requestId}\nTime:${azureErrorTime(new Date())}`);
  const body = w.close().end();
  return {
    status: 400,
    headers: {
      'content-type': 'application/xml',
      'x-ms-error-code': code,
      'x-ms-request-id': requestId,
      'x-ms-version': AZURE_DEFAULT_VERSION,
    },
    body,
  };
}
