// The client ceiling of the small-object and listing measurements: an HTTP server that answers
// every S3 request at once without doing anything (PUT 200 with an ETag, GET a 4 KiB body, HEAD
// its headers, DELETE 204, ListObjectsV2 the page the listing section expects, anything else
// 200). What the SDK client reaches against it, in the same run and with the same settings,
// bounds what any server can show on this machine.
// `azure` mode answers as Azure Blob does for the calls the azure section makes (Create Container
// and Put Blob 201, Get Blob with x-ms-blob-type, List Blobs 100 blobs with the properties Zenko
// lists). Run as `node ceiling-server.js <port> [s3|azure]`.
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
/** A List Blobs page of the azure section's shape: 100 one-byte blobs of the prefix, each with its properties. */
function blobPage(query: URLSearchParams): string {
  const prefix = query.get('prefix') ?? '';
  const date = new Date().toUTCString();
  const blobs = Array.from(
    { length: 100 },
    (_, i) =>
      `<Blob><Name>${prefix}b${String(i).padStart(4, '0')}</Name><Properties><Creation-Time>${date}</Creation-Time>` +
      `<Last-Modified>${date}</Last-Modified><Etag>0x8D566733126CA36</Etag><Content-Length>1</Content-Length>` +
      '<Content-Type>application/octet-stream</Content-Type><Content-Encoding></Content-Encoding><Content-Language></Content-Language>' +
      '<Content-CRC64></Content-CRC64><Content-MD5>ndTkYSaMgDT1yFZOFVxnpg==</Content-MD5><Cache-Control></Cache-Control>' +
      '<Content-Disposition></Content-Disposition><BlobType>BlockBlob</BlobType><AccessTier>Hot</AccessTier>' +
      '<AccessTierInferred>true</AccessTierInferred><LeaseStatus>unlocked</LeaseStatus><LeaseState>available</LeaseState>' +
      '<ServerEncrypted>true</ServerEncrypted></Properties></Blob>',
  );
  return (
    '<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="http://ceiling/devstoreaccount1/" ContainerName="list">' +
    `<Prefix>${prefix}</Prefix><MaxResults>5000</MaxResults><Blobs>${blobs.join('')}</Blobs><NextMarker/></EnumerationResults>`
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
    else if (req.method === 'GET' && (azure ? query.get('comp') === 'list' : query.get('list-type') === '2')) {
      const body = azure ? blobPage(query) : listPage(query);
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
