// A grpc.health.v1 client (what `grpc_health_probe` and Kubernetes probes ask). Health checks
// need no token, but send the mesh's (ZENKO_GRPC_TOKEN) when set, as every client here does.
import { credentials, loadPackageDefinition, Metadata, status as Status, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';
import { AUTHORIZATION_METADATA, bearer, grpcToken } from './token.js';

type HealthClient = Client & {
  check(
    req: { service: string },
    metadata: Metadata,
    options: { deadline: Date },
    cb: (err: ServiceError | null, res?: { status: string }) => void,
  ): void;
};
type HealthCtor = new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => HealthClient;

let ctor: HealthCtor | undefined;
function healthCtor(): HealthCtor {
  if (ctor === undefined) {
    const pkg = loadPackageDefinition(loadSync(protoPath, { enums: String })) as unknown as {
      grpc: { health: { v1: { Health: HealthCtor } } };
    };
    ctor = pkg.grpc.health.v1.Health;
  }
  return ctor;
}

/** The metadata of a health check: the token, if this process has one (an invalid one throws its ConfigError). */
function healthMetadata(): Metadata {
  const metadata = new Metadata();
  const token = grpcToken();
  if (token !== undefined) metadata.set(AUTHORIZATION_METADATA, bearer(token));
  return metadata;
}

export type HealthStatus = 'SERVING' | 'NOT_SERVING' | 'UNKNOWN' | 'SERVICE_UNKNOWN' | 'UNREACHABLE';

/** One health check; never rejects: an unreachable server is UNREACHABLE (an invalid ZENKO_GRPC_TOKEN throws at once). */
export function checkHealth(address: string, service = '', timeoutMs = 2_000): Promise<HealthStatus> {
  const metadata = healthMetadata();
  const client = new (healthCtor())(address, credentials.createInsecure());
  return new Promise<HealthStatus>((resolve) => {
    client.check({ service }, metadata, { deadline: new Date(Date.now() + timeoutMs) }, (err, res) => {
      client.close();
      resolve(err ? 'UNREACHABLE' : ((res?.status ?? 'UNKNOWN') as HealthStatus));
    });
  });
}

/** What a probe of a server learnt: it answered (whatever it said), took no connection, or said nothing in time. */
export type ProbeOutcome = 'answered' | 'unreachable' | 'timeout';

/** A health client kept open for repeated probes of one server (a hung server keeps its connection hung). */
export function healthProber(address: string): { probe(timeoutMs: number): Promise<ProbeOutcome>; close(): void } {
  healthMetadata(); // an invalid token throws here, not in a probe
  const client = new (healthCtor())(address, credentials.createInsecure());
  return {
    probe: (timeoutMs) =>
      new Promise<ProbeOutcome>((resolve) => {
        client.check({ service: '' }, healthMetadata(), { deadline: new Date(Date.now() + timeoutMs) }, (err) => {
          if (err === null) resolve('answered');
          else if (err.code === Status.DEADLINE_EXCEEDED) resolve('timeout');
          else if (err.code === Status.UNAVAILABLE) resolve('unreachable');
          // UNIMPLEMENTED, NOT_FOUND…: an answer all the same.
          else resolve('answered');
        });
      }),
    close: () => client.close(),
  };
}

/** Polls until the server reports SERVING or the time runs out. */
export async function waitServing(address: string, timeoutMs: number, isAlive: () => boolean = () => true): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && isAlive()) {
    if ((await checkHealth(address, '', 1_000)) === 'SERVING') return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
