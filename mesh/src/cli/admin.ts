// `zenko account|key|location ...`: account, access key and location management
// over AccountService and LocationRegistryService. Access-key secrets are printed once, when
// a key is created, and never read back; location secrets are write-only. A storage account's
// Azure keys are printed on request (`account storage-keys`, and `account regenerate-storage-key`,
// which replaces one): there is no other way to get them. Secret options given as `-` come from
// standard input (args.ts `secretsFromStdin`, run by zenko.ts before any command).
import { accountV1AccountService as acc, locationV1LocationRegistryService as loc } from '@zenko/gen';
import { MeshError } from '../errors.js';
import { createClient } from '../grpc/client.js';
import { flag, nonNegativeNumber, positional, str, table, UsageError, type Args } from './args.js';

const out = (s: string): void => {
  process.stdout.write(s);
};
const json = (v: unknown): void => out(`${JSON.stringify(v, null, 2)}\n`);
const date = (d: Date | undefined): string => (d ? d.toISOString() : '-');
const keyStatus = (s: acc.AccessKeyStatus): string => (acc.AccessKeyStatus[s] ?? 'unknown').replace('ACCESS_KEY_STATUS_', '').toLowerCase();
/** A key as the CLI shows it: its status by name. */
const keyView = (k: acc.AccessKey): Record<string, unknown> => ({ ...k, status: keyStatus(k.status) });
/** The answer to a command that changes something: a line, or with --json `{ "result": … }`. */
const done = (args: Args, result: string, extra: Record<string, unknown> = {}): number => {
  if (flag(args, 'json')) json({ result, ...extra });
  else out(`${result}\n`);
  return 0;
};

/** The keys of a storage account, by name (`zenko account storage-keys`, `regenerate-storage-key`). */
const STORAGE_KEY_NAMES = ['key1', 'key2'];
const storageKeysText = (storageAccountName: string, keys: readonly string[]): string =>
  `storage account  ${storageAccountName}\n${keys.map((k, i) => `${(STORAGE_KEY_NAMES[i] ?? `key${i + 1}`).padEnd(17)}${k}\n`).join('')}`;

export async function accountCommand(address: string, sub: string | undefined, args: Args): Promise<number> {
  const client = createClient(acc.AccountServiceService, address, { deadlineMs: 10_000 });
  try {
    switch (sub) {
      case 'create': {
        const { account } = await client.createAccount({
          name: positional(args, 0, 'account name'),
          displayName: str(args, 'display-name'),
          email: str(args, 'email'),
          storageAccountName: str(args, 'storage-account'),
        });
        if (flag(args, 'json')) json(account);
        else out(`created account ${account?.name} (id ${account?.id}, storage account ${account?.storageAccountName})\n`);
        return 0;
      }
      case 'list': {
        const { accounts } = await client.listAccounts({});
        if (flag(args, 'json')) json(accounts);
        else
          out(
            table([
              ['NAME', 'ID', 'DISPLAY NAME', 'EMAIL', 'STORAGE ACCOUNT', 'CREATED'],
              ...accounts.map((a) => [a.name, a.id, a.displayName, a.email, a.storageAccountName, date(a.createdAt)]),
            ]),
          );
        return 0;
      }
      case 'show': {
        const res = await client.getAccount({ account: positional(args, 0, 'account name or id') });
        if (flag(args, 'json')) json({ ...res, accessKeys: res.accessKeys.map(keyView) });
        else {
          const a = res.account;
          out(
            `name             ${a?.name}\nid               ${a?.id}\ndisplay name     ${a?.displayName}\nemail            ${a?.email}\nstorage account  ${a?.storageAccountName}\ncreated          ${date(a?.createdAt)}\naccess keys      ${res.accessKeys.map((k) => `${k.accessKeyId} (${keyStatus(k.status)})`).join(', ') || '-'}\n`,
          );
        }
        return 0;
      }
      case 'delete': {
        const account = positional(args, 0, 'account name or id');
        await client.deleteAccount({ account });
        return done(args, 'deleted', { account });
      }
      case 'storage-keys': {
        // The Azure Shared Key / SAS keys of the account's storage account: asked for, so printed.
        const { account } = await client.getAccount({ account: positional(args, 0, 'account name or id') });
        const storageAccountName = account?.storageAccountName ?? '';
        const { keys } = await client.resolveStorageAccount({ storageAccountName });
        if (flag(args, 'json')) json({ account: account?.name, storageAccountName, keys });
        else out(storageKeysText(storageAccountName, keys));
        return 0;
      }
      case 'regenerate-storage-key': {
        // Key rotation: a new key1 or key2, the other kept; printed, as the new key is asked for.
        const keyName = positional(args, 1, 'key to regenerate (key1 or key2)');
        if (!STORAGE_KEY_NAMES.includes(keyName))
          throw new UsageError(`the key to regenerate is key1 or key2, not ${JSON.stringify(keyName)}`);
        const res = await client.regenerateStorageKey({ account: positional(args, 0, 'account name or id'), keyName });
        const storageAccountName = res.account?.storageAccountName ?? '';
        const key = res.keys[STORAGE_KEY_NAMES.indexOf(keyName)];
        if (flag(args, 'json')) json({ account: res.account?.name, storageAccountName, keyName, key, keys: res.keys });
        else
          out(
            `${storageKeysText(storageAccountName, res.keys)}(${keyName} regenerated: the Azure edge may accept the old one for up to 10 s more)\n`,
          );
        return 0;
      }
      case undefined:
      default:
        throw new UsageError(`unknown account command ${JSON.stringify(sub ?? '')}`);
    }
  } finally {
    client.close();
  }
}

export async function keyCommand(address: string, sub: string | undefined, args: Args): Promise<number> {
  const client = createClient(acc.AccountServiceService, address, { deadlineMs: 10_000 });
  try {
    switch (sub) {
      case 'create': {
        const res = await client.createAccessKey({
          account: positional(args, 0, 'account name or id'),
          accessKeyId: str(args, 'access-key'),
          secretAccessKey: str(args, 'secret-key'),
        });
        if (flag(args, 'json')) json({ accessKeyId: res.accessKey?.accessKeyId, secretAccessKey: res.secretAccessKey });
        else out(`access key  ${res.accessKey?.accessKeyId}\nsecret key  ${res.secretAccessKey}\n(the secret key is shown only now)\n`);
        return 0;
      }
      case 'list': {
        const { accessKeys } = await client.listAccessKeys({ account: positional(args, 0, 'account name or id') });
        if (flag(args, 'json')) json(accessKeys.map(keyView));
        else
          out(
            table([['ACCESS KEY', 'STATUS', 'CREATED'], ...accessKeys.map((k) => [k.accessKeyId, keyStatus(k.status), date(k.createdAt)])]),
          );
        return 0;
      }
      case 'disable':
      case 'enable': {
        const accessKeyId = positional(args, 0, 'access key id');
        await client.updateAccessKey({
          accessKeyId,
          status: sub === 'disable' ? acc.AccessKeyStatus.ACCESS_KEY_STATUS_INACTIVE : acc.AccessKeyStatus.ACCESS_KEY_STATUS_ACTIVE,
        });
        return done(args, `${sub}d`, { accessKeyId });
      }
      case 'delete': {
        const accessKeyId = positional(args, 0, 'access key id');
        await client.deleteAccessKey({ accessKeyId });
        return done(args, 'deleted', { accessKeyId });
      }
      case undefined:
      default:
        throw new UsageError(`unknown key command ${JSON.stringify(sub ?? '')}`);
    }
  } finally {
    client.close();
  }
}

const TYPES: Record<string, loc.LocationType> = {
  mem: loc.LocationType.LOCATION_TYPE_MEM,
  file: loc.LocationType.LOCATION_TYPE_FILE,
  aws_s3: loc.LocationType.LOCATION_TYPE_AWS_S3,
  azure: loc.LocationType.LOCATION_TYPE_AZURE,
  gcp: loc.LocationType.LOCATION_TYPE_GCP,
};
const typeName = (t: loc.LocationType): string => Object.entries(TYPES).find(([, v]) => v === t)?.[0] ?? 'unknown';

/**
 * The definition `add` sends, or `update` sends: the current one (secrets left empty, so the
 * stored ones stay) with only the options given changed (`--flag=false` turns a flag off).
 */
function locationFromArgs(args: Args, current?: loc.Location): loc.Location {
  const given = (name: string): boolean => args.options.has(name);
  const text = (name: string, now = ''): string => (given(name) ? str(args, name) : now);
  const on = (name: string, now = false): boolean => (given(name) ? flag(args, name) : now);
  const type = given('type') || current === undefined ? TYPES[str(args, 'type')] : current.type;
  if (type === undefined) throw new UsageError(`--type must be one of ${Object.keys(TYPES).join(', ')}`);
  const d = current?.details;
  return loc.Location.fromPartial({
    name: positional(args, 0, 'location name'),
    type,
    isTransient: on('transient', current?.isTransient),
    sizeLimitGb: nonNegativeNumber(args, 'size-limit-gb', current?.sizeLimitGb ?? 0),
    details: {
      bucketName: text('bucket', text('container', d?.bucketName)),
      bucketMatch: on('bucket-match', d?.bucketMatch),
      endpoint: text('endpoint', d?.endpoint),
      region: text('region', d?.region),
      https: on('https', d?.https),
      pathStyle: on('path-style', d?.pathStyle),
      supportsVersioning: on('supports-versioning', d?.supportsVersioning),
      serverSideEncryption: on('server-side-encryption', d?.serverSideEncryption),
      accessKey: text('access-key', d?.accessKey),
      secretKey: text('secret-key'),
      accountName: text('account-name', d?.accountName),
      accountKey: text('account-key'),
      sasToken: text('sas-token'),
      path: text('path', d?.path),
      mpuBucketName: text('mpu-bucket', d?.mpuBucketName),
    },
  });
}

/** The option of `location add|update` that sets a field the registry's errors name (`details.field`). */
function optionOf(field: string, type: loc.LocationType): string | undefined {
  switch (field) {
    case 'details.bucket_name':
      return type === loc.LocationType.LOCATION_TYPE_AZURE ? '--container' : '--bucket';
    case 'details.access_key':
      return '--access-key';
    case 'details.account_name':
      return '--account-name';
    case 'size_limit_gb':
      return '--size-limit-gb';
    case 'type':
      return '--type';
    default:
      return undefined;
  }
}

/** A registry error that names a definition's field, naming the option that sets it instead. */
function inOptionTerms(err: unknown, type: loc.LocationType): unknown {
  if (!(err instanceof MeshError)) return err;
  const field = err.details['field'];
  const option = field === undefined ? undefined : optionOf(field, type);
  if (field === undefined || option === undefined) return err;
  return new MeshError(err.reason, err.message.replaceAll(field, option), { details: { ...err.details, option }, cause: err });
}

const LOCATION_FLAGS = [
  'transient',
  'bucket-match',
  'https',
  'path-style',
  'supports-versioning',
  'server-side-encryption',
  'skip-probe',
  'json',
];
export { LOCATION_FLAGS };

export async function locationCommand(address: string, sub: string | undefined, args: Args): Promise<number> {
  const client = createClient(loc.LocationRegistryServiceService, address, { deadlineMs: 30_000 });
  try {
    switch (sub) {
      case 'add':
      case 'update': {
        const current = sub === 'update' ? (await client.getLocation({ name: positional(args, 0, 'location name') })).location : undefined;
        const location = locationFromArgs(args, current);
        const res = await (
          sub === 'add'
            ? client.createLocation({ location, skipProbe: flag(args, 'skip-probe') })
            : client.updateLocation({ location, skipProbe: flag(args, 'skip-probe') })
        ).catch((err: unknown) => {
          throw inOptionTerms(err, location.type);
        });
        if (flag(args, 'json')) json(res.location);
        else out(`${sub === 'add' ? 'added' : 'updated'} location ${res.location?.name}\n`);
        return 0;
      }
      case 'list': {
        const { locations } = await client.listLocations({});
        if (flag(args, 'json')) json(locations.map((l) => ({ ...l, type: typeName(l.type) })));
        else
          out(
            table([
              ['NAME', 'TYPE', 'TARGET', 'TRANSIENT', 'SIZE LIMIT GB', 'USED BYTES', 'BUILT-IN'],
              ...locations.map((l) => [
                l.name,
                typeName(l.type),
                [l.details?.endpoint, l.details?.bucketName || l.details?.path].filter((x) => x).join(' ') || '-',
                l.isTransient ? 'yes' : 'no',
                l.sizeLimitGb ? String(l.sizeLimitGb) : '-',
                String(l.usageBytes),
                l.builtin ? 'yes' : 'no',
              ]),
            ]),
          );
        return 0;
      }
      case 'show': {
        const { location } = await client.getLocation({ name: positional(args, 0, 'location name') });
        json(location && { ...location, type: typeName(location.type) });
        return 0;
      }
      case 'remove': {
        const name = positional(args, 0, 'location name');
        await client.deleteLocation({ name });
        return done(args, 'removed', { location: name });
      }
      case undefined:
      default:
        throw new UsageError(`unknown location command ${JSON.stringify(sub ?? '')}`);
    }
  } finally {
    client.close();
  }
}
