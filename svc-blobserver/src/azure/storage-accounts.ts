// Storage accounts for authentication and ownership, from AccountService, kept for a short
// while so that a burst of requests costs one lookup (and used a while longer if AccountService
// cannot answer: LookupCache).
import type { accountV1AccountService } from '@zenko/gen';
import { isMeshError, LookupCache, type LookupCacheOptions, type PromiseClient } from '@zenko/mesh';

export interface StorageAccount {
  /** The storage account name (`devstoreaccount1`). */
  readonly name: string;
  /** Canonical id of the Zenko account it maps to: the owner of its containers. */
  readonly accountId: string;
  readonly displayName: string;
  /** key1, key2, … decoded from base64. */
  readonly keys: readonly Buffer[];
  /** The account's edge-owned sub-documents (azure/service-properties.ts). */
  readonly attributes: Readonly<Record<string, string>>;
}

type AccountClient = PromiseClient<typeof accountV1AccountService.AccountServiceService>;

export class StorageAccountCache {
  readonly #cache: LookupCache<StorageAccount | undefined>;

  constructor(accounts: AccountClient, options: LookupCacheOptions = {}) {
    this.#cache = new LookupCache(async (name) => {
      try {
        const res = await accounts.resolveStorageAccount({ storageAccountName: name });
        return res.account === undefined
          ? undefined
          : {
              name,
              accountId: res.account.id,
              displayName: res.account.displayName || res.account.name,
              keys: res.keys.map((k) => Buffer.from(k, 'base64')),
              attributes: res.account.attributes,
            };
      } catch (err) {
        if (isMeshError(err, 'ACCOUNT_NOT_FOUND') || isMeshError(err, 'INVALID_ARGUMENT')) return undefined;
        throw err;
      }
    }, options);
  }

  /** The storage account, `undefined` when no account has this storage account name. */
  readonly get = (name: string): Promise<StorageAccount | undefined> => this.#cache.get(name);

  /** Forgets a storage account, so that the next request reads it anew (after this edge changed it). */
  readonly invalidate = (name: string): void => this.#cache.invalidate(name);
}
