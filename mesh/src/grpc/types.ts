// Promise/async-iterator shapes of gRPC methods, derived from the ts-proto
// service definitions (`XxxServiceService`), shared by the server and client
// factories.
import type { Metadata, MethodDefinition } from '@grpc/grpc-js';
import type { Link } from '@opentelemetry/api';
import type { Logger } from '../logger.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyMethod = MethodDefinition<any, any>;
export type AnyServiceDefinition = Record<string, AnyMethod>;

export type RequestOf<M> = M extends { requestDeserialize: (bytes: Buffer) => infer R } ? R : never;
export type ResponseOf<M> = M extends { responseDeserialize: (bytes: Buffer) => infer R } ? R : never;

export type GrpcType = 'unary' | 'server_stream' | 'client_stream' | 'bidi_stream';

export function grpcType(m: Pick<AnyMethod, 'requestStream' | 'responseStream'>): GrpcType {
  if (m.requestStream) return m.responseStream ? 'bidi_stream' : 'client_stream';
  return m.responseStream ? 'server_stream' : 'unary';
}

/** `/zenko.metadata.v1.MetadataService/GetBucket` → [`zenko.metadata.v1.MetadataService`, `GetBucket`]. */
export function splitPath(path: string): [service: string, method: string] {
  const [, service = '', method = ''] = path.split('/');
  return [service, method];
}

export function serviceNameOf(definition: AnyServiceDefinition): string {
  const first = Object.values(definition)[0];
  if (first === undefined) throw new Error('service definition without methods');
  return splitPath(first.path)[0];
}

export interface CallContext {
  readonly metadata: Metadata;
  /** Aborted when the client cancels, the deadline passes or the server shuts down. */
  readonly signal: AbortSignal;
  readonly deadline: Date | undefined;
  readonly logger: Logger;
  readonly peer: string;
}

export type Handler<M> = M extends { requestStream: false; responseStream: false }
  ? (request: RequestOf<M>, ctx: CallContext) => Promise<ResponseOf<M>>
  : M extends { requestStream: false; responseStream: true }
    ? (request: RequestOf<M>, ctx: CallContext) => AsyncIterable<ResponseOf<M>>
    : M extends { requestStream: true; responseStream: false }
      ? (requests: AsyncIterable<RequestOf<M>>, ctx: CallContext) => Promise<ResponseOf<M>>
      : (requests: AsyncIterable<RequestOf<M>>, ctx: CallContext) => AsyncIterable<ResponseOf<M>>;

/** Handlers of a service; a method left out answers UNIMPLEMENTED. */
export type ServiceHandlers<D> = { [K in keyof D]?: Handler<D[K]> };

export interface CallOptions {
  /** Deadline from now, in milliseconds; Infinity for a stream meant to stay open. */
  deadlineMs?: number;
  signal?: AbortSignal;
  metadata?: Record<string, string>;
  /** Links of the call's client span (a batch links to the spans of the calls it carries). */
  spanLinks?: Link[];
}

export type ClientMethod<M> = M extends { requestStream: false; responseStream: false }
  ? (request: RequestOf<M>, options?: CallOptions) => Promise<ResponseOf<M>>
  : M extends { requestStream: false; responseStream: true }
    ? (request: RequestOf<M>, options?: CallOptions) => AsyncIterable<ResponseOf<M>>
    : M extends { requestStream: true; responseStream: false }
      ? (requests: AsyncIterable<RequestOf<M>> | Iterable<RequestOf<M>>, options?: CallOptions) => Promise<ResponseOf<M>>
      : never;

export type PromiseClient<D> = { [K in keyof D]: ClientMethod<D[K]> } & { close(this: void): void };
