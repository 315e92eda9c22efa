import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareKeys } from '../store/kv.js';
import { isValidBucketName, isVersionId, keyRecordsPrefix, newVersionId, parseRecordKey, versionKey } from './keys.js';

const KEYS = ['a', 'a\0', 'a\0\0', 'a\0b', 'a\x01', 'a/', 'ab', 'é', '😀', '\uE000', '\uFFFF', 'a\0😀'];

describe('namespace keys', () => {
  it('version ids are opaque, unique and sort newest first', () => {
    const ids = Array.from({ length: 5000 }, () => newVersionId());
    assert.ok(ids.every(isVersionId));
    for (let i = 1; i < ids.length; i++) assert.ok(compareKeys(ids[i]!, ids[i - 1]!) < 0, `${ids[i]} after ${ids[i - 1]}`);
  });

  it('a new version id sorts before the given latest, even one from a fast clock', () => {
    const future = newVersionId();
    const fromFuture = `${(0xffffffffffff - (Date.now() + 3_600_000)).toString(16).padStart(12, '0')}ffff000000`;
    for (const latest of [future, fromFuture]) assert.ok(compareKeys(newVersionId(latest), latest) < 0);
  });

  it('escaped record keys keep the byte order of object keys and parse back', () => {
    const sorted = [...KEYS].sort(compareKeys);
    const byRecord = [...KEYS].sort((x, y) => compareKeys(versionKey('b', x, 'v'), versionKey('b', y, 'v')));
    assert.deepEqual(byRecord, sorted);
    for (const key of KEYS) {
      assert.deepEqual(parseRecordKey('b', versionKey('b', key, 'id1')), { key, id: 'id1' });
      for (const other of KEYS) {
        if (other !== key) assert.ok(!versionKey('b', other, 'x').startsWith(keyRecordsPrefix('b', key)), `${key} / ${other}`);
      }
    }
  });

  it('bucket names follow the S3 rules', () => {
    for (const ok of ['abc', 'my-bucket', 'my.bucket.example', '123', 'a'.repeat(63)]) assert.ok(isValidBucketName(ok), ok);
    for (const bad of ['ab', 'a'.repeat(64), 'Abc', 'a_b', '.abc', 'abc.', 'a..b', '10.0.0.1', 'xn--a', 'sthree-a', 'a--ol-s3', 'a-.b']) {
      assert.ok(!isValidBucketName(bad), bad);
    }
  });
});
