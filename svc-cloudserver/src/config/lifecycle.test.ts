import { test } from 'node:test';
import assert from 'node:assert/strict';
import { S3Error, type S3ErrorCode } from '../errors/s3-errors.js';
import {
  expirationHeader,
  generateRuleId,
  lifecycleStorageClasses,
  parseLifecycle,
  renderLifecycle,
  ruleMatches,
  type LifecycleConfiguration,
  type LifecycleRule,
} from './lifecycle.js';

function throwsCode(code: S3ErrorCode, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof S3Error && err.code === code);
}

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

function config(...rules: string[]): string {
  return `<LifecycleConfiguration ${NS}>${rules.map((r) => `<Rule>${r}</Rule>`).join('')}</LifecycleConfiguration>`;
}

const FULL: LifecycleConfiguration = {
  rules: [
    {
      id: 'archive',
      status: 'Enabled',
      filter: { prefix: 'logs/' },
      transitions: [
        { days: 30, storageClass: 'aws-cold' },
        { days: 90, storageClass: 'azure-archive' },
      ],
      expiration: { days: 365 },
      noncurrentVersionTransitions: [{ noncurrentDays: 10, newerNoncurrentVersions: 3, storageClass: 'aws-cold' }],
      noncurrentVersionExpiration: { noncurrentDays: 40, newerNoncurrentVersions: 5 },
    },
    {
      id: 'tagged',
      status: 'Disabled',
      filter: {
        and: true,
        prefix: 'p/',
        tags: [
          { key: 'a', value: '1' },
          { key: 'b', value: '' },
        ],
        objectSizeGreaterThan: 0,
        objectSizeLessThan: 1024,
      },
      expiration: { date: '2030-01-01T00:00:00.000Z' },
    },
    {
      id: 'markers',
      status: 'Enabled',
      filter: {},
      expiration: { expiredObjectDeleteMarker: true },
      abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
    },
    { id: 'legacy', status: 'Enabled', prefix: '', transitions: [{ date: '2029-06-01T00:00:00.000Z', storageClass: 'ring' }] },
    { id: 'one-tag', status: 'Enabled', filter: { tags: [{ key: 'k', value: 'v' }] }, expiration: { days: 1 } },
    { id: 'big', status: 'Enabled', filter: { objectSizeGreaterThan: 1048576 }, expiration: { days: 2 } },
    { id: 'small', status: 'Enabled', filter: { objectSizeLessThan: 10 }, expiration: { days: 3 } },
  ],
};

test('renders in AWS element order and round-trips every filter and action form', () => {
  const xml = renderLifecycle(FULL);
  assert.ok(
    xml.startsWith(
      `<?xml version="1.0" encoding="UTF-8"?><LifecycleConfiguration ${NS}><Rule><ID>archive</ID><Filter><Prefix>logs/</Prefix></Filter>` +
        '<Status>Enabled</Status><Transition><Days>30</Days><StorageClass>aws-cold</StorageClass></Transition>' +
        '<Transition><Days>90</Days><StorageClass>azure-archive</StorageClass></Transition><Expiration><Days>365</Days></Expiration>' +
        '<NoncurrentVersionTransition><NoncurrentDays>10</NoncurrentDays><NewerNoncurrentVersions>3</NewerNoncurrentVersions>' +
        '<StorageClass>aws-cold</StorageClass></NoncurrentVersionTransition><NoncurrentVersionExpiration><NoncurrentDays>40</NoncurrentDays>' +
        '<NewerNoncurrentVersions>5</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>',
    ),
    xml,
  );
  assert.ok(
    xml.includes(
      '<Filter><And><Prefix>p/</Prefix><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value></Value></Tag>' +
        '<ObjectSizeGreaterThan>0</ObjectSizeGreaterThan><ObjectSizeLessThan>1024</ObjectSizeLessThan></And></Filter><Status>Disabled</Status>' +
        '<Expiration><Date>2030-01-01T00:00:00.000Z</Date></Expiration>',
    ),
  );
  assert.ok(
    xml.includes(
      '<ID>markers</ID><Filter></Filter><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>' +
        '<AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload>',
    ),
  );
  assert.ok(xml.includes('<ID>legacy</ID><Prefix></Prefix><Status>Enabled</Status>'));
  assert.deepEqual(parseLifecycle(xml), FULL);
});

test('accepts what clients send: whitespace, date forms, generated IDs', () => {
  const doc = parseLifecycle(
    config(
      '\n  <Filter>\n    <Prefix>tmp/</Prefix>\n  </Filter>\n  <Status> Enabled </Status>\n  <Expiration><Date>2031-05-01T00:00:00Z</Date></Expiration>\n',
      '<Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>',
      '<ID></ID><Prefix>x</Prefix><Status>Enabled</Status><Transition><Days>0</Days><StorageClass>ring</StorageClass></Transition>',
    ),
  );
  assert.equal(doc.rules.length, 3);
  assert.deepEqual(doc.rules[0]?.expiration, { date: '2031-05-01T00:00:00.000Z' });
  assert.equal(doc.rules[0]?.filter?.prefix, 'tmp/');
  const ids = doc.rules.map((r) => r.id);
  assert.equal(new Set(ids).size, 3);
  for (const id of ids) assert.match(id, /^[A-Za-z0-9+/]{48}$/);
  assert.match(Buffer.from(generateRuleId(), 'base64').toString(), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.deepEqual(lifecycleStorageClasses(FULL), ['aws-cold', 'azure-archive', 'ring']);
});

test('rule limits and IDs', () => {
  const rule = (i: number): string => `<ID>r${i}</ID><Prefix>p${i}</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>`;
  assert.equal(parseLifecycle(config(...Array.from({ length: 1000 }, (_, i) => rule(i)))).rules.length, 1000);
  throwsCode('MalformedXML', () => parseLifecycle(config(...Array.from({ length: 1001 }, (_, i) => rule(i)))));
  throwsCode('MalformedXML', () => parseLifecycle(`<LifecycleConfiguration ${NS}></LifecycleConfiguration>`));
  throwsCode('InvalidArgument', () => parseLifecycle(config(rule(1), rule(1))));
  const ok = '<Prefix></Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>';
  assert.equal(parseLifecycle(config(`<ID>${'i'.repeat(255)}</ID>${ok}`)).rules[0]?.id.length, 255);
  throwsCode('InvalidArgument', () => parseLifecycle(config(`<ID>${'i'.repeat(256)}</ID>${ok}`)));
});

test('schema violations are MalformedXML', () => {
  const bad = (inner: string): void => throwsCode('MalformedXML', () => parseLifecycle(config(inner)));
  const exp = '<Expiration><Days>1</Days></Expiration>';
  bad(`<Prefix></Prefix>${exp}`); // no Status
  bad(`<Prefix></Prefix><Status>On</Status>${exp}`);
  bad(`<Status>Enabled</Status>${exp}`); // neither Filter nor Prefix
  bad(`<Filter></Filter><Prefix></Prefix><Status>Enabled</Status>${exp}`);
  bad(`<Filter><Prefix>a</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status>${exp}`);
  bad(`<Filter><And><Prefix>a</Prefix></And></Filter><Status>Enabled</Status>${exp}`);
  bad(
    `<Filter><And><Prefix>a</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And><Prefix>b</Prefix></Filter><Status>Enabled</Status>${exp}`,
  );
  bad(`<Filter><Tag><Key>k</Key></Tag></Filter><Status>Enabled</Status>${exp}`);
  bad(`<Filter><ObjectSizeGreaterThan>big</ObjectSizeGreaterThan></Filter><Status>Enabled</Status>${exp}`);
  bad('<Prefix></Prefix><Status>Enabled</Status><Expiration></Expiration>');
  bad(
    '<Prefix></Prefix><Status>Enabled</Status><Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>',
  );
  bad('<Prefix></Prefix><Status>Enabled</Status><Expiration><Date>tomorrow</Date></Expiration>');
  bad('<Prefix></Prefix><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>maybe</ExpiredObjectDeleteMarker></Expiration>');
  bad('<Prefix></Prefix><Status>Enabled</Status><Transition><Days>1</Days></Transition>');
  bad('<Prefix></Prefix><Status>Enabled</Status><Transition><StorageClass>x</StorageClass></Transition>');
  bad(
    '<Prefix></Prefix><Status>Enabled</Status><Transition><Days>1</Days><Date>2030-01-01T00:00:00Z</Date><StorageClass>x</StorageClass></Transition>',
  );
  bad(
    '<Prefix></Prefix><Status>Enabled</Status><NoncurrentVersionExpiration><NewerNoncurrentVersions>1</NewerNoncurrentVersions></NoncurrentVersionExpiration>',
  );
  bad('<Prefix></Prefix><Status>Enabled</Status><AbortIncompleteMultipartUpload/>');
  bad(`<Prefix></Prefix><Status>Enabled</Status>${exp}<Unknown/>`);
  throwsCode('MalformedXML', () => parseLifecycle('<Lifecycle/>'));
});

test('value errors are InvalidArgument', () => {
  const bad = (actions: string, filter = '<Prefix></Prefix>'): void =>
    throwsCode('InvalidArgument', () => parseLifecycle(config(`${filter}<Status>Enabled</Status>${actions}`)));
  bad('<Expiration><Days>0</Days></Expiration>');
  bad('<Expiration><Days>-3</Days></Expiration>');
  bad('<Expiration><Date>2030-01-01T12:00:00Z</Date></Expiration>');
  bad('<Transition><Days>-1</Days><StorageClass>x</StorageClass></Transition>');
  bad('<Transition><Date>2030-01-01T00:00:01.000Z</Date><StorageClass>x</StorageClass></Transition>');
  bad('<NoncurrentVersionExpiration><NoncurrentDays>0</NoncurrentDays></NoncurrentVersionExpiration>');
  bad(
    '<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>101</NewerNoncurrentVersions></NoncurrentVersionExpiration>',
  );
  bad('<AbortIncompleteMultipartUpload><DaysAfterInitiation>0</DaysAfterInitiation></AbortIncompleteMultipartUpload>');
  bad('<Expiration><Days>1</Days></Expiration>', '<Filter><ObjectSizeLessThan>-1</ObjectSizeLessThan></Filter>');
  bad('<Expiration><Days>30</Days></Expiration><Transition><Days>30</Days><StorageClass>x</StorageClass></Transition>');
  bad(
    '<Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration><Transition><Date>2030-01-01T00:00:00Z</Date><StorageClass>x</StorageClass></Transition>',
  );
  bad(
    '<NoncurrentVersionTransition><NoncurrentDays>30</NoncurrentDays><StorageClass>x</StorageClass></NoncurrentVersionTransition>' +
      '<NoncurrentVersionExpiration><NoncurrentDays>20</NoncurrentDays></NoncurrentVersionExpiration>',
  );
});

test('conflicting actions are InvalidRequest', () => {
  const bad = (actions: string, filter = '<Prefix></Prefix>'): void =>
    throwsCode('InvalidRequest', () => parseLifecycle(config(`${filter}<Status>Enabled</Status>${actions}`)));
  const tag = '<Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter>';
  bad('');
  bad('<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>', tag);
  bad('<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>', tag);
  bad(
    '<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>',
    '<Filter><ObjectSizeGreaterThan>5</ObjectSizeGreaterThan></Filter>',
  );
  bad(
    '<Transition><Days>1</Days><StorageClass>x</StorageClass></Transition><Transition><Days>2</Days><StorageClass>x</StorageClass></Transition>',
  );
  bad(
    '<Transition><Days>1</Days><StorageClass>x</StorageClass></Transition><Transition><Date>2030-01-01T00:00:00Z</Date><StorageClass>y</StorageClass></Transition>',
  );
  bad('<Expiration><Days>10</Days></Expiration><Transition><Date>2030-01-01T00:00:00Z</Date><StorageClass>y</StorageClass></Transition>');
  bad(
    '<NoncurrentVersionTransition><NoncurrentDays>1</NoncurrentDays><StorageClass>x</StorageClass></NoncurrentVersionTransition>' +
      '<NoncurrentVersionTransition><NoncurrentDays>2</NoncurrentDays><StorageClass>x</StorageClass></NoncurrentVersionTransition>',
  );
  bad(
    '<Expiration><Days>1</Days></Expiration>',
    '<Filter><And><Tag><Key>k</Key><Value>1</Value></Tag><Tag><Key>k</Key><Value>2</Value></Tag></And></Filter>',
  );
  bad(
    '<Expiration><Days>1</Days></Expiration>',
    '<Filter><And><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>10</ObjectSizeLessThan></And></Filter>',
  );
  throwsCode('InvalidTag', () =>
    parseLifecycle(
      config(
        `<Filter><Tag><Key>${'k'.repeat(129)}</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>`,
      ),
    ),
  );
});

test('filters select objects by prefix, tags and size', () => {
  const rule = (filter: LifecycleRule['filter']): LifecycleRule => ({
    id: 'r',
    status: 'Enabled',
    ...(filter === undefined ? {} : { filter }),
    expiration: { days: 1 },
  });
  assert.equal(ruleMatches(rule({}), { key: 'anything' }), true);
  assert.equal(ruleMatches({ id: 'r', status: 'Enabled', prefix: 'a/', expiration: { days: 1 } }, { key: 'b/a/' }), false);
  const and = rule({ and: true, prefix: 'docs/', tags: [{ key: 'team', value: 'x' }], objectSizeGreaterThan: 10, objectSizeLessThan: 100 });
  assert.equal(ruleMatches(and, { key: 'docs/1', tags: [{ key: 'team', value: 'x' }], size: 50 }), true);
  assert.equal(ruleMatches(and, { key: 'docs/1', tags: { team: 'x', other: 'y' }, size: 50 }), true);
  assert.equal(ruleMatches(and, { key: 'docs/1', tags: { team: 'y' }, size: 50 }), false);
  assert.equal(ruleMatches(and, { key: 'docs/1', size: 50 }), false);
  assert.equal(ruleMatches(and, { key: 'docs/1', tags: { team: 'x' }, size: 10 }), false);
  assert.equal(ruleMatches(and, { key: 'docs/1', tags: { team: 'x' }, size: 100 }), false);
  assert.equal(ruleMatches(and, { key: 'doc/1', tags: { team: 'x' }, size: 50 }), false);
  assert.equal(ruleMatches(rule({ tags: [{ key: 'toString', value: 'x' }] }), { key: 'k', tags: {} }), false);
});

test('x-amz-expiration: earliest enabled matching Days/Date rule, midnight after creation + days', () => {
  const doc: LifecycleConfiguration = {
    rules: [
      { id: 'long', status: 'Enabled', filter: {}, expiration: { days: 30 } },
      { id: 'logs rule/1', status: 'Enabled', filter: { prefix: 'logs/' }, expiration: { days: 3 } },
      { id: 'off', status: 'Disabled', filter: {}, expiration: { days: 1 } },
      { id: 'date', status: 'Enabled', filter: { prefix: 'tmp/' }, expiration: { date: '2014-01-10T00:00:00.000Z' } },
      { id: 'markers', status: 'Enabled', filter: {}, expiration: { expiredObjectDeleteMarker: true } },
      { id: 'transition-only', status: 'Enabled', filter: {}, transitions: [{ days: 1, storageClass: 'x' }] },
    ],
  };
  const lastModified = new Date('2014-01-15T10:30:00.000Z');
  assert.equal(
    expirationHeader(doc, { key: 'logs/a', lastModified, isLatest: true }),
    'expiry-date="Sun, 19 Jan 2014 00:00:00 GMT", rule-id="logs%20rule%2F1"',
  );
  assert.equal(
    expirationHeader(doc, { key: 'data/a', lastModified, isLatest: true }),
    'expiry-date="Sat, 15 Feb 2014 00:00:00 GMT", rule-id="long"',
  );
  assert.equal(
    expirationHeader(doc, { key: 'tmp/a', lastModified, isLatest: true }),
    'expiry-date="Fri, 10 Jan 2014 00:00:00 GMT", rule-id="date"',
  );
  assert.equal(expirationHeader(doc, { key: 'logs/a', lastModified, isLatest: false }), undefined);
  assert.equal(
    expirationHeader({ rules: [doc.rules[4]!, doc.rules[5]!, doc.rules[2]!] }, { key: 'a', lastModified, isLatest: true }),
    undefined,
  );
  // Created exactly at midnight: still rounded to the following midnight.
  assert.equal(
    expirationHeader(
      { rules: [{ id: 'one', status: 'Enabled', prefix: '', expiration: { days: 1 } }] },
      {
        key: 'a',
        lastModified: new Date('2020-02-28T00:00:00.000Z'),
        isLatest: true,
      },
    ),
    'expiry-date="Sun, 01 Mar 2020 00:00:00 GMT", rule-id="one"',
  );
  // Tag and size filters apply.
  const tagged: LifecycleConfiguration = {
    rules: [
      {
        id: 't',
        status: 'Enabled',
        filter: { and: true, tags: [{ key: 'k', value: 'v' }], objectSizeGreaterThan: 5 },
        expiration: { days: 1 },
      },
    ],
  };
  assert.equal(
    expirationHeader(tagged, { key: 'a', tags: [{ key: 'k', value: 'v' }], size: 6, lastModified, isLatest: true })?.includes(
      'rule-id="t"',
    ),
    true,
  );
  assert.equal(expirationHeader(tagged, { key: 'a', tags: [{ key: 'k', value: 'v' }], size: 5, lastModified, isLatest: true }), undefined);
});
