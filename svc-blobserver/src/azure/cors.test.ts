import assert from 'node:assert/strict';
import test from 'node:test';
import { corsResponseHeaders, evaluatePreflight } from './cors.js';

const rules = [
  {
    allowedOrigins: ['https://a.example'],
    allowedMethods: ['GET', 'PUT'],
    allowedHeaders: ['x-ms-meta-*', 'content-type'],
    exposedHeaders: ['x-ms-meta-*', 'x-ms-request-id'],
    maxAgeInSeconds: 100,
  },
  { allowedOrigins: ['*'], allowedMethods: ['GET'], allowedHeaders: [], exposedHeaders: [], maxAgeInSeconds: 5 },
];

test('preflight: first matching rule, every requested header allowed', () => {
  const ok = evaluatePreflight(rules, 'https://a.example', 'PUT', 'x-ms-meta-a, content-type');
  assert.deepEqual(ok, {
    allowed: true,
    headers: {
      'access-control-allow-origin': 'https://a.example',
      'access-control-allow-methods': 'PUT',
      'access-control-max-age': '100',
      'access-control-allow-credentials': 'true',
      'access-control-allow-headers': 'x-ms-meta-a, content-type',
    },
  });
  assert.equal(evaluatePreflight(rules, 'https://a.example', 'PUT', 'x-other').allowed, false);
  assert.equal(evaluatePreflight(rules, 'https://b.example', 'PUT', undefined).allowed, false);
  assert.equal(evaluatePreflight(rules, 'https://b.example', 'GET', undefined).allowed, true);
  assert.equal(evaluatePreflight([], 'https://a.example', 'GET', undefined).allowed, false);
});

test('actual requests: exposed headers expand prefixes; wildcard origin answers *', () => {
  assert.deepEqual(corsResponseHeaders(rules, 'https://a.example', 'GET', ['x-ms-meta-color', 'etag']), {
    'access-control-allow-origin': 'https://a.example',
    'access-control-expose-headers': 'x-ms-meta-color,x-ms-request-id',
    vary: 'Origin',
    'access-control-allow-credentials': 'true',
  });
  assert.equal(corsResponseHeaders(rules, 'https://b.example', 'GET', [])['access-control-allow-origin'], '*');
  assert.deepEqual(corsResponseHeaders(rules, 'https://b.example', 'DELETE', []), { vary: 'Origin' });
});
