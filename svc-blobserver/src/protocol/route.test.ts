import { test } from 'node:test';
import assert from 'node:assert/strict';
import { queryParams } from '../auth/canonical-query.js';
import { AzureError, type AzureErrorCode } from '../errors/azure-errors.js';
import { parseAddress } from './addressing.js';
import { OPERATIONS } from './operations.js';
import { routeRequest, routeSupported, ROUTES, type Route } from './route.js';

function route(method: string, target: string, headers: Record<string, string> = {}): Route {
  const q = target.indexOf('?');
  return routeRequest({
    method,
    address: parseAddress('127.0.0.1:10000', q === -1 ? target : target.slice(0, q)),
    query: queryParams(q === -1 ? '' : target.slice(q + 1)),
    headers,
  });
}

const A = '/devstoreaccount1';
const copy = { 'x-ms-copy-source': 'http://127.0.0.1:10000/devstoreaccount1/c/src' };

test('routes every operation the edge implements', () => {
  const cases: Array<[string, string, Record<string, string>, string]> = [
    ['GET', `${A}?restype=service&comp=properties`, {}, 'GetBlobServiceProperties'],
    ['PUT', `${A}/?restype=service&comp=properties`, {}, 'SetBlobServiceProperties'],
    ['GET', `${A}?comp=list&prefix=a`, {}, 'ListContainers'],
    ['GET', `${A}?comp=blobs&where=%22a%22%3D%27b%27`, {}, 'FindBlobsByTags'],
    ['HEAD', `${A}?restype=account&comp=properties`, {}, 'GetAccountInformation'],
    ['PUT', `${A}/c?restype=container`, {}, 'CreateContainer'],
    ['DELETE', `${A}/c?restype=container`, {}, 'DeleteContainer'],
    ['GET', `${A}/c?restype=container`, {}, 'GetContainerProperties'],
    ['HEAD', `${A}/c?restype=container`, {}, 'GetContainerProperties'],
    ['GET', `${A}/c?restype=container&comp=metadata`, {}, 'GetContainerMetadata'],
    ['PUT', `${A}/c?restype=container&comp=metadata`, {}, 'SetContainerMetadata'],
    ['GET', `${A}/c?restype=container&comp=acl`, {}, 'GetContainerACL'],
    ['PUT', `${A}/c?restype=container&comp=acl`, {}, 'SetContainerACL'],
    ['PUT', `${A}/c?comp=lease&restype=container`, {}, 'LeaseContainer'],
    ['GET', `${A}/c?restype=container&comp=list&delimiter=%2F`, {}, 'ListBlobs'],
    ['GET', `${A}/c?restype=container&comp=blobs`, {}, 'FindBlobsByTagsInContainer'],
    ['PUT', `${A}/c/b`, { 'x-ms-blob-type': 'BlockBlob' }, 'PutBlob'],
    ['PUT', `${A}/c/b?comp=block&blockid=QUFB`, {}, 'PutBlock'],
    ['PUT', `${A}/c/b?comp=block&blockid=QUFB`, copy, 'PutBlockFromURL'],
    ['PUT', `${A}/c/b?comp=blocklist`, {}, 'PutBlockList'],
    ['GET', `${A}/c/b?comp=blocklist&blocklisttype=all`, {}, 'GetBlockList'],
    ['PUT', `${A}/c/b`, copy, 'CopyBlob'],
    ['PUT', `${A}/c/b`, { ...copy, 'x-ms-requires-sync': 'true' }, 'CopyBlobFromURL'],
    ['PUT', `${A}/c/b?comp=copy&copyid=1`, {}, 'AbortCopyBlob'],
    ['PUT', `${A}/c/b`, { ...copy, 'x-ms-blob-type': 'BlockBlob' }, 'PutBlobFromURL'],
    ['GET', `${A}/c/b`, {}, 'GetBlob'],
    ['HEAD', `${A}/c/b`, {}, 'GetBlobProperties'],
    ['PUT', `${A}/c/b?comp=properties`, {}, 'SetBlobProperties'],
    ['GET', `${A}/c/b?comp=metadata`, {}, 'GetBlobMetadata'],
    ['PUT', `${A}/c/b?comp=metadata`, {}, 'SetBlobMetadata'],
    ['GET', `${A}/c/b?comp=tags`, {}, 'GetBlobTags'],
    ['PUT', `${A}/c/b?comp=tags`, {}, 'SetBlobTags'],
    ['DELETE', `${A}/c/b`, {}, 'DeleteBlob'],
    ['PUT', `${A}/c/b?comp=lease`, {}, 'LeaseBlob'],
    ['OPTIONS', `${A}/c/b`, {}, 'PreflightBlobRequest'],
  ];
  for (const [method, target, headers, operation] of cases) {
    const r = route(method, target, headers);
    assert.equal(r.operation, operation, `${method} ${target}`);
    assert.ok(routeSupported(r), operation);
  }
  const r = route('GET', `${A}/photos/dir/a%20b.jpg?timeout=30`);
  assert.deepEqual([r.level, r.account, r.container, r.blob], ['blob', 'devstoreaccount1', 'photos', 'dir/a b.jpg']);
});

test('names the operations the edge refuses', () => {
  const cases: Array<[string, string, Record<string, string>, string]> = [
    ['PUT', `${A}/c/b`, { 'x-ms-blob-type': 'PageBlob' }, 'PutPageBlob'],
    ['PUT', `${A}/c/b`, { 'x-ms-blob-type': 'AppendBlob' }, 'PutAppendBlob'],
    ['PUT', `${A}/c/b?comp=page`, {}, 'PutPage'],
    ['GET', `${A}/c/b?comp=pagelist`, {}, 'GetPageRanges'],
    ['PUT', `${A}/c/b?comp=appendblock`, {}, 'AppendBlock'],
    ['PUT', `${A}/c/b?comp=appendblock`, copy, 'AppendBlockFromURL'],
    ['PUT', `${A}/c/b?comp=seal`, {}, 'AppendBlobSeal'],
    ['PUT', `${A}/c/b?comp=snapshot`, {}, 'SnapshotBlob'],
    ['PUT', `${A}/c/b?comp=incrementalcopy`, {}, 'IncrementalCopyBlob'],
    ['PUT', `${A}/c/b?comp=undelete`, {}, 'UndeleteBlob'],
    ['POST', `${A}?comp=batch`, {}, 'SubmitBatch'],
    ['POST', `${A}?restype=service&comp=userdelegationkey`, {}, 'GetUserDelegationKey'],
    ['GET', `${A}?restype=service&comp=stats`, {}, 'GetBlobServiceStats'],
  ];
  for (const [method, target, headers, operation] of cases) {
    const r = route(method, target, headers);
    assert.equal(r.operation, operation, `${method} ${target}`);
    assert.equal(routeSupported(r), false, operation);
  }
  const snapshot = route('GET', `${A}/c/b?snapshot=2024-01-01T00:00:00.0000000Z`);
  assert.equal(snapshot.operation, 'GetBlob');
  assert.equal(snapshot.snapshot, '2024-01-01T00:00:00.0000000Z');
  assert.equal(routeSupported(snapshot), false);
  assert.equal(routeSupported(route('DELETE', `${A}/c/b?versionid=2024-01-01T00:00:00.0000000Z`)), false);
});

test('a one-segment path without restype is a blob of $root', () => {
  const r = route('GET', `${A}/myblob`);
  assert.deepEqual([r.operation, r.container, r.blob], ['GetBlob', '$root', 'myblob']);
});

test('requests that name no operation', () => {
  const fails = (code: AzureErrorCode, method: string, target: string, headers: Record<string, string> = {}): void => {
    assert.throws(
      () => route(method, target, headers),
      (e: unknown) => e instanceof AzureError && e.code === code,
      `${method} ${target}`,
    );
  };
  fails('MissingRequiredHeader', 'PUT', `${A}/c/b`);
  fails('InvalidHeaderValue', 'PUT', `${A}/c/b`, { 'x-ms-blob-type': 'FancyBlob' });
  fails('InvalidQueryParameterValue', 'GET', `${A}/c/b?comp=bogus`);
  fails('InvalidQueryParameterValue', 'GET', `${A}/c?restype=bogus`);
  fails('InvalidQueryParameterValue', 'GET', `${A}`);
  fails('UnsupportedHttpVerb', 'POST', `${A}/c/b`);
  fails('UnsupportedHttpVerb', 'PATCH', `${A}/c?restype=container`);
  fails('UnsupportedHttpVerb', 'DELETE', `${A}?comp=list`);
});

test('the table names only known operations, and every operation has a route', () => {
  const routed = new Set(ROUTES.map((r) => r.operation));
  for (const name of Object.keys(OPERATIONS)) assert.ok(routed.has(name as never), name);
});
