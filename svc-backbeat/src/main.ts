// svc-backbeat: background workers (replication, lifecycle, garbage collection)
// and the QueueControlService that steers them.
import { queueV1QueueControlService } from '@zenko/gen';
import { peerAddress, runService, service } from '@zenko/mesh';

await runService({
  name: 'svc-backbeat',
  schema: {
    metadataAddress: peerAddress('svc-metadata'),
    cloudserverAddress: peerAddress('svc-cloudserver'),
  },
  start() {
    return Promise.resolve({ services: [service(queueV1QueueControlService.QueueControlServiceService, {})] });
  },
});
