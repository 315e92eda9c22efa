// OpenTelemetry for every process: W3C trace context, AsyncLocalStorage context,
// a span per RPC and per edge request, OTLP/HTTP export when
// OTEL_EXPORTER_OTLP_ENDPOINT is set (spans still exist without it, unsampled, so logs
// carry trace ids).
import {
  context,
  propagation,
  trace,
  SpanKind,
  SpanStatusCode,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';

export { SpanKind, SpanStatusCode, type Span, type Context };

export interface Tracing {
  readonly tracer: Tracer;
  shutdown(): Promise<void>;
}

let installed: { provider: BasicTracerProvider; tracing: Tracing } | undefined;

export function setupTracing(service: string, version: string, env: NodeJS.ProcessEnv = process.env): Tracing {
  if (installed !== undefined) return installed.tracing;
  const spanProcessors: SpanProcessor[] = [];
  const endpoint = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ?? env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  if (endpoint !== undefined && endpoint !== '') {
    // The exporter reads the endpoint (and headers) from the environment itself.
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  }
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.version': version }),
    spanProcessors,
    // Without an exporter no one reads span data: spans are not sampled, so they carry trace and
    // span ids (logs, propagation to the next service) but record no attributes, events or times.
    ...(spanProcessors.length === 0 && { sampler: new AlwaysOffSampler() }),
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  const tracing: Tracing = {
    tracer: trace.getTracer(service, version),
    shutdown: async () => {
      await provider.forceFlush();
      await provider.shutdown();
    },
  };
  installed = { provider, tracing };
  return tracing;
}

/** The tracer of this process (a no-op tracer until setupTracing ran). */
export function tracer(): Tracer {
  return installed?.tracing.tracer ?? trace.getTracer('zenko');
}

/** Carriers: gRPC metadata and HTTP headers are both string maps for W3C context. */
export const recordGetter: TextMapGetter<Record<string, string | string[] | undefined>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};
export const recordSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

export function extractContext(carrier: Record<string, string | string[] | undefined>): Context {
  return propagation.extract(context.active(), carrier, recordGetter);
}

export function injectContext(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier, recordSetter);
  return carrier;
}

/** Runs fn inside a new active span; records the error and ends the span in every case. */
export async function withSpan<T>(
  name: string,
  options: { kind?: SpanKind; parent?: Context; attributes?: Record<string, string | number | boolean> },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes ?? {} }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw err;
  } finally {
    span.end();
  }
}
