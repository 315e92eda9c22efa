import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request, type ServerResponse } from 'node:http';
import { newRequestId, startHttpEdge, utf8HeaderValue } from './http.js';
import { createLogger } from './logger.js';
import { metrics } from './metrics.js';

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
  const edge = await startHttpEdge({
    host: '127.0.0.1',
    port: 0,
    logger: createLogger('http-test', 'silent'),
    metrics: metrics('http_test'),
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
