// svc-cosmos: out-of-band ingestion of existing buckets (IngestionService).
import { ingestionV1IngestionService } from '@zenko/gen';
import { peerAddress, runService, service } from '@zenko/mesh';

await runService({
  name: 'svc-cosmos',
  schema: {
    metadataAddress: peerAddress('svc-metadata'),
  },
  start() {
    return Promise.resolve({ services: [service(ingestionV1IngestionService.IngestionServiceService, {})] });
  },
});
