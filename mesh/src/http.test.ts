import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import {
  drainAfterAnswer,
  EdgeTimeoutError,
  newRequestId,
  startHttpEdge,
  utf8HeaderValue,
  type HttpEdge,
  type HttpEdgeOptions,
} from './http.js';
import { createLogger } from './logger.js';
import { metrics } from './metrics.js';

/** An edge on a free loopback port, silent, with the process's metrics. */
function testEdge(opts: Pick<HttpEdgeOptions, 'handler' | 'onError' | 'clientErrorResponse' | 'idleTimeoutMs'>): Promise<HttpEdge> {
  return startHttpEdge({ host: '127.0.0.1', port: 0, logger: createLogger('http-test', 'silent'), metrics: metrics('http_test'), ...opts });
}

test('request ids are 16 upper-case hex digits, distinct across refills of the random pool', () => {
  const ids = Array.from({ length: 2_000 }, () => newRequestId());
  for (const id of ids) assert.match(id, /^[0-9A-F]{16}$/);
  assert.equal(new Set(ids).size, ids.length);
});

test('utf8HeaderValue: ASCII as is, other text as its UTF-8 bytes, control characters refused', () => {
  assert.equal(utf8HeaderValue('attachment; filename="a.txt"'), 'attachment; filename="a.txt"');
  assert.equal(utf8HeaderValue('é☃'), Buffer.from('é☃', 'utf8').toString('latin1'));
  assert.equal(utf8HeaderValue('tab\tok'), 'tab\tok');
  for (const bad of ['a\r\nb', 'nul\0', 'del\x7f', 'bell\x07']) assert.equal(utf8HeaderValue(bad), undefined, JSON.stringify(bad));
});

test('a failure in writeHead: the error answer gets its own status text; one that cannot be written closes the connection, nothing crashes', async () => {
  const refused = (res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'text/plain', 'x-bad': 'a\r\nb' });
  };
  const edge = await testEdge({
    handler: async (req, res) => {
      refused(res);
    },
    onError: (_err, req, res) => {
      // The error renderer of the second path fails the same way (a wrapper adding a bad header to every head).
      if (req.url === '/always') refused(res);
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('failed');
    },
    clientErrorResponse: () => ({ status: 400, headers: {}, body: '' }),
  });
  try {
    const once = await get(edge.port, '/once');
    assert.deepEqual([once.status, once.statusText, once.body], [500, 'Internal Server Error', 'failed']);
    await assert.rejects(get(edge.port, '/always'));
    const after = await get(edge.port, '/once');
    assert.equal(after.status, 500, 'the server still answers');
  } finally {
    await edge.close();
  }
});

function get(port: number, path: string): Promise<{ status: number; statusText: string; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', body: Buffer.concat(chunks).toString() }),
      );
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

test('an HTTP/1.1 request without Host gets the protocol error and a closed connection; an unknown Expect is ignored', async () => {
  const edge = await testEdge({
    handler: async (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`handled ${req.headers.expect ?? ''}`);
    },
    onError: (_err, _req, res) => res.writeHead(500).end(),
    clientErrorResponse: (kind, requestId) => ({ status: 400, headers: { 'x-request-id': requestId }, body: `<Error>${kind}</Error>` }),
  });
  try {
    const noHost = await raw(edge.port, 'GET /x HTTP/1.1\r\n\r\n');
    assert.match(noHost, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(noHost, /\r\nx-request-id: [0-9A-F]{16}\r\n/);
    assert.match(noHost, /\r\nConnection: close\r\n/i);
    assert.ok(noHost.endsWith('\r\n\r\n<Error>bad-request</Error>'), noHost);
    const http10 = await raw(edge.port, 'GET /x HTTP/1.0\r\n\r\n');
    assert.match(http10, /^HTTP\/1\.1 200 OK\r\n[^]*handled $/);
    const expect = await raw(edge.port, 'GET /x HTTP/1.1\r\nHost: a\r\nExpect: something-else\r\nConnection: close\r\n\r\n');
    assert.match(expect, /^HTTP\/1\.1 200 OK\r\n[^]*\r\nhandled something-else\r\n/);
  } finally {
    await edge.close();
  }
});

/** Sends `request` as is on a new connection and returns everything the server wrote until it closed. */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
  });
}

test('a body node cannot parse (broken chunked framing) gets the protocol error, and the handler reading it fails', async () => {
  let bodyRead: string | undefined;
  const edge = await testEdge({
    handler: async (req, res) => {
      try {
        for await (const _chunk of req) {
          // read it all
        }
        bodyRead = 'complete';
      } catch (err) {
        bodyRead = `failed: ${(err as Error).name}`;
        throw err;
      }
      res.writeHead(200).end('stored');
    },
    onError: (_err, _req, res) => res.writeHead(500).end(),
    clientErrorResponse: (kind) => ({ status: 400, headers: { 'content-type': 'application/xml' }, body: `<Error>${kind}</Error>` }),
  });
  try {
    const broken = await raw(edge.port, 'PUT /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n');
    assert.match(broken, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(broken, /\r\nConnection: close\r\n/i);
    assert.ok(broken.endsWith('\r\n\r\n<Error>bad-request</Error>'), broken);
    for (let i = 0; i < 50 && bodyRead === undefined; i++) await new Promise((r) => setTimeout(r, 10));
    assert.match(bodyRead ?? 'never', /^failed/, 'the handler does not take the body for complete');
    const fine = await raw(edge.port, 'PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc');
    assert.match(fine, /^HTTP\/1\.1 200 OK\r\n[^]*\r\nstored\r\n/);
  } finally {
    await edge.close();
  }
});

test('the idle timeout answers a client that stops sending its body, never a body the handler is not reading', async () => {
  const edge = await testEdge({
    idleTimeoutMs: 200,
    handler: async (req, res) => {
      let size = 0;
      for await (const chunk of req) {
        // Its own work (a data target that went silent) keeps the handler from reading for a while.
        if (size === 0 && req.url === '/busy') await new Promise((r) => setTimeout(r, 1_500));
        size += (chunk as Buffer).length;
      }
      res.writeHead(200).end(String(size));
    },
    onError: (err, _req, res) => res.writeHead(err instanceof EdgeTimeoutError ? 408 : 500).end(),
    clientErrorResponse: () => ({ status: 400, headers: {}, body: '' }),
  });
  try {
    const stalled = await raw(edge.port, 'PUT /stalled HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\nabc');
    assert.match(stalled, /^HTTP\/1\.1 408 /);
    const body = Buffer.alloc(16 * 1024 * 1024, 1);
    const busy = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: edge.port, path: '/busy', method: 'PUT', agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.setHeader('content-length', body.length);
      req.end(body);
    });
    assert.deepEqual(busy, { status: 200, body: String(body.length) });
  } finally {
    await edge.close();
  }
});

test('Expect: 100-continue: the interim answer goes out when the handler reads the body; a request answered on its headers gets no 100, and its connection closes', async () => {
  let reading = false;
  const edge = await testEdge({
    handler: async (req, res) => {
      if (req.url === '/refuse') throw new Error('refused on its headers');
      // Work before the body (a metadata lookup) longer than the idle timeout: not the client's stall.
      await new Promise((r) => setTimeout(r, 600));
      reading = true;
      let size = 0;
      for await (const chunk of req) size += (chunk as Buffer).length;
      res.writeHead(200).end(String(size));
    },
    onError: (err, req, res) => {
      drainAfterAnswer(req, res);
      res.writeHead(err instanceof EdgeTimeoutError ? 408 : 403).end('refused');
    },
    clientErrorResponse: () => ({ status: 400, headers: {}, body: '' }),
    idleTimeoutMs: 200,
  });
  const put = (
    path: string,
    body: Buffer,
  ): Promise<{ status: number; continued: boolean; readingWhenContinued: boolean; connection: string }> =>
    new Promise((resolve, reject) => {
      let continued = false;
      let readingWhenContinued = false;
      const req = request(
        {
          host: '127.0.0.1',
          port: edge.port,
          path,
          method: 'PUT',
          agent: false,
          headers: { 'content-length': body.length, expect: '100-continue' },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, continued, readingWhenContinued, connection: String(res.headers.connection) }),
          );
        },
      );
      req.on('continue', () => {
        continued = true;
        readingWhenContinued = reading;
        req.end(body);
      });
      req.on('error', reject);
    });
  try {
    assert.deepEqual(await put('/refuse', Buffer.alloc(4 * 1024 * 1024)), {
      status: 403,
      continued: false,
      readingWhenContinued: false,
      connection: 'close',
    });
    const read = await put('/read', Buffer.alloc(4 * 1024 * 1024));
    assert.deepEqual([read.status, read.continued, read.readingWhenContinued], [200, true, true]);
  } finally {
    await edge.close();
  }
});

test('an error answered before the body was read: the rest is read and dropped, the answer arrives whole and the connection stays usable', async () => {
  const edge = await testEdge({
    handler: async () => {
      throw new Error('refused on its headers');
    },
    onError: (_err, req, res) => {
      drainAfterAnswer(req, res);
      res.writeHead(403).end('refused');
    },
    clientErrorResponse: () => ({ status: 400, headers: {}, body: '' }),
  });
  const body = Buffer.alloc(32 * 1024 * 1024, 1);
  const head = (path: string): string => `PUT ${path} HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\n\r\n`;
  try {
    // Two requests on one connection, each with its whole body sent without waiting for an answer.
    const answers = await new Promise<string>((resolve, reject) => {
      const socket = connect(edge.port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => {
        chunks.push(c);
        const text = Buffer.concat(chunks).toString();
        if (text.split('refused').length === 3) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
      socket.write(head('/first'));
      socket.write(body);
      socket.write(head('/second'));
      socket.end(body);
    });
    assert.equal(answers.match(/HTTP\/1\.1 403 /g)?.length, 2, answers);
  } finally {
    await edge.close();
  }
});
