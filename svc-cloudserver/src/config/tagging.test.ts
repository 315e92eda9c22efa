import { test } from 'node:test';
import assert from 'node:assert/strict';
import { S3Error, type S3ErrorCode } from '../errors/s3-errors.js';
import { formatTaggingHeader, parseTagging, parseTaggingHeader, renderTagging, tagsToRecord, type Tag } from './tagging.js';

function throwsCode(code: S3ErrorCode, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof S3Error && err.code === code);
}

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

function body(tags: readonly Tag[]): string {
  return `<Tagging ${NS}><TagSet>${tags.map((t) => `<Tag><Key>${t.key}</Key><Value>${t.value}</Value></Tag>`).join('')}</TagSet></Tagging>`;
}

function many(n: number): Tag[] {
  return Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
}

test('parses a tag set in order, keeping values verbatim (spaces, empty values, any script)', () => {
  const xml = `<Tagging ${NS}><TagSet><Tag><Key>b</Key><Value> spaced </Value></Tag><Tag><Key>a</Key><Value></Value></Tag><Tag><Key>clé</Key><Value>値 +-=._:/@</Value></Tag></TagSet></Tagging>`;
  assert.deepEqual(parseTagging(xml, { target: 'object' }), [
    { key: 'b', value: ' spaced ' },
    { key: 'a', value: '' },
    { key: 'clé', value: '値 +-=._:/@' },
  ]);
});

test('renders with the S3 namespace and round-trips', () => {
  const tags = [
    { key: 'project', value: 'zenko' },
    { key: 'empty', value: '' },
  ];
  const xml = renderTagging(tags);
  assert.equal(
    xml,
    `<?xml version="1.0" encoding="UTF-8"?><Tagging ${NS}><TagSet><Tag><Key>project</Key><Value>zenko</Value></Tag><Tag><Key>empty</Key><Value></Value></Tag></TagSet></Tagging>`,
  );
  assert.deepEqual(parseTagging(xml, { target: 'bucket' }), tags);
  assert.equal(renderTagging([]), `<?xml version="1.0" encoding="UTF-8"?><Tagging ${NS}><TagSet></TagSet></Tagging>`);
  assert.deepEqual(parseTagging(renderTagging([]), { target: 'object' }), []);
});

test('count limits: 10 per object, 50 per bucket (BadRequest)', () => {
  assert.equal(parseTagging(body(many(10)), { target: 'object' }).length, 10);
  throwsCode('BadRequest', () => parseTagging(body(many(11)), { target: 'object' }));
  assert.equal(parseTagging(body(many(50)), { target: 'bucket' }).length, 50);
  throwsCode('BadRequest', () => parseTagging(body(many(51)), { target: 'bucket' }));
});

test('per-tag errors are InvalidTag, and come before the count check', () => {
  const k128 = 'k'.repeat(128);
  const v256 = 'v'.repeat(256);
  assert.deepEqual(parseTagging(body([{ key: k128, value: v256 }]), { target: 'object' }), [{ key: k128, value: v256 }]);
  // Length is counted in UTF-16 code units: 64 astral letters are 128 units.
  assert.equal(parseTagging(body([{ key: '𝒜'.repeat(64), value: 'x' }]), { target: 'object' }).length, 1);
  throwsCode('InvalidTag', () => parseTagging(body([{ key: '𝒜'.repeat(65), value: 'x' }]), { target: 'object' }));
  throwsCode('InvalidTag', () => parseTagging(body([{ key: `${k128}k`, value: 'x' }]), { target: 'object' }));
  throwsCode('InvalidTag', () => parseTagging(body([{ key: 'k', value: `${v256}v` }]), { target: 'object' }));
  throwsCode('InvalidTag', () => parseTagging(body([{ key: '', value: 'x' }]), { target: 'object' }));
  throwsCode('InvalidTag', () =>
    parseTagging(
      body([
        { key: 'a', value: '1' },
        { key: 'a', value: '2' },
      ]),
      { target: 'bucket' },
    ),
  );
  throwsCode('InvalidTag', () => parseTagging(body([{ key: 'aws:cloudformation', value: 'x' }]), { target: 'bucket' }));
  throwsCode('InvalidTag', () => parseTagging(body([{ key: 'AWS:x', value: 'x' }]), { target: 'object' }));
  throwsCode('InvalidTag', () => parseTagging(body([{ key: 'a%b', value: 'x' }]), { target: 'object' }));
  throwsCode('InvalidTag', () => parseTagging(body([{ key: 'a', value: 'x&amp;y' }]), { target: 'object' }));
  throwsCode('InvalidTag', () => parseTagging(body([...many(20), { key: 'k0', value: 'dup' }]), { target: 'object' }));
  assert.deepEqual(parseTagging(body([{ key: 'aws:x', value: 'y' }]), { target: 'object', allowSystemTags: true }), [
    { key: 'aws:x', value: 'y' },
  ]);
});

test('schema violations are MalformedXML', () => {
  throwsCode('MalformedXML', () => parseTagging(`<Tagging ${NS}></Tagging>`, { target: 'object' }));
  throwsCode('MalformedXML', () => parseTagging(`<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>`, { target: 'object' }));
  throwsCode('MalformedXML', () => parseTagging(`<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>`, { target: 'object' }));
  throwsCode('MalformedXML', () =>
    parseTagging(`<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value><Extra/></Tag></TagSet></Tagging>`, { target: 'object' }),
  );
  throwsCode('MalformedXML', () =>
    parseTagging(`<Tagging><TagSet><Tag><Key>k</Key><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>`, { target: 'object' }),
  );
  throwsCode('MalformedXML', () =>
    parseTagging(`<Tagging><TagSet><Tag><Key><b>k</b></Key><Value>v</Value></Tag></TagSet></Tagging>`, { target: 'object' }),
  );
  throwsCode('MalformedXML', () => parseTagging(`<TagSet></TagSet>`, { target: 'object' }));
});

test('x-amz-tagging header: query-string form', () => {
  assert.deepEqual(parseTaggingHeader('a=1&b=two%20words&c=&d'), [
    { key: 'a', value: '1' },
    { key: 'b', value: 'two words' },
    { key: 'c', value: '' },
    { key: 'd', value: '' },
  ]);
  assert.deepEqual(parseTaggingHeader('k+1=v+1%2B'), [{ key: 'k 1', value: 'v 1+' }]);
  assert.deepEqual(parseTaggingHeader(''), []);
  assert.deepEqual(parseTaggingHeader('&&a=1&'), [{ key: 'a', value: '1' }]);
  assert.deepEqual(parseTaggingHeader('%E5%80%A4=%C3%A9'), [{ key: '値', value: 'é' }]);
});

test('x-amz-tagging header errors', () => {
  throwsCode('InvalidArgument', () => parseTaggingHeader('a=1&a=2'));
  throwsCode('InvalidArgument', () => parseTaggingHeader('=v'));
  throwsCode('InvalidArgument', () => parseTaggingHeader('a=%E0%A4%A'));
  throwsCode('InvalidTag', () => parseTaggingHeader(`${'k'.repeat(129)}=v`));
  throwsCode('InvalidTag', () => parseTaggingHeader('aws%3Afoo=v'));
  throwsCode('BadRequest', () =>
    parseTaggingHeader(
      many(11)
        .map((t) => `${t.key}=${t.value}`)
        .join('&'),
    ),
  );
});

test('header formatting round-trips through the header parser', () => {
  const tags = [
    { key: 'a b', value: 'c+d' },
    { key: 'é', value: '=/:' },
  ];
  assert.deepEqual(parseTaggingHeader(formatTaggingHeader(tags)), tags);
  assert.deepEqual(tagsToRecord(tags), { 'a b': 'c+d', é: '=/:' });
  const proto = tagsToRecord([{ key: '__proto__', value: 'x' }]);
  assert.equal(Object.getPrototypeOf(proto), Object.prototype);
  assert.equal(proto['__proto__'], 'x');
});
