import { test } from 'node:test';
import assert from 'node:assert/strict';
import { S3Error, type S3ErrorCode } from '../errors/s3-errors.js';
import {
  defaultRetentionFor,
  parseLegalHold,
  parseObjectLockConfiguration,
  parseObjectLockHeaders,
  parseRetention,
  renderLegalHold,
  renderObjectLockConfiguration,
  renderRetention,
  type ObjectLockConfiguration,
} from './object-lock.js';

function throwsCode(code: S3ErrorCode, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof S3Error && err.code === code);
}

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
const NOW = new Date('2024-02-29T12:00:00.000Z');

function config(rule: string): string {
  return `<ObjectLockConfiguration ${NS}><ObjectLockEnabled>Enabled</ObjectLockEnabled>${rule}</ObjectLockConfiguration>`;
}

test('ObjectLockConfiguration: parse, render, round-trip', () => {
  assert.deepEqual(parseObjectLockConfiguration(config('')), { enabled: true });
  const days = config('<Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>30</Days></DefaultRetention></Rule>');
  assert.deepEqual(parseObjectLockConfiguration(days), { enabled: true, defaultRetention: { mode: 'GOVERNANCE', days: 30 } });
  const docs: ObjectLockConfiguration[] = [
    { enabled: true },
    { enabled: true, defaultRetention: { mode: 'GOVERNANCE', days: 30 } },
    { enabled: true, defaultRetention: { mode: 'COMPLIANCE', years: 100 } },
  ];
  for (const doc of docs) assert.deepEqual(parseObjectLockConfiguration(renderObjectLockConfiguration(doc)), doc);
  assert.equal(
    renderObjectLockConfiguration(docs[2]!),
    `<?xml version="1.0" encoding="UTF-8"?>${config('<Rule><DefaultRetention><Mode>COMPLIANCE</Mode><Years>100</Years></DefaultRetention></Rule>')}`,
  );
});

test('ObjectLockConfiguration errors', () => {
  const dr = (inner: string): string => config(`<Rule><DefaultRetention>${inner}</DefaultRetention></Rule>`);
  throwsCode('MalformedXML', () => parseObjectLockConfiguration(`<ObjectLockConfiguration ${NS}/>`));
  throwsCode('MalformedXML', () =>
    parseObjectLockConfiguration(`<ObjectLockConfiguration><ObjectLockEnabled>Disabled</ObjectLockEnabled></ObjectLockConfiguration>`),
  );
  throwsCode('MalformedXML', () => parseObjectLockConfiguration(config('<Rule></Rule>')));
  throwsCode('MalformedXML', () => parseObjectLockConfiguration(dr('<Days>1</Days>')));
  throwsCode('MalformedXML', () => parseObjectLockConfiguration(dr('<Mode>governance</Mode><Days>1</Days>')));
  throwsCode('MalformedXML', () => parseObjectLockConfiguration(dr('<Mode>GOVERNANCE</Mode>')));
  throwsCode('MalformedXML', () => parseObjectLockConfiguration(dr('<Mode>GOVERNANCE</Mode><Days>1</Days><Years>1</Years>')));
  throwsCode('MalformedXML', () => parseObjectLockConfiguration(dr('<Mode>GOVERNANCE</Mode><Days>1.5</Days>')));
  throwsCode('InvalidArgument', () => parseObjectLockConfiguration(dr('<Mode>GOVERNANCE</Mode><Days>0</Days>')));
  throwsCode('InvalidArgument', () => parseObjectLockConfiguration(dr('<Mode>GOVERNANCE</Mode><Years>-1</Years>')));
  throwsCode('InvalidArgument', () => parseObjectLockConfiguration(dr('<Mode>GOVERNANCE</Mode><Days>36501</Days>')));
  throwsCode('InvalidArgument', () => parseObjectLockConfiguration(dr('<Mode>COMPLIANCE</Mode><Years>101</Years>')));
});

test('default retention date for a new object', () => {
  assert.equal(defaultRetentionFor(undefined, NOW), undefined);
  assert.equal(defaultRetentionFor({ enabled: true }, NOW), undefined);
  assert.deepEqual(defaultRetentionFor({ enabled: true, defaultRetention: { mode: 'GOVERNANCE', days: 2 } }, NOW), {
    mode: 'GOVERNANCE',
    retainUntilDate: '2024-03-02T12:00:00.000Z',
  });
  assert.deepEqual(defaultRetentionFor({ enabled: true, defaultRetention: { mode: 'COMPLIANCE', years: 4 } }, NOW), {
    mode: 'COMPLIANCE',
    retainUntilDate: '2028-02-29T12:00:00.000Z',
  });
});

test('Retention: parse, render, round-trip, errors', () => {
  const xml = `<Retention ${NS}><Mode>COMPLIANCE</Mode><RetainUntilDate>2030-01-01T00:00:00Z</RetainUntilDate></Retention>`;
  const doc = parseRetention(xml, { now: NOW });
  assert.deepEqual(doc, { mode: 'COMPLIANCE', retainUntilDate: '2030-01-01T00:00:00.000Z' });
  assert.equal(
    renderRetention(doc),
    `<?xml version="1.0" encoding="UTF-8"?><Retention ${NS}><Mode>COMPLIANCE</Mode><RetainUntilDate>2030-01-01T00:00:00.000Z</RetainUntilDate></Retention>`,
  );
  assert.deepEqual(parseRetention(renderRetention(doc), { now: NOW }), doc);
  assert.deepEqual(
    parseRetention('<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>2030-01-01T02:00:00+02:00</RetainUntilDate></Retention>', {
      now: NOW,
    }),
    {
      mode: 'GOVERNANCE',
      retainUntilDate: '2030-01-01T00:00:00.000Z',
    },
  );
  assert.equal(parseRetention('<Retention/>', { now: NOW }), undefined);
  throwsCode('MalformedXML', () => parseRetention('<Retention><Mode>GOVERNANCE</Mode></Retention>', { now: NOW }));
  throwsCode('MalformedXML', () =>
    parseRetention('<Retention><RetainUntilDate>2030-01-01T00:00:00Z</RetainUntilDate></Retention>', { now: NOW }),
  );
  throwsCode('MalformedXML', () =>
    parseRetention('<Retention><Mode>LOCKED</Mode><RetainUntilDate>2030-01-01T00:00:00Z</RetainUntilDate></Retention>', { now: NOW }),
  );
  throwsCode('InvalidArgument', () =>
    parseRetention('<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>2020-01-01T00:00:00Z</RetainUntilDate></Retention>', { now: NOW }),
  );
  throwsCode('InvalidArgument', () =>
    parseRetention('<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>2030-02-30T00:00:00Z</RetainUntilDate></Retention>', { now: NOW }),
  );
});

test('LegalHold', () => {
  assert.equal(parseLegalHold(`<LegalHold ${NS}><Status>ON</Status></LegalHold>`), 'ON');
  assert.equal(parseLegalHold(renderLegalHold('OFF')), 'OFF');
  assert.equal(renderLegalHold('ON'), `<?xml version="1.0" encoding="UTF-8"?><LegalHold ${NS}><Status>ON</Status></LegalHold>`);
  throwsCode('MalformedXML', () => parseLegalHold('<LegalHold><Status>on</Status></LegalHold>'));
  throwsCode('MalformedXML', () => parseLegalHold('<LegalHold/>'));
});

test('object lock headers', () => {
  assert.deepEqual(parseObjectLockHeaders({}, NOW), {});
  assert.deepEqual(
    parseObjectLockHeaders(
      {
        'x-amz-object-lock-mode': 'GOVERNANCE',
        'x-amz-object-lock-retain-until-date': '2030-01-01T00:00:00Z',
        'x-amz-object-lock-legal-hold': 'ON',
      },
      NOW,
    ),
    { retention: { mode: 'GOVERNANCE', retainUntilDate: '2030-01-01T00:00:00.000Z' }, legalHold: 'ON' },
  );
  throwsCode('InvalidArgument', () => parseObjectLockHeaders({ 'x-amz-object-lock-mode': 'GOVERNANCE' }, NOW));
  throwsCode('InvalidArgument', () => parseObjectLockHeaders({ 'x-amz-object-lock-retain-until-date': '2030-01-01T00:00:00Z' }, NOW));
  throwsCode('InvalidArgument', () =>
    parseObjectLockHeaders({ 'x-amz-object-lock-mode': 'WORM', 'x-amz-object-lock-retain-until-date': '2030-01-01T00:00:00Z' }, NOW),
  );
  throwsCode('InvalidArgument', () =>
    parseObjectLockHeaders({ 'x-amz-object-lock-mode': 'COMPLIANCE', 'x-amz-object-lock-retain-until-date': '2000-01-01T00:00:00Z' }, NOW),
  );
  throwsCode('InvalidArgument', () => parseObjectLockHeaders({ 'x-amz-object-lock-legal-hold': 'yes' }, NOW));
});
