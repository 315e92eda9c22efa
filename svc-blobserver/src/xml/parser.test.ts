import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { parseXml, type XmlElement } from './parser.js';
import { readBody, readXmlBody } from './read-xml-body.js';
import { AzureError, type AzureErrorCode } from '../errors/azure-errors.js';

const MB = 1 << 20;
const parse = (xml: string | Buffer, maxBytes = MB): XmlElement => parseXml(xml, { maxBytes });

function rejects(code: AzureErrorCode, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof AzureError && err.code === code);
}

test('parses a block list with namespaces, BOM, comments and CDATA', () => {
  const body = Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from(
      '<?xml version="1.0" encoding="utf-8"?>\r\n<!-- c --><BlockList><Latest>QUFB</Latest><Committed><![CDATA[QkJC]]></Committed><x:Uncommitted xmlns:x="urn:x">Q0ND</x:Uncommitted></BlockList>',
    ),
  ]);
  const root = parse(body);
  assert.equal(root.name, 'BlockList');
  assert.deepEqual(
    root.children.map((c) => [c.name, c.text]),
    [
      ['Latest', 'QUFB'],
      ['Committed', 'QkJC'],
      ['Uncommitted', 'Q0ND'],
    ],
  );
});

test('keeps text verbatim and decodes the predefined entities and character references', () => {
  const root = parse('<Tags><TagSet><Tag><Key> k </Key><Value>a&amp;b&lt;c&gt;&quot;&apos;&#x41;&#66;</Value></Tag></TagSet></Tags>');
  const tag = root.require('TagSet').require('Tag');
  assert.equal(tag.requireText('Key'), ' k ');
  assert.equal(tag.requireText('Value'), `a&b<c>"'AB`);
});

test('one() rejects a repeated element; require() rejects a missing one', () => {
  const root = parse('<A><B>1</B><B>2</B></A>');
  rejects('InvalidXmlDocument', () => root.one('B'));
  rejects('InvalidXmlDocument', () => root.require('C'));
});

test('refuses DTDs and entity declarations (billion laughs, XXE)', () => {
  const laughs =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><lolz>&lol1;</lolz>';
  rejects('InvalidXmlDocument', () => parse(laughs));
  rejects('InvalidXmlDocument', () => parse('<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>'));
  rejects('InvalidXmlDocument', () => parse('<!doctype a><a/>'));
  rejects('InvalidXmlDocument', () => parse('<a><!ENTITY x "y"></a>'));
  rejects('InvalidXmlDocument', () => parse('<a>&lol;</a>'));
});

test('refuses junk', () => {
  for (const junk of [
    '',
    'junk',
    '<a>',
    '<a><b></a>',
    '<a></a><b/>',
    '<a/>x',
    '<a b=c/>',
    '<a>AT&T</a>',
    '<a>&#0;</a>',
    '<a>\u0001</a>',
    '<a><![CDATA[x</a>',
    '</a>',
  ]) {
    rejects('InvalidXmlDocument', () => parse(junk));
  }
  rejects('InvalidXmlDocument', () => parse(Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0x3c, 0x2f, 0x61, 0x3e])));
});

test('caps size and depth', () => {
  const xml = `<a>${'x'.repeat(1000)}</a>`;
  assert.equal(parse(xml, 1007).text.length, 1000);
  rejects('RequestBodyTooLarge', () => parse(xml, 1006));
  const deep = (n: number): string => '<a>'.repeat(n) + '</a>'.repeat(n);
  assert.equal(parse(deep(32)).name, 'a');
  rejects('InvalidXmlDocument', () => parse(deep(33)));
});

test('readBody stops at the cap; readXmlBody refuses empty and junk bodies', async () => {
  let produced = 0;
  async function* endless(): AsyncGenerator<Buffer> {
    for (;;) {
      produced += 1024;
      yield Buffer.alloc(1024, 0x61);
    }
  }
  await assert.rejects(readBody(endless(), 10_000), (e: unknown) => e instanceof AzureError && e.code === 'RequestBodyTooLarge');
  assert.ok(produced <= 11 * 1024);
  const root = await readXmlBody(Readable.from(['<Tags><TagSet>', '<Tag><Key>k</Key><Value>é</Value></Tag>', '</TagSet></Tags>']), {
    maxBytes: 4096,
  });
  assert.equal(root.require('TagSet').require('Tag').textOf('Value'), 'é');
  await assert.rejects(
    readXmlBody(Readable.from([]), { maxBytes: 10 }),
    (e: unknown) => e instanceof AzureError && e.code === 'InvalidXmlDocument',
  );
  await assert.rejects(
    readXmlBody(Readable.from(['<a>junk']), { maxBytes: 100 }),
    (e: unknown) => e instanceof AzureError && e.code === 'InvalidXmlDocument',
  );
});
