// svc-metadata: the namespace (MetadataService), accounts (AccountService) and
// locations (LocationRegistryService), on MongoDB when a URL is configured, else on LMDB under
// the data directory.
import { join, resolve } from 'node:path';
import { placementV1DataPlacementService } from '@zenko/gen';
import { bootstrapKeySettings, createClient, ensureIdentity, int, mongoUrl, peerAddress, runService, str } from '@zenko/mesh';
import { Accounts } from './accounts/accounts.js';
import { SecretBox } from './accounts/secret-box.js';
import { trimOplog } from './namespace/index.js';
import { LocationRegistry } from './locations/registry.js';
import { accountService } from './rpc/account-service.js';
import { locationService } from './rpc/location-service.js';
import { metadataService, type LocalStore } from './rpc/metadata-service.js';
import type { KvStore } from './store/kv.js';
import { openLmdbStore } from './store/lmdb-store.js';
import { openMongoStore } from './store/mongo-store.js';

await runService({
  name: 'svc-metadata',
  schema: {
    dataDir: str('ZENKO_DATA_DIR', 'directory holding metadata and local data', './.zenko'),
    cloudserverAddress: peerAddress('svc-cloudserver'),
    mongodbUrl: mongoUrl('ZENKO_MONGODB_URL', 'MongoDB replica set holding the metadata (unset: LMDB under the data directory)', ''),
    mongodbUrlFallback: mongoUrl('MONGODB_URL', 'read when ZENKO_MONGODB_URL is unset', ''),
    mongodbDatabase: str('ZENKO_MONGODB_DATABASE', 'MongoDB database holding the metadata', 'zenko'),
    ...bootstrapKeySettings(),
    oplogRetentionHours: int(
      'ZENKO_OPLOG_RETENTION_HOURS',
      'hours oplog entries are kept once every consumer has passed them',
      24,
      0,
      24 * 365,
    ),
  },
  async start({ config, logger, metrics, onClose, lockDataDir }) {
    const mongodbUrl = config.mongodbUrl || config.mongodbUrlFallback;
    let store: KvStore;
    let local: LocalStore | undefined;
    if (mongodbUrl !== '') {
      store = await openMongoStore({ url: mongodbUrl, database: config.mongodbDatabase });
      logger.info({ store: 'mongodb', database: config.mongodbDatabase }, 'metadata on MongoDB');
    } else {
      // The store lives in the data directory: one svc-metadata owns it (the edges open it beside it).
      lockDataDir(config.dataDir);
      const path = resolve(config.dataDir, 'metadata');
      store = await openLmdbStore({ path });
      local = { path, identity: await ensureIdentity(path) };
      logger.info({ store: 'lmdb', path }, 'metadata on LMDB');
    }
    onClose(() => store.close());
    const box = SecretBox.open(join(config.dataDir, 'keys', 'sealing.key'));
    const accounts = new Accounts(store, box);
    // New and changed locations are probed through svc-cloudserver, which builds their backends.
    const placement = createClient(placementV1DataPlacementService.DataPlacementServiceService, config.cloudserverAddress, {
      metrics,
      deadlineMs: 60_000,
    });
    onClose(() => placement.close());
    const locations = new LocationRegistry(store, box, async (location) => {
      await placement.probeLocation({ location });
    });
    await locations.bootstrap();
    if (await accounts.bootstrap(config.accessKey, config.secretKey)) {
      logger.info({ accessKey: config.accessKey }, 'first start: created account "zenko" with the configured access key');
    }
    const retentionMs = config.oplogRetentionHours * 3_600_000;
    const trimmer = setInterval(() => {
      trimOplog(store, { retentionMs }).catch((err: unknown) => logger.warn({ err }, 'oplog trimming failed'));
    }, 60_000);
    trimmer.unref();
    onClose(() => clearInterval(trimmer));
    return {
      services: [metadataService(store, { accounts, locations, local }), accountService(accounts), locationService(locations)],
    };
  },
});
