import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeXml, escapeXmlText, XmlWriter } from './writer.js';
import { parseXml } from './parser.js';

test('escapes markup, control characters and lone surrogates', () => {
  assert.equal(escapeXml(`a&b<c>d"e'f`), 'a&amp;b&lt;c&gt;d&quot;e&apos;f');
  assert.equal(escapeXml('a\rb\nc\td'), 'a&#xD;b&#xA;c&#x9;d');
  assert.equal(escapeXmlText('a\rb\nc\td'), 'a&#xD;b\nc\td');
  assert.equal(escapeXml('\u0000\u001f\ufffe'), '&#x0;&#x1F;&#xFFFE;');
  assert.equal(escapeXml('x😀y\ud800'), 'x😀y\ufffd');
});

test('writes Azure’s prolog: byte order mark and utf-8 declaration', () => {
  const w = new XmlWriter();
  w.open('EnumerationResults', { ServiceEndpoint: 'http://h/a"b', ContainerName: undefined }).leaf('Prefix', '').empty('Blobs').close();
  assert.equal(
    w.end(),
    '\uFEFF<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="http://h/a&quot;b"><Prefix></Prefix><Blobs/></EnumerationResults>',
  );
  assert.equal(new XmlWriter({ declaration: false }).open('a').close().end(), '<a></a>');
  assert.equal(new XmlWriter({ bom: false }).open('a').close().end(), '<?xml version="1.0" encoding="utf-8"?><a></a>');
});

test('endBytes is the UTF-8 of end(), byte order mark included', () => {
  const doc = (bom: boolean) => new XmlWriter({ bom }).open('a').leaf('b', 'é😀\n').close();
  for (const bom of [true, false]) {
    const bytes = doc(bom).endBytes();
    assert.deepEqual(bytes, Buffer.from(doc(bom).end(), 'utf8'));
    assert.equal(bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), bom);
  }
});

test('user text round-trips through the parser', () => {
  const hostile = ' <Blob>&amp;</Blob> "quoted" \'s\' line\nbreak\ttab\rcr ]]> ';
  const w = new XmlWriter();
  w.open('Blob', { Name: hostile }).leaf('Name', hostile).close();
  const root = parseXml(w.end(), { maxBytes: 4096 });
  assert.equal(root.requireText('Name'), hostile);
  assert.equal(root.attributes['Name'], hostile);
});

test('rejects invalid names and misuse', () => {
  assert.throws(() => new XmlWriter().open('a b'), TypeError);
  assert.throws(() => new XmlWriter().leaf('<x>', 'v'), TypeError);
  assert.throws(() => new XmlWriter().close());
  assert.throws(() => new XmlWriter().open('a').end());
  const w = new XmlWriter();
  w.open('a').close().end();
  assert.throws(() => w.open('b'));
});
