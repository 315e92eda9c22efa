// Batch RPCs and the client-side coalescing that fills them.
//
// A grpc-js unary call costs far more CPU (HTTP/2 stream, headers, trailers, timers) than a
// metadata lookup or a group-committed write. Under concurrency a client therefore sends
// the calls that pile up while earlier ones are in flight as ONE batch RPC whose items
// succeed or fail alone, exactly as the single calls would. A lone call (no concurrency)
// still goes out as the single RPC, so an idle system keeps its one-trace-per-request
// spans and its latency; a batch's span links to the span of every call it carries.
import { ROOT_CONTEXT, context, trace, type Context, type Link } from '@opentelemetry/api';
import type { commonV1Errors } from '@zenko/gen';
import { MeshError, toItemError } from '../errors.js';
import type { Logger } from '../logger.js';
import { currentRequestId, withRequestId, withoutRequestId } from '../request-id.js';
import type { CallContext, CallOptions } from './types.js';

/** Items a batch RPC accepts; clients never send more. */
export const MAX_BATCH_ITEMS = 1000;

export interface BatchResult<Res> {
  response: Res | undefined;
  error: commonV1Errors.ItemError | undefined;
}

/**
 * A batch handler from a single-call handler: items run concurrently (puts of one batch reach
 * the store together and share its group commit), each answered in request order.
 */
export function batchHandler<Req, Res>(
  single: (request: Req, ctx: CallContext) => Promise<Res>,
): (request: { requests: Req[] }, ctx: CallContext) => Promise<{ results: BatchResult<Res>[] }> {
  return async (request, ctx) => {
    if (request.requests.length > MAX_BATCH_ITEMS) {
      throw new MeshError('INVALID_ARGUMENT', `a batch carries at most ${MAX_BATCH_ITEMS} items`, {
        details: { items: String(request.requests.length) },
      });
    }
    const log = (logger: Logger) => (cause: unknown) => logger.error({ err: cause }, 'internal error in batch item');
    const results = await Promise.all(
      request.requests.map((item) =>
        single(item, ctx).then(
          (response): BatchResult<Res> => ({ response, error: undefined }),
          (err: unknown): BatchResult<Res> => ({ response: undefined, error: toItemError(err, log(ctx.logger)) }),
        ),
      ),
    );
    return { results };
  };
}

export interface CoalesceOptions {
  /** Largest batch sent (≤ MAX_BATCH_ITEMS). */
  maxBatch?: number;
  /** Batches (or single calls) in flight at once; calls arriving meanwhile wait for the next batch. */
  maxInFlight?: number;
}

interface Pending<Req, Res> {
  request: Req;
  /** The caller's trace context and request id: a call sent alone is sent in them. */
  context: Context;
  requestId: string | undefined;
  link: Link | undefined;
  resolve: (response: Res) => void;
  reject: (err: unknown) => void;
}

/**
 * One method that coalesces concurrent calls: a call made while fewer than `maxInFlight`
 * requests are outstanding leaves at the end of the current microtask, alone (single RPC) or
 * with the calls made in the same turn (batch RPC); calls made while the limit is reached
 * leave together as soon as a slot frees. Calls with their own signal, deadline or metadata
 * bypass coalescing.
 */
export function coalesce<Req, Res>(
  single: (request: Req, options?: CallOptions) => Promise<Res>,
  batch: (request: { requests: Req[] }, options?: CallOptions) => Promise<{ results: BatchResult<Res>[] }>,
  options: CoalesceOptions = {},
): (request: Req, options?: CallOptions) => Promise<Res> {
  const maxBatch = Math.min(options.maxBatch ?? 256, MAX_BATCH_ITEMS);
  const maxInFlight = options.maxInFlight ?? 2;
  let queue: Pending<Req, Res>[] = [];
  let inFlight = 0;
  let scheduled = false;

  const send = (items: Pending<Req, Res>[]): void => {
    inFlight += 1;
    const done = (): void => {
      inFlight -= 1;
      schedule();
    };
    if (items.length === 1) {
      // Alone: the single RPC, in the caller's trace and request, as if never queued.
      const [only] = items as [Pending<Req, Res>];
      const run = (): Promise<Res> => single(only.request);
      context
        .with(only.context, () => (only.requestId === undefined ? withoutRequestId(run) : withRequestId(only.requestId, run)))
        .then(only.resolve, only.reject)
        .finally(done);
      return;
    }
    // Sent outside any one caller's context: the batch is nobody's child, it links to all.
    withoutRequestId(() =>
      context.with(ROOT_CONTEXT, () => {
        const links = items.flatMap((item) => (item.link ? [item.link] : []));
        batch({ requests: items.map((item) => item.request) }, { spanLinks: links })
          .then(
            ({ results }) => {
              items.forEach((item, i) => {
                const result = results[i];
                if (result?.response !== undefined) item.resolve(result.response);
                else if (result?.error !== undefined) item.reject(MeshError.fromItemError(result.error));
                else item.reject(new MeshError('INTERNAL', 'batch answer is missing an item'));
              });
            },
            (err: unknown) => items.forEach((item) => item.reject(err)),
          )
          .finally(done);
      }),
    );
  };

  const flush = (): void => {
    scheduled = false;
    while (queue.length > 0 && inFlight < maxInFlight) {
      const items = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
      queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
      send(items);
    }
  };

  function schedule(): void {
    if (scheduled || queue.length === 0 || inFlight >= maxInFlight) return;
    scheduled = true;
    queueMicrotask(flush);
  }

  return (request, callOptions) => {
    if (callOptions !== undefined && (callOptions.signal ?? callOptions.deadlineMs ?? callOptions.metadata) !== undefined) {
      return single(request, callOptions);
    }
    const active = context.active();
    const spanContext = trace.getSpanContext(active);
    return new Promise<Res>((resolve, reject) => {
      queue.push({
        request,
        context: active,
        requestId: currentRequestId(),
        link: spanContext && { context: spanContext },
        resolve,
        reject,
      });
      schedule();
    });
  };
}
