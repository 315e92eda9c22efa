// A minimal benchmark client: each request is signed by hand (SigV4 with support/sigv4.ts,
// Azure SharedKey written here from the REST reference) and sent on a keep-alive node:http
// agent; the response body is read whole and checked by its status and length or by counting
// an element, never parsed. Its CPU per request is a fraction of an SDK's (middleware stacks,
// XML parsing, retries, checksums), so on this two-core machine, where the client and the
// servers share the cores, it shows how far apart two servers are at rates where an SDK client
// caps both near its own ceiling. The benches run it next to the SDK rows, never instead.
import { createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import { sha256, signV4, type Credentials } from '../support/sigv4.js';

export interface WireResponse {
  status: number;
  body: Buffer;
}

export interface WireRequest {
  method: string;
  /** URI-encoded path as sent. */
  path: string;
  /** URI-encoded query without `?`, its pairs in any order. */
  query?: string;
  headers?: Record<string, string>;
  body?: Buffer;
}

export interface WireClient {
  send(req: WireRequest): Promise<WireResponse>;
  destroy(): void;
}

function client(endpoint: string, sign: (req: WireRequest, host: string) => Record<string, string>): WireClient {
  const url = new URL(endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  return {
    send: (req) =>
      new Promise<WireResponse>((resolve, reject) => {
        const headers = sign(req, url.host);
        const path = req.query ? `${req.path}?${req.query}` : req.path;
        const out = request({ host: url.hostname, port: url.port, method: req.method, path, headers, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) }));
          res.on('error', reject);
        });
        out.on('error', reject);
        out.end(req.body);
      }),
    destroy: () => agent.destroy(),
  };
}

const EMPTY_SHA256 = sha256('');

/** An S3 client signing every request with SigV4 in headers (the payload hash is the body's SHA-256). */
export function s3Wire(endpoint: string, creds: Credentials): WireClient {
  // The benches send one body over and over: hash each distinct buffer once.
  const hashes = new WeakMap<Buffer, string>();
  const hashOf = (body: Buffer): string => {
    let hash = hashes.get(body);
    if (hash === undefined) hashes.set(body, (hash = sha256(body)));
    return hash;
  };
  return client(endpoint, (req, host) => {
    const headers = { ...req.headers, ...(req.body !== undefined && { 'content-length': String(req.body.length) }) };
    return signV4(creds, {
      method: req.method,
      host,
      path: req.path,
      query: req.query ?? '',
      headers,
      payloadHash: req.body === undefined ? EMPTY_SHA256 : hashOf(req.body),
    }).headers;
  });
}

/** The x-ms-version the Azure wire client sends (one both Zenko and Azurite serve). */
export const AZURE_WIRE_VERSION = '2025-01-05';

/**
 * An Azure Blob client signing every request with SharedKey: the string to sign is the verb, the
 * eleven standard headers (Content-Length empty when 0), the canonicalized x-ms-* headers and the
 * canonicalized resource (/account + the encoded path, then each query parameter as `\nname:value`, sorted).
 */
export function azureWire(endpoint: string, account: string, key: string): WireClient {
  const secret = Buffer.from(key, 'base64');
  return client(endpoint, (req) => {
    const length = req.body?.length ?? 0;
    const headers: Record<string, string> = {
      ...req.headers,
      'x-ms-date': new Date().toUTCString(),
      'x-ms-version': AZURE_WIRE_VERSION,
      ...(length > 0 && { 'content-length': String(length) }),
    };
    const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const standard = [
      'content-encoding',
      'content-language',
      'content-length',
      'content-md5',
      'content-type',
      'date',
      'if-modified-since',
      'if-match',
      'if-none-match',
      'if-unmodified-since',
      'range',
    ].map((h) => lower.get(h) ?? '');
    const msHeaders = [...lower]
      .filter(([k]) => k.startsWith('x-ms-'))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}:${v.trim()}\n`)
      .join('');
    const params = (req.query ?? '')
      .split('&')
      .filter((p) => p !== '')
      .map((p) => {
        const at = p.indexOf('=');
        const [name, value] = at < 0 ? [p, ''] : [p.slice(0, at), p.slice(at + 1)];
        return [decodeURIComponent(name).toLowerCase(), decodeURIComponent(value)] as const;
      })
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => `\n${name}:${value}`)
      .join('');
    const resource = `/${account}${req.path}${params}`;
    const toSign = [req.method, ...standard].join('\n') + '\n' + msHeaders + resource;
    const signature = createHmac('sha256', secret).update(toSign, 'utf8').digest('base64');
    return { ...headers, authorization: `SharedKey ${account}:${signature}` };
  });
}

/** How many times `needle` occurs in `body` (a listing's entries, counted without parsing). */
export function occurrences(body: Buffer, needle: string): number {
  const bytes = Buffer.from(needle);
  let n = 0;
  for (let at = body.indexOf(bytes); at >= 0; at = body.indexOf(bytes, at + bytes.length)) n++;
  return n;
}

/** Throws unless the response has `status` (and, when given, a body of `length` bytes). */
export function expectResponse(res: WireResponse, status: number, length?: number): void {
  if (res.status !== status) throw new Error(`status ${res.status}, expected ${status}: ${res.body.toString('utf8', 0, 300)}`);
  if (length !== undefined && res.body.length !== length) throw new Error(`body of ${res.body.length} bytes, expected ${length}`);
}
