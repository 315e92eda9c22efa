// The client ceiling of the small-object measurements: an HTTP server that answers every S3
// request at once without doing anything (PUT 200 with an ETag, GET a 4 KiB body, HEAD its
// headers, DELETE 204, anything else 200). What the SDK client reaches against it, in the same
// run and with the same settings, bounds what any server can show on this machine.
// `azure` mode answers as Azure Blob does for the calls the azure section makes (Create Container
// and Put Blob 201, Get Blob with x-ms-blob-type). Run as `node ceiling-server.js <port> [s3|azure]`.
import { createServer } from 'node:http';

const SMALL = Buffer.alloc(4096, 0x61);
const ETAG = '"0cc175b9c0f1b6a831c399e269772661"';
const azure = process.argv[3] === 'azure';
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const headers = {
      etag: ETAG,
      'last-modified': new Date().toUTCString(),
      ...(azure ? { 'x-ms-request-id': 'ceiling', 'x-ms-version': '2025-01-05' } : { 'x-amz-request-id': 'ceiling' }),
    };
    if (req.method === 'DELETE') res.writeHead(azure ? 202 : 204, headers).end();
    else if (req.method === 'GET' || req.method === 'HEAD') {
      res.writeHead(200, {
        ...headers,
        'content-type': 'application/octet-stream',
        'content-length': SMALL.length,
        ...(azure ? { 'x-ms-blob-type': 'BlockBlob' } : {}),
      });
      res.end(req.method === 'GET' ? SMALL : undefined);
    } else res.writeHead(azure ? 201 : 200, { ...headers, 'content-length': 0 }).end();
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2]), '127.0.0.1');
