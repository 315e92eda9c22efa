// The gRPC server every Zenko process runs: its services wrapped with tracing,
// metrics and error mapping, plus grpc.health.v1, server reflection (v1 and
// v1alpha, so grpcurl can list/describe/call) and zenko.mesh.v1.ServiceInfoService;
// with a token (ZENKO_GRPC_TOKEN), every call but health's must carry it (token.ts).
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  Server,
  ServerCredentials,
  status as Status,
  type Metadata,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedServiceImplementation,
  type sendUnaryData,
  type StatusObject,
} from '@grpc/grpc-js';
import { loadFileDescriptorSetFromBuffer, loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { DESCRIPTOR_SET_URL, meshV1ServiceInfo } from '@zenko/gen';
import { MeshError, toWireError } from '../errors.js';
import { ListenError, hostPort } from '../listen.js';
import type { Logger } from '../logger.js';
import { handledCounter, type Metrics } from '../metrics.js';
import { REQUEST_ID_METADATA, withRequestId } from '../request-id.js';
import { SpanKind, SpanStatusCode, extractContext, tracer } from '../tracing.js';
import { context, trace } from '@opentelemetry/api';
import { GRPC_TOKEN_SETTING, tokenInterceptor, type Refusal } from './token.js';
import {
  grpcType,
  serviceNameOf,
  splitPath,
  type AnyMethod,
  type AnyServiceDefinition,
  type CallContext,
  type ServiceHandlers,
} from './types.js';

/** Streamed data comes in chunks of at most 1 MiB; listings and records stay far below 16 MiB. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export interface ServiceRegistration {
  readonly name: string;
  readonly definition: AnyServiceDefinition;
  readonly handlers: Record<string, unknown>;
}

export function service<D extends AnyServiceDefinition>(definition: D, handlers: ServiceHandlers<D>): ServiceRegistration {
  return { name: serviceNameOf(definition), definition, handlers };
}

export interface GrpcServerOptions {
  name: string;
  version: string;
  logger: Logger;
  metrics: Metrics;
  services: ServiceRegistration[];
  host: string;
  port: number;
  /** Extra endpoints reported by ServiceInfoService (metrics, HTTP edges). */
  endpoints?: () => { kind: string; address: string }[];
  /** The token every call but health checks must carry (ZENKO_GRPC_TOKEN); undefined or empty: none. */
  token?: string | undefined;
}

export interface GrpcServer {
  readonly port: number;
  readonly address: string;
  setServing(serving: boolean): void;
  /** NOT_SERVING, end open streams, drain in-flight calls (then force after graceMs). */
  shutdown(graceMs?: number): Promise<void>;
}

const require = createRequire(import.meta.url);

let reflectionPackages: PackageDefinition | undefined;
function reflectionPackageDefinition(): PackageDefinition {
  if (reflectionPackages !== undefined) return reflectionPackages;
  const ours = loadFileDescriptorSetFromBuffer(readFileSync(DESCRIPTOR_SET_URL));
  const health = loadSync(healthProtoPath);
  const reflectionDir = require.resolve('@grpc/reflection').replace(/src[/\\]index\.js$/, 'proto');
  const reflection = loadSync(['grpc/reflection/v1/reflection.proto', 'grpc/reflection/v1alpha/reflection.proto'], {
    includeDirs: [reflectionDir],
  });
  reflectionPackages = { ...ours, ...health, ...reflection };
  return reflectionPackages;
}

/**
 * A request message that did not decode. grpc-js answers a deserializer's throw with a bare
 * INTERNAL ("Error deserializing request"); the wrapped deserializer returns this instead, and
 * the call fails with INVALID_ARGUMENT naming the cause, the error a malformed request deserves.
 */
class Undecodable {
  constructor(readonly message: string) {}
}

function undecodableError(m: Undecodable): MeshError {
  return new MeshError('INVALID_ARGUMENT', `the request message could not be decoded: ${m.message.slice(0, 200)}`);
}

/** The definition with deserializers that never throw (see Undecodable). */
function tolerantDefinition(definition: AnyServiceDefinition): AnyServiceDefinition {
  return Object.fromEntries<AnyMethod>(
    Object.entries(definition).map(([name, def]) => [
      name,
      {
        ...def,
        requestDeserialize: (bytes: Buffer): unknown => {
          try {
            return def.requestDeserialize(bytes);
          } catch (err) {
            return new Undecodable(err instanceof Error ? err.message : String(err));
          }
        },
      },
    ]),
  );
}

/** A request stream that fails with INVALID_ARGUMENT at its first undecodable message. */
async function* checkedMessages(stream: AsyncIterable<unknown>): AsyncGenerator<unknown> {
  for await (const message of stream) {
    if (message instanceof Undecodable) throw undecodableError(message);
    yield message;
  }
}

function statusName(code: Status): string {
  return Status[code] ?? String(code);
}

/** A refused call is logged at most once a minute, with the count of those refused in between. */
const REFUSAL_LOG_INTERVAL_MS = 60_000;

/** What a server does with each call refused for its token: count it, and log it now and then. */
function refusalReporter(logger: Logger, metrics: Metrics): (refusal: Refusal) => void {
  let loggedMs = Number.NEGATIVE_INFINITY;
  let unlogged = 0;
  const counters = new Map<string, { started: { inc(): void }; handled: { inc(): void } }>();
  return ({ method, peer, check }) => {
    let counter = counters.get(method.path);
    if (counter === undefined) {
      const [serviceName, name] = splitPath(method.path);
      const labels = { grpc_type: grpcType(method), grpc_service: serviceName, grpc_method: name };
      counter = {
        started: metrics.grpcServerStarted.labels(labels),
        handled: handledCounter(metrics.grpcServerHandled, labels)(Status.UNAUTHENTICATED),
      };
      counters.set(method.path, counter);
    }
    counter.started.inc();
    counter.handled.inc();
    const now = performance.now();
    if (now - loggedMs < REFUSAL_LOG_INTERVAL_MS) {
      unlogged++;
      return;
    }
    logger.warn(
      { rpc: method.path, peer, problem: check, refusedSinceLastLine: unlogged },
      `refused a gRPC call whose token is ${check} (${GRPC_TOKEN_SETTING}); such calls are logged at most once a minute`,
    );
    loggedMs = now;
    unlogged = 0;
  };
}

function metadataCarrier(metadata: Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata.getMap())) if (typeof v === 'string') out[k] = v;
  return out;
}

export async function startGrpcServer(opts: GrpcServerOptions): Promise<GrpcServer> {
  const { logger, metrics } = opts;
  const server = new Server({
    // channelz bookkeeping costs about a quarter of a small call's CPU; nothing here reads it.
    'grpc.enable_channelz': 0,
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    ...(opts.token ? { interceptors: [tokenInterceptor(opts.token, refusalReporter(logger, metrics))] } : {}),
  });
  const open = new Set<AbortController>();
  const startedAt = new Date();
  let boundPort = 0;

  const infoService: ServiceRegistration = service(meshV1ServiceInfo.ServiceInfoServiceService, {
    getServiceInfo: (): Promise<meshV1ServiceInfo.GetServiceInfoResponse> =>
      Promise.resolve({
        name: opts.name,
        version: opts.version,
        startedAt,
        pid: process.pid,
        grpcServices: allServices.map((s) => s.name),
        endpoints: [{ kind: 'grpc', address: `${opts.host}:${boundPort}` }, ...(opts.endpoints?.() ?? [])],
      }),
  });
  const allServices: ServiceRegistration[] = [...opts.services, infoService];

  for (const svc of allServices) {
    const impl: UntypedServiceImplementation = {};
    for (const [methodName, def] of Object.entries(svc.definition)) {
      const handler = svc.handlers[methodName] as ((...args: unknown[]) => unknown) | undefined;
      impl[methodName] = wrap(def, handler);
    }
    server.addService(tolerantDefinition(svc.definition), impl);
  }

  const health = new HealthImplementation({
    '': 'NOT_SERVING',
    ...Object.fromEntries(allServices.map((s) => [s.name, 'NOT_SERVING' as const])),
  });
  health.addToServer(server);
  new ReflectionService(reflectionPackageDefinition(), {
    services: [
      ...allServices.map((s) => s.name),
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
    ],
  }).addToServer(server);

  boundPort = await new Promise<number>((resolve, reject) => {
    server.bindAsync(hostPort(opts.host, opts.port), ServerCredentials.createInsecure(), (err, port) => {
      if (!err) return resolve(port);
      server.forceShutdown();
      reject(new ListenError('grpc', opts.host, opts.port, err));
    });
  });

  function wrap(def: AnyMethod, handler: ((...args: unknown[]) => unknown) | undefined) {
    const type = grpcType(def);
    const [serviceName, method] = splitPath(def.path);
    const labels = { grpc_type: type, grpc_service: serviceName, grpc_method: method };
    const spanName = `${serviceName}/${method}`;
    const spanAttributes = { 'rpc.system': 'grpc', 'rpc.service': serviceName, 'rpc.method': method };
    // Label children are resolved once per method (and per code): a call only adds numbers.
    const started = metrics.grpcServerStarted.labels(labels);
    const handling = metrics.grpcServerHandling.labels(labels);
    const handledWith = handledCounter(metrics.grpcServerHandled, labels);
    const methodLogger = logger.child({ rpc: spanName });

    return (call: ServerUnaryCall<unknown, unknown> & ServerWritableStream<unknown, unknown>, callback?: sendUnaryData<unknown>) => {
      started.inc();
      const startedMs = performance.now();
      const abort = new AbortController();
      open.add(abort);
      let done = false;
      // grpc-js emits 'cancelled' when the stream closes, also after a normal end.
      call.on('cancelled', () => {
        if (!done) abort.abort(new MeshError('UNAVAILABLE', 'call cancelled'));
      });
      const rawDeadline = call.getDeadline();
      const deadline = rawDeadline === Infinity ? undefined : rawDeadline instanceof Date ? rawDeadline : new Date(rawDeadline);
      const parent = extractContext(metadataCarrier(call.metadata));
      const span = tracer().startSpan(spanName, { kind: SpanKind.SERVER, attributes: spanAttributes }, parent);
      const spanCtx = trace.setSpan(parent, span);
      const ctx: CallContext = {
        metadata: call.metadata,
        signal: abort.signal,
        deadline,
        get peer() {
          return call.getPeer();
        },
        logger: methodLogger,
      };

      const finish = (code: Status, err?: unknown): void => {
        done = true;
        open.delete(abort);
        const seconds = (performance.now() - startedMs) / 1000;
        handling.observe(seconds);
        handledWith(code).inc();
        span.setAttribute('rpc.grpc.status_code', code);
        if (methodLogger.isLevelEnabled('debug')) {
          methodLogger.debug({ grpc_code: statusName(code), duration_ms: Math.round(seconds * 1000) }, 'rpc completed');
        }
        if (code !== Status.OK) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: statusName(code) });
          if (err instanceof Error) span.recordException(err);
        }
        span.end();
      };
      const fail = (err: unknown): Partial<StatusObject> =>
        toWireError(err, (cause) => methodLogger.error({ err: cause }, 'internal error in RPC handler'));

      const requestId = call.metadata.get(REQUEST_ID_METADATA)[0];
      context.with(spanCtx, () =>
        withRequestId(typeof requestId === 'string' ? requestId : undefined, () => {
          if (handler === undefined) {
            const status = new MeshError('UNIMPLEMENTED', `${serviceName}/${method} is not implemented yet`).toStatus();
            finish(Status.UNIMPLEMENTED);
            if (callback) callback(status);
            else call.emit('error', status);
            return;
          }
          if (type === 'unary' || type === 'client_stream') {
            const input = type === 'unary' ? call.request : checkedMessages(call as unknown as ServerReadableStream<unknown, unknown>);
            Promise.resolve()
              .then(() => {
                if (input instanceof Undecodable) throw undecodableError(input);
                return handler(input, ctx);
              })
              .then(
                (response) => {
                  finish(Status.OK);
                  callback?.(null, response);
                },
                (err: unknown) => {
                  const status = fail(err);
                  finish(status.code ?? Status.INTERNAL, err);
                  callback?.(status);
                },
              );
            return;
          }
          const stream = call as unknown as ServerDuplexStream<unknown, unknown>;
          const input = type === 'server_stream' ? call.request : checkedMessages(stream);
          void (async () => {
            try {
              if (input instanceof Undecodable) throw undecodableError(input);
              for await (const message of handler(input, ctx) as AsyncIterable<unknown>) {
                if (abort.signal.aborted) break;
                if (!stream.write(message)) await once(stream, 'drain', { signal: abort.signal });
              }
              if (abort.signal.aborted && !stream.cancelled) throw abort.signal.reason;
              finish(Status.OK);
              stream.end();
            } catch (err) {
              if (stream.cancelled) {
                finish(Status.CANCELLED);
                return;
              }
              const status = fail(abort.signal.aborted ? abort.signal.reason : err);
              finish(status.code ?? Status.INTERNAL, err);
              stream.emit('error', status);
            }
          })();
        }),
      );
    };
  }

  const setServing = (serving: boolean): void => {
    const s = serving ? 'SERVING' : 'NOT_SERVING';
    health.setStatus('', s);
    for (const svc of allServices) health.setStatus(svc.name, s);
  };
  return {
    port: boundPort,
    address: `${opts.host}:${boundPort}`,
    setServing,
    async shutdown(graceMs = 5_000) {
      setServing(false);
      for (const a of open) a.abort(new MeshError('NOT_SERVING', 'server shutting down'));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
