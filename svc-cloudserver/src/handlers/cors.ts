// CORS: the OPTIONS preflight, answered from the bucket's CORS configuration
// without authentication, and the headers added to actual cross-origin requests.
import { S3Error } from '../errors/s3-errors.js';
import { matchCors } from '../config/cors.js';
import { corsDoc, loadBucket } from '../s3/access.js';
import { sendEmpty } from '../s3/context.js';
import type { S3Handler } from '../s3/deps.js';

export const corsPreflight: S3Handler = async (ctx, deps) => {
  const origin = ctx.headers['origin'];
  const method = ctx.headers['access-control-request-method'];
  if (origin === undefined || method === undefined) {
    throw new S3Error('BadRequest', { message: 'Insufficient information. Origin request header needed.' });
  }
  const bucket = await loadBucket(ctx, deps);
  const doc = corsDoc(bucket);
  const requestHeaders = ctx.headers['access-control-request-headers'];
  const headers = doc && matchCors(doc, { origin, method, ...(requestHeaders ? { requestHeaders } : {}) });
  if (headers === undefined)
    throw new S3Error('AccessForbidden', { fields: { Method: method, ResourceType: ctx.key === undefined ? 'BUCKET' : 'OBJECT' } });
  sendEmpty(ctx, 200, headers);
};
