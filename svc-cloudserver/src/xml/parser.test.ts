import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { parseXml, type XmlElement } from './parser.js';
import { readBody, readXmlBody } from './read-xml-body.js';
import { S3Error, type S3ErrorCode } from '../errors/s3-errors.js';

const MB = 1 << 20;
const parse = (xml: string | Buffer, maxBytes = MB): XmlElement => parseXml(xml, { maxBytes });

function rejects(code: S3ErrorCode, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof S3Error && err.code === code);
}

test('parses CompleteMultipartUpload with 10,000 parts', () => {
  let xml = '<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\n';
  for (let n = 1; n <= 10_000; n++) {
    xml += `  <Part>\n    <PartNumber>${n}</PartNumber>\n    <ETag>"${n.toString(16).padStart(32, '0')}"</ETag>\n    <ChecksumCRC32>AAAAAA==</ChecksumCRC32>\n  </Part>\n`;
  }
  xml += '</CompleteMultipartUpload>';
  assert.ok(Buffer.byteLength(xml) < 2 * MB);
  const root = parse(xml, 2 * MB);
  assert.equal(root.name, 'CompleteMultipartUpload');
  assert.equal(root.attributes['xmlns'], 'http://s3.amazonaws.com/doc/2006-03-01/');
  const parts = root.all('Part');
  assert.equal(parts.length, 10_000);
  assert.equal(parts[9_999]?.requireText('PartNumber'), '10000');
  assert.equal(parts[0]?.requireText('ETag'), '"00000000000000000000000000000001"');
  assert.equal(parts[0]?.textOf('ChecksumCRC32'), 'AAAAAA==');
});

test('parses DeleteObjects keeping keys verbatim', () => {
  const root = parse(
    '<Delete><Quiet>true</Quiet>' +
      '<Object><Key> spaced key </Key></Object>' +
      '<Object><Key>a&amp;b&lt;c&gt;&quot;&apos;&#x0D;&#10;&#x1F600;</Key><VersionId>v1</VersionId></Object>' +
      '<Object><Key><![CDATA[raw <cdata> & stuff]]></Key></Object>' +
      '</Delete>',
  );
  assert.equal(root.textOf('Quiet'), 'true');
  const objects = root.all('Object');
  assert.deepEqual(
    objects.map((o) => o.requireText('Key')),
    [' spaced key ', 'a&b<c>"\'\r\n😀', 'raw <cdata> & stuff'],
  );
  assert.equal(objects[1]?.textOf('VersionId'), 'v1');
  assert.equal(objects[0]?.textOf('VersionId'), undefined);
});

test('parses tagging, versioning, CORS, lifecycle, replication, object lock, bucket configuration', () => {
  const tagging = parse(
    '<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>k1</Key><Value>v1</Value></Tag><Tag><Key>k2</Key><Value></Value></Tag></TagSet></Tagging>',
  );
  assert.deepEqual(
    tagging
      .require('TagSet')
      .all('Tag')
      .map((t) => [t.requireText('Key'), t.requireText('Value')]),
    [
      ['k1', 'v1'],
      ['k2', ''],
    ],
  );

  const versioning = parse('<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>');
  assert.equal(versioning.textOf('Status'), 'Enabled');

  const cors = parse(
    '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>',
  );
  assert.deepEqual(
    cors
      .require('CORSRule')
      .all('AllowedMethod')
      .map((m) => m.text),
    ['GET', 'PUT'],
  );

  const lifecycle = parse(
    '<LifecycleConfiguration><Rule><ID>r1</ID><Filter><And><Prefix>logs/</Prefix><Tag><Key>a</Key><Value>b</Value></Tag></And></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule></LifecycleConfiguration>',
  );
  const rule = lifecycle.all('Rule')[0];
  assert.equal(rule?.require('Filter').require('And').textOf('Prefix'), 'logs/');
  assert.equal(rule?.require('Expiration').textOf('Days'), '30');

  const replication = parse(
    '<ReplicationConfiguration><Role>arn:aws:iam::1:role/r</Role><Rule><Status>Enabled</Status><Priority>1</Priority><Destination><Bucket>arn:aws:s3:::dst</Bucket><StorageClass>STANDARD</StorageClass></Destination></Rule></ReplicationConfiguration>',
  );
  assert.equal(replication.all('Rule')[0]?.require('Destination').textOf('Bucket'), 'arn:aws:s3:::dst');

  const lock = parse(
    '<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>',
  );
  assert.equal(lock.require('Rule').require('DefaultRetention').textOf('Mode'), 'GOVERNANCE');

  const create = parse(
    '<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>',
  );
  assert.equal(create.textOf('LocationConstraint'), 'eu-west-1');
});

test('parses ACL grants with namespaced attributes', () => {
  const acl = parse(
    `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
       <Owner><ID>owner</ID></Owner>
       <AccessControlList>
         <Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>id1</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant>
         <Grant><Grantee xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' xsi:type='Group'><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant>
       </AccessControlList>
     </AccessControlPolicy>`,
  );
  const grants = acl.require('AccessControlList').all('Grant');
  assert.deepEqual(
    grants.map((g) => g.require('Grantee').attr('type')),
    ['CanonicalUser', 'Group'],
  );
  assert.equal(grants[0]?.require('Grantee').attributes['xsi:type'], 'CanonicalUser');
  assert.equal(grants[1]?.textOf('Permission'), 'READ');
});

test('namespace prefixes on elements resolve to local names', () => {
  const root = parse('<s3:Tagging xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/"><s3:TagSet/></s3:Tagging>');
  assert.equal(root.name, 'Tagging');
  assert.equal(root.qname, 's3:Tagging');
  assert.ok(root.one('TagSet'));
});

test('tolerates BOM, comments, processing instructions and CRLF', () => {
  const body = Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from('<?xml version="1.0"?>\r\n<!-- c --><?pi x?><A><!-- in --><B>x\r\ny</B><?pi?></A>\r\n<!-- end -->'),
  ]);
  const root = parse(body);
  assert.equal(root.textOf('B'), 'x\ny');
});

test('one() rejects a repeated element; require() rejects a missing one', () => {
  const root = parse('<A><B>1</B><B>2</B></A>');
  rejects('MalformedXML', () => root.one('B'));
  rejects('MalformedXML', () => root.require('C'));
  rejects('MalformedXML', () => root.requireText('C'));
});

test('rejects DTDs and entity declarations (billion laughs, XXE)', () => {
  const laughs =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
    '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]><lolz>&lol2;</lolz>';
  rejects('MalformedXML', () => parse(laughs));
  rejects('MalformedXML', () => parse('<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>'));
  rejects('MalformedXML', () => parse('<!doctype a><a/>'));
  rejects('MalformedXML', () => parse('<a><!ENTITY x "y"></a>'));
  // An undeclared entity reference is not expanded either.
  rejects('MalformedXML', () => parse('<a>&lol;</a>'));
  rejects('MalformedXML', () => parse('<a b="&x;"/>'));
});

test('rejects junk and malformed documents', () => {
  const junk = [
    '',
    '   ',
    'not xml at all',
    '<a>',
    '<a><b></a>',
    '<a></b>',
    '<a></a><b></b>',
    '<a/>trailing',
    '<a>text</a>x',
    '<a b=c/>',
    '<a b="1" b="2"/>',
    '<a b="1"c="2"/>',
    '<a b="x<y"/>',
    '<a b="unterminated/>',
    '<1a/>',
    '< a/>',
    '<a>&amp</a>',
    '<a>AT&T</a>',
    '<a>&#0;</a>',
    '<a>&#xD800;</a>',
    '<a>&#x110000;</a>',
    '<a>\u0001</a>',
    '<a><![CDATA[open</a>',
    '<a><!-- open</a>',
    '<a><?pi open</a>',
    '<a><?xml version="1.0"?></a>',
    '<a/><?xml version="1.0"?>',
    '<a></a ',
    '<a',
    '</a>',
    '<a><!FOO></a>',
  ];
  for (const xml of junk) rejects('MalformedXML', () => parse(xml));
});

test('rejects invalid UTF-8', () => {
  rejects('MalformedXML', () => parse(Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x61, 0x3e])));
  rejects('MalformedXML', () => parse(Buffer.from([0x3c, 0x61, 0x3e, 0xed, 0xa0, 0x80, 0x3c, 0x2f, 0x61, 0x3e])));
});

test('enforces the byte limit before parsing', () => {
  const xml = `<a>${'x'.repeat(1000)}</a>`;
  assert.equal(parse(xml, 1007).text.length, 1000);
  rejects('MaxMessageLengthExceeded', () => parse(xml, 1006));
  rejects('MaxMessageLengthExceeded', () => parse(Buffer.from(xml), 1006));
  // Multi-byte characters count as bytes, not characters.
  rejects('MaxMessageLengthExceeded', () => parse(`<a>${'é'.repeat(10)}</a>`, 20));
});

test('enforces the depth limit without recursion', () => {
  const deep = (n: number): string => '<a>'.repeat(n) + '</a>'.repeat(n);
  assert.equal(parseXml(deep(32), { maxBytes: MB }).name, 'a');
  rejects('MalformedXML', () => parseXml(deep(33), { maxBytes: MB }));
  // With the limit lifted, 100,000 levels still parse: no recursion, no stack overflow.
  assert.equal(parseXml(deep(100_000), { maxBytes: 10 * MB, maxDepth: 1_000_000 }).name, 'a');
});

test('a huge flat document parses in one pass', () => {
  const xml = `<Delete>${'<Object><Key>k</Key></Object>'.repeat(100_000)}</Delete>`;
  assert.equal(parse(xml, 4 * MB).all('Object').length, 100_000);
});

test('readBody stops at the cap; readXmlBody parses and rejects empty bodies', async () => {
  let produced = 0;
  async function* endless(): AsyncGenerator<Buffer> {
    for (;;) {
      produced += 1024;
      yield Buffer.alloc(1024, 0x61);
    }
  }
  await assert.rejects(readBody(endless(), 10_000), (e: unknown) => e instanceof S3Error && e.code === 'MaxMessageLengthExceeded');
  assert.ok(produced <= 11 * 1024);

  const root = await readXmlBody(
    Readable.from([Buffer.from('<Tagging><TagSet>'), '<Tag><Key>k</Key><Value>é</Value></Tag>', '</TagSet></Tagging>']),
    { maxBytes: 4096 },
  );
  assert.equal(root.require('TagSet').require('Tag').textOf('Value'), 'é');
  await assert.rejects(
    readXmlBody(Readable.from([]), { maxBytes: 10 }),
    (e: unknown) => e instanceof S3Error && e.code === 'MissingRequestBodyError',
  );
  await assert.rejects(
    readXmlBody(Readable.from(['<a>junk']), { maxBytes: 100 }),
    (e: unknown) => e instanceof S3Error && e.code === 'MalformedXML',
  );
});
