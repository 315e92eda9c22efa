import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeXml, S3_XMLNS, XmlWriter } from './writer.js';
import { parseXml } from './parser.js';

test('escapes the five markup characters', () => {
  assert.equal(escapeXml(`a&b<c>d"e'f`), 'a&amp;b&lt;c&gt;d&quot;e&apos;f');
  assert.equal(escapeXml('plain key/with spaces'), 'plain key/with spaces');
});

test('escapes control characters, CR, LF and TAB as character references', () => {
  assert.equal(escapeXml('a\rb\nc\td'), 'a&#xD;b&#xA;c&#x9;d');
  assert.equal(escapeXml('\u0000\u0001\u001f'), '&#x0;&#x1;&#x1F;');
  assert.equal(escapeXml('\ufffe\uffff'), '&#xFFFE;&#xFFFF;');
});

test('keeps valid surrogate pairs and replaces lone surrogates', () => {
  assert.equal(escapeXml('x😀y'), 'x😀y');
  assert.equal(escapeXml('a\ud800b'), 'a\ufffdb');
  assert.equal(escapeXml('a\udc00'), 'a\ufffd');
  assert.equal(escapeXml('😀&'), '😀&amp;');
});

test('builds a document with declaration and namespace', () => {
  const w = new XmlWriter();
  w.open('ListBucketResult', { xmlns: S3_XMLNS })
    .leaf('Name', 'bucket')
    .leaf('IsTruncated', false)
    .leaf('MaxKeys', 1000)
    .optionalLeaf('Prefix', undefined)
    .empty('Marker')
    .close();
  assert.equal(
    w.end(),
    '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      '<Name>bucket</Name><IsTruncated>false</IsTruncated><MaxKeys>1000</MaxKeys><Marker/></ListBucketResult>',
  );
});

test('escapes attribute values and omits undefined attributes', () => {
  const w = new XmlWriter({ declaration: false });
  w.empty('Grantee', { 'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance', 'xsi:type': 'a"<&', x: undefined });
  assert.equal(w.end(), '<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="a&quot;&lt;&amp;"/>');
});

test('rejects invalid element names and misuse', () => {
  assert.throws(() => new XmlWriter().open('a b'), TypeError);
  assert.throws(() => new XmlWriter().leaf('<x>', 'v'), TypeError);
  assert.throws(() => new XmlWriter().open('A', { 'bad name': 'v' }), TypeError);
  assert.throws(() => new XmlWriter().close());
  assert.throws(() => new XmlWriter().open('A').end());
  assert.throws(() => new XmlWriter().text('outside'));
  const w = new XmlWriter();
  w.empty('A').end();
  assert.throws(() => w.empty('B'));
  assert.throws(() => new XmlWriter().element('A', (x) => void x.open('B')));
});

test('element() nests and text() escapes', () => {
  const out = new XmlWriter({ declaration: false })
    .element('Tagging', (w) => w.element('TagSet', (t) => t.open('Tag').leaf('Key', 'k&').open('Value').text('<v>').close().close()))
    .end();
  assert.equal(out, '<Tagging><TagSet><Tag><Key>k&amp;</Key><Value>&lt;v&gt;</Value></Tag></TagSet></Tagging>');
});

test('round-trips hostile keys through the parser', () => {
  const keys = ['a&b', '<x/>', ' lead and trail ', 'cr\rlf\n\r\ntab\t', `q"'`, 'ü😀', ']]>', '&amp;'];
  const w = new XmlWriter().open('Delete');
  for (const k of keys) w.open('Object').leaf('Key', k).close();
  const doc = w.close().end();
  const parsed = parseXml(doc, { maxBytes: 1 << 20 })
    .all('Object')
    .map((o) => o.requireText('Key'));
  assert.deepEqual(parsed, keys);
});

test('writes a 1000-entry listing', () => {
  const w = new XmlWriter().open('ListBucketResult', { xmlns: S3_XMLNS });
  for (let i = 0; i < 1000; i++) {
    w.open('Contents')
      .leaf('Key', `photos/2024/${i}&<${i}>.jpg`)
      .leaf('LastModified', '2024-01-01T00:00:00.000Z')
      .leaf('ETag', '"d41d8cd98f00b204e9800998ecf8427e"')
      .leaf('Size', i)
      .leaf('StorageClass', 'STANDARD')
      .close();
  }
  const doc = w.close().end();
  const root = parseXml(doc, { maxBytes: 1 << 24 });
  assert.equal(root.all('Contents').length, 1000);
  assert.equal(root.all('Contents')[999]?.requireText('Key'), 'photos/2024/999&<999>.jpg');
});
