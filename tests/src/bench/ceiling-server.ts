// The client ceiling of the small-object and listing measurements: an HTTP server that answers
// every S3 request at once without doing anything (PUT 200 with an ETag, GET a 4 KiB body, HEAD
// its headers, DELETE 204, ListObjectsV2 the page the listing section expects, anything else
// 200). What the SDK client reaches against it, in the same run and with the same settings,
// bounds what any server can show on this machine.
// `azure` mode answers as Azure Blob does for the calls the azure section makes (Create Container
// and Put Blob 201, Get Blob with x-ms-blob-type). Run as `node ceiling-server.js <port> [s3|azure]`.
import { createServer } from 'node:http';

const SMALL = Buffer.alloc(4096, 0x61);
const ETAG = '"0cc175b9c0f1b6a831c399e269772661"';
const azure = process.argv[3] === 'azure';

/** A ListObjectsV2 page of the listing section's shape: 100 common prefixes with a delimiter, else 100 keys of the prefix. */
function listPage(query: URLSearchParams): string {
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const names = Array.from({ length: 100 }, (_, i) => String(i).padStart(3, '0'));
  const entries = delimiter
    ? names.map((n) => `<CommonPrefixes><Prefix>d${n}/${delimiter === '/' ? '' : delimiter}</Prefix></CommonPrefixes>`)
    : names.map(
        (n) =>
          `<Contents><Key>${prefix}k${n}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>${ETAG.replace(/"/g, '&quot;')}</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>`,
      );
  return (
    `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
    `<Name>list</Name><Prefix>${prefix}</Prefix>${delimiter ? `<Delimiter>${delimiter}</Delimiter>` : ''}<MaxKeys>1000</MaxKeys>` +
    `<KeyCount>100</KeyCount><IsTruncated>false</IsTruncated>${entries.join('')}</ListBucketResult>`
  );
}
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const headers = {
      etag: ETAG,
      'last-modified': new Date().toUTCString(),
      ...(azure ? { 'x-ms-request-id': 'ceiling', 'x-ms-version': '2025-01-05' } : { 'x-amz-request-id': 'ceiling' }),
    };
    const query = new URL(req.url ?? '/', 'http://ceiling').searchParams;
    if (req.method === 'DELETE') res.writeHead(azure ? 202 : 204, headers).end();
    else if (!azure && req.method === 'GET' && query.get('list-type') === '2') {
      const body = listPage(query);
      res.writeHead(200, { ...headers, 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) }).end(body);
    } else if (req.method === 'GET' || req.method === 'HEAD') {
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
