// Access-key secrets for authentication, from AccountService, kept for a short while so that a
// burst of requests costs one lookup (and used a while longer if AccountService cannot answer:
// LookupCache).
import type { accountV1AccountService } from '@zenko/gen';
import { isMeshError, LookupCache, type LookupCacheOptions, type PromiseClient } from '@zenko/mesh';
import type { SecretRecord } from '../auth/types.js';

export interface KeyRecord extends SecretRecord {
  readonly accountId: string;
  readonly displayName: string;
}

type AccountClient = PromiseClient<typeof accountV1AccountService.AccountServiceService>;

export class SecretCache {
  readonly #cache: LookupCache<KeyRecord | undefined>;

  constructor(accounts: AccountClient, options: LookupCacheOptions = {}) {
    this.#cache = new LookupCache(async (accessKeyId) => {
      try {
        const res = await accounts.resolveAccessKey({ accessKeyId });
        return res.account === undefined
          ? undefined
          : { secretKey: res.secretAccessKey, accountId: res.account.id, displayName: res.account.displayName || res.account.name };
      } catch (err) {
        if (isMeshError(err, 'ACCESS_KEY_NOT_FOUND') || isMeshError(err, 'ACCESS_KEY_DISABLED') || isMeshError(err, 'ACCOUNT_NOT_FOUND')) {
          return undefined;
        }
        throw err;
      }
    }, options);
  }

  readonly get = (accessKeyId: string): Promise<KeyRecord | undefined> => this.#cache.get(accessKeyId);
}
