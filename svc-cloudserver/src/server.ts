// The S3 request handler: routes a request to its operation. Operations not
// implemented answer 501 NotImplemented.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { metadataV1MetadataService } from '@zenko/gen';
import { MeshError, type EdgeHandler, type EdgeRequestContext, type PromiseClient } from '@zenko/mesh';

export interface S3Deps {
  metadata: PromiseClient<typeof metadataV1MetadataService.MetadataServiceService>;
}

export function createS3Handler(deps: S3Deps): EdgeHandler {
  return async (req: IncomingMessage, res: ServerResponse, ctx: EdgeRequestContext) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/') {
      ctx.operation = 'ListBuckets';
      // Crosses into svc-metadata; answers once that service implements it.
      await deps.metadata.listBuckets({ ownerId: '' });
      throw new MeshError('UNIMPLEMENTED', 'ListBuckets is not implemented yet');
    }
    req.resume();
    throw new MeshError('UNIMPLEMENTED', 'A header you provided implies functionality that is not implemented');
  };
}
