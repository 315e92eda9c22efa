// Prometheus metrics of one process: process metrics, the gRPC server and client
// series (names of go-grpc-prometheus) and the HTTP edge series. No bucket or key
// labels, ever.
import { createServer, type Server } from 'node:http';
import { status as Status } from '@grpc/grpc-js';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { listen } from './listen.js';

/** The metric types, for a service's own series in its registry. */
export { Counter, Gauge, Histogram, Summary } from 'prom-client';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Metrics {
  readonly registry = new Registry();
  readonly grpcServerStarted = new Counter({
    name: 'grpc_server_started_total',
    help: 'RPCs started on the server.',
    labelNames: ['grpc_type', 'grpc_service', 'grpc_method'] as const,
    registers: [this.registry],
  });
  readonly grpcServerHandled = new Counter({
    name: 'grpc_server_handled_total',
    help: 'RPCs completed on the server, by status code.',
    labelNames: ['grpc_type', 'grpc_service', 'grpc_method', 'grpc_code'] as const,
    registers: [this.registry],
  });
  readonly grpcServerHandling = new Histogram({
    name: 'grpc_server_handling_seconds',
    help: 'Time the server took to handle RPCs.',
    labelNames: ['grpc_type', 'grpc_service', 'grpc_method'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly grpcClientHandled = new Counter({
    name: 'grpc_client_handled_total',
    help: 'RPCs completed by the client, by status code.',
    labelNames: ['grpc_type', 'grpc_service', 'grpc_method', 'grpc_code'] as const,
    registers: [this.registry],
  });
  readonly grpcClientHandling = new Histogram({
    name: 'grpc_client_handling_seconds',
    help: 'Time until the client received the response of RPCs.',
    labelNames: ['grpc_type', 'grpc_service', 'grpc_method'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: 'http_server_requests_total',
    help: 'HTTP requests served by the edge, by operation and status.',
    labelNames: ['operation', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Time to serve HTTP requests, by operation.',
    labelNames: ['operation'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
  }
}

let processMetrics: Metrics | undefined;

/** The metrics of this process, created on first use. */
export function metrics(service = 'zenko'): Metrics {
  processMetrics ??= new Metrics(service);
  return processMetrics;
}

/** Serves /metrics (Prometheus text) and /healthz on its own port. */
export async function serveMetrics(m: Metrics, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      m.registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { 'content-type': m.registry.contentType });
          res.end(text);
        })
        .catch((err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        });
      return;
    }
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  });
  await listen(server, 'metrics', host, port);
  return server;
}

/**
 * The `grpc_*_handled_total` child of one method for a status code, resolved once per code:
 * a finished call only adds 1 (label hashing stays off the call path).
 */
export function handledCounter(
  counter: Counter<'grpc_type' | 'grpc_service' | 'grpc_method' | 'grpc_code'>,
  labels: { grpc_type: string; grpc_service: string; grpc_method: string },
): (code: number) => { inc(): void } {
  const children = new Map<number, { inc(): void }>();
  return (code) => {
    let child = children.get(code);
    if (child === undefined) {
      child = counter.labels({ ...labels, grpc_code: (Status as Record<number, string>)[code] ?? String(code) });
      children.set(code, child);
    }
    return child;
  };
}
