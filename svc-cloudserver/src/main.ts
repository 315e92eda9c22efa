// svc-cloudserver: the S3 HTTP edge and the DataPlacementService.
import { metadataV1MetadataService, placementV1DataPlacementService } from '@zenko/gen';
import { createClient, peerAddress, port, runService, service, TOPOLOGY } from '@zenko/mesh';
import { createS3Handler } from './server.js';
import { renderS3Failure } from './s3-response.js';
import { startHttpEdge } from '@zenko/mesh';

await runService({
  name: 'svc-cloudserver',
  schema: {
    s3Port: port('ZENKO_S3_PORT', 'S3 HTTP port', TOPOLOGY['svc-cloudserver'].edge?.port),
    metadataAddress: peerAddress('svc-metadata'),
  },
  async start({ config, logger, metrics, onClose }) {
    const metadata = createClient(metadataV1MetadataService.MetadataServiceService, config.metadataAddress, { metrics });
    onClose(() => {
      metadata.close();
    });
    const edge = await startHttpEdge({
      host: config.host,
      port: config.s3Port,
      logger,
      metrics,
      handler: createS3Handler({ metadata }),
      onError: renderS3Failure,
    });
    return {
      services: [service(placementV1DataPlacementService.DataPlacementServiceService, {})],
      endpoints: [{ kind: 's3', address: `http://${config.host}:${edge.port}` }],
      stopAccepting: () => edge.close(),
    };
  },
});
