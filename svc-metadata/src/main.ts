// svc-metadata: the namespace (MetadataService), accounts (AccountService) and
// locations (LocationRegistryService), on LMDB under the data directory.
import { join } from 'node:path';
import { int, runService, str } from '@zenko/mesh';
import { Accounts } from './accounts/accounts.js';
import { SecretBox } from './accounts/secret-box.js';
import { trimOplog } from './namespace/index.js';
import { LocationRegistry } from './locations/registry.js';
import { accountService } from './rpc/account-service.js';
import { locationService } from './rpc/location-service.js';
import { metadataService } from './rpc/metadata-service.js';
import { openLmdbStore } from './store/lmdb-store.js';

await runService({
  name: 'svc-metadata',
  schema: {
    dataDir: str('ZENKO_DATA_DIR', 'directory holding metadata and local data', './.zenko'),
    accessKey: str('ZENKO_ACCESS_KEY', 'access key of the account created at first start', 'accessKey1'),
    secretKey: str('ZENKO_SECRET_KEY', 'secret key of the account created at first start', 'verySecretKey1'),
    oplogRetentionHours: int(
      'ZENKO_OPLOG_RETENTION_HOURS',
      'hours oplog entries are kept once every consumer has passed them',
      24,
      0,
      24 * 365,
    ),
  },
  async start({ config, logger, onClose }) {
    const store = await openLmdbStore({ path: join(config.dataDir, 'metadata') });
    onClose(() => store.close());
    const box = SecretBox.open(join(config.dataDir, 'keys', 'sealing.key'));
    const accounts = new Accounts(store, box);
    const locations = new LocationRegistry(store, box);
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
      services: [metadataService(store), accountService(accounts), locationService(locations)],
    };
  },
});
