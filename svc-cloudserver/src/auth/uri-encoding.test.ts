import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalPath, canonicalQuery, parseQuery, uriDecode, uriEncode } from './uri-encoding.js';
import { formatAmzDate, parseAmzDate, parseHttpDate } from './amz-date.js';

test('uriEncode follows the AWS rules', () => {
  assert.equal(uriEncode("AZaz09-._~ !*'()/+=&é"), 'AZaz09-._~%20%21%2A%27%28%29%2F%2B%3D%26%C3%A9');
  assert.equal(uriEncode('a/b c', true), 'a/b%20c');
});

test('uriDecode keeps malformed escapes and maps + to space only in queries', () => {
  assert.equal(uriDecode('a%20b+c', true), 'a b c');
  assert.equal(uriDecode('a%20b+c', false), 'a b+c');
  assert.equal(uriDecode('100%', false), '100%');
  assert.equal(uriDecode('%G0%4', false), '%G0%4');
  assert.equal(uriDecode('%C3%A9%e2%82%ac', false), 'é€');
});

test('canonicalPath encodes once and normalizes escapes without decoding slashes', () => {
  assert.equal(canonicalPath(''), '/');
  assert.equal(canonicalPath('/bucket/key'), '/bucket/key');
  assert.equal(canonicalPath('/b/a b'), '/b/a%20b');
  assert.equal(canonicalPath('/b/%7e%41(x)'), '/b/~A%28x%29');
  assert.equal(canonicalPath('/b/a%2fb'), '/b/a%2Fb');
  assert.equal(canonicalPath('/b/%25%2541'), '/b/%25%2541');
  assert.equal(canonicalPath('/b/é'), '/b/%C3%A9');
  assert.equal(canonicalPath('/b//double/./dots/..'), '/b//double/./dots/..');
  assert.equal(canonicalPath('/b/100%'), '/b/100%25');
});

test('canonicalQuery sorts by name then value and re-encodes', () => {
  assert.equal(canonicalQuery(''), '');
  assert.equal(canonicalQuery('b=2&a=1&a=0&c'), 'a=0&a=1&b=2&c=');
  assert.equal(canonicalQuery('prefix=a+b%2Fc&delimiter=/'), 'delimiter=%2F&prefix=a%20b%2Fc');
  assert.equal(canonicalQuery('x=%7e&X=1'), 'X=1&x=~');
  assert.equal(canonicalQuery('X-Amz-Signature=abc&a=1', 'X-Amz-Signature'), 'a=1');
  assert.equal(canonicalQuery('&&a=1&'), 'a=1');
});

test('parseQuery keeps order, duplicates and valueless parameters', () => {
  const params = parseQuery('acl&versionId=a%2Bb&x=&versionId=c+d');
  assert.deepEqual(
    params.map((p) => [p.name, p.value, p.hasValue]),
    [
      ['acl', '', false],
      ['versionId', 'a+b', true],
      ['x', '', true],
      ['versionId', 'c d', true],
    ],
  );
});

test('request dates', () => {
  assert.equal(parseAmzDate('20130524T000000Z'), Date.UTC(2013, 4, 24));
  assert.equal(parseAmzDate('20130230T000000Z'), undefined);
  assert.equal(parseAmzDate('2013-05-24T00:00:00Z'), undefined);
  assert.equal(formatAmzDate(Date.UTC(2013, 4, 24, 1, 2, 3)), '20130524T010203Z');
  assert.equal(parseHttpDate('Tue, 27 Mar 2007 19:36:42 +0000'), Date.UTC(2007, 2, 27, 19, 36, 42));
  assert.equal(parseHttpDate('Fri, 24 May 2013 00:00:00 GMT'), Date.UTC(2013, 4, 24));
  assert.equal(parseHttpDate('20130524T000000Z'), Date.UTC(2013, 4, 24));
  assert.equal(parseHttpDate('tomorrow'), undefined);
  assert.equal(parseHttpDate('2013'), undefined);
});
