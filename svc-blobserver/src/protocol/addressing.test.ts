import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AzureError } from '../errors/azure-errors.js';
import { accountFromHost, parseAddress } from './addressing.js';

test('path-style: IP hosts, localhost, bare names', () => {
  for (const host of ['127.0.0.1:10000', 'localhost:10000', '[::1]:10000', 'zenko', undefined]) {
    assert.deepEqual(parseAddress(host, '/devstoreaccount1/photos/dir/a%20b%2Fc.jpg'), {
      style: 'path',
      account: 'devstoreaccount1',
      container: 'photos',
      blob: 'dir/a b/c.jpg',
      rawPath: '/devstoreaccount1/photos/dir/a%20b%2Fc.jpg',
    });
  }
  assert.deepEqual(parseAddress('127.0.0.1', '/devstoreaccount1'), {
    style: 'path',
    account: 'devstoreaccount1',
    container: undefined,
    blob: undefined,
    rawPath: '/devstoreaccount1',
  });
  assert.equal(parseAddress('127.0.0.1', '/devstoreaccount1/').container, undefined);
  assert.equal(parseAddress('127.0.0.1', '/devstoreaccount1/c/').blob, undefined);
  assert.equal(parseAddress('127.0.0.1', '/devstoreaccount1/c/a//b/').blob, 'a//b/');
});

test('host-style: <account>.blob.<suffix> and configured suffixes', () => {
  assert.deepEqual(parseAddress('myaccount.blob.core.windows.net', '/photos/a.jpg'), {
    style: 'host',
    account: 'myaccount',
    container: 'photos',
    blob: 'a.jpg',
    rawPath: '/photos/a.jpg',
  });
  assert.equal(parseAddress('MyAccount.BLOB.localhost:10000', '/').account, 'myaccount');
  assert.equal(parseAddress('myaccount-secondary.blob.core.windows.net', '/').account, 'myaccount');
  assert.equal(parseAddress('myaccount.blob.core.windows.net', '/').container, undefined);
  assert.equal(accountFromHost('acct.zenko.example:8080', { hostSuffixes: ['.zenko.example'] }), 'acct');
  assert.equal(accountFromHost('a.b.zenko.example', { hostSuffixes: ['.zenko.example'] }), undefined);
  assert.equal(accountFromHost('blob.core.windows.net'), undefined);
  assert.equal(accountFromHost('10.0.0.1:10000'), undefined);
});

test('malformed paths → InvalidUri', () => {
  for (const path of ['/devstoreaccount1/c/%E0%A4%A', '/devstoreaccount1/%ZZ', '//c/b', '/devstoreaccount1//b', 'relative']) {
    assert.throws(
      () => parseAddress('127.0.0.1', path),
      (e: unknown) => e instanceof AzureError && e.code === 'InvalidUri',
      path,
    );
  }
});
