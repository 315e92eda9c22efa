// CORS: the OPTIONS preflight, answered from the bucket's CORS configuration
// without authentication, and the headers added to actual cross-origin requests.
import { S3Error } from '../errors/s3-errors.js';
import { matchCors } from '../config/cors.js';
import { corsDoc, loadBucket } from '../s3/access.js';
import { sendEmpty } from '../s3/context.js';
import type { S3Handler } from '../s3/deps.js';

/**
 * The preflight answers as S3's recorded ones: no Origin is 400; a missing bucket or one without a
 * CORS configuration is 403 with its own message and ResourceType BUCKET; rules that do not allow
 * the request are 403 naming the resource. `Method` is the requested method, else OPTIONS.
 */
export const corsPreflight: S3Handler = async (ctx, deps) => {
  const origin = ctx.headers['origin'];
  if (origin === undefined) throw new S3Error('BadRequest', { message: 'Insufficient information. Origin request header needed.' });
  const method = ctx.headers['access-control-request-method'];
  const forbidden = (resourceType: 'BUCKET' | 'OBJECT', reason?: string): S3Error =>
    new S3Error('AccessForbidden', {
      ...(reason === undefined ? {} : { message: `CORSResponse: ${reason}` }),
      fields: { Method: method ?? 'OPTIONS', ResourceType: resourceType },
    });
  let bucket;
  try {
    bucket = await loadBucket(ctx, deps);
  } catch (err) {
    if (err instanceof S3Error && err.code === 'NoSuchBucket') throw forbidden('BUCKET', 'Bucket not found');
    throw err;
  }
  const doc = corsDoc(bucket);
  if (doc === undefined) throw forbidden('BUCKET', 'CORS is not enabled for this bucket.');
  const requestHeaders = ctx.headers['access-control-request-headers'];
  const headers = method === undefined ? undefined : matchCors(doc, { origin, method, ...(requestHeaders ? { requestHeaders } : {}) });
  if (headers === undefined) throw forbidden(ctx.key === undefined ? 'BUCKET' : 'OBJECT');
  sendEmpty(ctx, 200, headers);
};
