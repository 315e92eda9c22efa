// Structured JSON logs; every line carries the service name and, inside a traced
// operation, its trace and span ids.
import { pino, type Logger } from 'pino';
import { trace, context } from '@opentelemetry/api';
import { currentRequestId } from './request-id.js';

export type { Logger };

export function createLogger(service: string, level = process.env['ZENKO_LOG_LEVEL'] ?? 'info'): Logger {
  return pino({
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const requestId = currentRequestId();
      const fields: Record<string, string> = requestId === undefined ? {} : { request_id: requestId };
      const span = trace.getSpan(context.active());
      if (span === undefined) return fields;
      const ctx = span.spanContext();
      return { ...fields, trace_id: ctx.traceId, span_id: ctx.spanId };
    },
  });
}
