// A grpc.health.v1 client (what `grpc_health_probe` and Kubernetes probes ask).
import { credentials, loadPackageDefinition, status as Status, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';

type HealthClient = Client & {
  check(req: { service: string }, options: { deadline: Date }, cb: (err: ServiceError | null, res?: { status: string }) => void): void;
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

export type HealthStatus = 'SERVING' | 'NOT_SERVING' | 'UNKNOWN' | 'SERVICE_UNKNOWN' | 'UNREACHABLE';

/** One health check; never throws: an unreachable server is UNREACHABLE. */
export function checkHealth(address: string, service = '', timeoutMs = 2_000): Promise<HealthStatus> {
  const client = new (healthCtor())(address, credentials.createInsecure());
  return new Promise<HealthStatus>((resolve) => {
    client.check({ service }, { deadline: new Date(Date.now() + timeoutMs) }, (err, res) => {
      client.close();
      resolve(err ? 'UNREACHABLE' : ((res?.status ?? 'UNKNOWN') as HealthStatus));
    });
  });
}

/** What a probe of a server learnt: it answered (whatever it said), took no connection, or said nothing in time. */
export type ProbeOutcome = 'answered' | 'unreachable' | 'timeout';

/** A health client kept open for repeated probes of one server (a hung server keeps its connection hung). */
export function healthProber(address: string): { probe(timeoutMs: number): Promise<ProbeOutcome>; close(): void } {
  const client = new (healthCtor())(address, credentials.createInsecure());
  return {
    probe: (timeoutMs) =>
      new Promise<ProbeOutcome>((resolve) => {
        client.check({ service: '' }, { deadline: new Date(Date.now() + timeoutMs) }, (err) => {
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
