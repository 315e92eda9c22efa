// svc-blobserver: the Azure Blob HTTP edge over the same namespace as the S3 edge.
import { join } from 'node:path';
import { accountV1AccountService, locationV1LocationRegistryService, placementV1DataPlacementService } from '@zenko/gen';
import { bool, createClient, createMetadataClient, int, peerAddress, port, runService, startHttpEdge, str, TOPOLOGY } from '@zenko/mesh';
import { LOCAL_READS_SETTING, LOCAL_WRITES_SETTING, withLocalReads } from '@zenko/svc-metadata/local-reads';
import { azureClientErrorResponse, renderAzureFailure } from './azure-response.js';
import { LocalData } from './azure/local-data.js';
import { INLINE_SETTING, ReleaseQueue, registryUsage, versionsReference } from '@zenko/svc-cloudserver/local-data';
import { deletePiece } from './azure/release.js';
import { createAzureHandler } from './server.js';

await runService({
  name: 'svc-blobserver',
  schema: {
    azurePort: port('ZENKO_AZURE_PORT', 'Azure Blob HTTP port', TOPOLOGY['svc-blobserver'].edge?.port),
    metadataAddress: peerAddress('svc-metadata'),
    localReads: LOCAL_READS_SETTING,
    localWrites: LOCAL_WRITES_SETTING,
    cloudserverAddress: peerAddress('svc-cloudserver'),
    dataDir: str('ZENKO_DATA_DIR', 'directory holding metadata and local data', './.zenko'),
    releaseRetryMs: int('ZENKO_RELEASE_RETRY_MS', 'pause between retries of deletes of released data that failed', 30_000, 100),
    defaultLocation: str('ZENKO_DEFAULT_LOCATION', 'location of containers created through the Azure edge', 'us-east-1'),
    hostSuffixes: str(
      'ZENKO_AZURE_HOST_SUFFIXES',
      'comma-separated host suffixes that make <account><suffix> host-style (besides <account>.blob.*)',
      '',
    ),
    localData: bool(
      'ZENKO_AZURE_LOCAL_DATA',
      'read and write blobs of `file` locations directly when this process sees their directory (checked by its IDENTITY file)',
      true,
    ),
    idleTimeoutMs: int('ZENKO_HTTP_IDLE_TIMEOUT_MS', 'a request whose body stalls this long is answered OperationTimedOut', 20_000, 100),
    inlineMaxBytes: INLINE_SETTING,
  },
  async start({ config, logger, metrics, onClose, lockDataDir }) {
    // Its temporary files in `file` locations (emptied at its first attach) and release journal: one per data directory.
    lockDataDir(config.dataDir);
    const metadata = withLocalReads(createMetadataClient(config.metadataAddress, { metrics }), {
      logger,
      enabled: config.localReads,
      writes: config.localWrites,
    });
    const accounts = createClient(accountV1AccountService.AccountServiceService, config.metadataAddress, { metrics });
    const placement = createClient(placementV1DataPlacementService.DataPlacementServiceService, config.cloudserverAddress, {
      metrics,
      idempotent: ['Delete'],
    });
    // Direct writes to a `file` location with a size limit read its usage here.
    const registry = createClient(locationV1LocationRegistryService.LocationRegistryServiceService, config.metadataAddress, { metrics });
    onClose(async () => {
      metadata.close();
      await metadata.closeLocal();
      accounts.close();
      placement.close();
      registry.close();
    });
    const local = new LocalData(placement, config.localData, config.inlineMaxBytes, registryUsage(registry));
    const releases = new ReleaseQueue({
      delete: (p) => deletePiece(local, placement, p),
      referenced: versionsReference(metadata),
      file: join(config.dataDir, 'releases', 'svc-blobserver.jsonl'),
      logger,
      retryMs: config.releaseRetryMs,
    });
    await releases.start();
    onClose(async () => releases.close());
    const edge = await startHttpEdge({
      host: config.host,
      port: config.azurePort,
      logger,
      metrics,
      handler: createAzureHandler({
        metadata,
        accounts,
        placement,
        local,
        releases,
        logger,
        config: {
          defaultLocation: config.defaultLocation,
          hostSuffixes: config.hostSuffixes
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== ''),
        },
      }),
      onError: renderAzureFailure,
      clientErrorResponse: azureClientErrorResponse,
      idleTimeoutMs: config.idleTimeoutMs,
    });
    return {
      services: [],
      endpoints: [{ kind: 'azure', address: `http://${config.host}:${edge.port}` }],
      stopAccepting: () => edge.close(),
    };
  },
});
