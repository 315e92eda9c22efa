// The MetadataService client every process uses: a typed promise client whose hot
// single-item calls (GetBucket, GetObject, PutObject) coalesce into the batch RPCs
// under concurrency (see batch.ts). Reads keep two batches in flight so the client
// and the server work at the same time.
import { metadataV1MetadataService } from '@zenko/gen';
import { coalesce, type CoalesceOptions } from './batch.js';
import { createClient, type ClientOptions } from './client.js';
import type { PromiseClient } from './types.js';

export type MetadataClient = PromiseClient<typeof metadataV1MetadataService.MetadataServiceService>;

export function createMetadataClient(
  address: string,
  options: ClientOptions & { coalesce?: CoalesceOptions | false } = {},
): MetadataClient {
  const client = createClient(metadataV1MetadataService.MetadataServiceService, address, options);
  if (options.coalesce === false) return client;
  return {
    ...client,
    getBucket: coalesce(client.getBucket, client.batchGetBuckets, options.coalesce),
    getObject: coalesce(client.getObject, client.batchGetObjects, options.coalesce),
    // One write batch at a time: writes are bound by the store's durable commit, and calls
    // that wait for the batch in flight join one larger commit (group commit across the
    // wire); two half-size batches in flight would each pay a commit.
    putObject: coalesce(client.putObject, client.batchPutObjects, { maxInFlight: 1, ...options.coalesce }),
  };
}
