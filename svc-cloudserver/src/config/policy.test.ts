import { test } from 'node:test';
import assert from 'node:assert/strict';
import { S3Error, type S3ErrorCode } from '../errors/s3-errors.js';
import {
  evaluatePolicy,
  isPublicPolicy,
  parsePolicy,
  renderPolicy,
  wildcardMatch,
  type BucketPolicy,
  type PolicyRequest,
} from './policy.js';

function throwsCode(code: S3ErrorCode, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof S3Error && err.code === code);
}

const BUCKET = 'photos';
const ALICE = 'a'.repeat(64);
const BOB = 'b'.repeat(64);

function policy(statements: unknown, version: string | undefined = '2012-10-17'): string {
  return JSON.stringify(version === undefined ? { Statement: statements } : { Version: version, Statement: statements });
}

function statement(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*`, ...extra };
}

const parse = (text: string): BucketPolicy => parsePolicy(text, { bucket: BUCKET });

test('accepts the common shapes and stores the document as sent', () => {
  const text = JSON.stringify({
    Version: '2012-10-17',
    Id: 'p1',
    Statement: [
      {
        Sid: 'PublicRead',
        Effect: 'Allow',
        Principal: '*',
        Action: ['s3:GetObject', 's3:GetObjectVersion'],
        Resource: `arn:aws:s3:::${BUCKET}/*`,
      },
      {
        Sid: 'Bob',
        Effect: 'Allow',
        Principal: { AWS: [BOB, `arn:aws:iam::${ALICE}:root`, '123456789012', 'arn:aws:iam::123456789012:user/dev/carol'] },
        Action: 's3:*',
        Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
      },
      { Effect: 'Deny', NotPrincipal: { CanonicalUser: ALICE }, NotAction: 's3:Get*', NotResource: `arn:aws:s3:::${BUCKET}/public/*` },
      {
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:*',
        Resource: '*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' }, NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '2001:db8::/32'] } },
      },
      {
        Effect: 'Allow',
        Principal: { Service: 'logging.s3.amazonaws.com' },
        Action: 's3:ListBucket',
        Resource: `arn:aws:s3:::${BUCKET}`,
        Condition: {
          StringLike: { 's3:prefix': ['home/${aws:username}/*', ''] },
          NumericLessThanEquals: { 's3:max-keys': 100 },
          'ForAnyValue:StringEquals': { 's3:ExistingObjectTag/team': 'x' },
          StringEqualsIfExists: { 's3:delimiter': '/' },
          Null: { 'aws:Referer': 'false' },
          DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' },
        },
      },
    ],
  });
  const doc = parse(text);
  assert.equal(renderPolicy(doc), text);
  assert.deepEqual(parse(renderPolicy(doc)), doc);
  assert.ok(parse(policy(statement(), undefined)));
  assert.ok(parse(policy(statement(), '2008-10-17')));
  assert.ok(parse(JSON.stringify({ Statement: statement() })));
});

test('MalformedPolicy for invalid documents', () => {
  const bad = (text: string): void => throwsCode('MalformedPolicy', () => parse(text));
  bad('');
  bad('[]');
  bad('{"Statement": ');
  bad(policy([]));
  bad(JSON.stringify({ Version: '2012-10-17' }));
  bad(policy(statement(), '2020-01-01'));
  bad(JSON.stringify({ Version: '2012-10-17', Statement: statement(), Extra: 1 }));
  bad(policy(statement({ Effect: 'Maybe' })));
  bad(policy(statement({ Effect: undefined })));
  bad(policy(statement({ Principal: undefined })));
  bad(policy(statement({ NotPrincipal: '*' })));
  bad(policy(statement({ Principal: { AWS: 'bob' } })));
  bad(policy(statement({ Principal: { AWS: [] } })));
  bad(policy(statement({ Principal: { CanonicalUser: '1234' } })));
  bad(policy(statement({ Principal: { Alien: '*' } })));
  bad(policy(statement({ Action: undefined })));
  bad(policy(statement({ NotAction: 's3:PutObject' })));
  bad(policy(statement({ Action: 's3:FlyAway' })));
  bad(policy(statement({ Action: 'iam:CreateUser' })));
  bad(policy(statement({ Action: 's3:Fly*' })));
  bad(policy(statement({ Action: 42 })));
  bad(policy(statement({ Resource: 'arn:aws:s3:::other-bucket/*' })));
  bad(policy(statement({ Resource: 'arn:aws:ec2:::photos' })));
  bad(policy(statement({ Resource: [] })));
  bad(policy(statement({ Resource: `arn:aws:s3:::${BUCKET}` }))); // object action, bucket resource
  bad(policy(statement({ Action: ['s3:GetObject', 's3:ListBucket'] }))); // ListBucket on objects only
  bad(policy(statement({ Action: 's3:ListAllMyBuckets', Resource: '*' })));
  bad(policy(statement({ Condition: { StringEqualz: { 's3:prefix': 'a' } } })));
  bad(policy(statement({ Condition: { StringEquals: { 's3:nonsense': 'a' } } })));
  bad(policy(statement({ Condition: { StringEquals: { 'ec2:Region': 'a' } } })));
  bad(policy(statement({ Condition: { StringEquals: {} } })));
  bad(policy(statement({ Condition: { StringEquals: { 's3:prefix': [] } } })));
  bad(policy(statement({ Condition: { StringEquals: { 's3:prefix': { a: 1 } } } })));
  bad(policy(statement({ Condition: { NumericLessThan: { 's3:max-keys': 'ten' } } })));
  bad(policy(statement({ Condition: { IpAddress: { 'aws:SourceIp': '300.1.1.1/8' } } })));
  bad(policy(statement({ Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/33' } } })));
  bad(policy(statement({ Condition: { Bool: { 'aws:SecureTransport': 'yes' } } })));
  bad(policy(statement({ Condition: { NullIfExists: { 'aws:Referer': 'true' } } })));
  bad(policy([statement({ Sid: 'same' }), statement({ Sid: 'same' })]));
  bad(policy(statement({ Sid: 'x'.repeat(21 * 1024) })));
  bad(policy(statement({ Unknown: true })));
});

test('wildcard actions and resources in the bucket are accepted', () => {
  assert.ok(parse(policy(statement({ Action: 's3:Get*', Resource: `arn:aws:s3:::${BUCKET}/*` }))));
  assert.ok(parse(policy(statement({ Action: 's3:List*', Resource: `arn:aws:s3:::${BUCKET}` }))));
  assert.ok(parse(policy(statement({ Action: 's3:Get?bject', Resource: `arn:aws:s3:::ph*/*` }))));
  assert.ok(parse(policy(statement({ Action: '*', Resource: 'arn:aws:s3:::*' }))));
  assert.ok(parse(policy(statement({ Action: ['s3:GetObject', 's3:ListBucket'], Resource: 'arn:aws:s3:::photo?*' }))));
  assert.ok(parse(policy(statement({ Action: 'S3:getobject' }))));
});

test('wildcards: * is any run, ? one character, the whole value matched', () => {
  const cases: [string, string, boolean][] = [
    ['*', '', true],
    ['*', 'anything', true],
    ['?', '', false],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['a*c', 'ac', true],
    ['a*c', 'abxc', true],
    ['a*c', 'abcd', false],
    ['a*b*c', 'axbxbxc', true],
    ['a*b*c', 'axcxb', false],
    ['*.jpg', 'dir/x.jpg', true],
    ['*.jpg', 'dir/x.jpgx', false],
    ['**?', 'x', true],
    ['**?', '', false],
    ['pre/*/*', 'pre/a/b/c', true],
    ['exact', 'exact', true],
    ['exact', 'exact!', false],
  ];
  for (const [pattern, value, expected] of cases) assert.equal(wildcardMatch(pattern, value), expected, `${pattern} ~ ${value}`);
  assert.equal(wildcardMatch('S3:Get*', 's3:getobject', true), true);
  assert.equal(wildcardMatch('S3:Get*', 's3:getobject'), false);
});

test('patterns a regular expression would backtrack on exponentially are answered at once', () => {
  // `*?` repeated was `.*.` repeated: 12 pairs stalled the service for minutes (validation against the action list).
  throwsCode('MalformedPolicy', () => parse(policy(statement({ Action: `s3:${'*?'.repeat(40)}x` }))));
  const doc = parse(policy(statement({ Resource: `arn:aws:s3:::${BUCKET}/${'*a'.repeat(40)}b` })));
  assert.equal(evaluatePolicy(doc, req({ resource: `arn:aws:s3:::${BUCKET}/${'a'.repeat(1024)}` })), 'default');
  assert.equal(evaluatePolicy(doc, req({ resource: `arn:aws:s3:::${BUCKET}/${'a'.repeat(1024)}b` })), 'allow');
});

function req(extra: Partial<PolicyRequest> = {}): PolicyRequest {
  return {
    principal: { accountId: BOB },
    action: 's3:GetObject',
    resource: `arn:aws:s3:::${BUCKET}/k`,
    conditions: {},
    ...extra,
  };
}

test('evaluation: allow, default, explicit deny wins', () => {
  const doc = parse(
    policy([
      statement({ Principal: { AWS: BOB }, Action: 's3:*Object' }),
      { Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: `arn:aws:s3:::${BUCKET}/locked/*` },
    ]),
  );
  assert.equal(evaluatePolicy(doc, req()), 'allow');
  assert.equal(evaluatePolicy(doc, req({ action: 's3:putobject' })), 'allow'); // actions are case-insensitive
  assert.equal(evaluatePolicy(doc, req({ action: 's3:ListBucket', resource: `arn:aws:s3:::${BUCKET}` })), 'default');
  assert.equal(evaluatePolicy(doc, req({ principal: { accountId: ALICE } })), 'default');
  assert.equal(evaluatePolicy(doc, req({ principal: 'anonymous' })), 'default');
  assert.equal(evaluatePolicy(doc, req({ action: 's3:DeleteObject' })), 'allow');
  assert.equal(evaluatePolicy(doc, req({ action: 's3:DeleteObject', resource: `arn:aws:s3:::${BUCKET}/locked/x` })), 'deny');
  assert.equal(evaluatePolicy(doc, req({ action: 's3:DeleteObject', resource: `arn:aws:s3:::${BUCKET}/Locked/x` })), 'allow');
});

test('evaluation: principals', () => {
  const doc = (principal: unknown): BucketPolicy => parse(policy(statement({ Principal: principal })));
  assert.equal(evaluatePolicy(doc('*'), req({ principal: 'anonymous' })), 'allow');
  assert.equal(evaluatePolicy(doc({ AWS: '*' }), req({ principal: 'anonymous' })), 'allow');
  assert.equal(evaluatePolicy(doc({ AWS: `arn:aws:iam::${BOB}:root` }), req()), 'allow');
  assert.equal(evaluatePolicy(doc({ AWS: `arn:aws:iam::${BOB}:root` }), req({ principal: 'anonymous' })), 'default');
  assert.equal(evaluatePolicy(doc({ CanonicalUser: BOB }), req()), 'allow');
  assert.equal(evaluatePolicy(doc({ CanonicalUser: ALICE }), req()), 'default');
  const userArn = `arn:aws:iam::${BOB}:user/dev/carol`;
  assert.equal(evaluatePolicy(doc({ AWS: userArn }), req()), 'default');
  assert.equal(evaluatePolicy(doc({ AWS: userArn }), req({ principal: { accountId: BOB, arn: userArn } })), 'allow');
  // NotPrincipal with Deny: everyone but Alice is denied.
  const notAlice = parse(policy([{ Effect: 'Deny', NotPrincipal: { AWS: ALICE }, Action: 's3:*', Resource: `arn:aws:s3:::${BUCKET}/*` }]));
  assert.equal(evaluatePolicy(notAlice, req()), 'deny');
  assert.equal(evaluatePolicy(notAlice, req({ principal: 'anonymous' })), 'deny');
  assert.equal(evaluatePolicy(notAlice, req({ principal: { accountId: ALICE } })), 'default');
});

test('evaluation: NotAction, NotResource and wildcards', () => {
  const doc = parse(
    policy([
      { Effect: 'Allow', Principal: '*', NotAction: ['s3:Delete*', 's3:Put*'], Resource: `arn:aws:s3:::${BUCKET}/*` },
      { Effect: 'Deny', Principal: '*', Action: 's3:GetObject', NotResource: `arn:aws:s3:::${BUCKET}/public/??/*` },
    ]),
  );
  assert.equal(evaluatePolicy(doc, req({ resource: `arn:aws:s3:::${BUCKET}/public/ab/x.jpg` })), 'allow');
  assert.equal(evaluatePolicy(doc, req({ resource: `arn:aws:s3:::${BUCKET}/public/abc/x.jpg` })), 'deny');
  assert.equal(evaluatePolicy(doc, req({ action: 's3:GetObjectTagging' })), 'allow');
  assert.equal(evaluatePolicy(doc, req({ action: 's3:PutObjectTagging' })), 'default');
  assert.equal(evaluatePolicy(doc, req({ action: 's3:ListBucket', resource: `arn:aws:s3:::${BUCKET}` })), 'default');
});

test('evaluation: condition operators', () => {
  const withCondition = (
    condition: Record<string, unknown>,
    action = 's3:GetObject',
    resource = `arn:aws:s3:::${BUCKET}/*`,
  ): BucketPolicy => parse(policy(statement({ Action: action, Resource: resource, Condition: condition })));
  const ev = (doc: BucketPolicy, conditions: PolicyRequest['conditions']): string => evaluatePolicy(doc, req({ conditions }));

  const ip = withCondition({ IpAddress: { 'aws:SourceIp': ['192.168.1.0/24', '2001:db8::/32'] } });
  assert.equal(ev(ip, { 'aws:SourceIp': '192.168.1.77' }), 'allow');
  assert.equal(ev(ip, { 'aws:sourceip': '2001:db8::1' }), 'allow'); // keys are case-insensitive
  assert.equal(ev(ip, { 'aws:SourceIp': '192.168.2.1' }), 'default');
  assert.equal(ev(ip, {}), 'default');
  const notIp = withCondition({ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } });
  assert.equal(ev(notIp, { 'aws:SourceIp': '10.1.2.3' }), 'default');
  assert.equal(ev(notIp, { 'aws:SourceIp': '11.1.2.3' }), 'allow');

  const secure = withCondition({ Bool: { 'aws:SecureTransport': true } });
  assert.equal(ev(secure, { 'aws:SecureTransport': 'true' }), 'allow');
  assert.equal(ev(secure, { 'aws:SecureTransport': 'false' }), 'default');

  const bucket = `arn:aws:s3:::${BUCKET}`;
  const list = withCondition({ StringLike: { 's3:prefix': 'home/*' }, NumericLessThan: { 's3:max-keys': '100' } }, 's3:ListBucket', bucket);
  const evList = (conditions: PolicyRequest['conditions']): string =>
    evaluatePolicy(list, req({ action: 's3:ListBucket', resource: bucket, conditions }));
  assert.equal(evList({ 's3:prefix': 'home/alice/', 's3:max-keys': '10' }), 'allow');
  assert.equal(evList({ 's3:prefix': 'home/alice/', 's3:max-keys': '100' }), 'default');
  assert.equal(evList({ 's3:prefix': 'etc/', 's3:max-keys': '10' }), 'default');
  assert.equal(evList({ 's3:prefix': 'home/alice/' }), 'default'); // absent key: the positive operator fails

  const acl = withCondition({ StringNotEquals: { 's3:x-amz-acl': ['private', 'bucket-owner-full-control'] } }, 's3:PutObject');
  const evPut = (conditions: PolicyRequest['conditions']): string => evaluatePolicy(acl, req({ action: 's3:PutObject', conditions }));
  assert.equal(evPut({ 's3:x-amz-acl': 'public-read' }), 'allow');
  assert.equal(evPut({ 's3:x-amz-acl': 'private' }), 'default');
  assert.equal(evPut({}), 'allow'); // negated operators hold when the key is absent

  const referer = withCondition({ StringLike: { 'aws:Referer': ['https://www.example.com/*', 'https://example.com/*'] } });
  assert.equal(ev(referer, { 'aws:Referer': 'https://example.com/page' }), 'allow');
  assert.equal(ev(referer, { 'aws:Referer': 'https://evil.com/https://example.com/' }), 'default');

  const ignoreCase = withCondition({ StringEqualsIgnoreCase: { 'aws:UserAgent': 'Zenko-Client' } });
  assert.equal(ev(ignoreCase, { 'aws:UserAgent': 'zenko-client' }), 'allow');

  const ifExists = withCondition({ StringEqualsIfExists: { 'aws:UserAgent': 'a' } });
  assert.equal(ev(ifExists, {}), 'allow');
  assert.equal(ev(ifExists, { 'aws:UserAgent': 'b' }), 'default');

  const nullCheck = withCondition({ Null: { 'aws:Referer': 'true' } });
  assert.equal(ev(nullCheck, {}), 'allow');
  assert.equal(ev(nullCheck, { 'aws:Referer': 'x' }), 'default');

  const tags = withCondition({ 'ForAllValues:StringEquals': { 's3:RequestObjectTagKeys': ['a', 'b'] } }, 's3:PutObject');
  const evTags = (keys: string[] | undefined): string =>
    evaluatePolicy(tags, req({ action: 's3:PutObject', conditions: keys === undefined ? {} : { 's3:RequestObjectTagKeys': keys } }));
  assert.equal(evTags(['a']), 'allow');
  assert.equal(evTags(['a', 'c']), 'default');
  assert.equal(evTags(undefined), 'allow');
  const any = withCondition({ 'ForAnyValue:StringLike': { 's3:RequestObjectTagKeys': 'team*' } }, 's3:PutObject');
  assert.equal(evaluatePolicy(any, req({ action: 's3:PutObject', conditions: { 's3:RequestObjectTagKeys': ['x', 'team-a'] } })), 'allow');
  assert.equal(evaluatePolicy(any, req({ action: 's3:PutObject', conditions: { 's3:RequestObjectTagKeys': ['x'] } })), 'default');
  // An absent key: ForAnyValue holds for no operator, negated or not; a plain negated operator holds.
  const anyNot = withCondition({ 'ForAnyValue:StringNotEquals': { 'aws:Referer': 'https://example.com/' } });
  assert.equal(ev(anyNot, {}), 'default');
  assert.equal(ev(anyNot, { 'aws:Referer': 'https://other.example/' }), 'allow');
  assert.equal(ev(withCondition({ StringNotEquals: { 'aws:Referer': 'https://example.com/' } }), {}), 'allow');

  const date = withCondition({ DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } });
  assert.equal(ev(date, { 'aws:CurrentTime': '2029-12-31T23:59:59Z' }), 'allow');
  assert.equal(ev(date, { 'aws:CurrentTime': '2030-01-01T00:00:00Z' }), 'default');
  const numeric = withCondition({ NumericGreaterThanEquals: { 's3:signatureAge': 5 } });
  assert.equal(ev(numeric, { 's3:signatureAge': '5' }), 'allow');
  assert.equal(ev(numeric, { 's3:signatureAge': 'x' }), 'default');
});

test('evaluation: several conditions must all hold; policy variables in 2012-10-17 only', () => {
  const both = parse(
    policy(
      statement({
        Condition: { StringEquals: { 'aws:UserAgent': 'ua' }, IpAddress: { 'aws:SourceIp': '10.0.0.1' } },
      }),
    ),
  );
  assert.equal(evaluatePolicy(both, req({ conditions: { 'aws:UserAgent': 'ua', 'aws:SourceIp': '10.0.0.1' } })), 'allow');
  assert.equal(evaluatePolicy(both, req({ conditions: { 'aws:UserAgent': 'ua', 'aws:SourceIp': '10.0.0.2' } })), 'default');

  const home = (version: string): BucketPolicy =>
    parse(policy(statement({ Resource: `arn:aws:s3:::${BUCKET}/home/\${aws:username}/*` }), version));
  const asAlice = { 'aws:username': 'alice' };
  assert.equal(evaluatePolicy(home('2012-10-17'), req({ resource: `arn:aws:s3:::${BUCKET}/home/alice/x`, conditions: asAlice })), 'allow');
  assert.equal(evaluatePolicy(home('2012-10-17'), req({ resource: `arn:aws:s3:::${BUCKET}/home/bob/x`, conditions: asAlice })), 'default');
  assert.equal(evaluatePolicy(home('2012-10-17'), req({ resource: `arn:aws:s3:::${BUCKET}/home/alice/x` })), 'default');
  assert.equal(
    evaluatePolicy(home('2008-10-17'), req({ resource: `arn:aws:s3:::${BUCKET}/home/alice/x`, conditions: asAlice })),
    'default',
  );
  assert.equal(
    evaluatePolicy(home('2008-10-17'), req({ resource: `arn:aws:s3:::${BUCKET}/home/\${aws:username}/x`, conditions: asAlice })),
    'allow',
  );
});

test('public policies: a grant to everyone not pinned to fixed values (GetBucketPolicyStatus)', () => {
  const isPublic = (extra: Record<string, unknown>): boolean => isPublicPolicy(parse(policy([statement(extra)])));
  assert.equal(isPublic({}), true);
  assert.equal(isPublic({ Principal: { AWS: '*' } }), true);
  assert.equal(isPublic({ Principal: { AWS: ALICE } }), false);
  assert.equal(isPublic({ Effect: 'Deny' }), false);
  assert.equal(isPublic({ Principal: undefined, NotPrincipal: { AWS: ALICE } }), true);
  // Fixed values of a restricting key make it non-public; wildcards, wide ranges, negations and IfExists do not.
  assert.equal(isPublic({ Condition: { IpAddress: { 'aws:SourceIp': '192.0.2.0/24' } } }), false);
  assert.equal(isPublic({ Condition: { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } } }), true);
  assert.equal(isPublic({ Condition: { NotIpAddress: { 'aws:SourceIp': '192.0.2.0/24' } } }), true);
  assert.equal(isPublic({ Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } } }), false);
  assert.equal(isPublic({ Condition: { StringLike: { 'aws:SourceArn': 'arn:aws:*' } } }), true);
  assert.equal(isPublic({ Condition: { StringEqualsIfExists: { 'aws:SourceAccount': '111122223333' } } }), true);
  assert.equal(isPublic({ Condition: { StringEquals: { 's3:prefix': 'home/' } } }), true);
  // One public statement is enough.
  assert.equal(isPublicPolicy(parse(policy([statement({ Principal: { AWS: ALICE } }), statement({ Sid: 'open' })]))), true);
});
