// Storage accounts for authentication and ownership, from AccountService, kept for a short
// while so that a burst of requests costs one lookup.
import type { accountV1AccountService } from '@zenko/gen';
import { isMeshError, type PromiseClient } from '@zenko/mesh';

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
  readonly #entries = new Map<string, { account: StorageAccount | undefined; expires: number }>();

  constructor(
    private readonly accounts: AccountClient,
    private readonly ttlMs = 10_000,
    private readonly maxEntries = 10_000,
  ) {}

  /** The storage account, `undefined` when no account has this storage account name. */
  readonly get = async (name: string): Promise<StorageAccount | undefined> => {
    const now = Date.now();
    const hit = this.#entries.get(name);
    if (hit !== undefined && hit.expires > now) return hit.account;
    let account: StorageAccount | undefined;
    try {
      const res = await this.accounts.resolveStorageAccount({ storageAccountName: name });
      account =
        res.account === undefined
          ? undefined
          : {
              name,
              accountId: res.account.id,
              displayName: res.account.displayName || res.account.name,
              keys: res.keys.map((k) => Buffer.from(k, 'base64')),
              attributes: res.account.attributes,
            };
    } catch (err) {
      if (!isMeshError(err, 'ACCOUNT_NOT_FOUND') && !isMeshError(err, 'INVALID_ARGUMENT')) throw err;
      account = undefined;
    }
    if (this.#entries.size >= this.maxEntries) this.#entries.clear();
    this.#entries.set(name, { account, expires: now + this.ttlMs });
    return account;
  };

  /** Forgets a storage account, so that the next request reads it anew (after this edge changed it). */
  readonly invalidate = (name: string): void => {
    this.#entries.delete(name);
  };
}
