// AccountService over gRPC.
import { accountV1AccountService } from '@zenko/gen';
import { service, type ServiceRegistration } from '@zenko/mesh';
import type { Accounts } from '../accounts/accounts.js';

export function accountService(accounts: Accounts): ServiceRegistration {
  return service(accountV1AccountService.AccountServiceService, {
    createAccount: async (req) => ({ account: await accounts.create(req) }),
    getAccount: (req) => accounts.get(req.account),
    listAccounts: async () => ({ accounts: await accounts.list() }),
    deleteAccount: async (req) => {
      await accounts.delete(req.account);
      return {};
    },
    createAccessKey: (req) => accounts.createKey(req),
    listAccessKeys: async (req) => ({ accessKeys: await accounts.listKeys(req.account) }),
    updateAccessKey: async (req) => ({ accessKey: await accounts.updateKey(req.accessKeyId, req.status) }),
    deleteAccessKey: async (req) => {
      await accounts.deleteKey(req.accessKeyId);
      return {};
    },
    resolveAccessKey: (req) => accounts.resolveKey(req.accessKeyId),
    resolveStorageAccount: (req) => accounts.resolveStorageAccount(req.storageAccountName),
    regenerateStorageKey: (req) => accounts.regenerateStorageKey(req.account, req.keyName),
    updateAccountAttributes: async (req) => ({ account: await accounts.updateAttributes(req.account, req.attributes) }),
  });
}
