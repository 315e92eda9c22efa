// Get Account Information (`?restype=account&comp=properties`, on the service, a container or a
// blob URL): the storage account's SKU and kind. Zenko's accounts are one kind: a general-purpose
// v2 account with locally redundant storage and no hierarchical namespace.
import { authorizeSas, requireAccount } from '../azure/access.js';
import { drain, sendEmpty } from '../azure/context.js';
import type { AzureHandler } from '../azure/deps.js';

export const getAccountInformation: AzureHandler = async (ctx) => {
  requireAccount(ctx);
  authorizeSas(ctx);
  await drain(ctx);
  sendEmpty(ctx, 200, { 'x-ms-sku-name': 'Standard_LRS', 'x-ms-account-kind': 'StorageV2', 'x-ms-is-hns-enabled': 'false' });
};
