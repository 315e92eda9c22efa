// svc-metadata: the namespace (MetadataService), accounts (AccountService) and
// locations (LocationRegistryService).
import { accountV1AccountService, locationV1LocationRegistryService, metadataV1MetadataService } from '@zenko/gen';
import { runService, service, str } from '@zenko/mesh';

await runService({
  name: 'svc-metadata',
  schema: {
    dataDir: str('ZENKO_DATA_DIR', 'directory holding metadata and local data', './.zenko'),
  },
  start() {
    return Promise.resolve({
      services: [
        service(metadataV1MetadataService.MetadataServiceService, {}),
        service(accountV1AccountService.AccountServiceService, {}),
        service(locationV1LocationRegistryService.LocationRegistryServiceService, {}),
      ],
    });
  },
});
