// Preflight Blob Request (OPTIONS on the service, a container or a blob, with or without it
// existing): evaluated against the storage account's CORS rules (azure/cors.ts), never
// authenticated. 200 with the Access-Control-* headers, 403 CorsPreflightFailure when CORS is
// off or no rule matches, 400 when Origin or Access-Control-Request-Method is missing.
import { evaluatePreflight } from '../azure/cors.js';
import { drain, sendEmpty } from '../azure/context.js';
import type { AzureHandler } from '../azure/deps.js';
import { serviceProperties } from '../azure/service-properties.js';
import { AzureError } from '../errors/azure-errors.js';

export const preflightBlobRequest: AzureHandler = async (ctx) => {
  await drain(ctx);
  for (const name of ['origin', 'access-control-request-method']) {
    if (ctx.headers[name] === undefined || ctx.headers[name] === '') {
      throw new AzureError('InvalidHeaderValue', { message: 'A required CORS header is not present.', fields: { HeaderName: name } });
    }
  }
  if (ctx.account === undefined) throw new AzureError('CorsPreflightFailure');
  const result = evaluatePreflight(
    serviceProperties(ctx.account).cors,
    ctx.headers['origin']!,
    ctx.headers['access-control-request-method']!,
    ctx.headers['access-control-request-headers'],
  );
  if (!result.allowed) throw new AzureError('CorsPreflightFailure');
  sendEmpty(ctx, 200, result.headers);
};
