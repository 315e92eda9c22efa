// svc-cloudserver: the S3 HTTP edge and the DataPlacementService.
import { join } from 'node:path';
import { accountV1AccountService, locationV1LocationRegistryService } from '@zenko/gen';
import { createClient, createMetadataClient, int, peerAddress, port, runService, startHttpEdge, str, TOPOLOGY } from '@zenko/mesh';
import { LOCAL_READS_SETTING, LOCAL_WRITES_SETTING, withLocalReads } from '@zenko/svc-metadata/local-reads';
import { followLocations, registryUsage } from './data/location-watch.js';
import { DEFAULT_LOCATION, LocationSet } from './data/locations.js';
import { DataPlacement, INLINE_SETTING } from './data/placement.js';
import { dataPlacementService } from './data/placement-service.js';
import { ReleaseQueue, versionsReference } from './data/release-queue.js';
import { cloudserverCompatMetrics } from './s3/compat-metrics.js';
import { renderS3Failure, s3ClientErrorResponse } from './s3/errors.js';
import { SecretCache } from './s3/secrets.js';
import { createS3Handler } from './server.js';

await runService({
  name: 'svc-cloudserver',
  schema: {
    s3Port: port('ZENKO_S3_PORT', 'S3 HTTP port', TOPOLOGY['svc-cloudserver'].edge?.port),
    metadataAddress: peerAddress('svc-metadata'),
    localReads: LOCAL_READS_SETTING,
    localWrites: LOCAL_WRITES_SETTING,
    dataDir: str('ZENKO_DATA_DIR', 'directory holding metadata and local data', './.zenko'),
    releaseRetryMs: int('ZENKO_RELEASE_RETRY_MS', 'pause between retries of deletes of released data that failed', 30_000, 100),
    endpoints: str(
      'ZENKO_S3_ENDPOINTS',
      'comma-separated host names of the S3 service (virtual-hosted-style buckets)',
      'localhost,s3.localhost',
    ),
    idleTimeoutMs: int('ZENKO_HTTP_IDLE_TIMEOUT_MS', 'a request whose body stalls this long is answered RequestTimeout', 20_000, 100),
    defaultLocation: str('ZENKO_DEFAULT_LOCATION', 'location of buckets created without a LocationConstraint', DEFAULT_LOCATION),
    inlineMaxBytes: INLINE_SETTING,
  },
  async start({ config, logger, metrics, onClose, lockDataDir }) {
    // Its temporary files (emptied at start), release journal and local data: one process of this service per data directory.
    lockDataDir(config.dataDir);
    const metadata = withLocalReads(createMetadataClient(config.metadataAddress, { metrics }), {
      logger,
      enabled: config.localReads,
      writes: config.localWrites,
    });
    const accounts = createClient(accountV1AccountService.AccountServiceService, config.metadataAddress, { metrics });
    onClose(async () => {
      metadata.close();
      await metadata.closeLocal();
      accounts.close();
    });
    const registry = createClient(locationV1LocationRegistryService.LocationRegistryServiceService, config.metadataAddress, { metrics });
    const locations = new LocationSet();
    const stopWatching = new AbortController();
    onClose(async () => {
      stopWatching.abort();
      registry.close();
      await locations.close();
    });
    // Serve only once every defined location is known.
    await followLocations(registry, locations, config.dataDir, logger, stopWatching.signal);
    // What a failed write leaves at a target that is down (an open multipart upload) is journaled
    // and deleted once the target is back, like released data.
    const data = new DataPlacement(locations, config.inlineMaxBytes, registryUsage(registry), (piece) => void releases.later([piece]));
    const releases = new ReleaseQueue({
      delete: (p) => data.delete(p.location, p.key),
      referenced: versionsReference(metadata),
      file: join(config.dataDir, 'releases', 'svc-cloudserver.jsonl'),
      logger,
      retryMs: config.releaseRetryMs,
    });
    await releases.start();
    onClose(async () => releases.close());
    const edge = await startHttpEdge({
      host: config.host,
      port: config.s3Port,
      logger,
      metrics,
      observer: cloudserverCompatMetrics(metrics),
      handler: createS3Handler({
        metadata,
        accounts,
        data,
        releases,
        logger,
        secrets: new SecretCache(accounts),
        config: {
          endpoints: config.endpoints
            .split(',')
            .map((e) => e.trim())
            .filter((e) => e !== ''),
          defaultLocation: config.defaultLocation,
        },
      }),
      onError: renderS3Failure,
      clientErrorResponse: s3ClientErrorResponse,
      idleTimeoutMs: config.idleTimeoutMs,
    });
    return {
      services: [dataPlacementService(data, { dataDir: config.dataDir })],
      endpoints: [{ kind: 's3', address: `http://${config.host}:${edge.port}` }],
      stopAccepting: () => edge.close(),
    };
  },
});
