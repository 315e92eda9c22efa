// Accounts, their S3 access keys and their Azure storage account keys, on the
// metadata store. Names, storage account names and access key ids are unique
// (index records written in the same commit as the account).
import { createHash, randomBytes } from 'node:crypto';
import { accountV1AccountService } from '@zenko/gen';
import { MeshError, isMeshError } from '@zenko/mesh';
import type { KvOp, KvStore } from '../store/kv.js';
import { prefixSuccessor } from '../store/kv.js';
import { listBuckets } from '../namespace/buckets.js';
import { finalError, withRetry } from '../namespace/common.js';
import { dependOn, guardRevision, removeGuard } from '../store/guards.js';
import type { SecretBox } from './secret-box.js';

type Account = accountV1AccountService.Account;
type AccessKey = accountV1AccountService.AccessKey;
const Status = accountV1AccountService.AccessKeyStatus;

interface AccountRecord {
  id: string;
  name: string;
  displayName: string;
  email: string;
  createdAt: number;
  storageAccountName: string;
  /** Sealed base64 storage account keys (key1, key2). */
  storageKeys: string[];
  /** Edge-owned sub-documents (Account.attributes); absent in records written before them. */
  attributes?: Record<string, string>;
}

interface KeyRecord {
  accessKeyId: string;
  accountId: string;
  active: boolean;
  createdAt: number;
  sealedSecret: string;
}

const ID = 'id/';
const NAME = 'name/';
const STORAGE = 'storage/';
const KEY = 'key/';
const BY_ACCOUNT = 'account/';

const NAME_RULE = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;
const ACCOUNT_ID = /^[0-9a-f]{64}$/;
/** Azure storage account names: 3-24 lower-case letters and digits. */
const STORAGE_RULE = /^[a-z0-9]{3,24}$/;
const ACCESS_KEY_RULE = /^[A-Za-z0-9]{3,128}$/;
/** The keys of a storage account, in their order in `storageKeys`. */
const STORAGE_KEY_NAMES: readonly string[] = ['key1', 'key2'];

/** The storage account and key every Azure SDK and Azurite know for local development. */
export const DEV_STORAGE_ACCOUNT = 'devstoreaccount1';
export const DEV_STORAGE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

const encode = (v: unknown): Uint8Array => Buffer.from(JSON.stringify(v));
const decode = <T>(v: Uint8Array): T => JSON.parse(Buffer.from(v).toString('utf8')) as T;

function toAccount(r: AccountRecord): Account {
  return {
    id: r.id,
    name: r.name,
    displayName: r.displayName,
    email: r.email,
    createdAt: new Date(r.createdAt),
    storageAccountName: r.storageAccountName,
    attributes: { ...r.attributes },
  };
}

function toKey(r: KeyRecord): AccessKey {
  return {
    accessKeyId: r.accessKeyId,
    accountId: r.accountId,
    status: r.active ? Status.ACCESS_KEY_STATUS_ACTIVE : Status.ACCESS_KEY_STATUS_INACTIVE,
    createdAt: new Date(r.createdAt),
  };
}

function conflictToExists(err: unknown, message: string): never {
  if (isMeshError(err, 'CONFLICT')) throw new MeshError('ACCOUNT_ALREADY_EXISTS', message);
  throw err;
}

export class Accounts {
  constructor(
    private readonly store: KvStore,
    private readonly box: SecretBox,
  ) {}

  private async record(account: string): Promise<{ record: AccountRecord; revision: number }> {
    let id = account;
    if (!ACCOUNT_ID.test(account)) {
      const byName = await this.store.get('accounts', NAME + account);
      if (byName === undefined) throw new MeshError('ACCOUNT_NOT_FOUND', `no account ${account}`, { details: { account } });
      id = Buffer.from(byName.value).toString('utf8');
    }
    const entry = await this.store.get('accounts', ID + id);
    if (entry === undefined) throw new MeshError('ACCOUNT_NOT_FOUND', `no account ${account}`, { details: { account } });
    return { record: decode<AccountRecord>(entry.value), revision: entry.revision };
  }

  async create(req: accountV1AccountService.CreateAccountRequest, storageKey?: string): Promise<Account> {
    if (!NAME_RULE.test(req.name)) throw new MeshError('INVALID_ARGUMENT', 'account names are 1-64 letters, digits and ._@+-');
    // Lookups take 64 hex digits for an account id: such a name could never be reached by name.
    if (ACCOUNT_ID.test(req.name))
      throw new MeshError('INVALID_ARGUMENT', 'an account name cannot be 64 hex digits (the form of an account id)');
    const storageAccountName =
      req.storageAccountName ||
      `${req.name
        .toLowerCase()
        .replace(/[^a-z0-9]/g, '')
        .slice(0, 16)}${randomBytes(4).toString('hex')}`.slice(0, 24);
    if (!STORAGE_RULE.test(storageAccountName))
      throw new MeshError('INVALID_ARGUMENT', 'storage account names are 3-24 lower-case letters and digits');
    const record: AccountRecord = {
      id: createHash('sha256').update(randomBytes(32)).digest('hex'),
      name: req.name,
      displayName: req.displayName || req.name,
      email: req.email,
      createdAt: Date.now(),
      storageAccountName,
      storageKeys: [storageKey ?? randomBytes(64).toString('base64'), randomBytes(64).toString('base64')].map((k) => this.box.seal(k)),
    };
    await this.store
      .commit({
        ops: [
          { type: 'put', table: 'accounts', key: ID + record.id, value: encode(record), expectRevision: 0 },
          { type: 'put', table: 'accounts', key: NAME + record.name, value: Buffer.from(record.id), expectRevision: 0 },
          { type: 'put', table: 'accounts', key: STORAGE + storageAccountName, value: Buffer.from(record.id), expectRevision: 0 },
        ],
      })
      .catch((err: unknown) => conflictToExists(err, `an account named ${req.name} or storage account ${storageAccountName} exists`));
    return toAccount(record);
  }

  async get(account: string): Promise<{ account: Account; accessKeys: AccessKey[] }> {
    const { record } = await this.record(account);
    return { account: toAccount(record), accessKeys: await this.keysOf(record.id) };
  }

  async list(): Promise<Account[]> {
    const out: Account[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.store.scan('accounts', {
        ...(after === undefined ? { gte: ID } : { gt: after }),
        lt: prefixSuccessor(ID)!,
        limit: 500,
      });
      out.push(...page.map((e) => toAccount(decode<AccountRecord>(e.value))));
      if (page.length < 500) return out;
      after = page[page.length - 1]!.key;
    }
  }

  private async keysOf(accountId: string): Promise<AccessKey[]> {
    const prefix = `${BY_ACCOUNT}${accountId}/`;
    const index = await this.store.scan('keys', { gte: prefix, lt: prefixSuccessor(prefix)!, limit: 1000 });
    const keys = await Promise.all(index.map((e) => this.store.get('keys', KEY + e.key.slice(prefix.length))));
    return keys.flatMap((e) => (e === undefined ? [] : [toKey(decode<KeyRecord>(e.value))]));
  }

  /** Ops making a bucket's creation depend on its owner, an account id (ACCOUNT_NOT_FOUND without one: store/guards.ts). */
  async bucketOwnerOps(ownerId: string): Promise<KvOp[]> {
    if (!ACCOUNT_ID.test(ownerId))
      throw new MeshError('ACCOUNT_NOT_FOUND', `a bucket owner is an account id, not ${JSON.stringify(ownerId.slice(0, 80))}`);
    const { revision } = await this.record(ownerId);
    return dependOn('account', ownerId, { table: 'accounts', key: ID + ownerId, revision });
  }

  async delete(account: string): Promise<void> {
    // A CONFLICT: a key or a bucket of the account committed while we looked (store/guards.ts).
    await withRetry(() => this.#delete(account));
  }

  async #delete(account: string): Promise<void> {
    const { record, revision } = await this.record(account);
    const guard = await guardRevision(this.store, 'account', record.id);
    const keys = await this.keysOf(record.id);
    if (keys.length > 0) throw new MeshError('ACCOUNT_NOT_EMPTY', `account ${record.name} still has ${keys.length} access key(s)`);
    const { buckets } = await listBuckets(this.store, { ownerId: record.id });
    if (buckets.length > 0) {
      const names = buckets.slice(0, 10).map((b) => b.name);
      throw new MeshError('ACCOUNT_NOT_EMPTY', `account ${record.name} still owns ${buckets.length} bucket(s): ${names.join(', ')}`, {
        details: { buckets: names.join(',') },
      });
    }
    await this.store.commit({
      ops: [
        { type: 'delete', table: 'accounts', key: ID + record.id, expectRevision: revision },
        { type: 'delete', table: 'accounts', key: NAME + record.name },
        { type: 'delete', table: 'accounts', key: STORAGE + record.storageAccountName },
        ...removeGuard('account', record.id, guard),
      ],
    });
  }

  async createKey(req: accountV1AccountService.CreateAccessKeyRequest): Promise<accountV1AccountService.CreateAccessKeyResponse> {
    const accessKeyId = req.accessKeyId || `AK${randomBytes(9).toString('hex').toUpperCase()}`;
    const secret = req.secretAccessKey || randomBytes(30).toString('base64').replace(/[+/=]/g, '').slice(0, 40);
    if (!ACCESS_KEY_RULE.test(accessKeyId)) throw new MeshError('INVALID_ARGUMENT', 'access key ids are 3-128 letters and digits');
    if (secret.length < 8) throw new MeshError('INVALID_ARGUMENT', 'secret keys have at least 8 characters');
    const sealedSecret = this.box.seal(secret);
    const key = await withRetry(async () => {
      const { record, revision } = await this.record(req.account);
      const key: KeyRecord = { accessKeyId, accountId: record.id, active: true, createdAt: Date.now(), sealedSecret };
      const ops: KvOp[] = [
        ...dependOn('account', record.id, { table: 'accounts', key: ID + record.id, revision }),
        { type: 'put', table: 'keys', key: KEY + accessKeyId, value: encode(key), expectRevision: 0 },
        { type: 'put', table: 'keys', key: `${BY_ACCOUNT}${record.id}/${accessKeyId}`, value: new Uint8Array(0) },
      ];
      try {
        await this.store.commit({ ops });
      } catch (err) {
        // Else the account changed meanwhile: run again.
        if (isMeshError(err, 'CONFLICT') && (await this.store.get('keys', KEY + accessKeyId)) !== undefined) {
          throw finalError('ACCESS_KEY_ALREADY_EXISTS', `access key ${accessKeyId} exists`);
        }
        throw err;
      }
      return key;
    });
    return { accessKey: toKey(key), secretAccessKey: secret };
  }

  async listKeys(account: string): Promise<AccessKey[]> {
    const { record } = await this.record(account);
    return this.keysOf(record.id);
  }

  private async keyRecord(accessKeyId: string): Promise<{ key: KeyRecord; revision: number }> {
    const entry = await this.store.get('keys', KEY + accessKeyId);
    if (entry === undefined) throw new MeshError('ACCESS_KEY_NOT_FOUND', `no access key ${accessKeyId}`);
    return { key: decode<KeyRecord>(entry.value), revision: entry.revision };
  }

  async updateKey(accessKeyId: string, status: accountV1AccountService.AccessKeyStatus): Promise<AccessKey> {
    if (status !== Status.ACCESS_KEY_STATUS_ACTIVE && status !== Status.ACCESS_KEY_STATUS_INACTIVE) {
      throw new MeshError('INVALID_ARGUMENT', 'status must be ACTIVE or INACTIVE');
    }
    const { key, revision } = await this.keyRecord(accessKeyId);
    const updated = { ...key, active: status === Status.ACCESS_KEY_STATUS_ACTIVE };
    await this.store.commit({
      ops: [{ type: 'put', table: 'keys', key: KEY + accessKeyId, value: encode(updated), expectRevision: revision }],
    });
    return toKey(updated);
  }

  async deleteKey(accessKeyId: string): Promise<void> {
    const { key, revision } = await this.keyRecord(accessKeyId);
    await this.store.commit({
      ops: [
        { type: 'delete', table: 'keys', key: KEY + accessKeyId, expectRevision: revision },
        { type: 'delete', table: 'keys', key: `${BY_ACCOUNT}${key.accountId}/${accessKeyId}` },
      ],
    });
  }

  async resolveKey(accessKeyId: string): Promise<accountV1AccountService.ResolveAccessKeyResponse> {
    const { key } = await this.keyRecord(accessKeyId);
    if (!key.active) throw new MeshError('ACCESS_KEY_DISABLED', `access key ${accessKeyId} is inactive`);
    const { record } = await this.record(key.accountId);
    return { account: toAccount(record), accessKey: toKey(key), secretAccessKey: this.box.open(key.sealedSecret) };
  }

  /** Sets (non-empty value) or removes (empty value) attributes, keeping the others. */
  async updateAttributes(account: string, attributes: Readonly<Record<string, string>>): Promise<Account> {
    for (let attempt = 0; ; attempt++) {
      const { record, revision } = await this.record(account);
      const next: Record<string, string> = { ...record.attributes };
      for (const [name, value] of Object.entries(attributes)) {
        if (value === '') delete next[name];
        else next[name] = value;
      }
      const updated: AccountRecord = { ...record, attributes: next };
      try {
        await this.store.commit({
          ops: [{ type: 'put', table: 'accounts', key: ID + record.id, value: encode(updated), expectRevision: revision }],
        });
        return toAccount(updated);
      } catch (err) {
        // A concurrent change of the account: read it again and merge anew.
        if (!isMeshError(err, 'CONFLICT') || attempt >= 4) throw err;
      }
    }
  }

  async resolveStorageAccount(name: string): Promise<accountV1AccountService.ResolveStorageAccountResponse> {
    const index = await this.store.get('accounts', STORAGE + name);
    if (index === undefined) throw new MeshError('ACCOUNT_NOT_FOUND', `no storage account ${name}`);
    const { record } = await this.record(Buffer.from(index.value).toString('utf8'));
    return { account: toAccount(record), keys: record.storageKeys.map((k) => this.box.open(k)) };
  }

  /**
   * Replaces key1 or key2 of the account's storage account with a new random key (64 bytes, as
   * at creation), keeping the other: the old key signs nothing once the edges' caches expire.
   */
  async regenerateStorageKey(account: string, keyName: string): Promise<accountV1AccountService.RegenerateStorageKeyResponse> {
    const index = STORAGE_KEY_NAMES.indexOf(keyName);
    if (index < 0)
      throw new MeshError('INVALID_ARGUMENT', `the key to regenerate is key1 or key2, not ${JSON.stringify(keyName.slice(0, 80))}`, {
        details: { keyName: keyName.slice(0, 80) },
      });
    return withRetry(async () => {
      const { record, revision } = await this.record(account);
      if (record.storageAccountName === '' || record.storageKeys.length !== STORAGE_KEY_NAMES.length)
        throw new MeshError('INVALID_ARGUMENT', `account ${record.name} has no storage account`, { details: { account: record.name } });
      // Every Azure SDK and emulator knows it (UseDevelopmentStorage=true): it is that account's point.
      if (record.storageAccountName === DEV_STORAGE_ACCOUNT && index === 0)
        throw new MeshError(
          'INVALID_ARGUMENT',
          `key1 of ${DEV_STORAGE_ACCOUNT} is the public development key and cannot be regenerated (key2 can; for a private key1, use another account)`,
          { details: { account: record.name, storageAccountName: record.storageAccountName, keyName } },
        );
      const storageKeys = [...record.storageKeys];
      storageKeys[index] = this.box.seal(randomBytes(64).toString('base64'));
      const updated: AccountRecord = { ...record, storageKeys };
      // A CONFLICT (withRetry runs it again): the account changed meanwhile (attributes, the other key).
      await this.store.commit({
        ops: [{ type: 'put', table: 'accounts', key: ID + record.id, value: encode(updated), expectRevision: revision }],
      });
      return { account: toAccount(updated), keys: storageKeys.map((k) => this.box.open(k)) };
    });
  }

  /**
   * At first start (no account yet): one account with the given access key pair and
   * the development storage account, so S3 and Azure clients work out of the box.
   */
  async bootstrap(accessKey: string, secretKey: string): Promise<boolean> {
    const existing = await this.store.scan('accounts', { gte: ID, lt: prefixSuccessor(ID)!, limit: 1 });
    if (existing.length > 0) return false;
    const account = await this.create(
      { name: 'zenko', displayName: 'zenko', email: '', storageAccountName: DEV_STORAGE_ACCOUNT },
      DEV_STORAGE_KEY,
    );
    await this.createKey({ account: account.id, accessKeyId: accessKey, secretAccessKey: secretKey });
    return true;
  }
}
