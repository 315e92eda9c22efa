// An independent SigV4 signer for hand-built requests in tests (raw sockets, bodies
// the SDK would never send): header signing and aws-chunked bodies with chunk
// signatures, written from the AWS documentation, not from our server code.
import { createHash, createHmac } from 'node:crypto';

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();
const EMPTY_SHA256 = sha256('');

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SignedRequest {
  headers: Record<string, string>;
  /** For aws-chunked bodies: the seed signature and what chunk signing needs. */
  seed: { signature: string; amzDate: string; scope: string; key: Buffer };
}

function amzDateOf(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * Signs `method path?query` for host `host` (path already URI-encoded as sent). `payloadHash` is
 * the hex SHA-256 of the body, UNSIGNED-PAYLOAD or a STREAMING-* value.
 */
export function signV4(
  creds: Credentials,
  req: {
    method: string;
    host: string;
    path: string;
    query?: string;
    headers?: Record<string, string>;
    payloadHash: string;
    date?: Date;
    region?: string;
  },
): SignedRequest {
  const date = req.date ?? new Date();
  const amzDate = amzDateOf(date);
  const region = req.region ?? 'us-east-1';
  const scope = `${amzDate.slice(0, 8)}/${region}/s3/aws4_request`;
  const headers: Record<string, string> = {
    ...(req.headers ?? {}),
    host: req.host,
    'x-amz-date': amzDate,
    'x-amz-content-sha256': req.payloadHash,
  };
  const names = Object.keys(headers)
    .map((h) => h.toLowerCase())
    .sort();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const canonicalHeaders = names.map((n) => `${n}:${String(lower[n]).trim().replace(/\s+/g, ' ')}\n`).join('');
  const query = (req.query ?? '')
    .split('&')
    .filter((p) => p !== '')
    .map((p) => (p.includes('=') ? p : `${p}=`))
    .sort()
    .join('&');
  const canonical = [req.method, req.path, query, canonicalHeaders, names.join(';'), req.payloadHash].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, amzDate.slice(0, 8)), region), 's3'), 'aws4_request');
  const signature = hmac(key, toSign).toString('hex');
  return {
    headers: {
      ...headers,
      authorization: `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
    },
    seed: { signature, amzDate, scope, key },
  };
}

/** An aws-chunked body (STREAMING-AWS4-HMAC-SHA256-PAYLOAD): each chunk signed, chained from the seed. */
export function signedChunks(seed: SignedRequest['seed'], chunks: Buffer[]): Buffer[] {
  let previous = seed.signature;
  const out: Buffer[] = [];
  for (const data of [...chunks, Buffer.alloc(0)]) {
    const toSign = ['AWS4-HMAC-SHA256-PAYLOAD', seed.amzDate, seed.scope, previous, EMPTY_SHA256, sha256(data)].join('\n');
    const signature = hmac(seed.key, toSign).toString('hex');
    out.push(Buffer.concat([Buffer.from(`${data.length.toString(16)};chunk-signature=${signature}\r\n`), data, Buffer.from('\r\n')]));
    previous = signature;
  }
  return out;
}

export { sha256 };
