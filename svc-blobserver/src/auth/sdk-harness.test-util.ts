/**
 * Test support (not shipped: only *.test.ts import it): a local node:http server that records what
 * the official @azure/storage-blob client sends, and a fake HTTP client for host-style URLs that
 * cannot be resolved here. Each captured request is turned into an `AuthRequest`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthRequest } from './types.js';

export interface CapturedRequest {
  readonly auth: AuthRequest;
  readonly host: string | undefined;
  readonly rawHeaders: readonly string[];
}

export function toAuthRequest(method: string, target: string, headers: Readonly<Record<string, string | undefined>>): AuthRequest {
  const q = target.indexOf('?');
  return { method, path: q === -1 ? target : target.slice(0, q), query: q === -1 ? '' : target.slice(q + 1), headers };
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export interface CaptureServer {
  readonly url: string;
  readonly requests: CapturedRequest[];
  close(): Promise<void>;
}

/** Answers every request with 403 (so that SDK calls fail fast) after recording it. */
export async function startCaptureServer(): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const headers = flattenHeaders(req);
      requests.push({
        auth: toAuthRequest(req.method ?? 'GET', req.url ?? '/', headers),
        host: headers['host'],
        rawHeaders: req.rawHeaders,
      });
      res.writeHead(403, { 'x-ms-error-code': 'AuthenticationFailed', 'content-length': '0' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

/** The parts of the SDK's (legacy, core-http-compat) WebResource the fake client reads. */
interface SdkRequest {
  url: string;
  method: string;
  headers: { rawHeaders(): Record<string, string> };
}

/**
 * An `httpClient` for the SDK's pipeline options that records the signed request instead of
 * sending it (host-style URLs such as devstoreaccount1.blob.core.windows.net resolve nowhere here)
 * and answers 403.
 */
export function captureHttpClient(requests: CapturedRequest[]): { sendRequest(request: SdkRequest): Promise<unknown> } {
  return {
    sendRequest(request: SdkRequest): Promise<unknown> {
      const url = new URL(request.url);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers.rawHeaders())) headers[name.toLowerCase()] = value;
      requests.push({ auth: toAuthRequest(request.method, `${url.pathname}${url.search}`, headers), host: url.host, rawHeaders: [] });
      const responseHeaders = new Map<string, string>([['x-ms-error-code', 'AuthenticationFailed']]);
      return Promise.resolve({
        request,
        status: 403,
        headers: {
          get: (n: string) => responseHeaders.get(n.toLowerCase()),
          contains: (n: string) => responseHeaders.has(n.toLowerCase()),
          set: (n: string, v: string) => responseHeaders.set(n.toLowerCase(), v),
          remove: (n: string) => responseHeaders.delete(n.toLowerCase()),
          rawHeaders: () => Object.fromEntries(responseHeaders),
          headersArray: () => [...responseHeaders].map(([name, value]) => ({ name, value })),
          toJson: () => Object.fromEntries(responseHeaders),
        },
        bodyAsText: '',
      });
    },
  };
}
