// The XML documents against the official client: request bodies the SDK writes are decoded by
// request-bodies.ts, and response documents from responses.ts are read back by the SDK.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AnonymousCredential,
  BlobServiceClient,
  type ContainerListBlobFlatSegmentResponse,
  type ContainerListBlobHierarchySegmentResponse,
  type ServiceListContainersSegmentResponse,
} from '@azure/storage-blob';
import { queryParams } from '../auth/canonical-query.js';
import { parseAddress } from '../protocol/addressing.js';
import { routeRequest } from '../protocol/route.js';
import type { OperationName } from '../protocol/operations.js';
import { parseBlobTags, parseBlockList, parseServiceProperties, parseSignedIdentifiers } from './request-bodies.js';
import { blobTagsXml, blockListXml, listBlobsXml, listContainersXml, servicePropertiesXml, signedIdentifiersXml } from './responses.js';

const T = Date.parse('2024-01-02T03:04:05Z');
const bodies = new Map<OperationName, Buffer>();
let server: Server;
let client: BlobServiceClient;

type Responder = (query: ReadonlyMap<string, string>, endpoint: string) => Buffer;

const RESPONDERS: Partial<Record<OperationName, Responder>> = {
  ListContainers: (query, endpoint) =>
    listContainersXml({
      serviceEndpoint: endpoint,
      prefix: query.get('prefix'),
      maxResults: 2,
      containers: [
        { name: 'alpha', lastModified: T, etag: '"0x1"', metadata: { Owner: 'me & you' } },
        {
          name: 'beta',
          lastModified: T,
          etag: '"0x2"',
          publicAccess: 'blob',
          leaseStatus: 'locked',
          leaseState: 'leased',
          leaseDuration: 'infinite',
        },
      ],
      nextMarker: 'gamma',
    }),
  ListBlobs: (query, endpoint) => {
    const delimiter = query.get('delimiter');
    return listBlobsXml({
      serviceEndpoint: endpoint,
      containerName: 'photos',
      prefix: query.get('prefix'),
      delimiter,
      blobs: [
        {
          name: 'dir/<a & b>.jpg',
          creationTime: T,
          lastModified: T + 1000,
          etag: '"0x8D"',
          contentLength: 12n,
          contentType: 'image/jpeg',
          contentMd5: Buffer.alloc(16, 1).toString('base64'),
          metadata: new Map([['Camera', 'x"y']]),
          tags: { project: 'zenko' },
          tagCount: 1,
        },
      ],
      ...(delimiter === undefined ? {} : { blobPrefixes: ['dir/sub/'] }),
      nextMarker: '',
    });
  },
  GetBlockList: (query) =>
    blockListXml([{ name: 'QUFB', size: 10 }], query.get('blocklisttype') === 'all' ? [{ name: 'QkJC', size: 3 }] : undefined),
  GetContainerACL: () =>
    signedIdentifiersXml([
      { id: 'readers', start: '2024-01-01T00:00:00.0000000Z', expiry: '2024-02-01T00:00:00.0000000Z', permission: 'rl' },
      { id: 'bare' },
    ]),
  GetBlobServiceProperties: () =>
    servicePropertiesXml({
      logging: { version: '1.0', read: true, write: false, delete: false, retentionPolicy: { enabled: true, days: 7 } },
      hourMetrics: { version: '1.0', enabled: true, includeApis: true, retentionPolicy: { enabled: false } },
      minuteMetrics: { version: '1.0', enabled: false, retentionPolicy: { enabled: false } },
      cors: [
        {
          allowedOrigins: ['https://a.example', 'https://b.example'],
          allowedMethods: ['GET', 'PUT'],
          allowedHeaders: ['x-ms-meta-*'],
          exposedHeaders: [],
          maxAgeInSeconds: 60,
        },
      ],
      defaultServiceVersion: '2021-08-06',
      deleteRetentionPolicy: { enabled: false },
      staticWebsite: { enabled: true, indexDocument: 'index.html', errorDocument404Path: '404.html' },
    }),
  GetBlobTags: () =>
    blobTagsXml(
      new Map([
        ['a b', 'c=d'],
        ['empty', ''],
      ]),
    ),
};

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = req.url ?? '/';
      const q = target.indexOf('?');
      const query = queryParams(q === -1 ? '' : target.slice(q + 1));
      const address = parseAddress(req.headers.host, q === -1 ? target : target.slice(0, q));
      const route = routeRequest({ method: req.method ?? 'GET', address, query, headers: req.headers as Record<string, string> });
      bodies.set(route.operation, Buffer.concat(chunks));
      const body = RESPONDERS[route.operation]?.(query, `http://${req.headers.host}/devstoreaccount1/`);
      if (body === undefined) {
        const status: Partial<Record<OperationName, number>> = { SetContainerACL: 200, SetBlobServiceProperties: 202, SetBlobTags: 204 };
        res.writeHead(status[route.operation] ?? 201, { 'content-length': '0' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new BlobServiceClient(`http://127.0.0.1:${port}/devstoreaccount1`, new AnonymousCredential(), { retryOptions: { maxTries: 1 } });
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('List Containers is read by the SDK', async () => {
  const page = (await client.listContainers({ prefix: 'a', includeMetadata: true }).byPage().next())
    .value as ServiceListContainersSegmentResponse;
  assert.equal(page.continuationToken, 'gamma');
  assert.deepEqual(
    page.containerItems.map((c) => [c.name, c.properties.etag, c.properties.lastModified.getTime(), c.metadata]),
    [
      ['alpha', '"0x1"', T, { Owner: 'me & you' }],
      ['beta', '"0x2"', T, undefined],
    ],
  );
  assert.equal(page.containerItems[1]?.properties.publicAccess, 'blob');
  assert.equal(page.containerItems[1]?.properties.leaseState, 'leased');
});

test('List Blobs, flat and hierarchical, is read by the SDK', async () => {
  const container = client.getContainerClient('photos');
  const flat = (await container.listBlobsFlat({ includeMetadata: true, includeTags: true }).byPage().next())
    .value as ContainerListBlobFlatSegmentResponse;
  const blob = flat.segment.blobItems[0];
  assert.ok(blob);
  assert.equal(blob.name, 'dir/<a & b>.jpg');
  assert.equal(blob.properties.contentLength, 12);
  assert.equal(blob.properties.contentType, 'image/jpeg');
  assert.equal(blob.properties.blobType, 'BlockBlob');
  assert.equal(blob.properties.lastModified.getTime(), T + 1000);
  assert.deepEqual(blob.metadata, { Camera: 'x"y' });
  assert.deepEqual(blob.tags, { project: 'zenko' });
  assert.deepEqual(Buffer.from(blob.properties.contentMD5 ?? []), Buffer.alloc(16, 1));

  const tree = (await container.listBlobsByHierarchy('/', { prefix: 'dir/' }).byPage().next())
    .value as ContainerListBlobHierarchySegmentResponse;
  assert.equal(tree.delimiter, '/');
  assert.deepEqual(
    tree.segment.blobPrefixes?.map((p) => p.name),
    ['dir/sub/'],
  );
  assert.equal(tree.segment.blobItems.length, 1);
});

test('Get Block List, Get Container ACL, service properties and tags are read by the SDK', async () => {
  const blob = client.getContainerClient('photos').getBlockBlobClient('b');
  const all = await blob.getBlockList('all');
  assert.deepEqual(all.committedBlocks, [{ name: 'QUFB', size: 10 }]);
  assert.deepEqual(all.uncommittedBlocks, [{ name: 'QkJC', size: 3 }]);

  const acl = await client.getContainerClient('photos').getAccessPolicy();
  assert.equal(acl.signedIdentifiers.length, 2);
  assert.equal(acl.signedIdentifiers[0]?.id, 'readers');
  assert.equal(acl.signedIdentifiers[0]?.accessPolicy.permissions, 'rl');
  assert.equal(acl.signedIdentifiers[0]?.accessPolicy.startsOn?.toISOString(), '2024-01-01T00:00:00.000Z');

  const props = await client.getProperties();
  assert.equal(props.cors?.[0]?.allowedOrigins, 'https://a.example,https://b.example');
  assert.equal(props.cors?.[0]?.maxAgeInSeconds, 60);
  assert.equal(props.defaultServiceVersion, '2021-08-06');
  assert.equal(props.blobAnalyticsLogging?.retentionPolicy?.days, 7);
  assert.equal(props.staticWebsite?.indexDocument, 'index.html');

  const tags = await blob.getTags();
  assert.deepEqual(tags.tags, { 'a b': 'c=d', empty: '' });
});

test('request bodies written by the SDK are decoded', async () => {
  const blob = client.getContainerClient('photos').getBlockBlobClient('b');
  await blob.commitBlockList(['QUFB', 'QkJC']);
  assert.deepEqual(parseBlockList(bodies.get('PutBlockList')!), [
    { id: 'QUFB', kind: 'Latest' },
    { id: 'QkJC', kind: 'Latest' },
  ]);

  await client.getContainerClient('photos').setAccessPolicy(undefined, [
    { id: 'readers', accessPolicy: { permissions: 'rl', startsOn: new Date(T), expiresOn: new Date(T + 86_400_000) } },
    { id: 'writers', accessPolicy: { permissions: 'racwdl' } },
  ]);
  const identifiers = parseSignedIdentifiers(bodies.get('SetContainerACL')!);
  assert.equal(identifiers.length, 2);
  assert.deepEqual(identifiers[0], {
    id: 'readers',
    start: '2024-01-02T03:04:05.0000000Z',
    expiry: '2024-01-03T03:04:05.0000000Z',
    permission: 'rl',
  });
  assert.equal(identifiers[1]?.permission, 'racwdl');

  await client.setProperties({
    cors: [
      {
        allowedOrigins: '*',
        allowedMethods: 'GET,HEAD',
        allowedHeaders: 'x-ms-*',
        exposedHeaders: 'x-ms-request-id',
        maxAgeInSeconds: 300,
      },
    ],
    defaultServiceVersion: '2020-10-02',
    deleteRetentionPolicy: { enabled: true, days: 7 },
  });
  const properties = parseServiceProperties(bodies.get('SetBlobServiceProperties')!);
  assert.deepEqual(properties.cors, [
    {
      allowedOrigins: ['*'],
      allowedMethods: ['GET', 'HEAD'],
      allowedHeaders: ['x-ms-*'],
      exposedHeaders: ['x-ms-request-id'],
      maxAgeInSeconds: 300,
    },
  ]);
  assert.equal(properties.defaultServiceVersion, '2020-10-02');
  assert.deepEqual(properties.deleteRetentionPolicy, { enabled: true, days: 7 });

  await blob.setTags({ project: 'zenko', 'key with space': 'v/a:l=u+e' });
  assert.deepEqual(
    [...parseBlobTags(bodies.get('SetBlobTags')!)],
    [
      ['project', 'zenko'],
      ['key with space', 'v/a:l=u+e'],
    ],
  );
});

test('List Blobs with a delimiter lists blobs and prefixes in one name order', () => {
  const blob = (name: string) => ({ name, creationTime: T, lastModified: T, etag: '"0x8D"', contentLength: 1n });
  const xml = listBlobsXml({
    serviceEndpoint: 'http://127.0.0.1/devstoreaccount1/',
    containerName: 'c',
    delimiter: '/',
    blobs: [blob('a'), blob('c'), blob('é')],
    blobPrefixes: ['b/', 'd/', 'z/'],
    nextMarker: '',
  }).toString();
  const names = [...xml.matchAll(/<(Blob|BlobPrefix)><Name>([^<]*)<\/Name>/g)].map((m) => `${m[1]}:${m[2]}`);
  assert.deepEqual(names, ['Blob:a', 'BlobPrefix:b/', 'Blob:c', 'BlobPrefix:d/', 'BlobPrefix:z/', 'Blob:é']);
});
