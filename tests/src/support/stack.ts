// Starts the real local stack (mesh/dist/launcher/main.js: every service as its
// own process) on free loopback ports with a temporary data directory. The
// launcher runs with ZENKO_EXIT_WITH_PARENT: should the test process die without
// stopping it (a crash, a SIGKILL from a CI timeout), it stops its services and exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_WITH_PARENT, SERVICE_NAMES, TOPOLOGY, type ServiceName } from '@zenko/mesh';
import { freePorts } from './ports.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface ServiceEndpoints {
  grpc: string;
  metrics: string;
  grpcPort: number;
  metricsPort: number;
}

export interface TestStack {
  readonly launcher: ChildProcess;
  readonly dataDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly services: Record<ServiceName, ServiceEndpoints>;
  readonly s3: string;
  readonly azure: string;
  /** Everything the launcher printed so far. */
  output(): string;
  /** SIGTERM the launcher and wait for it to exit; resolves its exit code. */
  stop(): Promise<number | null>;
}

type StackLayout = Pick<TestStack, 'dataDir' | 'env' | 'services' | 's3' | 'azure'>;

export async function startStack(extraEnv: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<TestStack> {
  return launch(await layout(extraEnv), timeoutMs);
}

/** Starts a stack again on the data directory, ports and settings of one that stopped or died. */
export function restartStack(previous: TestStack, timeoutMs = 60_000): Promise<TestStack> {
  const { dataDir, env, services, s3, azure } = previous;
  return launch({ dataDir, env, services, s3, azure }, timeoutMs);
}

async function layout(extraEnv: NodeJS.ProcessEnv): Promise<StackLayout> {
  const dataDir = mkdtempSync(join(tmpdir(), 'zenko-test-'));
  const ports = await freePorts(SERVICE_NAMES.length * 2 + 2);
  const env: NodeJS.ProcessEnv = { ...process.env, ZENKO_DATA_DIR: dataDir, ZENKO_HOST: '127.0.0.1', ZENKO_LOG_LEVEL: 'info' };
  const services = {} as Record<ServiceName, ServiceEndpoints>;
  SERVICE_NAMES.forEach((name, i) => {
    const grpcPort = ports[2 * i]!;
    const metricsPort = ports[2 * i + 1]!;
    env[`${TOPOLOGY[name].env}_GRPC_PORT`] = String(grpcPort);
    env[`${TOPOLOGY[name].env}_METRICS_PORT`] = String(metricsPort);
    env[`${TOPOLOGY[name].env}_ADDRESS`] = `127.0.0.1:${grpcPort}`;
    services[name] = { grpc: `127.0.0.1:${grpcPort}`, metrics: `http://127.0.0.1:${metricsPort}/metrics`, grpcPort, metricsPort };
  });
  const s3Port = ports[ports.length - 2]!;
  const azurePort = ports[ports.length - 1]!;
  env['ZENKO_S3_PORT'] = String(s3Port);
  env['ZENKO_AZURE_PORT'] = String(azurePort);
  Object.assign(env, extraEnv);
  return { dataDir, env, services, s3: `http://127.0.0.1:${s3Port}`, azure: `http://127.0.0.1:${azurePort}` };
}

async function launch(stack: StackLayout, timeoutMs: number): Promise<TestStack> {
  const { dataDir, env } = stack;
  // stdin: a pipe this process never writes to nor closes; the kernel closes it when this process dies.
  const launcher = spawn(process.execPath, [join(REPO_ROOT, 'mesh/dist/launcher/main.js')], {
    env: { ...env, [EXIT_WITH_PARENT]: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  launcher.stdout.on('data', (c: Buffer) => (output += c.toString()));
  launcher.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => launcher.once('exit', (code) => resolve(code)));

  const serving = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stack not SERVING within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const check = (): void => {
      if (output.includes('all services SERVING')) {
        clearTimeout(timer);
        resolve();
      }
    };
    launcher.stdout.on('data', check);
    launcher.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`launcher exited with ${code} before SERVING:\n${output}`));
    });
  });
  try {
    await serving;
  } catch (e) {
    // A launcher left running would keep the test file's process (and the run) alive.
    await stopLauncher(launcher, exited);
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }

  return {
    ...stack,
    launcher,
    output: () => output,
    async stop() {
      const code = await stopLauncher(launcher, exited);
      rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** SIGTERM (the launcher stops its services), SIGKILL if it has not exited 30 s later. */
async function stopLauncher(launcher: ChildProcess, exited: Promise<number | null>): Promise<number | null> {
  if (launcher.exitCode === null && launcher.signalCode === null) launcher.kill('SIGTERM');
  const killer = setTimeout(() => launcher.kill('SIGKILL'), 30_000);
  const code = await exited;
  clearTimeout(killer);
  return code;
}

/**
 * Starts two servers at once; if one fails, the other is stopped before the
 * error is thrown (a half-started pair would otherwise outlive the test file).
 */
export async function startTogether<A extends Stoppable, B extends Stoppable>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === 'fulfilled' && rb.status === 'fulfilled') return [ra.value, rb.value];
  await Promise.all([ra, rb].map((r) => (r.status === 'fulfilled' ? r.value.stop() : Promise.resolve())));
  throw ra.status === 'rejected' ? ra.reason : (rb as PromiseRejectedResult).reason;
}

interface Stoppable {
  stop(): Promise<unknown>;
}

const HAS_PROC = existsSync('/proc/self/stat');

/**
 * True while a process with this pid exists and has not exited: a zombie (exited, not yet reaped by
 * its parent; init reaps an orphan when it gets to it) is not alive.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // Reaped meanwhile; or no /proc (not Linux), where kill's answer is all there is.
    return !HAS_PROC;
  }
  // "pid (comm) state ...": comm may hold spaces and parentheses.
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}
