// The mesh section: unary RPC rate through the mesh client and server wrappers
// (tracing, metrics, error mapping, deadlines) against the same call made with a
// bare @grpc/grpc-js client, to a real service process.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { meshV1ServiceInfo } from '@zenko/gen';
import { createClient, waitServing } from '@zenko/mesh';
import { freePorts } from '../support/ports.js';
import { REPO_ROOT } from '../support/stack.js';
import { interleaved, measureRate, printTable, type Rate } from './measure.js';

export async function meshBench(seconds: number): Promise<void> {
  const [grpcPort, metricsPort] = await freePorts(2);
  const child = spawn(process.execPath, [join(REPO_ROOT, 'svc-cosmos/dist/main.js')], {
    env: {
      ...process.env,
      ZENKO_COSMOS_GRPC_PORT: String(grpcPort),
      ZENKO_COSMOS_METRICS_PORT: String(metricsPort),
      ZENKO_LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
  const address = `127.0.0.1:${grpcPort}`;
  try {
    if (!(await waitServing(address, 20_000))) throw new Error('svc-cosmos did not start');
    const mesh = createClient(meshV1ServiceInfo.ServiceInfoServiceService, address);
    const Raw = grpc.makeGenericClientConstructor(meshV1ServiceInfo.ServiceInfoServiceService, 'ServiceInfoService');
    const raw = new Raw(address, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      getServiceInfo(req: object, cb: (err: grpc.ServiceError | null) => void): void;
    };
    const rawCall = (): Promise<void> => new Promise((resolve, reject) => raw.getServiceInfo({}, (err) => (err ? reject(err) : resolve())));
    const rows: (string | number)[][] = [['GetServiceInfo (unary, loopback)', 'mesh ops/s', 'bare grpc-js ops/s', 'ratio', 'errors']];
    const meshCall = () => mesh.getServiceInfo({});
    for (const concurrency of [1, 32]) {
      // Both warm up, then alternate in slices: the server and the machine are the same for both.
      for (const op of [meshCall, rawCall]) await measureRate(op, { concurrency, seconds: 0.5 });
      const [m, r] = (await interleaved(
        `GetServiceInfo concurrency ${concurrency}`,
        [
          { name: 'mesh', op: meshCall },
          { name: 'bare grpc-js', op: rawCall },
        ],
        { concurrency, seconds },
      )) as [Rate, Rate];
      rows.push([`concurrency ${concurrency}`, m.opsPerSecond, r.opsPerSecond, m.opsPerSecond / r.opsPerSecond, m.errors + r.errors]);
    }
    mesh.close();
    raw.close();
    printTable('mesh: gRPC wrapper overhead', rows);
  } finally {
    child.kill('SIGTERM');
  }
}
