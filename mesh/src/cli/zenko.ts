#!/usr/bin/env node
// The `zenko` admin CLI. Commands talk to the services over gRPC; addresses come
// from the same variables the services read (ZENKO_<SERVICE>_ADDRESS), with the
// local defaults.
import { meshV1ServiceInfo } from '@zenko/gen';
import { ConfigError, loadConfig } from '../config.js';
import { createClient } from '../grpc/client.js';
import { checkHealth } from '../grpc/health.js';
import { isMeshError, type MeshError } from '../errors.js';
import { accountCommand, keyCommand, locationCommand, LOCATION_FLAGS } from './admin.js';
import { parseArgs, secretsFromStdin, UsageError, type Args } from './args.js';
import { SERVICE_NAMES, peerAddress, type ServiceName } from '../topology.js';

const USAGE = `usage: zenko <command>

commands:
  status [--json]                      health, version and endpoints of every service
  account create NAME [--display-name D] [--email E] [--storage-account S]
  account list | show ACCOUNT | delete ACCOUNT
  account storage-keys ACCOUNT         its Azure storage account's name and keys (secrets: printed as asked)
  account regenerate-storage-key ACCOUNT key1|key2
                                       replaces one key with a new one and prints the keys; the other
                                       key is kept (rotation: move clients to it first); the old key
                                       is refused within 10 s (the Azure edge's cache)
  key create ACCOUNT [--access-key ID --secret-key SECRET|-]   (the secret is printed once)
  key list ACCOUNT | disable KEY | enable KEY | delete KEY
  location add NAME --type mem|file|aws_s3|azure|gcp [--skip-probe] [--size-limit-gb GIB] [--transient]
               file: [--path DIR]
               aws_s3, gcp: --bucket B [--endpoint URL] [--region R] --access-key K --secret-key S|-
                 [--path-style] [--https] [--bucket-match] [--supports-versioning]
                 [--server-side-encryption] [--mpu-bucket B (gcp)]
               azure: --container C (or --bucket) [--endpoint URL] --account-name A
                 (--account-key K|- | --sas-token T|-) [--bucket-match]
  location list | show NAME | update NAME [options of add] | remove NAME
  help                                 this text (also --help on any command)

Add --json for JSON output. --size-limit-gb is in GiB; --transient is stored for replication.
A flag takes no value, or =true / =false (--bucket-match=false).
Secrets (--secret-key, --account-key, --sas-token) given as - are read from the first line of
standard input, which keeps them out of ps and the shell history: --secret-key - < FILE, or
printf '%s\\n' "$SECRET" | zenko ... (one such option per command; not from a terminal).

Service addresses: ZENKO_METADATA_ADDRESS, ZENKO_CLOUDSERVER_ADDRESS, ZENKO_BLOBSERVER_ADDRESS,
ZENKO_BACKBEAT_ADDRESS, ZENKO_COSMOS_ADDRESS (default 127.0.0.1:90x0). Services started with
ZENKO_GRPC_TOKEN take calls only with that token: set it here too.`;

/** The one line a call refused for its token gets: what to set. */
function unauthenticatedLine(err: MeshError): string {
  const problem = err.details['problem'];
  const fix =
    problem === 'wrong'
      ? 'ZENKO_GRPC_TOKEN is set, but not to the token the services were started with'
      : 'set ZENKO_GRPC_TOKEN to the token the services were started with';
  return `zenko: UNAUTHENTICATED: the services require a token: ${fix}`;
}

function addresses(): Record<ServiceName, string> {
  const schema = Object.fromEntries(SERVICE_NAMES.map((n) => [n, peerAddress(n)]));
  return loadConfig(schema) as Record<ServiceName, string>;
}

function uptime(startedAt: Date | undefined): string {
  if (!startedAt) return '-';
  const s = Math.max(0, Math.round((Date.now() - startedAt.getTime()) / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
}

async function status(json: boolean): Promise<number> {
  const addrs = addresses();
  let refused: MeshError | undefined;
  const rows = await Promise.all(
    SERVICE_NAMES.map(async (name) => {
      const address = addrs[name];
      const health = await checkHealth(address);
      let info: meshV1ServiceInfo.GetServiceInfoResponse | undefined;
      if (health !== 'UNREACHABLE') {
        const client = createClient(meshV1ServiceInfo.ServiceInfoServiceService, address, { deadlineMs: 2_000 });
        try {
          info = await client.getServiceInfo({});
        } catch (e) {
          if (!isMeshError(e)) throw e;
          // Health needs no token, the rest does: the table shows health, the line below what to set.
          if (e.reason === 'UNAUTHENTICATED') refused = e;
        } finally {
          client.close();
        }
      }
      return { name, address, health, info };
    }),
  );
  if (json) {
    process.stdout.write(
      `${JSON.stringify(
        rows.map((r) => ({
          service: r.name,
          address: r.address,
          status: r.health,
          version: r.info?.version,
          pid: r.info?.pid,
          startedAt: r.info?.startedAt,
          grpcServices: r.info?.grpcServices,
          endpoints: r.info?.endpoints,
        })),
        null,
        2,
      )}\n`,
    );
  } else {
    const lines = [['SERVICE', 'STATUS', 'VERSION', 'ADDRESS', 'PID', 'UPTIME', 'ENDPOINTS']];
    for (const r of rows) {
      lines.push([
        r.name,
        r.health,
        r.info?.version ?? '-',
        r.address,
        r.info ? String(r.info.pid) : '-',
        uptime(r.info?.startedAt),
        (r.info?.endpoints ?? [])
          .filter((e) => e.kind !== 'grpc')
          .map((e) => `${e.kind}=${e.address}`)
          .join(' ') || '-',
      ]);
    }
    const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
    for (const l of lines)
      process.stdout.write(
        `${l
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd()}\n`,
      );
  }
  if (refused !== undefined) {
    process.stderr.write(`${unauthenticatedLine(refused)}\n`);
    return 1;
  }
  return rows.every((r) => r.health === 'SERVING') ? 0 : 1;
}

/** The options each command group takes; any other is a usage error (a typo must not be ignored). */
const OPTIONS: Record<'account' | 'key' | 'location', readonly string[]> = {
  account: ['display-name', 'email', 'storage-account', 'json'],
  key: ['access-key', 'secret-key', 'json'],
  location: [
    'type',
    'bucket',
    'container',
    'endpoint',
    'region',
    'access-key',
    'secret-key',
    'account-name',
    'account-key',
    'sas-token',
    'path',
    'mpu-bucket',
    'size-limit-gb',
    ...LOCATION_FLAGS,
  ],
};

/** The options that carry a secret: given as `-`, read from standard input (args.ts `secretsFromStdin`). */
const SECRET_OPTIONS: Record<'account' | 'key' | 'location', readonly string[]> = {
  account: [],
  key: ['secret-key'],
  location: ['secret-key', 'account-key', 'sas-token'],
};

function checkArgs(command: 'account' | 'key' | 'location', sub: string | undefined, args: Args): void {
  const unknown = [...args.options.keys()].filter((o) => !OPTIONS[command].includes(o));
  if (unknown.length > 0) throw new UsageError(`unknown option --${unknown[0]} for zenko ${command}`);
  const expected = sub === 'list' && command !== 'key' ? 0 : command === 'account' && sub === 'regenerate-storage-key' ? 2 : 1;
  if (args.positionals.length > expected) throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[expected])}`);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== undefined && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  switch (command) {
    case 'status':
      return status(rest.includes('--json'));
    case 'account':
    case 'key':
    case 'location': {
      const [sub, ...more] = rest;
      const metadata = addresses()['svc-metadata'];
      try {
        const args = parseArgs(more, LOCATION_FLAGS);
        checkArgs(command, sub, args);
        await secretsFromStdin(args, SECRET_OPTIONS[command]);
        if (command === 'account') return await accountCommand(metadata, sub, args);
        if (command === 'key') return await keyCommand(metadata, sub, args);
        return await locationCommand(metadata, sub, args);
      } catch (err) {
        if (err instanceof UsageError) {
          process.stderr.write(`zenko: ${err.message} (zenko help lists the commands and options)\n`);
          return 2;
        }
        if (isMeshError(err)) {
          // With --json, the error is JSON too (on stderr, exit code 1), for scripts to read.
          if (more.includes('--json')) {
            process.stderr.write(`${JSON.stringify({ error: { reason: err.reason, message: err.message, details: err.details } })}\n`);
          } else if (err.reason === 'UNAUTHENTICATED') process.stderr.write(`${unauthenticatedLine(err)}\n`);
          else process.stderr.write(`zenko: ${err.reason}: ${err.message}\n`);
          return 1;
        }
        throw err;
      }
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`zenko: unknown command ${JSON.stringify(command)}\n${USAGE}\n`);
      return 2;
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  // A bad setting (an address that is none) is the operator's to fix: its message, no stack.
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`zenko: ${err.message}\n`);
  process.exitCode = 2;
}
