import { test } from 'node:test';
import assert from 'node:assert/strict';
import { S3Error, type S3ErrorCode } from '../errors/s3-errors.js';
import { matchCors, parseCors, renderCors, type CorsConfiguration } from './cors.js';

function throwsCode(code: S3ErrorCode, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof S3Error && err.code === code);
}

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

function rule(inner: string): string {
  return `<CORSConfiguration ${NS}><CORSRule>${inner}</CORSRule></CORSConfiguration>`;
}

const CONFIG: CorsConfiguration = {
  rules: [
    {
      id: 'site',
      allowedMethods: ['PUT', 'POST', 'DELETE'],
      allowedOrigins: ['https://www.example.com', 'https://*.example.org'],
      allowedHeaders: ['x-amz-*', 'Content-Type'],
      exposeHeaders: ['ETag', 'x-amz-request-id'],
      maxAgeSeconds: 3000,
    },
    { allowedMethods: ['GET', 'HEAD'], allowedOrigins: ['*'], allowedHeaders: [], exposeHeaders: [] },
  ],
};

test('parses and renders in AWS element order; round-trips', () => {
  const xml = renderCors(CONFIG);
  assert.equal(
    xml,
    `<?xml version="1.0" encoding="UTF-8"?><CORSConfiguration ${NS}><CORSRule><ID>site</ID><AllowedHeader>x-amz-*</AllowedHeader>` +
      '<AllowedHeader>Content-Type</AllowedHeader><AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod>' +
      '<AllowedMethod>DELETE</AllowedMethod><AllowedOrigin>https://www.example.com</AllowedOrigin>' +
      '<AllowedOrigin>https://*.example.org</AllowedOrigin><ExposeHeader>ETag</ExposeHeader><ExposeHeader>x-amz-request-id</ExposeHeader>' +
      '<MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>' +
      '<AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>',
  );
  assert.deepEqual(parseCors(xml), CONFIG);
  assert.deepEqual(
    parseCors(
      rule('\n <AllowedOrigin>http://a.com</AllowedOrigin>\n <AllowedMethod>GET</AllowedMethod>\n <MaxAgeSeconds>0</MaxAgeSeconds>\n'),
    ),
    { rules: [{ allowedMethods: ['GET'], allowedOrigins: ['http://a.com'], allowedHeaders: [], exposeHeaders: [], maxAgeSeconds: 0 }] },
  );
});

test('validation errors', () => {
  const ok = '<AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin>';
  throwsCode('MalformedXML', () => parseCors(`<CORSConfiguration ${NS}></CORSConfiguration>`));
  throwsCode('MalformedXML', () => parseCors(rule('<AllowedOrigin>*</AllowedOrigin>')));
  throwsCode('MalformedXML', () => parseCors(rule('<AllowedMethod>GET</AllowedMethod>')));
  throwsCode('MalformedXML', () => parseCors(rule(`${ok}<MaxAgeSeconds>soon</MaxAgeSeconds>`)));
  throwsCode('MalformedXML', () => parseCors(rule(`${ok}<AllowedHeaders>x</AllowedHeaders>`)));
  throwsCode('InvalidRequest', () => parseCors(rule('<AllowedMethod>PATCH</AllowedMethod><AllowedOrigin>*</AllowedOrigin>')));
  throwsCode('InvalidRequest', () => parseCors(rule('<AllowedMethod>get</AllowedMethod><AllowedOrigin>*</AllowedOrigin>')));
  throwsCode('InvalidRequest', () => parseCors(rule('<AllowedMethod>GET</AllowedMethod><AllowedOrigin>https://*.*.com</AllowedOrigin>')));
  throwsCode('InvalidRequest', () => parseCors(rule(`${ok}<AllowedHeader>x-*-*</AllowedHeader>`)));
  throwsCode('InvalidRequest', () => parseCors(rule(`${ok}<ExposeHeader>x-amz-*</ExposeHeader>`)));
  // Names that are not header names (an exposed one would be sent back in a header).
  for (const name of ['x&#13;&#10;Set-Cookie: a', 'aé☃', 'two words']) {
    throwsCode('InvalidRequest', () => parseCors(rule(`${ok}<ExposeHeader>${name}</ExposeHeader>`)));
    throwsCode('InvalidRequest', () => parseCors(rule(`${ok}<AllowedHeader>${name}</AllowedHeader>`)));
  }
  throwsCode('InvalidRequest', () => parseCors(rule(`<ID>${'i'.repeat(256)}</ID>${ok}`)));
  assert.equal(parseCors(rule(`<ID>${'i'.repeat(255)}</ID>${ok}`)).rules[0]?.id?.length, 255);
  const rules = (n: number): string => `<CORSConfiguration>${`<CORSRule>${ok}</CORSRule>`.repeat(n)}</CORSConfiguration>`;
  assert.equal(parseCors(rules(100)).rules.length, 100);
  throwsCode('MalformedXML', () => parseCors(rules(101)));
});

test('preflight: origin, method and requested headers must all be allowed by one rule', () => {
  const h = matchCors(CONFIG, { origin: 'https://www.example.com', method: 'PUT', requestHeaders: 'Content-Type, X-Amz-Date' });
  assert.deepEqual(h, {
    'access-control-allow-origin': 'https://www.example.com',
    'access-control-allow-credentials': 'true',
    'access-control-allow-methods': 'PUT, POST, DELETE',
    'access-control-allow-headers': 'content-type, x-amz-date',
    'access-control-expose-headers': 'ETag, x-amz-request-id',
    'access-control-max-age': '3000',
    vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  });
  // Wildcard origin in the middle of a pattern.
  assert.equal(
    matchCors(CONFIG, { origin: 'https://app.example.org', method: 'DELETE' })?.['access-control-allow-origin'],
    'https://app.example.org',
  );
  // A header the rule does not allow.
  assert.equal(matchCors(CONFIG, { origin: 'https://www.example.com', method: 'PUT', requestHeaders: ['authorization'] }), undefined);
  // Method not allowed by the first rule, and the second rule allows only GET/HEAD.
  assert.equal(matchCors(CONFIG, { origin: 'https://www.example.com', method: 'PATCH' }), undefined);
  // Origins are case-sensitive; a different scheme does not match.
  assert.equal(matchCors(CONFIG, { origin: 'https://WWW.example.com', method: 'PUT' }), undefined);
  assert.equal(matchCors(CONFIG, { origin: 'http://app.example.org', method: 'PUT' }), undefined);
  assert.equal(matchCors(CONFIG, { origin: '', method: 'GET' }), undefined);
  // The wildcard matches a (possibly empty) run between the fixed parts, which must not overlap.
  const overlap: CorsConfiguration = {
    rules: [{ allowedMethods: ['GET'], allowedOrigins: ['http://a*a.com'], allowedHeaders: [], exposeHeaders: [] }],
  };
  assert.ok(matchCors(overlap, { origin: 'http://aa.com', method: 'GET' }));
  assert.ok(matchCors(overlap, { origin: 'http://abca.com', method: 'GET' }));
  assert.equal(matchCors(overlap, { origin: 'http://a.com', method: 'GET' }), undefined);
});

test('the first matching rule wins; a * origin answers * without credentials', () => {
  const get = matchCors(CONFIG, { origin: 'https://www.example.com', method: 'GET' });
  assert.deepEqual(get, {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'GET, HEAD',
    vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  });
  // Requested headers against a rule with no AllowedHeader: refused.
  assert.equal(matchCors(CONFIG, { origin: 'https://x.net', method: 'GET', requestHeaders: 'range' }), undefined);
  assert.ok(matchCors(CONFIG, { origin: 'https://x.net', method: 'GET', requestHeaders: '' }));
  const star: CorsConfiguration = {
    rules: [{ allowedMethods: ['GET'], allowedOrigins: ['*'], allowedHeaders: ['*'], exposeHeaders: [] }],
  };
  assert.equal(
    matchCors(star, { origin: 'null', method: 'GET', requestHeaders: 'range,if-match' })?.['access-control-allow-headers'],
    'range, if-match',
  );
});
