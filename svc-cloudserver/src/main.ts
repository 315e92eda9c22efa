// svc-cloudserver: the S3 HTTP edge and the DataPlacementService.
import { metadataV1MetadataService } from '@zenko/gen';
import { createClient, peerAddress, port, runService, str, TOPOLOGY } from '@zenko/mesh';
import { LocationSet } from './data/locations.js';
import { DataPlacement } from './data/placement.js';
import { dataPlacementService } from './data/placement-service.js';
import { createS3Handler } from './server.js';
import { renderS3Failure } from './s3/errors.js';
import { startHttpEdge } from '@zenko/mesh';

await runService({
  name: 'svc-cloudserver',
  schema: {
    s3Port: port('ZENKO_S3_PORT', 'S3 HTTP port', TOPOLOGY['svc-cloudserver'].edge?.port),
    metadataAddress: peerAddress('svc-metadata'),
    dataDir: str('ZENKO_DATA_DIR', 'directory holding metadata and local data', './.zenko'),
  },
  async start({ config, logger, metrics, onClose }) {
    const metadata = createClient(metadataV1MetadataService.MetadataServiceService, config.metadataAddress, { metrics });
    onClose(() => {
      metadata.close();
    });
    const locations = await LocationSet.withBuiltins(config.dataDir);
    onClose(() => locations.close());
    const data = new DataPlacement(locations);
    const edge = await startHttpEdge({
      host: config.host,
      port: config.s3Port,
      logger,
      metrics,
      handler: createS3Handler({ metadata }),
      onError: renderS3Failure,
    });
    return {
      services: [dataPlacementService(data)],
      endpoints: [{ kind: 's3', address: `http://${config.host}:${edge.port}` }],
      stopAccepting: () => edge.close(),
    };
  },
});
