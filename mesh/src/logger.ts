// Structured JSON logs; every line carries the service name and, inside a traced
// operation, its trace and span ids.
import { writeSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import { trace, context } from '@opentelemetry/api';
import { currentRequestId } from './request-id.js';

export type { Logger };

const STDOUT = 1;
const NOTHING = Buffer.alloc(0);

export function createLogger(service: string, level = process.env['ZENKO_LOG_LEVEL'] ?? 'info'): Logger {
  // Lines are written in batches of about 4 KiB, at least every 200 ms, and flushed at exit (also
  // after a fatal error): one write per line cost the service a thread-pool round trip and the
  // launcher reading its output a wake-up, per request (about 0.2 ms of CPU for each S3 or Azure
  // request on a small VM). A SIGKILL loses at most the last 200 ms.
  const destination = pino.destination({ dest: STDOUT, minLength: 4096, periodicFlush: 200 });
  // That flush at exit (sonic-boom's flushSync) retries a failed write every 100 ms for as long as
  // it fails, whatever the error: with the reader of the output gone (a killed launcher, whose pipes
  // are socket pairs) the process would never exit. A write of nothing fails at once on a socket
  // whose reader is gone: the lines then have nowhere to go and are dropped.
  const flushSync = destination.flushSync.bind(destination);
  destination.flushSync = () => {
    try {
      writeSync(STDOUT, NOTHING);
    } catch {
      return;
    }
    flushSync();
  };
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
