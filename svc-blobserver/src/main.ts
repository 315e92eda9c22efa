// svc-blobserver: the Azure Blob HTTP edge over the same namespace.
import { peerAddress, port, runService, startHttpEdge, TOPOLOGY } from '@zenko/mesh';
import { azureClientErrorResponse, azureNotImplemented, renderAzureFailure } from './azure-response.js';

await runService({
  name: 'svc-blobserver',
  schema: {
    azurePort: port('ZENKO_AZURE_PORT', 'Azure Blob HTTP port', TOPOLOGY['svc-blobserver'].edge?.port),
    metadataAddress: peerAddress('svc-metadata'),
    cloudserverAddress: peerAddress('svc-cloudserver'),
  },
  async start({ config, logger, metrics }) {
    const edge = await startHttpEdge({
      host: config.host,
      port: config.azurePort,
      logger,
      metrics,
      handler: azureNotImplemented,
      onError: renderAzureFailure,
      clientErrorResponse: azureClientErrorResponse,
    });
    return {
      services: [],
      endpoints: [{ kind: 'azure', address: `http://${config.host}:${edge.port}` }],
      stopAccepting: () => edge.close(),
    };
  },
});
