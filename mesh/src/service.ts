// The life of one service process: configuration (a bad setting stops it with a
// message naming the setting), telemetry, the gRPC server with health and
// reflection, /metrics, and graceful shutdown on SIGTERM/SIGINT, or when the
// launcher that started it is gone (NOT_SERVING, drain, close stores, exit 0).
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { ConfigError, loadConfig, type ConfigOf, type Schema } from './config.js';
import { DataDirLockedError, lockDataDir } from './data-dir-lock.js';
import { startGrpcServer, type GrpcServer, type ServiceRegistration } from './grpc/server.js';
import { checkListenHosts, ListenError } from './listen.js';
import { createLogger, type Logger } from './logger.js';
import { metrics as processMetrics, serveMetrics, type Metrics } from './metrics.js';
import { exitWithParent, watchParent } from './parent-watch.js';
import { isLoopbackHost, listenSettings, TOPOLOGY, type ServiceName } from './topology.js';
import { setupTracing, type Tracing } from './tracing.js';
import { ZENKO_VERSION } from './version.js';

export interface ServiceContext<C> {
  readonly name: ServiceName;
  readonly version: string;
  readonly config: C & { host: string; grpcHost: string; grpcToken: string; grpcPort: number; metricsPort: number; logLevel: string };
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracing: Tracing;
  /** Registers a closer, run in reverse order after the gRPC server has drained. */
  onClose(this: void, fn: () => Promise<void> | void): void;
  /**
   * Takes this service's lock of a data directory before it touches its files there (released
   * when the process ends); another live process holding it stops this one (exit code 2).
   */
  lockDataDir(this: void, dataDir: string): void;
}

export interface Started {
  services: ServiceRegistration[];
  /** Endpoints shown by ServiceInfoService and `zenko status` (HTTP edges). */
  endpoints?: { kind: string; address: string }[];
  /** Stops accepting edge traffic; runs first at shutdown. */
  stopAccepting?: () => Promise<void>;
}

export interface ServiceSpec<S extends Schema> {
  name: ServiceName;
  schema: S;
  start(ctx: ServiceContext<ConfigOf<S>>): Promise<Started>;
}

export interface RunningService {
  readonly grpc: GrpcServer;
  readonly metricsPort: number;
  shutdown(): Promise<void>;
}

/**
 * V8's allocation-site pretenuring is off in service processes. It watches which allocation sites'
 * objects survive young collections and, for sites where most do (while a service starts, or
 * under a burst), allocates their later objects in the old generation directly. A request's
 * objects die young: pretenured, they fill the old generation with garbage that points at young
 * objects, so every scavenge walks those pointers (4-9 ms instead of under 0.5) and full
 * collections come often. Measured: a delimited listing of 100 common prefixes went from 0.87 to
 * 0.57 ms of CPU in svc-cloudserver, and an LMDB key seek from 2.2 to 0.9 µs.
 */
export const V8_FLAGS = '--no-allocation-site-pretenuring';

export async function runService<S extends Schema>(spec: ServiceSpec<S>): Promise<RunningService> {
  setFlagsFromString(V8_FLAGS);
  // A configuration the service cannot run with stops it with one line naming the setting, exit code 2
  // (which the launcher does not restart).
  const refuse = (message: string, code = 2): never => {
    process.stderr.write(`${spec.name}: ${message}\n`);
    process.exit(code);
  };
  let config: ServiceContext<ConfigOf<S>>['config'];
  let withParent: boolean;
  try {
    config = loadConfig({ ...listenSettings(spec.name), ...spec.schema }) as ServiceContext<ConfigOf<S>>['config'];
    withParent = exitWithParent();
    // Before anything is opened or created: a host that does not resolve or is not this machine's.
    await checkListenHosts([
      { setting: 'ZENKO_HOST', host: config.host },
      { setting: 'ZENKO_GRPC_HOST', host: config.grpcHost },
    ]);
  } catch (err) {
    if (err instanceof ConfigError) refuse(err.message);
    throw err;
  }
  const tracing = setupTracing(spec.name, ZENKO_VERSION);
  const logger = createLogger(spec.name, config.logLevel);
  const metrics = processMetrics(spec.name);
  if (!isLoopbackHost(config.grpcHost) && config.grpcToken === '') {
    logger.warn(
      { grpcHost: config.grpcHost },
      'the gRPC server listens beyond loopback without authentication: whoever reaches its port can read account secrets and run every admin operation; set ZENKO_GRPC_TOKEN, or keep that network private (a service mesh with mTLS)',
    );
  }
  const closers: (() => Promise<void> | void)[] = [];

  // Fatal errors also go to stderr, whose last lines the launcher reports (the log may be a file).
  const fatal = (err: unknown, what: string): never => {
    logger.fatal({ err }, `${what}; exiting`);
    process.stderr.write(`${spec.name}: ${what}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  };
  process.on('uncaughtException', (err) => fatal(err, 'uncaught exception'));
  process.on('unhandledRejection', (err) => fatal(err, 'unhandled rejection'));

  // Started by the launcher (ZENKO_EXIT_WITH_PARENT), this process stops once the launcher is gone,
  // however it died, as the launcher's SIGTERM would stop it: at once while starting, gracefully
  // once serving. Its output went to the launcher: lines written from then on are lost.
  let parentGone = (): void => process.exit(1);
  if (withParent) watchParent(() => parentGone());

  const lockDataDirOf = (dataDir: string): void => {
    try {
      const lock = lockDataDir(resolve(dataDir), spec.name);
      // Last closer (registered first, run in reverse), and on any other exit.
      closers.push(() => lock.release());
      process.once('exit', () => lock.release());
    } catch (err) {
      if (err instanceof DataDirLockedError) refuse(err.message);
      throw err;
    }
  };

  // A listener that cannot be set up names the setting to change: the host's, or the port's.
  const listenSetting = (err: ListenError): string => {
    if (err.hostProblem) return err.what === 'grpc' ? 'ZENKO_GRPC_HOST' : 'ZENKO_HOST';
    const t = TOPOLOGY[spec.name];
    return err.what === 'grpc' ? `${t.env}_GRPC_PORT` : err.what === 'metrics' ? `${t.env}_METRICS_PORT` : (t.edge?.env ?? 'ZENKO_HOST');
  };
  let started: Started;
  let metricsServer: Awaited<ReturnType<typeof serveMetrics>>;
  let metricsPort: number;
  let grpc: GrpcServer;
  try {
    started = await spec.start({
      name: spec.name,
      version: ZENKO_VERSION,
      config,
      logger,
      metrics,
      tracing,
      onClose: (fn) => closers.push(fn),
      lockDataDir: lockDataDirOf,
    });
    metricsServer = await serveMetrics(metrics, config.host, config.metricsPort);
    const metricsAddress = metricsServer.address();
    metricsPort = typeof metricsAddress === 'object' && metricsAddress !== null ? metricsAddress.port : config.metricsPort;
    const endpoints = started.endpoints ?? [];
    grpc = await startGrpcServer({
      name: spec.name,
      version: ZENKO_VERSION,
      logger,
      metrics,
      services: started.services,
      host: config.grpcHost,
      port: config.grpcPort,
      token: config.grpcToken,
      endpoints: () => [{ kind: 'metrics', address: `http://${config.host}:${metricsPort}/metrics` }, ...endpoints],
    });
  } catch (err) {
    if (!(err instanceof ListenError)) throw err;
    const line = `${listenSetting(err)}: ${err.message}`;
    logger.fatal({ code: err.code }, line);
    // A port in use may be freed: exit code 1, which the launcher restarts (with backoff).
    return err.code === 'EADDRINUSE' ? refuse(line, 1) : refuse(`invalid configuration: ${line}`);
  }
  grpc.setServing(true);
  logger.info(
    { grpc: grpc.address, metrics: metricsPort, endpoints: started.endpoints ?? [], version: ZENKO_VERSION },
    `${spec.name} SERVING`,
  );

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      logger.info('shutting down');
      grpc.setServing(false);
      await started.stopAccepting?.();
      await grpc.shutdown();
      for (const close of closers.reverse()) {
        try {
          await close();
        } catch (err) {
          logger.error({ err }, 'error while closing');
        }
      }
      await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      await tracing.shutdown().catch(() => undefined);
      logger.info('stopped');
    })();
    return stopping;
  };
  const stop = (): void => {
    const timer = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, 15_000);
    timer.unref();
    shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping !== undefined) {
        process.exit(1);
      }
      stop();
    });
  }
  parentGone = () => {
    // A shutdown under way (the launcher's SIGTERM, then the launcher killed) runs to its end.
    if (stopping !== undefined) return;
    logger.warn('parent process gone (stdin closed); shutting down');
    stop();
  };
  return { grpc, metricsPort, shutdown };
}
