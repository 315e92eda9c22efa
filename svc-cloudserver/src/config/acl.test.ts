import { test } from 'node:test';
import assert from 'node:assert/strict';
import { S3Error, type S3ErrorCode } from '../errors/s3-errors.js';
import {
  ALL_USERS_URI,
  AUTHENTICATED_USERS_URI,
  LOG_DELIVERY_URI,
  aclAllows,
  aclFromHeaders,
  cannedAcl,
  parseAccessControlPolicy,
  renderAccessControlPolicy,
  type AccessControlPolicy,
} from './acl.js';

function throwsCode(code: S3ErrorCode, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof S3Error && err.code === code);
}

const OWNER = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);
const THIRD = 'c'.repeat(64);
const XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

const DOC: AccessControlPolicy = {
  owner: { id: OWNER, displayName: 'owner' },
  grants: [
    { grantee: { type: 'CanonicalUser', id: OWNER, displayName: 'owner' }, permission: 'FULL_CONTROL' },
    { grantee: { type: 'Group', uri: ALL_USERS_URI }, permission: 'READ' },
    { grantee: { type: 'CanonicalUser', id: OTHER }, permission: 'WRITE_ACP' },
    { grantee: { type: 'AmazonCustomerByEmail', email: 'x@example.com' }, permission: 'READ_ACP' },
  ],
};

test('renders with the xsi namespace on each Grantee, as AWS', () => {
  assert.equal(
    renderAccessControlPolicy(DOC),
    `<?xml version="1.0" encoding="UTF-8"?><AccessControlPolicy ${NS}><Owner><ID>${OWNER}</ID><DisplayName>owner</DisplayName></Owner>` +
      `<AccessControlList><Grant><Grantee ${XSI} xsi:type="CanonicalUser"><ID>${OWNER}</ID><DisplayName>owner</DisplayName></Grantee>` +
      `<Permission>FULL_CONTROL</Permission></Grant><Grant><Grantee ${XSI} xsi:type="Group"><URI>${ALL_USERS_URI}</URI></Grantee>` +
      `<Permission>READ</Permission></Grant><Grant><Grantee ${XSI} xsi:type="CanonicalUser"><ID>${OTHER}</ID></Grantee>` +
      `<Permission>WRITE_ACP</Permission></Grant><Grant><Grantee ${XSI} xsi:type="AmazonCustomerByEmail"><EmailAddress>x@example.com</EmailAddress>` +
      '</Grantee><Permission>READ_ACP</Permission></Grant></AccessControlList></AccessControlPolicy>',
  );
});

test('round-trips, and accepts other xsi prefixes and an empty grant list', () => {
  assert.deepEqual(parseAccessControlPolicy(renderAccessControlPolicy(DOC)), DOC);
  const xml =
    `<AccessControlPolicy><Owner><ID>${OWNER}</ID></Owner><AccessControlList><Grant>` +
    `<Grantee xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:type="Group"><URI>${LOG_DELIVERY_URI}</URI></Grantee>` +
    '<Permission>WRITE</Permission></Grant></AccessControlList></AccessControlPolicy>';
  assert.deepEqual(parseAccessControlPolicy(xml), {
    owner: { id: OWNER },
    grants: [{ grantee: { type: 'Group', uri: LOG_DELIVERY_URI }, permission: 'WRITE' }],
  });
  assert.deepEqual(
    parseAccessControlPolicy(`<AccessControlPolicy><Owner><ID>${OWNER}</ID></Owner><AccessControlList/></AccessControlPolicy>`),
    {
      owner: { id: OWNER },
      grants: [],
    },
  );
});

test('body errors: MalformedACLError for the schema, InvalidArgument for ids and groups', () => {
  const grant = (grantee: string, permission = 'READ'): string =>
    `<AccessControlPolicy><Owner><ID>${OWNER}</ID></Owner><AccessControlList><Grant>${grantee}<Permission>${permission}</Permission></Grant></AccessControlList></AccessControlPolicy>`;
  const user = (id: string): string => `<Grantee ${XSI} xsi:type="CanonicalUser"><ID>${id}</ID></Grantee>`;
  throwsCode('MalformedACLError', () => parseAccessControlPolicy('<AccessControlPolicy><AccessControlList/></AccessControlPolicy>'));
  throwsCode('MalformedACLError', () => parseAccessControlPolicy('<AccessControlPolicy><Owner></Owner></AccessControlPolicy>'));
  throwsCode('MalformedACLError', () => parseAccessControlPolicy('<Policy/>'));
  throwsCode('MalformedACLError', () => parseAccessControlPolicy('<AccessControlPolicy>'));
  throwsCode('MalformedACLError', () => parseAccessControlPolicy(grant(user(OTHER), 'ALL')));
  throwsCode('MalformedACLError', () => parseAccessControlPolicy(grant(`<Grantee><ID>${OTHER}</ID></Grantee>`)));
  throwsCode('MalformedACLError', () => parseAccessControlPolicy(grant(`<Grantee ${XSI} xsi:type="Robot"><ID>${OTHER}</ID></Grantee>`)));
  throwsCode('MalformedACLError', () => parseAccessControlPolicy(grant(`<Grantee ${XSI} xsi:type="Group"><ID>${OTHER}</ID></Grantee>`)));
  throwsCode('MalformedACLError', () => parseAccessControlPolicy(grant(`<Grantee ${XSI} xsi:type="CanonicalUser"></Grantee>`)));
  throwsCode('InvalidArgument', () => parseAccessControlPolicy(grant(user('not-an-id'))));
  throwsCode('InvalidArgument', () =>
    parseAccessControlPolicy(grant(`<Grantee ${XSI} xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/Nobody</URI></Grantee>`)),
  );
  throwsCode('InvalidArgument', () => parseAccessControlPolicy(`<AccessControlPolicy><Owner><ID>bad</ID></Owner></AccessControlPolicy>`));
  const hundredAndOne = Array.from({ length: 101 }, () => `<Grant>${user(OTHER)}<Permission>READ</Permission></Grant>`).join('');
  throwsCode('MalformedACLError', () =>
    parseAccessControlPolicy(
      `<AccessControlPolicy><Owner><ID>${OWNER}</ID></Owner><AccessControlList>${hundredAndOne}</AccessControlList></AccessControlPolicy>`,
    ),
  );
});

test('canned ACLs expand to grants', () => {
  const owner = { id: OWNER, displayName: 'o' };
  const bucketOwner = { id: OTHER };
  const fc = { grantee: { type: 'CanonicalUser', id: OWNER, displayName: 'o' }, permission: 'FULL_CONTROL' } as const;
  assert.deepEqual(cannedAcl('private', { owner }), { owner, grants: [fc] });
  assert.deepEqual(cannedAcl('public-read-write', { owner }).grants, [
    fc,
    { grantee: { type: 'Group', uri: ALL_USERS_URI }, permission: 'READ' },
    { grantee: { type: 'Group', uri: ALL_USERS_URI }, permission: 'WRITE' },
  ]);
  assert.deepEqual(cannedAcl('authenticated-read', { owner }).grants[1], {
    grantee: { type: 'Group', uri: AUTHENTICATED_USERS_URI },
    permission: 'READ',
  });
  assert.deepEqual(cannedAcl('bucket-owner-full-control', { owner, bucketOwner }).grants, [
    fc,
    { grantee: { type: 'CanonicalUser', id: OTHER }, permission: 'FULL_CONTROL' },
  ]);
  assert.deepEqual(cannedAcl('bucket-owner-read', { owner, bucketOwner: owner }).grants, [fc]);
  assert.deepEqual(
    cannedAcl('log-delivery-write', { owner })
      .grants.slice(1)
      .map((g) => g.permission),
    ['WRITE', 'READ_ACP'],
  );
  // S3's aws-exec-read: READ for the canonical user Amazon EC2 fetches AMI bundles as.
  assert.deepEqual(cannedAcl('aws-exec-read', { owner }).grants[1], {
    grantee: { type: 'CanonicalUser', id: '6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c', displayName: 'za-team' },
    permission: 'READ',
  });
});

test('ACL headers: canned, grants, both, invalid', () => {
  const ctx = { owner: { id: OWNER } };
  assert.equal(aclFromHeaders({}, ctx), undefined);
  assert.deepEqual(aclFromHeaders({ 'x-amz-acl': 'public-read' }, ctx), cannedAcl('public-read', ctx));
  assert.deepEqual(
    aclFromHeaders(
      {
        'x-amz-grant-read': `id="${OTHER}", uri="${ALL_USERS_URI}"`,
        'x-amz-grant-full-control': `id=${THIRD},emailAddress="someone@example.com"`,
      },
      ctx,
    ),
    {
      owner: { id: OWNER },
      grants: [
        { grantee: { type: 'CanonicalUser', id: THIRD }, permission: 'FULL_CONTROL' },
        { grantee: { type: 'AmazonCustomerByEmail', email: 'someone@example.com' }, permission: 'FULL_CONTROL' },
        { grantee: { type: 'CanonicalUser', id: OTHER }, permission: 'READ' },
        { grantee: { type: 'Group', uri: ALL_USERS_URI }, permission: 'READ' },
      ],
    },
  );
  throwsCode('InvalidRequest', () => aclFromHeaders({ 'x-amz-acl': 'private', 'x-amz-grant-read': `id="${OTHER}"` }, ctx));
  throwsCode('InvalidArgument', () => aclFromHeaders({ 'x-amz-acl': 'public' }, ctx));
  throwsCode('InvalidArgument', () => aclFromHeaders({ 'x-amz-grant-read': 'id="short"' }, ctx));
  throwsCode('InvalidArgument', () => aclFromHeaders({ 'x-amz-grant-read': 'uri="http://example.com/group"' }, ctx));
  throwsCode('InvalidArgument', () => aclFromHeaders({ 'x-amz-grant-read': 'user="x"' }, ctx));
  throwsCode('InvalidArgument', () => aclFromHeaders({ 'x-amz-grant-write': '' }, ctx));
  throwsCode('InvalidArgument', () => aclFromHeaders({ 'x-amz-grant-write': `id="${OTHER}" id="${THIRD}"` }, ctx));
});

test('aclAllows: FULL_CONTROL implies all, groups, owner ACP, anonymous', () => {
  const allow = (q: Parameters<typeof aclAllows>[1]): boolean => aclAllows(DOC, q);
  assert.equal(allow({ requesterId: OWNER, permission: 'WRITE' }), true);
  assert.equal(allow({ anonymous: true, permission: 'READ' }), true);
  assert.equal(allow({ anonymous: true, permission: 'WRITE' }), false);
  assert.equal(allow({ requesterId: OTHER, permission: 'WRITE_ACP' }), true);
  assert.equal(allow({ requesterId: OTHER, permission: 'WRITE' }), false);
  assert.equal(allow({ requesterId: THIRD, permission: 'READ_ACP' }), false); // email grants match nobody
  const authRead = cannedAcl('authenticated-read', { owner: { id: OWNER } });
  assert.equal(aclAllows(authRead, { requesterId: THIRD, permission: 'READ' }), true);
  assert.equal(aclAllows(authRead, { anonymous: true, permission: 'READ' }), false);
  // The owner keeps READ_ACP / WRITE_ACP even when no grant names it.
  const noGrants: AccessControlPolicy = { owner: { id: OWNER }, grants: [] };
  assert.equal(aclAllows(noGrants, { requesterId: OWNER, permission: 'READ_ACP' }), true);
  assert.equal(aclAllows(noGrants, { requesterId: OWNER, permission: 'WRITE_ACP' }), true);
  assert.equal(aclAllows(noGrants, { requesterId: OWNER, permission: 'READ' }), false);
});
