import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AzureError, type AzureErrorCode } from '../errors/azure-errors.js';
import { parseBlobTags, parseBlockList, parseServiceProperties, parseSignedIdentifiers, parseTagsHeader } from './request-bodies.js';

function rejects(code: AzureErrorCode, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof AzureError && err.code === code, code);
}

test('block lists: kinds in order, ID rules, 50,000 entries at most', () => {
  assert.deepEqual(
    parseBlockList('<BlockList><Committed>QUE=</Committed><Uncommitted>QkI=</Uncommitted><Latest> Q0M= </Latest></BlockList>'),
    [
      { id: 'QUE=', kind: 'Committed' },
      { id: 'QkI=', kind: 'Uncommitted' },
      { id: 'Q0M=', kind: 'Latest' },
    ],
  );
  assert.deepEqual(parseBlockList('<BlockList/>'), []);
  rejects('InvalidXmlDocument', () => parseBlockList('<Blocks><Latest>QUE=</Latest></Blocks>'));
  rejects('InvalidXmlDocument', () => parseBlockList('<BlockList><Block>QUE=</Block></BlockList>'));
  rejects('InvalidBlockList', () => parseBlockList('<BlockList><Latest>not base64!</Latest></BlockList>'));
  rejects('InvalidBlockList', () => parseBlockList('<BlockList><Latest>QUE=</Latest><Latest>QUFB</Latest></BlockList>'));
  const many = (n: number): string => `<BlockList>${'<Latest>QUFB</Latest>'.repeat(n)}</BlockList>`;
  assert.equal(parseBlockList(many(50_000)).length, 50_000);
  rejects('BlockListTooLong', () => parseBlockList(many(50_001)));
});

test('signed identifiers: five at most, valid dates and permissions, unique ids', () => {
  const ids = parseSignedIdentifiers(
    '<SignedIdentifiers><SignedIdentifier><Id>a</Id><AccessPolicy><Start>2024-01-01</Start><Expiry>2024-02-01T00:00:00.0000000Z</Expiry><Permission>rwdl</Permission></AccessPolicy></SignedIdentifier>' +
      '<SignedIdentifier><Id>b</Id></SignedIdentifier></SignedIdentifiers>',
  );
  assert.deepEqual(ids, [{ id: 'a', start: '2024-01-01', expiry: '2024-02-01T00:00:00.0000000Z', permission: 'rwdl' }, { id: 'b' }]);
  assert.deepEqual(parseSignedIdentifiers('<SignedIdentifiers/>'), []);
  const one = (id: string): string => `<SignedIdentifier><Id>${id}</Id></SignedIdentifier>`;
  rejects('InvalidXmlDocument', () =>
    parseSignedIdentifiers(`<SignedIdentifiers>${['1', '2', '3', '4', '5', '6'].map(one).join('')}</SignedIdentifiers>`),
  );
  rejects('InvalidXmlNodeValue', () => parseSignedIdentifiers(`<SignedIdentifiers>${one('a')}${one('a')}</SignedIdentifiers>`));
  rejects('InvalidXmlNodeValue', () => parseSignedIdentifiers(`<SignedIdentifiers>${one('x'.repeat(65))}</SignedIdentifiers>`));
  rejects('InvalidXmlNodeValue', () =>
    parseSignedIdentifiers(
      '<SignedIdentifiers><SignedIdentifier><Id>a</Id><AccessPolicy><Permission>rq</Permission></AccessPolicy></SignedIdentifier></SignedIdentifiers>',
    ),
  );
  rejects('InvalidXmlNodeValue', () =>
    parseSignedIdentifiers(
      '<SignedIdentifiers><SignedIdentifier><Id>a</Id><AccessPolicy><Expiry>tomorrow</Expiry></AccessPolicy></SignedIdentifier></SignedIdentifiers>',
    ),
  );
  rejects('InvalidXmlDocument', () => parseSignedIdentifiers('<SignedIdentifiers><Other/></SignedIdentifiers>'));
});

test('service properties: CORS rules validated, absent sections left out', () => {
  const rule = (methods: string, maxAge = '10'): string =>
    `<CorsRule><AllowedOrigins>*</AllowedOrigins><AllowedMethods>${methods}</AllowedMethods><AllowedHeaders></AllowedHeaders><ExposedHeaders/><MaxAgeInSeconds>${maxAge}</MaxAgeInSeconds></CorsRule>`;
  const parsed = parseServiceProperties(`<StorageServiceProperties><Cors>${rule('GET,PUT')}</Cors></StorageServiceProperties>`);
  assert.deepEqual(parsed, {
    cors: [{ allowedOrigins: ['*'], allowedMethods: ['GET', 'PUT'], allowedHeaders: [], exposedHeaders: [], maxAgeInSeconds: 10 }],
  });
  assert.deepEqual(parseServiceProperties('<StorageServiceProperties><Cors/></StorageServiceProperties>'), { cors: [] });
  rejects('InvalidXmlNodeValue', () =>
    parseServiceProperties(`<StorageServiceProperties><Cors>${rule('FETCH')}</Cors></StorageServiceProperties>`),
  );
  rejects('InvalidXmlNodeValue', () =>
    parseServiceProperties(`<StorageServiceProperties><Cors>${rule('GET', '-1')}</Cors></StorageServiceProperties>`),
  );
  rejects('InvalidXmlNodeValue', () =>
    parseServiceProperties(`<StorageServiceProperties><Cors>${rule('GET').repeat(6)}</Cors></StorageServiceProperties>`),
  );
  // Header lists: 64 names, 2 prefixes, 256 characters each.
  const withHeaders = (headers: string): string =>
    `<StorageServiceProperties><Cors><CorsRule><AllowedOrigins>*</AllowedOrigins><AllowedMethods>GET</AllowedMethods><AllowedHeaders>${headers}</AllowedHeaders><ExposedHeaders/><MaxAgeInSeconds>1</MaxAgeInSeconds></CorsRule></Cors></StorageServiceProperties>`;
  const names = (n: number): string => Array.from({ length: n }, (_, i) => `x-h${i}`).join(',');
  assert.equal(parseServiceProperties(withHeaders(`${names(64)},x-a*,x-b*`)).cors?.[0]?.allowedHeaders.length, 66);
  for (const refused of [names(65), 'x-a*,x-b*,x-c*', 'x'.repeat(257), 'aé☃', 'x&#13;&#10;y', 'two words']) {
    rejects('InvalidXmlNodeValue', () => parseServiceProperties(withHeaders(refused)));
  }
  const exposing = (headers: string): string => withHeaders('').replace('<ExposedHeaders/>', `<ExposedHeaders>${headers}</ExposedHeaders>`);
  assert.deepEqual(parseServiceProperties(exposing('x-ms-meta-*,etag')).cors?.[0]?.exposedHeaders, ['x-ms-meta-*', 'etag']);
  for (const refused of ['aé☃', 'x&#13;&#10;y']) rejects('InvalidXmlNodeValue', () => parseServiceProperties(exposing(refused)));
  rejects('InvalidXmlNodeValue', () => parseServiceProperties(withHeaders('').replace('<AllowedOrigins>*', '<AllowedOrigins>http://a b')));
  rejects('InvalidXmlDocument', () =>
    parseServiceProperties(
      `<StorageServiceProperties><Cors><CorsRule><AllowedOrigins>*</AllowedOrigins></CorsRule></Cors></StorageServiceProperties>`,
    ),
  );
  for (const version of ['latest', '1999-01-01', '2025-13-45']) {
    rejects('InvalidXmlNodeValue', () =>
      parseServiceProperties(
        `<StorageServiceProperties><DefaultServiceVersion>${version}</DefaultServiceVersion></StorageServiceProperties>`,
      ),
    );
  }
  rejects('InvalidXmlNodeValue', () =>
    parseServiceProperties(
      '<StorageServiceProperties><DeleteRetentionPolicy><Enabled>true</Enabled><Days>0</Days></DeleteRetentionPolicy></StorageServiceProperties>',
    ),
  );
  const site = parseServiceProperties(
    '<StorageServiceProperties><StaticWebsite><Enabled>false</Enabled></StaticWebsite></StorageServiceProperties>',
  );
  assert.deepEqual(site, { staticWebsite: { enabled: false } });
});

test('blob tags: ten at most, key and value rules, no duplicates', () => {
  const tag = (k: string, v: string): string => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`;
  const doc = (...tags: string[]): string => `<Tags><TagSet>${tags.join('')}</TagSet></Tags>`;
  assert.deepEqual(
    [...parseBlobTags(doc(tag('a', '1'), tag('b c', '')))],
    [
      ['a', '1'],
      ['b c', ''],
    ],
  );
  rejects('TagsTooLarge', () => parseBlobTags(doc(...Array.from({ length: 11 }, (_, i) => tag(`k${i}`, 'v')))));
  rejects('EmptyTagName', () => parseBlobTags(doc(tag('', 'v'))));
  rejects('TagsTooLarge', () => parseBlobTags(doc(tag('k'.repeat(129), 'v'))));
  rejects('TagsTooLarge', () => parseBlobTags(doc(tag('k', 'v'.repeat(257)))));
  rejects('InvalidTag', () => parseBlobTags(doc(tag('k*', 'v'))));
  rejects('DuplicateTagNames', () => parseBlobTags(doc(tag('k', 'v'), tag('k', 'w'))));
  assert.deepEqual(
    [...parseTagsHeader('a=1&b%20c=x%2By&e=')],
    [
      ['a', '1'],
      ['b c', 'x+y'],
      ['e', ''],
    ],
  );
  assert.deepEqual([...parseTagsHeader(undefined)], []);
  rejects('InvalidTag', () => parseTagsHeader('a=%3F'));
  rejects('InvalidXmlDocument', () => parseBlobTags('<Tags/>'));
});
