// Structured JSON logs; every line carries the service name and, inside a traced
// operation, its trace and span ids.
import { pino, type Logger } from 'pino';
import { trace, context } from '@opentelemetry/api';
import { currentRequestId } from './request-id.js';

export type { Logger };

export function createLogger(service: string, level = process.env['ZENKO_LOG_LEVEL'] ?? 'info'): Logger {
  // Lines are written in batches of about 4 KiB, at least every 200 ms, and flushed at exit (also
  // after a fatal error): one write per line cost the service a thread-pool round trip and the
  // launcher reading its output a wake-up, per request (about 0.2 ms of CPU for each S3 or Azure
  // request on a small VM). A SIGKILL loses at most the last 200 ms.
  const destination = pino.destination({ dest: 1, minLength: 4096, periodicFlush: 200 });
  return pino(
    {
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
    },
    destination,
  );
}
