// Access-key secrets for authentication, from AccountService, kept for a short
// while so that a burst of requests costs one lookup.
import type { accountV1AccountService } from '@zenko/gen';
import { isMeshError, type PromiseClient } from '@zenko/mesh';
import type { SecretRecord } from '../auth/types.js';

export interface KeyRecord extends SecretRecord {
  readonly accountId: string;
  readonly displayName: string;
}

type AccountClient = PromiseClient<typeof accountV1AccountService.AccountServiceService>;

export class SecretCache {
  readonly #entries = new Map<string, { record: KeyRecord | undefined; expires: number }>();

  constructor(
    private readonly accounts: AccountClient,
    private readonly ttlMs = 10_000,
    private readonly maxEntries = 10_000,
  ) {}

  readonly get = async (accessKeyId: string): Promise<KeyRecord | undefined> => {
    const now = Date.now();
    const hit = this.#entries.get(accessKeyId);
    if (hit !== undefined && hit.expires > now) return hit.record;
    let record: KeyRecord | undefined;
    try {
      const res = await this.accounts.resolveAccessKey({ accessKeyId });
      record =
        res.account === undefined
          ? undefined
          : { secretKey: res.secretAccessKey, accountId: res.account.id, displayName: res.account.displayName || res.account.name };
    } catch (err) {
      if (!isMeshError(err, 'ACCESS_KEY_NOT_FOUND') && !isMeshError(err, 'ACCESS_KEY_DISABLED') && !isMeshError(err, 'ACCOUNT_NOT_FOUND'))
        throw err;
      record = undefined;
    }
    if (this.#entries.size >= this.maxEntries) this.#entries.clear();
    this.#entries.set(accessKeyId, { record, expires: now + this.ttlMs });
    return record;
  };
}
