// The processes of a Zenko mesh and their default ports on one machine. Each
// service reads its own ports and its peers' addresses from the environment
// (ZENKO_<NAME>_GRPC_PORT, ZENKO_<NAME>_ADDRESS, ...); these are the defaults.
import { address, port, str, type Setting } from './config.js';

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

/** The settings every service has: where it listens. */
export function listenSettings(name: ServiceName): {
  host: Setting<string>;
  grpcPort: Setting<number>;
  metricsPort: Setting<number>;
} {
  const t = TOPOLOGY[name];
  return {
    host: str('ZENKO_HOST', 'address every listener binds to', DEFAULT_HOST),
    grpcPort: port(`${t.env}_GRPC_PORT`, `gRPC port of ${name}`, t.grpcPort),
    metricsPort: port(`${t.env}_METRICS_PORT`, `Prometheus /metrics port of ${name}`, t.metricsPort),
  };
}

/** The setting that tells a service where a peer's gRPC server is. */
export function peerAddress(name: ServiceName): Setting<string> {
  const t = TOPOLOGY[name];
  return address(`${t.env}_ADDRESS`, `host:port of ${name}'s gRPC server`, `${DEFAULT_HOST}:${t.grpcPort}`);
}
