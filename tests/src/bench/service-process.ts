// Starts one service process on free loopback ports with a temporary data directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPOLOGY, waitServing, type ServiceName } from '@zenko/mesh';
import { freePorts } from '../support/ports.js';
import { REPO_ROOT } from '../support/stack.js';

export interface ServiceProcess {
  address: string;
  metricsPort: number;
  /** Its stdin is a pipe the caller may end (a service run with ZENKO_EXIT_WITH_PARENT=1 then stops). */
  child: ChildProcess;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startService(name: ServiceName, env: NodeJS.ProcessEnv = {}): Promise<ServiceProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), `zenko-bench-${name}-`));
  const [grpcPort, metricsPort] = (await freePorts(2)) as [number, number];
  const t = TOPOLOGY[name];
  const child = spawn(process.execPath, [join(REPO_ROOT, name, 'dist/main.js')], {
    env: {
      ...process.env,
      ZENKO_LOG_LEVEL: 'warn',
      ZENKO_DATA_DIR: dataDir,
      [`${t.env}_GRPC_PORT`]: String(grpcPort),
      [`${t.env}_METRICS_PORT`]: String(metricsPort),
      ...env,
    },
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  const address = `127.0.0.1:${grpcPort}`;
  if (!(await waitServing(address, 30_000))) throw new Error(`${name} did not start`);
  return {
    address,
    metricsPort,
    child,
    dataDir,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
