// Typed promise clients over @grpc/grpc-js: a deadline on every call, W3C trace
// context in the metadata, the mesh's token (ZENKO_GRPC_TOKEN) when set, client
// metrics, MeshError on failure, and retries (through the channel's service
// config) only for idempotent methods on transient codes.
import { once } from 'node:events';
import {
  Metadata,
  credentials,
  makeGenericClientConstructor,
  status as Status,
  type CallOptions as GrpcCallOptions,
  type Client,
  type ClientReadableStream,
  type ClientWritableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { context, trace } from '@opentelemetry/api';
import { MeshError, RETRYABLE_STATUS } from '../errors.js';
import { handledCounter, type Metrics } from '../metrics.js';
import { REQUEST_ID_METADATA, currentRequestId } from '../request-id.js';
import { SpanKind, SpanStatusCode, injectContext, tracer } from '../tracing.js';
import { peerWatch, type PeerWatch } from './peer-watch.js';
import { MAX_MESSAGE_BYTES } from './server.js';
import { AUTHORIZATION_METADATA, bearer, grpcToken } from './token.js';
import {
  grpcType,
  serviceNameOf,
  splitPath,
  type AnyMethod,
  type AnyServiceDefinition,
  type CallOptions,
  type PromiseClient,
} from './types.js';

/** Methods safe to retry: reads, and deletes that are idempotent by contract. */
export const IDEMPOTENT_METHOD = /^(Batch)?(Get|List|Head|Search|Resolve|Watch)/;

export interface ClientOptions {
  /** Default deadline of unary and client-streaming calls. */
  deadlineMs?: number;
  /** Default deadline of server-streaming calls (pass Infinity per call for long-lived streams). */
  streamDeadlineMs?: number;
  /** Methods (proto names, e.g. "Delete") retried on transient codes besides IDEMPOTENT_METHOD matches. */
  idempotent?: string[];
  metrics?: Metrics;
  maxAttempts?: number;
  /**
   * The token sent with every call (`authorization: Bearer <token>`); by default ZENKO_GRPC_TOKEN
   * of this process (environment or ZENKO_CONFIG_FILE; an invalid one throws its ConfigError);
   * empty: none.
   */
  token?: string;
}

export const DEFAULT_DEADLINE_MS = 30_000;
const RECEIVE_WINDOW_BYTES = 4 * 1024 * 1024;
export const DEFAULT_STREAM_DEADLINE_MS = 60 * 60_000;

function serviceConfig(definition: AnyServiceDefinition, opts: ClientOptions): string {
  const serviceName = serviceNameOf(definition);
  const names = Object.values(definition)
    .map((m) => splitPath(m.path)[1])
    .filter((method) => IDEMPOTENT_METHOD.test(method) || (opts.idempotent ?? []).includes(method))
    .map((method) => ({ service: serviceName, method }));
  const maxAttempts = opts.maxAttempts ?? 4;
  if (names.length === 0 || maxAttempts < 2) return JSON.stringify({});
  return JSON.stringify({
    methodConfig: [
      {
        name: names,
        retryPolicy: {
          maxAttempts,
          initialBackoff: '0.05s',
          maxBackoff: '1s',
          backoffMultiplier: 2,
          retryableStatusCodes: RETRYABLE_STATUS.map((c) => Status[c]),
        },
      },
    ],
  });
}

const NOT_WAITING = { done: (): void => undefined };

function deadlineOf(ms: number): Date | number {
  return Number.isFinite(ms) ? new Date(Date.now() + ms) : Infinity;
}

export function createClient<D extends AnyServiceDefinition>(definition: D, address: string, opts: ClientOptions = {}): PromiseClient<D> {
  // First: an invalid ZENKO_GRPC_TOKEN throws before a channel is made.
  const token = opts.token ?? grpcToken();
  const authorization = token ? bearer(token) : undefined;
  const Ctor = makeGenericClientConstructor(definition, serviceNameOf(definition));
  const raw = new Ctor(address, credentials.createInsecure(), {
    // channelz bookkeeping costs about a quarter of a small call's CPU; nothing here reads it.
    'grpc.enable_channelz': 0,
    // HTTP/2 receive window of the connection and of each stream: the 64 KiB default stalls
    // streamed object data every 64 KiB for a round trip; 4 MiB keeps a stream moving while
    // bounding what a slow reader leaves buffered.
    'grpc-node.flow_control_window': RECEIVE_WINDOW_BYTES,
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    'grpc.enable_retries': 1,
    'grpc.service_config': serviceConfig(definition, opts),
    'grpc.keepalive_time_ms': 30_000,
    // A peer that went away (restarted, redeployed) is tried again every 2 s at most, not after
    // grpc-js's backoff of up to 2 minutes: meanwhile every call fails at once (UNAVAILABLE).
    'grpc.initial_reconnect_backoff_ms': 250,
    'grpc.max_reconnect_backoff_ms': 2_000,
  }) as Client & Record<string, (...args: unknown[]) => unknown>;
  const out: Record<string, unknown> = { close: () => raw.close() };
  const watch = peerWatch(address);
  for (const [name, def] of Object.entries(definition)) out[name] = makeMethod(raw, name, def, opts, watch, authorization);
  return out as PromiseClient<D>;
}

function makeMethod(
  raw: Record<string, (...args: unknown[]) => unknown>,
  name: string,
  def: AnyMethod,
  opts: ClientOptions,
  watch: PeerWatch,
  authorization: string | undefined,
) {
  const type = grpcType(def);
  const [serviceName, method] = splitPath(def.path);
  const labels = { grpc_type: type, grpc_service: serviceName, grpc_method: method };
  const fn = raw[name];
  if (fn === undefined) throw new Error(`client has no method ${name}`);

  const spanName = `${serviceName}/${method}`;
  const spanAttributes = { 'rpc.system': 'grpc', 'rpc.service': serviceName, 'rpc.method': method };
  const defaultMs =
    type === 'server_stream' ? (opts.streamDeadlineMs ?? DEFAULT_STREAM_DEADLINE_MS) : (opts.deadlineMs ?? DEFAULT_DEADLINE_MS);
  // Label children are resolved once per method (and per code): a call only adds numbers.
  const handling = opts.metrics?.grpcClientHandling.labels(labels);
  const handledWith = opts.metrics && handledCounter(opts.metrics.grpcClientHandled, labels);

  function begin(callOpts: CallOptions | undefined) {
    const span = tracer().startSpan(spanName, {
      kind: SpanKind.CLIENT,
      attributes: spanAttributes,
      ...(callOpts?.spanLinks && { links: callOpts.spanLinks }),
    });
    const metadata = new Metadata();
    if (authorization !== undefined) metadata.set(AUTHORIZATION_METADATA, authorization);
    if (callOpts?.metadata !== undefined) for (const [k, v] of Object.entries(callOpts.metadata)) metadata.set(k, v);
    for (const [k, v] of Object.entries(injectContext(trace.setSpan(context.active(), span)))) metadata.set(k, v);
    const requestId = currentRequestId();
    if (requestId !== undefined) metadata.set(REQUEST_ID_METADATA, requestId);
    const grpcOpts: GrpcCallOptions = { deadline: deadlineOf(callOpts?.deadlineMs ?? defaultMs) };
    const startedMs = handling === undefined ? 0 : performance.now();
    const end = (err?: ServiceError): MeshError | undefined => {
      handling?.observe((performance.now() - startedMs) / 1000);
      const code = err?.code ?? Status.OK;
      handledWith?.(code).inc();
      let meshErr: MeshError | undefined;
      if (err !== undefined) {
        meshErr = MeshError.fromServiceError(err);
        span.setStatus({ code: SpanStatusCode.ERROR, message: Status[code] ?? String(code) });
      }
      span.end();
      return meshErr;
    };
    /** `end` of a call that failed before it was sent. */
    const endWith = (err: ServiceError): MeshError => end(err) ?? MeshError.fromServiceError(err);
    return { metadata, grpcOpts, end, endWith };
  }

  /** Cancels the call when `signal` aborts; the returned function unbinds it (a long-lived signal must not collect a listener per call). */
  function bindAbort(signal: AbortSignal | undefined, call: { cancel(): void }): () => void {
    if (signal === undefined) return () => undefined;
    if (signal.aborted) {
      call.cancel();
      return () => undefined;
    }
    const onAbort = (): void => call.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    return () => signal.removeEventListener('abort', onAbort);
  }

  if (type === 'unary') {
    return (request: unknown, callOpts?: CallOptions) =>
      new Promise((resolve, reject) => {
        const { metadata, grpcOpts, end, endWith } = begin(callOpts);
        const refused = watch.refusal();
        if (refused !== undefined) return reject(endWith(refused));
        let unbind = (): void => undefined;
        let waiting = NOT_WAITING;
        let finished = false;
        let hung: ServiceError | undefined;
        const call = fn.call(raw, request, metadata, grpcOpts, (err: ServiceError | null, response: unknown) => {
          finished = true;
          unbind();
          waiting.done();
          const e = end(hung ?? err ?? undefined);
          if (e) reject(e);
          else resolve(response);
        }) as { cancel(): void };
        if (finished) return;
        waiting = watch.wait((err) => {
          hung = err;
          call.cancel();
        });
        unbind = bindAbort(callOpts?.signal, call);
      });
  }

  if (type === 'server_stream') {
    return (request: unknown, callOpts?: CallOptions) => ({
      async *[Symbol.asyncIterator]() {
        const { metadata, grpcOpts, end, endWith } = begin(callOpts);
        const refused = watch.refusal();
        if (refused !== undefined) throw endWith(refused);
        const call = fn.call(raw, request, metadata, grpcOpts) as ClientReadableStream<unknown>;
        const unbind = bindAbort(callOpts?.signal, call);
        // A stream meant to stay open (a watch, no deadline) is not a wait for an answer.
        let hung: ServiceError | undefined;
        const waiting =
          grpcOpts.deadline === Infinity
            ? undefined
            : watch.wait((err) => {
                hung = err;
                call.cancel();
              });
        let ended = false;
        try {
          for await (const message of call) yield message;
          ended = true;
          end();
        } catch (err) {
          ended = true;
          throw end(hung ?? (err as ServiceError)) ?? err;
        } finally {
          waiting?.done();
          unbind();
          if (!ended) {
            call.cancel();
            end();
          }
        }
      },
    });
  }

  if (type === 'client_stream') {
    return async (requests: AsyncIterable<unknown> | Iterable<unknown>, callOpts?: CallOptions) => {
      const { metadata, grpcOpts, end, endWith } = begin(callOpts);
      const refused = watch.refusal();
      if (refused !== undefined) throw endWith(refused);
      let call: ClientWritableStream<unknown> | undefined;
      let hung: ServiceError | undefined;
      const result = new Promise((resolve, reject) => {
        call = fn.call(raw, metadata, grpcOpts, (err: ServiceError | null, response: unknown) => {
          const e = end(hung ?? err ?? undefined);
          if (e) reject(e);
          else resolve(response);
        }) as ClientWritableStream<unknown>;
      });
      const stream = call as unknown as ClientWritableStream<unknown>;
      const unbind = bindAbort(callOpts?.signal, stream);
      const waiting = watch.wait((err) => {
        hung = err;
        stream.cancel();
      });
      const settled = (): void => {
        unbind();
        waiting.done();
      };
      void result.then(settled, settled);
      try {
        for await (const message of requests) {
          if (!stream.write(message)) await Promise.race([once(stream, 'drain'), result]);
        }
        stream.end();
      } catch (err) {
        stream.cancel();
        await result.catch(() => undefined);
        throw err;
      }
      return result;
    };
  }

  return () => {
    throw new MeshError('UNIMPLEMENTED', `bidirectional streaming (${serviceName}/${method}) is not supported by this client`);
  };
}
