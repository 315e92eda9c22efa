// `zenko account|key|location ...`: account, access key and location management
// over AccountService and LocationRegistryService. Secrets are printed once, when
// a key is created, and never read back.
import { accountV1AccountService as acc, locationV1LocationRegistryService as loc } from '@zenko/gen';
import { createClient } from '../grpc/client.js';
import { flag, positional, str, table, UsageError, type Args } from './args.js';

const out = (s: string): void => {
  process.stdout.write(s);
};
const json = (v: unknown): void => out(`${JSON.stringify(v, null, 2)}\n`);
const date = (d: Date | undefined): string => (d ? d.toISOString() : '-');

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
        if (flag(args, 'json')) json(res);
        else {
          const a = res.account;
          out(
            `name             ${a?.name}\nid               ${a?.id}\ndisplay name     ${a?.displayName}\nemail            ${a?.email}\nstorage account  ${a?.storageAccountName}\ncreated          ${date(a?.createdAt)}\naccess keys      ${res.accessKeys.map((k) => `${k.accessKeyId} (${acc.AccessKeyStatus[k.status].replace('ACCESS_KEY_STATUS_', '').toLowerCase()})`).join(', ') || '-'}\n`,
          );
        }
        return 0;
      }
      case 'delete':
        await client.deleteAccount({ account: positional(args, 0, 'account name or id') });
        out('deleted\n');
        return 0;
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
        if (flag(args, 'json')) json(accessKeys);
        else
          out(
            table([
              ['ACCESS KEY', 'STATUS', 'CREATED'],
              ...accessKeys.map((k) => [
                k.accessKeyId,
                acc.AccessKeyStatus[k.status].replace('ACCESS_KEY_STATUS_', '').toLowerCase(),
                date(k.createdAt),
              ]),
            ]),
          );
        return 0;
      }
      case 'disable':
      case 'enable':
        await client.updateAccessKey({
          accessKeyId: positional(args, 0, 'access key id'),
          status: sub === 'disable' ? acc.AccessKeyStatus.ACCESS_KEY_STATUS_INACTIVE : acc.AccessKeyStatus.ACCESS_KEY_STATUS_ACTIVE,
        });
        out(`${sub}d\n`);
        return 0;
      case 'delete':
        await client.deleteAccessKey({ accessKeyId: positional(args, 0, 'access key id') });
        out('deleted\n');
        return 0;
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

function locationFromArgs(args: Args): loc.Location {
  const type = TYPES[str(args, 'type')];
  if (type === undefined) throw new UsageError(`--type must be one of ${Object.keys(TYPES).join(', ')}`);
  return loc.Location.fromPartial({
    name: positional(args, 0, 'location name'),
    type,
    isTransient: flag(args, 'transient'),
    sizeLimitGb: Number(str(args, 'size-limit-gb', '0')),
    details: {
      bucketName: str(args, 'bucket', str(args, 'container')),
      bucketMatch: flag(args, 'bucket-match'),
      endpoint: str(args, 'endpoint'),
      region: str(args, 'region'),
      https: flag(args, 'https'),
      pathStyle: flag(args, 'path-style'),
      supportsVersioning: flag(args, 'supports-versioning'),
      serverSideEncryption: flag(args, 'server-side-encryption'),
      accessKey: str(args, 'access-key'),
      secretKey: str(args, 'secret-key'),
      accountName: str(args, 'account-name'),
      accountKey: str(args, 'account-key'),
      sasToken: str(args, 'sas-token'),
      path: str(args, 'path'),
      mpuBucketName: str(args, 'mpu-bucket'),
    },
  });
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
        const location = locationFromArgs(args);
        const res =
          sub === 'add'
            ? await client.createLocation({ location, skipProbe: flag(args, 'skip-probe') })
            : await client.updateLocation({ location, skipProbe: flag(args, 'skip-probe') });
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
              ['NAME', 'TYPE', 'TARGET', 'TRANSIENT', 'SIZE LIMIT GB', 'BUILT-IN'],
              ...locations.map((l) => [
                l.name,
                typeName(l.type),
                [l.details?.endpoint, l.details?.bucketName || l.details?.path].filter((x) => x).join(' ') || '-',
                l.isTransient ? 'yes' : 'no',
                l.sizeLimitGb ? String(l.sizeLimitGb) : '-',
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
      case 'remove':
        await client.deleteLocation({ name: positional(args, 0, 'location name') });
        out('removed\n');
        return 0;
      case undefined:
      default:
        throw new UsageError(`unknown location command ${JSON.stringify(sub ?? '')}`);
    }
  } finally {
    client.close();
  }
}
