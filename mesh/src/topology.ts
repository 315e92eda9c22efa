// The processes of a Zenko mesh and their default ports on one machine. Each
// service reads its own ports and its peers' addresses from the environment
// (ZENKO_<NAME>_GRPC_PORT, ZENKO_<NAME>_ADDRESS, ...); these are the defaults.
import { address, host, oneOf, port, secretToken, str, type Setting } from './config.js';

export const SERVICE_NAMES = ['svc-metadata', 'svc-cloudserver', 'svc-blobserver', 'svc-backbeat', 'svc-cosmos'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServicePorts {
  /** Environment prefix: ZENKO_METADATA for svc-metadata. */
  readonly env: string;
  readonly grpcPort: number;
  readonly metricsPort: number;
  /** The HTTP edge, if the service has one. */
  readonly edge?: { readonly env: string; readonly port: number; readonly protocol: 's3' | 'azure' };
}

export const TOPOLOGY: Readonly<Record<ServiceName, ServicePorts>> = {
  'svc-metadata': { env: 'ZENKO_METADATA', grpcPort: 9010, metricsPort: 9011 },
  'svc-cloudserver': {
    env: 'ZENKO_CLOUDSERVER',
    grpcPort: 9020,
    metricsPort: 9021,
    edge: { env: 'ZENKO_S3_PORT', port: 8000, protocol: 's3' },
  },
  'svc-blobserver': {
    env: 'ZENKO_BLOBSERVER',
    grpcPort: 9030,
    metricsPort: 9031,
    edge: { env: 'ZENKO_AZURE_PORT', port: 10000, protocol: 'azure' },
  },
  'svc-backbeat': { env: 'ZENKO_BACKBEAT', grpcPort: 9040, metricsPort: 9041 },
  'svc-cosmos': { env: 'ZENKO_COSMOS', grpcPort: 9050, metricsPort: 9051 },
};

export const DEFAULT_HOST = '127.0.0.1';

/** Where the S3 and Azure edges and every /metrics listen. */
export function hostSetting(): Setting<string> {
  return host('ZENKO_HOST', 'address the S3 and Azure edges and /metrics bind to', DEFAULT_HOST);
}

/**
 * Where the gRPC servers listen: the internal API (accounts, keys, location secrets for the data
 * path) takes no credentials unless ZENKO_GRPC_TOKEN is set, so it stays on loopback unless told
 * otherwise (a private network, a service mesh with mTLS, or the token), whatever ZENKO_HOST opens
 * the edges to.
 */
export function grpcHostSetting(): Setting<string> {
  return host('ZENKO_GRPC_HOST', 'address the gRPC servers bind to (the internal API: keep it private)', DEFAULT_HOST);
}

/** The shortest ZENKO_GRPC_TOKEN taken (a token is as good as it is hard to guess). */
export const MIN_GRPC_TOKEN_CHARS = 16;

/**
 * The mesh's shared token (`grpc/token.ts`): set, every gRPC server refuses a call without it
 * (UNAUTHENTICATED; the health service excepted) and every client sends it. Empty: none.
 */
export function grpcTokenSetting(): Setting<string> {
  return secretToken(
    'ZENKO_GRPC_TOKEN',
    'token every gRPC call must carry (authorization: Bearer <token>); unset: none',
    MIN_GRPC_TOKEN_CHARS,
  );
}

/** Whether a listening host is this machine's loopback only (a host name other than localhost is not known to be). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || /^::ffff:127\./i.test(host);
}

/** A host in a `host:port` address (IPv6 in brackets); a wildcard address as loopback, where it is reached. */
export function dialHost(host: string): string {
  const reachable = host === '0.0.0.0' || host === '::' ? DEFAULT_HOST : host;
  return reachable.includes(':') ? `[${reachable}]` : reachable;
}

/** The key pair of the account svc-metadata creates at a data directory's first start (the launcher's banner shows it). */
export function bootstrapKeySettings(): { accessKey: Setting<string>; secretKey: Setting<string> } {
  return {
    accessKey: str('ZENKO_ACCESS_KEY', 'access key of the account created at first start', 'accessKey1'),
    secretKey: str('ZENKO_SECRET_KEY', 'secret key of the account created at first start', 'verySecretKey1'),
  };
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export function logLevelSetting(): Setting<(typeof LOG_LEVELS)[number]> {
  return oneOf('ZENKO_LOG_LEVEL', 'log level', LOG_LEVELS, 'info');
}

/** The settings every service has: where it listens, and the token its gRPC server asks for. */
export function listenSettings(name: ServiceName): {
  host: Setting<string>;
  grpcHost: Setting<string>;
  grpcToken: Setting<string>;
  grpcPort: Setting<number>;
  metricsPort: Setting<number>;
  logLevel: Setting<(typeof LOG_LEVELS)[number]>;
} {
  const t = TOPOLOGY[name];
  return {
    logLevel: logLevelSetting(),
    host: hostSetting(),
    grpcHost: grpcHostSetting(),
    grpcToken: grpcTokenSetting(),
    grpcPort: port(`${t.env}_GRPC_PORT`, `gRPC port of ${name}`, t.grpcPort),
    metricsPort: port(`${t.env}_METRICS_PORT`, `Prometheus /metrics port of ${name}`, t.metricsPort),
  };
}

/** The setting that tells a service where a peer's gRPC server is. */
export function peerAddress(name: ServiceName): Setting<string> {
  const t = TOPOLOGY[name];
  return address(`${t.env}_ADDRESS`, `host:port of ${name}'s gRPC server`, `${DEFAULT_HOST}:${t.grpcPort}`);
}
