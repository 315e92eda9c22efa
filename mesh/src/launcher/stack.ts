// The local stack: every service as its own process on loopback, restarted when
// it crashes, stopped together, and stopping by itself should the launcher die.
// `npm start` runs this through scripts/start.mjs.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, port, str, type Setting } from '../config.js';
import { DataDirLockedError, lockDataDir, lockFile, lockHolder, type DataDirLock } from '../data-dir-lock.js';
import { checkListenHosts } from '../listen.js';
import { EXIT_WITH_PARENT } from '../parent-watch.js';
import { waitServing } from '../grpc/health.js';
import {
  SERVICE_NAMES,
  TOPOLOGY,
  bootstrapKeySettings,
  dialHost,
  grpcHostSetting,
  grpcTokenSetting,
  hostSetting,
  logLevelSetting,
  type ServiceName,
} from '../topology.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface StackConfig {
  dataDir: string;
  host: string;
  /** Where the gRPC servers listen (loopback unless ZENKO_GRPC_HOST says otherwise). */
  grpcHost: string;
  /** The token the gRPC servers ask every call for (ZENKO_GRPC_TOKEN); empty: none. */
  grpcToken: string;
  /** The key pair svc-metadata gives the account it creates at a data directory's first start. */
  accessKey: string;
  secretKey: string;
  ports: Record<ServiceName, { grpc: number; metrics: number; edge?: number }>;
}

export function stackSchema(): Record<string, Setting<unknown>> {
  const schema: Record<string, Setting<unknown>> = {
    dataDir: str('ZENKO_DATA_DIR', 'data directory', './.zenko'),
    host: hostSetting(),
    grpcHost: grpcHostSetting(),
    // Checked here too (a bad one would stop every service), and passed on to them.
    grpcToken: grpcTokenSetting(),
    // Checked here too: a bad one would stop every service, over and over as they are restarted.
    logLevel: logLevelSetting(),
    // The settings svc-metadata reads, for the banner.
    ...bootstrapKeySettings(),
  };
  for (const name of SERVICE_NAMES) {
    const t = TOPOLOGY[name];
    schema[`${name}:grpc`] = port(`${t.env}_GRPC_PORT`, `gRPC port of ${name}`, t.grpcPort);
    schema[`${name}:metrics`] = port(`${t.env}_METRICS_PORT`, `metrics port of ${name}`, t.metricsPort);
    if (t.edge) schema[`${name}:edge`] = port(t.edge.env, `${t.edge.protocol} port`, t.edge.port);
  }
  return schema;
}

export function loadStackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const raw = loadConfig(stackSchema(), { env }) as Record<string, unknown>;
  const dataDir = String(raw['dataDir']);
  const ports = {} as StackConfig['ports'];
  for (const name of SERVICE_NAMES) {
    const edge = raw[`${name}:edge`] as number | undefined;
    ports[name] = {
      grpc: raw[`${name}:grpc`] as number,
      metrics: raw[`${name}:metrics`] as number,
      ...(edge === undefined ? {} : { edge }),
    };
  }
  return {
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(process.cwd(), dataDir),
    host: String(raw['host']),
    grpcHost: String(raw['grpcHost']),
    grpcToken: String(raw['grpcToken']),
    accessKey: String(raw['accessKey']),
    secretKey: String(raw['secretKey']),
    ports,
  };
}

/** The services that lock the data directory for their files there (svc-metadata when on LMDB). */
const LOCKED_SERVICES: readonly ServiceName[] = ['svc-metadata', 'svc-cloudserver', 'svc-blobserver'];

/**
 * libuv's thread pool runs every file system call; its default 4 threads let four fsyncs of
 * concurrent durable writes stall every other read and write of the process.
 */
const THREADPOOL_SIZE = '32';

/**
 * The environment every child gets: its ports and every peer's address (one set in `base` is kept:
 * a proxy, another host), the gRPC token the launcher read (from the environment or
 * ZENKO_CONFIG_FILE), and ZENKO_EXIT_WITH_PARENT: it stops when the stdin pipe the launcher
 * holds closes, so a launcher that dies without stopping it (SIGKILL, OOM) leaves no orphan.
 */
export function childEnv(config: StackConfig, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    UV_THREADPOOL_SIZE: THREADPOOL_SIZE,
    ...base,
    ZENKO_DATA_DIR: config.dataDir,
    ZENKO_HOST: config.host,
    ZENKO_GRPC_HOST: config.grpcHost,
    ...(config.grpcToken === '' ? {} : { ZENKO_GRPC_TOKEN: config.grpcToken }),
    [EXIT_WITH_PARENT]: '1',
  };
  const host = dialHost(config.grpcHost);
  for (const name of SERVICE_NAMES) {
    const t = TOPOLOGY[name];
    const p = config.ports[name];
    env[`${t.env}_GRPC_PORT`] = String(p.grpc);
    env[`${t.env}_METRICS_PORT`] = String(p.metrics);
    env[`${t.env}_ADDRESS`] = base[`${t.env}_ADDRESS`] || `${host}:${p.grpc}`;
    if (t.edge && p.edge !== undefined) env[t.edge.env] = String(p.edge);
  }
  return env;
}

interface Child {
  name: ServiceName;
  process: ChildProcess | undefined;
  restarts: number;
  startedAt: number;
  log: WriteStream;
}

export interface StackEvents {
  info(line: string): void;
  error(line: string): void;
}

export class Stack {
  private readonly children = new Map<ServiceName, Child>();
  private stopping = false;
  private lock: DataDirLock | undefined;

  constructor(
    readonly config: StackConfig,
    private readonly events: StackEvents,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /**
   * Starts every service and resolves once all report SERVING; rejects if one cannot start
   * (ConfigError or DataDirLockedError: a setting to change, before anything was started).
   */
  async start(timeoutMs = 60_000): Promise<void> {
    await checkListenHosts([
      { setting: 'ZENKO_HOST', host: this.config.host },
      { setting: 'ZENKO_GRPC_HOST', host: this.config.grpcHost },
    ]);
    // Another stack on this data directory (or services of one whose launcher died) would have
    // both delete each other's files: refuse, naming who holds it.
    const lock = lockDataDir(this.config.dataDir, 'launcher');
    for (const name of LOCKED_SERVICES) {
      const holder = lockHolder(this.config.dataDir, name);
      if (holder === undefined) continue;
      lock.release();
      throw new DataDirLockedError(this.config.dataDir, holder, lockFile(this.config.dataDir, name));
    }
    this.lock = lock;
    process.once('exit', () => lock.release());
    // A port another process holds (often another Zenko) would make the health checks
    // below answer for that process's services: refuse before starting anything.
    const taken = await takenPorts(this.config);
    if (taken.length > 0) {
      throw new Error(
        `ports in use (is another Zenko running? stop it, or set other ports and ZENKO_DATA_DIR):\n` +
          taken.map((t) => `  ${String(t.port).padEnd(6)} ${t.what.padEnd(26)} ${t.setting}`).join('\n'),
      );
    }
    mkdirSync(join(this.config.dataDir, 'logs'), { recursive: true });
    for (const name of SERVICE_NAMES) this.spawn(name);
    const results = await Promise.all(
      SERVICE_NAMES.map(async (name) => {
        const ok = await waitServing(
          this.address(name),
          timeoutMs,
          () => !this.stopping && this.children.get(name)?.process?.exitCode === null,
        );
        return [name, ok] as const;
      }),
    );
    const failed = results.filter(([, ok]) => !ok).map(([name]) => name);
    if (failed.length > 0) {
      throw new Error(`not SERVING: ${failed.join(', ')} (see ${join(this.config.dataDir, 'logs')})`);
    }
  }

  address(name: ServiceName): string {
    return `${dialHost(this.config.grpcHost)}:${this.config.ports[name].grpc}`;
  }

  pids(): number[] {
    return [...this.children.values()].flatMap((c) => (c.process?.pid === undefined ? [] : [c.process.pid]));
  }

  private spawn(name: ServiceName): void {
    const existing = this.children.get(name);
    const log = existing?.log ?? createWriteStream(join(this.config.dataDir, 'logs', `${name}.log`), { flags: 'a' });
    // stdin: a pipe the launcher never writes to nor closes; the kernel closes it when the launcher dies.
    const child = spawn(process.execPath, [join(REPO_ROOT, name, 'dist', 'main.js')], {
      env: childEnv(this.config, this.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const entry: Child = { name, process: child, restarts: existing?.restarts ?? 0, startedAt: Date.now(), log };
    this.children.set(name, entry);
    child.stdout.pipe(log, { end: false });
    let stderrTail = '';
    child.stderr.on('data', (chunk: Buffer) => {
      log.write(chunk);
      stderrTail = (stderrTail + chunk.toString()).slice(-2_000);
    });
    child.on('exit', (code, signal) => {
      if (this.stopping) return;
      const how = signal ? `signal ${signal}` : `code ${code}`;
      const tail = stderrTail.trim();
      this.events.error(`${name} exited with ${how}${tail ? `: ${tail.split('\n').slice(-3).join(' | ')}` : ''}`);
      if (code === 2) {
        this.events.error(`${name} has an invalid configuration; not restarting it`);
        entry.process = undefined;
        return;
      }
      // Back off when it keeps crashing; a run of a minute resets the count.
      entry.restarts = Date.now() - entry.startedAt > 60_000 ? 1 : entry.restarts + 1;
      const delay = Math.min(30_000, 500 * 2 ** (entry.restarts - 1));
      this.events.info(`restarting ${name} in ${delay} ms`);
      setTimeout(() => {
        if (!this.stopping) this.spawn(name);
      }, delay).unref();
    });
  }

  /** SIGTERM to every child, SIGKILL to those still alive after graceMs. */
  async stop(graceMs = 20_000): Promise<void> {
    this.stopping = true;
    const alive = [...this.children.values()].flatMap((c) =>
      c.process && c.process.exitCode === null && c.process.signalCode === null ? [c.process] : [],
    );
    await Promise.all(
      alive.map(
        (p) =>
          new Promise<void>((resolveExit) => {
            const timer = setTimeout(() => p.kill('SIGKILL'), graceMs);
            p.once('exit', () => {
              clearTimeout(timer);
              resolveExit();
            });
            p.kill('SIGTERM');
          }),
      ),
    );
    for (const c of this.children.values()) c.log.end();
    this.lock?.release();
  }
}

/** The configured listening ports that cannot be bound on the stack's host now. */
async function takenPorts(config: StackConfig): Promise<{ port: number; host: string; what: string; setting: string }[]> {
  const wanted = SERVICE_NAMES.flatMap((name) => {
    const t = TOPOLOGY[name];
    const p = config.ports[name];
    return [
      { port: p.grpc, host: config.grpcHost, what: `gRPC of ${name}`, setting: `${t.env}_GRPC_PORT` },
      { port: p.metrics, host: config.host, what: `metrics of ${name}`, setting: `${t.env}_METRICS_PORT` },
      ...(t.edge && p.edge !== undefined
        ? [{ port: p.edge, host: config.host, what: `${t.edge.protocol} edge`, setting: t.edge.env }]
        : []),
    ];
  });
  const free = await Promise.all(wanted.map((w) => (w.port === 0 ? Promise.resolve(true) : bindable(w.host, w.port))));
  return wanted.filter((_, i) => !free[i]);
}

function bindable(host: string, port: number): Promise<boolean> {
  return new Promise((resolveBind) => {
    const probe = createServer();
    probe.once('error', () => resolveBind(false));
    probe.listen(port, host, () => probe.close(() => resolveBind(true)));
  });
}
