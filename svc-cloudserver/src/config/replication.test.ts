import { test } from 'node:test';
import assert from 'node:assert/strict';
import { S3Error, type S3ErrorCode } from '../errors/s3-errors.js';
import {
  destinationBucketName,
  parseReplication,
  parseReplicationSites,
  preferredReadSite,
  renderReplication,
  replicationRuleFor,
  replicationSites,
  type ReplicationConfiguration,
} from './replication.js';

function throwsCode(code: S3ErrorCode, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof S3Error && err.code === code);
}

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
const ROLE = 'arn:aws:iam::123456789012:role/src-resource,arn:aws:iam::123456789012:role/dest-resource';
const DEST = '<Destination><Bucket>arn:aws:s3:::dst</Bucket></Destination>';

function config(rules: string[], role?: string): string {
  return `<ReplicationConfiguration ${NS}>${role === undefined ? '' : `<Role>${role}</Role>`}${rules.map((r) => `<Rule>${r}</Rule>`).join('')}</ReplicationConfiguration>`;
}

const V2: ReplicationConfiguration = {
  role: ROLE,
  rules: [
    {
      id: 'to-clouds',
      priority: 2,
      status: 'Enabled',
      filter: { prefix: 'photos/' },
      deleteMarkerReplication: 'Enabled',
      destination: {
        bucket: 'arn:aws:s3:::dst',
        sites: [
          { name: 'aws-location', preferredRead: false },
          { name: 'azure-location', preferredRead: true },
        ],
      },
    },
    {
      id: 'tagged',
      priority: 1,
      status: 'Disabled',
      filter: { and: true, prefix: 'p', tags: [{ key: 'k', value: 'v' }] },
      deleteMarkerReplication: 'Disabled',
      destination: { bucket: 'arn:aws:s3:::dst', sites: [] },
    },
    {
      id: 'one-tag',
      priority: 0,
      status: 'Enabled',
      filter: { tags: [{ key: 'x', value: 'y' }] },
      deleteMarkerReplication: 'Disabled',
      destination: { bucket: 'arn:aws:s3:::dst', sites: [{ name: 'gcp', preferredRead: false }] },
    },
    {
      id: 'all',
      priority: 3,
      status: 'Enabled',
      filter: {},
      deleteMarkerReplication: 'Disabled',
      destination: { bucket: 'arn:aws:s3:::dst', sites: [] },
    },
  ],
};

test('V2: renders, parses, round-trips; Zenko storage class list', () => {
  const xml = renderReplication(V2);
  assert.ok(
    xml.startsWith(
      `<?xml version="1.0" encoding="UTF-8"?><ReplicationConfiguration ${NS}><Role>${ROLE}</Role><Rule><ID>to-clouds</ID><Priority>2</Priority>` +
        '<Filter><Prefix>photos/</Prefix></Filter><Status>Enabled</Status><Destination><Bucket>arn:aws:s3:::dst</Bucket>' +
        '<StorageClass>aws-location,azure-location:preferred_read</StorageClass></Destination>' +
        '<DeleteMarkerReplication><Status>Enabled</Status></DeleteMarkerReplication></Rule>',
    ),
    xml,
  );
  assert.ok(xml.includes('<Filter><And><Prefix>p</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter>'));
  assert.ok(xml.includes('<ID>all</ID><Priority>3</Priority><Filter></Filter>'));
  assert.deepEqual(parseReplication(xml), V2);
  assert.deepEqual(replicationSites(V2), [
    { name: 'aws-location', preferredRead: false },
    { name: 'azure-location', preferredRead: true },
    { name: 'gcp', preferredRead: false },
  ]);
  assert.equal(preferredReadSite(V2), 'azure-location');
  assert.equal(destinationBucketName(V2.rules[0]!.destination.bucket), 'dst');
});

test('V1 rules, no role (cloud destinations), generated IDs', () => {
  const doc = parseReplication(
    config([
      '<Prefix>a/</Prefix><Status>Enabled</Status><Destination><Bucket>arn:aws:s3:::dst</Bucket><StorageClass> aws-1 , ring:preferred_read </StorageClass></Destination>',
      '<ID>b</ID><Prefix>b/</Prefix><Status>Disabled</Status><Destination><Bucket>arn:aws:s3:::dst</Bucket></Destination>',
    ]),
  );
  assert.equal(doc.role, undefined);
  assert.match(doc.rules[0]!.id, /^[A-Za-z0-9+/]{48}$/);
  assert.deepEqual(doc.rules[0]!.destination.sites, [
    { name: 'aws-1', preferredRead: false },
    { name: 'ring', preferredRead: true },
  ]);
  assert.deepEqual(doc.rules[1], { id: 'b', status: 'Disabled', prefix: 'b/', destination: { bucket: 'arn:aws:s3:::dst', sites: [] } });
  assert.deepEqual(parseReplication(renderReplication(doc)), doc);
  assert.ok(parseReplication(config([`<Prefix></Prefix><Status>Enabled</Status>${DEST}`], 'arn:aws:iam::123456789012:role/one')).role);
});

test('storage class list errors', () => {
  assert.deepEqual(parseReplicationSites('a'), [{ name: 'a', preferredRead: false }]);
  throwsCode('InvalidArgument', () => parseReplicationSites('a:preferred_read,b:preferred_read'));
  throwsCode('InvalidArgument', () => parseReplicationSites('a,,b'));
  throwsCode('InvalidArgument', () => parseReplicationSites('a,a:preferred_read'));
  throwsCode('InvalidArgument', () => parseReplicationSites('a:cold'));
  throwsCode('InvalidArgument', () => parseReplicationSites(''));
});

test('validation errors', () => {
  const v2 = (extra: string, filter = '<Filter><Prefix>a</Prefix></Filter>'): string =>
    `<ID>r</ID>${filter}<Status>Enabled</Status>${extra}${DEST}`;
  const dmr = '<DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication>';
  const ok = v2(`<Priority>1</Priority>${dmr}`);
  assert.equal(parseReplication(config([ok], ROLE)).rules.length, 1);
  // MalformedXML: schema.
  throwsCode('MalformedXML', () => parseReplication(config([])));
  throwsCode('MalformedXML', () => parseReplication(config(['<Prefix></Prefix><Status>Enabled</Status>'])));
  throwsCode('MalformedXML', () => parseReplication(config([`<Prefix></Prefix>${DEST}`])));
  throwsCode('MalformedXML', () => parseReplication(config([`<Prefix></Prefix><Status>Paused</Status>${DEST}`])));
  throwsCode('MalformedXML', () => parseReplication(config([`<Status>Enabled</Status>${DEST}`])));
  throwsCode('MalformedXML', () => parseReplication(config([v2(`<Priority>1</Priority>${dmr}<Prefix>x</Prefix>`)])));
  throwsCode('MalformedXML', () => parseReplication(config([v2(`<Priority>high</Priority>${dmr}`)])));
  throwsCode('MalformedXML', () =>
    parseReplication(
      config([v2(`<Priority>1</Priority>${dmr}`, '<Filter><Prefix>a</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></Filter>')]),
    ),
  );
  throwsCode('MalformedXML', () => parseReplication(config(['<Prefix></Prefix><Status>Enabled</Status><Destination></Destination>'])));
  throwsCode('MalformedXML', () => parseReplication(config([`<Prefix></Prefix><Status>Enabled</Status>${DEST}<Bogus/>`])));
  const many = Array.from(
    { length: 1001 },
    (_, i) => `<ID>r${i}</ID><Priority>${i}</Priority><Filter/><Status>Enabled</Status>${dmr}${DEST}`,
  );
  throwsCode('MalformedXML', () => parseReplication(config(many)));
  assert.equal(parseReplication(config(many.slice(0, 1000))).rules.length, 1000);
  // InvalidArgument: values.
  throwsCode('InvalidArgument', () => parseReplication(config([ok], 'not-a-role')));
  throwsCode('InvalidArgument', () => parseReplication(config([ok], `${ROLE},${ROLE}`)));
  throwsCode('InvalidArgument', () => parseReplication(config([ok, ok])));
  throwsCode('InvalidArgument', () =>
    parseReplication(config([`<ID>${'i'.repeat(256)}</ID><Prefix></Prefix><Status>Enabled</Status>${DEST}`])),
  );
  throwsCode('InvalidArgument', () => parseReplication(config([v2(`<Priority>-1</Priority>${dmr}`)])));
  throwsCode('InvalidArgument', () =>
    parseReplication(config(['<Prefix></Prefix><Status>Enabled</Status><Destination><Bucket>dst</Bucket></Destination>'])),
  );
  throwsCode('InvalidArgument', () =>
    parseReplication(
      config(['<Prefix></Prefix><Status>Enabled</Status><Destination><Bucket>arn:aws:s3:::Bad_Name</Bucket></Destination>']),
    ),
  );
  throwsCode('InvalidArgument', () => parseReplication(config([`<Prefix>${'p'.repeat(1025)}</Prefix><Status>Enabled</Status>${DEST}`])));
  // InvalidRequest: V2 requirements and V1 overlaps.
  throwsCode('InvalidRequest', () => parseReplication(config([v2(dmr)])));
  throwsCode('InvalidRequest', () => parseReplication(config([v2('<Priority>1</Priority>')])));
  throwsCode('InvalidRequest', () =>
    parseReplication(
      config([
        v2(
          '<Priority>1</Priority><DeleteMarkerReplication><Status>Enabled</Status></DeleteMarkerReplication>',
          '<Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter>',
        ),
      ]),
    ),
  );
  throwsCode('InvalidRequest', () =>
    parseReplication(
      config([
        v2(
          `<Priority>1</Priority>${dmr}`,
          '<Filter><And><Tag><Key>k</Key><Value>1</Value></Tag><Tag><Key>k</Key><Value>2</Value></Tag></And></Filter>',
        ),
      ]),
    ),
  );
  throwsCode('InvalidRequest', () =>
    parseReplication(
      config([
        `<ID>a</ID><Prefix>logs/</Prefix><Status>Enabled</Status>${DEST}`,
        `<ID>b</ID><Prefix>logs/2024/</Prefix><Status>Enabled</Status>${DEST}`,
      ]),
    ),
  );
  throwsCode('InvalidRequest', () => parseReplication(config([ok, `<ID>b</ID><Prefix>x</Prefix><Status>Enabled</Status>${DEST}`])));
  throwsCode('InvalidRequest', () => parseReplication(config([`<Prefix>x</Prefix><Status>Enabled</Status>${dmr}${DEST}`])));
  // NotImplemented: AWS features Zenko does not offer.
  throwsCode('NotImplemented', () =>
    parseReplication(
      config([`<Prefix></Prefix><Status>Enabled</Status><Destination><Bucket>arn:aws:s3:::dst</Bucket><Account>1</Account></Destination>`]),
    ),
  );
  throwsCode('NotImplemented', () =>
    parseReplication(
      config([
        `<Prefix></Prefix><Status>Enabled</Status>${DEST}<ExistingObjectReplication><Status>Enabled</Status></ExistingObjectReplication>`,
      ]),
    ),
  );
});

test('replicationRuleFor picks the highest-priority enabled matching rule', () => {
  assert.equal(replicationRuleFor(V2, { key: 'photos/a.jpg' })?.id, 'all');
  const withoutAll: ReplicationConfiguration = { rules: V2.rules.slice(0, 3) };
  assert.equal(replicationRuleFor(withoutAll, { key: 'photos/a.jpg' })?.id, 'to-clouds');
  assert.equal(replicationRuleFor(withoutAll, { key: 'p1', tags: [{ key: 'k', value: 'v' }] }), undefined); // 'tagged' is disabled
  assert.equal(replicationRuleFor(withoutAll, { key: 'z', tags: [{ key: 'x', value: 'y' }] })?.id, 'one-tag');
  assert.equal(replicationRuleFor(withoutAll, { key: 'z' }), undefined);
});
