// The HTTP edge server (S3, Azure): node:http with a span, a request id and the
// http_server_* metrics for every request. The handler names the operation once it
// has routed the request; the metrics use that name.
import { randomFillSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { context, trace } from '@opentelemetry/api';
import { listen } from './listen.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { withRequestId } from './request-id.js';
import { SpanKind, SpanStatusCode, extractContext, tracer, type Span } from './tracing.js';

export interface EdgeRequestContext {
  readonly requestId: string;
  readonly span: Span;
  readonly logger: Logger;
  /** Operation name for metrics and the span, set by the router ("unknown" until then). */
  operation: string;
}

export type EdgeHandler = (req: IncomingMessage, res: ServerResponse, ctx: EdgeRequestContext) => Promise<void>;

export interface HttpEdgeOptions {
  host: string;
  port: number;
  logger: Logger;
  metrics: Metrics;
  handler: EdgeHandler;
  /** Called when the handler throws (after headers were sent the response is destroyed instead). */
  onError: (err: unknown, req: IncomingMessage, res: ServerResponse, ctx: EdgeRequestContext) => void;
  /**
   * The raw response for a request node's parser refused before any handler ran
   * (headers too large, malformed request line); the connection is closed after it.
   */
  clientErrorResponse: (err: EdgeClientError, requestId: string) => { status: number; headers: Record<string, string>; body: string };
  /** Told of every request the handler gets, when it arrives and when its response closes (extra metrics). */
  observer?: EdgeObserver;
  maxHeaderSize?: number;
  /**
   * A request whose body stalls this long is answered with an EdgeTimeoutError (default 30 s):
   * the client stopped sending while the handler was reading. A body the handler is not reading
   * (waiting for a data target) never times out here.
   */
  idleTimeoutMs?: number;
}

/** The client stopped sending its request (body shorter than announced, stalled upload). */
export class EdgeTimeoutError extends Error {
  override readonly name = 'EdgeTimeoutError';
}

/** The request was answered before its body ended; what is left of the body is not read (http.ts aborts it). */
class EdgeRequestAbandonedError extends Error {
  override readonly name = 'EdgeRequestAbandonedError';
  constructor() {
    super('the request was answered before its body ended');
  }
}

export type EdgeClientError = 'headers-too-large' | 'bad-request';

export interface EdgeObserver {
  started(req: IncomingMessage): void;
  /** The response closed: the routed operation, its status (499 when none was sent) and its duration. */
  completed(req: IncomingMessage, done: { operation: string; status: number; seconds: number }): void;
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 431: 'Request Header Fields Too Large' };

export interface HttpEdge {
  readonly server: Server;
  readonly port: number;
  close(graceMs?: number): Promise<void>;
}

/** Random bytes for request ids, drawn 4 KiB at a time: one getrandom call per 512 requests, not one each. */
const idBytes = Buffer.alloc(4096);
let idOffset = idBytes.length;

export function newRequestId(): string {
  if (idOffset === idBytes.length) {
    randomFillSync(idBytes);
    idOffset = 0;
  }
  idOffset += 8;
  return idBytes.toString('hex', idOffset - 8, idOffset).toUpperCase();
}

/** An HTTP header name (RFC 9110 token; `*` is a token character, so `x-ms-meta-*` is one too). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Whether `name` can be sent as a header name (CORS header lists, metadata names). */
export function isHeaderName(name: string): boolean {
  return HEADER_NAME.test(name);
}

/** What no header value may hold (node refuses it when the head is written): controls but HTAB, DEL, and characters beyond one byte. */
const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * Text that arrived as UTF-8 (a query parameter, a form field) as a header value: its UTF-8
 * bytes, one character per byte, as node writes header strings and reads received header
 * bytes; undefined when it holds a control character (CR and LF among them), which no header
 * may carry.
 */
export function utf8HeaderValue(text: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  const value = /[^\x00-\x7f]/.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
  return INVALID_HEADER_VALUE.test(value) ? undefined : value;
}

/** Requests that asked `Expect: 100-continue` and were not yet told to send their body. */
const awaitingContinue = new WeakSet<IncomingMessage>();

/**
 * `Expect: 100-continue`: the interim answer goes out when the handler first reads the body (node
 * would send it at once), so a request refused on its headers (a signature, a missing bucket, a
 * policy) is answered before the client sends the body, and the client does not send it. The SDKs
 * (above 2 MiB), the AWS CLI and curl (above 1 MiB) ask so; a body sent in full and then refused
 * made the edge close a connection with bytes unread, a reset that could reach the client before the
 * answer. Every read of the body goes through `_read` (flowing or not), so that is the one hook.
 */
function continueOnRead(req: IncomingMessage, res: ServerResponse): void {
  awaitingContinue.add(req);
  const read = req._read.bind(req);
  req._read = (size: number): void => {
    req._read = read;
    awaitingContinue.delete(req);
    // After the answer (node dumps an unread body): nothing to ask for.
    if (!res.headersSent) res.writeContinue();
    read(size);
  };
}

/** Requests answered before their body was read whole, whose rest is read and dropped. */
const lingering = new WeakSet<IncomingMessage>();
/** How long the rest of a body answered early is read before the connection is cut. */
const LINGER_MS = 2_000;

/**
 * For an error answer given before the request's body was read whole; call it before writing the
 * answer. A body the client was not asked for (Expect: 100-continue) is not coming: the connection
 * closes after the answer. Otherwise the answer goes out at once and the rest of the body is read
 * and dropped for up to LINGER_MS, then the connection is cut: closing it with bytes unread sends a
 * reset, which can reach the client before the answer it has not yet read (it then reports a
 * broken connection instead of the error). A body that ends in time leaves the connection usable.
 */
export function drainAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete || req.destroyed) return;
  if (awaitingContinue.has(req)) {
    res.shouldKeepAlive = false;
    return;
  }
  lingering.add(req);
  res.once('finish', () => {
    // A reader that stopped (a failed digest, a refused write) may still hold the body paused.
    req.unpipe();
    req.removeAllListeners('data');
    const timer = setTimeout(() => {
      if (!req.complete && !req.destroyed) req.destroy(new EdgeRequestAbandonedError());
    }, LINGER_MS);
    req.once('end', () => clearTimeout(timer));
    req.once('close', () => clearTimeout(timer));
    req.resume();
  });
}

export async function startHttpEdge(opts: HttpEdgeOptions): Promise<HttpEdge> {
  const { logger, metrics } = opts;
  // Idle keep-alive connections stay open a minute: clients (SDK connection pools) reuse them, and a
  // short timeout races with a request sent just as the server closes (ECONNRESET on the client).
  // requireHostHeader off: node would answer an HTTP/1.1 request without Host with an empty 400;
  // the handler below answers it with the protocol's error instead.
  const server = createServer(
    {
      maxHeaderSize: opts.maxHeaderSize ?? 16 * 1024,
      keepAliveTimeout: 65_000,
      requestTimeout: 0,
      headersTimeout: 66_000,
      requireHostHeader: false,
    },
    (req: IncomingMessage, res: ServerResponse) => {
      if (req.httpVersion === '1.1' && req.headers.host === undefined) {
        // RFC 9112 §3.2: a server must answer 400 to an HTTP/1.1 request without Host.
        const { status, headers, body } = opts.clientErrorResponse('bad-request', newRequestId());
        metrics.httpRequests.inc({ operation: 'unknown', status: String(status) });
        res.shouldKeepAlive = false;
        res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) }).end(body);
        req.resume();
        return;
      }
      const parent = extractContext(req.headers);
      const span = tracer().startSpan(
        `${req.method ?? 'GET'}`,
        { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? '' } },
        parent,
      );
      const requestId = newRequestId();
      const ctx: EdgeRequestContext = {
        requestId,
        span,
        logger,
        operation: 'unknown',
      };
      const stopTimer = metrics.httpDuration.startTimer();
      const startedMs = performance.now();
      opts.observer?.started(req);
      res.on('close', () => {
        // A response that ends before its request's body did (an error answer, the idle timeout) leaves
        // nothing to end that body: node neither ends nor aborts a request it has answered. Aborting it
        // here makes a handler still reading it fail and remove its partial data instead of waiting forever.
        // An error answer that drains the rest (drainAfterAnswer) bounds that itself.
        if (!req.complete && !req.destroyed && !lingering.has(req)) req.destroy(new EdgeRequestAbandonedError());
        const status = res.headersSent ? res.statusCode : 499;
        withRequestId(requestId, () =>
          context.with(trace.setSpan(parent, span), () =>
            logger.info(
              { operation: ctx.operation, method: req.method, status, duration_ms: Math.round(performance.now() - startedMs) },
              'request completed',
            ),
          ),
        );
        metrics.httpRequests.inc({ operation: ctx.operation, status: String(status) });
        stopTimer({ operation: ctx.operation });
        opts.observer?.completed(req, { operation: ctx.operation, status, seconds: (performance.now() - startedMs) / 1000 });
        span.updateName(ctx.operation);
        span.setAttribute('http.response.status_code', status);
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
      const onError = (err: unknown): void => {
        if (err instanceof EdgeRequestAbandonedError || (req.destroyed && !req.complete && res.writableEnded)) {
          ctx.logger.debug({ err }, 'the request body was abandoned after its answer');
          return;
        }
        if (res.headersSent) {
          ctx.logger.warn({ err }, 'error after response headers were sent; destroying the response');
          res.destroy(err instanceof Error ? err : undefined);
          return;
        }
        // A handler that failed in writeHead (a header value node refused) left its status text,
        // which writeHead would keep for the error's status ("500 OK").
        res.statusMessage = '';
        try {
          opts.onError(err, req, res, ctx);
        } catch (renderErr) {
          // The error answer itself cannot be written (headers a wrapper adds on every head):
          // closing the connection is the answer left, and never an unhandled rejection.
          ctx.logger.error({ err: renderErr, cause: err }, 'the error response could not be written; closing the connection');
          res.destroy();
        }
      };
      // A slow answer is not the client's fault: without a listener here, Node would destroy the
      // socket of a complete request still being answered (its own timeouts bound the handler).
      res.on('timeout', () => undefined);
      const idleTimeoutMs = opts.idleTimeoutMs ?? 30_000;
      req.setTimeout(idleTimeoutMs, () => {
        // Only a stalled request body is the client's fault; a slow answer is not.
        if (req.complete) return;
        // Nor a body the client was not yet asked for (Expect: 100-continue, see continueOnRead).
        if (awaitingContinue.has(req)) {
          req.socket.setTimeout(idleTimeoutMs);
          return;
        }
        // Nor is a body the handler stopped reading (bytes it has not taken, or the socket paused
        // for them): its own work stalls (a data target gone silent), and bounds itself. Watched again.
        if (req.readableLength > 0 || req.socket.isPaused()) {
          req.socket.setTimeout(idleTimeoutMs);
          return;
        }
        // The error response closes the connection, which aborts the pending body read.
        if (!res.headersSent) onError(new EdgeTimeoutError('the request body stalled'));
        else req.socket.destroy();
      });
      void context.with(trace.setSpan(parent, span), () => withRequestId(requestId, () => opts.handler(req, res, ctx).catch(onError)));
    },
  );
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    continueOnRead(req, res);
    server.emit('request', req, res);
  });
  // An expectation other than 100-continue: node answers an empty 417 unless told otherwise. RFC
  // 9110 §10.1.1 lets a server ignore it, which is what S3 and Azure clients expect of a store.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => server.emit('request', req, res));
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    const current = (socket as { _httpMessage?: ServerResponse | null })._httpMessage;
    const midBody = current?.req !== undefined && !current.req.complete;
    // The request being answered lost the rest of its body (the client closed its side mid-body,
    // HPE_INVALID_EOF_STATE), or its answer has begun: closing the connection aborts it, so the
    // handler's body read fails at once and its partial data is removed, instead of waiting for a
    // body that cannot come.
    if (!socket.writable || (midBody && (err.code === 'HPE_INVALID_EOF_STATE' || current.headersSent))) {
      socket.destroy();
      return;
    }
    const kind: EdgeClientError = err.code === 'HPE_HEADER_OVERFLOW' ? 'headers-too-large' : 'bad-request';
    const requestId = newRequestId();
    const { status, headers, body } = opts.clientErrorResponse(kind, requestId);
    if (midBody) {
      // A body node cannot parse (broken chunked framing): that request gets the protocol's 400 and
      // the connection closes; once answered, its body is aborted (the 'close' listener above), so
      // the handler stops and removes what it wrote. Its own answer, if it tries one, is dropped.
      current.shouldKeepAlive = false;
      current.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) }).end(body);
      return;
    }
    const reply = (): void => {
      metrics.httpRequests.inc({ operation: 'unknown', status: String(status) });
      const head = Object.entries({ ...headers, 'content-length': String(Buffer.byteLength(body)), connection: 'close' })
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n${head}\r\n${body}`);
    };
    // Bytes after a complete request (a body longer than its Content-Length) fail to parse while that
    // request is still being answered: answer it first, then refuse the garbage, as pipelining wants.
    if (current && !current.writableFinished) current.once('finish', reply);
    else reply();
  });
  await listen(server, 'edge', opts.host, opts.port);
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  return {
    server,
    port,
    close: (graceMs = 5_000) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.closeAllConnections();
        }, graceMs);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
