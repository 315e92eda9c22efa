/**
 * Access control lists: the AccessControlPolicy body (PutBucketAcl / PutObjectAcl and their GET),
 * canned ACLs (`x-amz-acl`) and grant headers (`x-amz-grant-*`), all producing the same stored
 * document; and the grant check.
 *
 * Schema violations in an ACL body are MalformedACLError (AWS's code for ACLs, not MalformedXML);
 * an ID that is not a canonical user ID or an unknown group URI is InvalidArgument. Email grantees
 * are kept as given: the caller resolves them to canonical users (UnresolvableGrantByEmailAddress).
 */
import { S3Error } from '../errors/s3-errors.js';
import type { XmlElement } from '../xml/parser.js';
import { S3_XMLNS, XmlWriter } from '../xml/writer.js';
import { container, optionalText, rootElement } from './xml-input.js';

export const ACL_PERMISSIONS = ['FULL_CONTROL', 'WRITE', 'WRITE_ACP', 'READ', 'READ_ACP'] as const;
export type AclPermission = (typeof ACL_PERMISSIONS)[number];

export const ALL_USERS_URI = 'http://acs.amazonaws.com/groups/global/AllUsers';
export const AUTHENTICATED_USERS_URI = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
export const LOG_DELIVERY_URI = 'http://acs.amazonaws.com/groups/s3/LogDelivery';
export const GROUP_URIS: readonly string[] = [ALL_USERS_URI, AUTHENTICATED_USERS_URI, LOG_DELIVERY_URI];

export const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';

/** AWS allows at most 100 grants in one ACL. */
export const MAX_GRANTS = 100;

export type Grantee =
  | { readonly type: 'CanonicalUser'; readonly id: string; readonly displayName?: string }
  | { readonly type: 'Group'; readonly uri: string }
  | { readonly type: 'AmazonCustomerByEmail'; readonly email: string };

export interface Grant {
  readonly grantee: Grantee;
  readonly permission: AclPermission;
}

export interface AclOwner {
  readonly id: string;
  readonly displayName?: string;
}

export interface AccessControlPolicy {
  readonly owner: AclOwner;
  readonly grants: Grant[];
}

const CANONICAL_ID = /^[0-9a-f]{64}$/;

function malformedAcl(detail: string): S3Error {
  return new S3Error('MalformedACLError', { cause: new Error(detail) });
}

function invalidId(id: string): S3Error {
  return new S3Error('InvalidArgument', { message: 'Invalid id', fields: { ArgumentName: 'CanonicalUser/ID', ArgumentValue: id } });
}

function invalidGroup(uri: string): S3Error {
  return new S3Error('InvalidArgument', { message: 'Invalid group uri', fields: { ArgumentName: 'Group/URI', ArgumentValue: uri } });
}

function parseGrantee(el: XmlElement): Grantee {
  const type = el.attr('type') ?? '';
  switch (type) {
    case 'CanonicalUser': {
      container(el, ['ID', 'DisplayName']);
      const id = optionalText(el, 'ID')?.trim();
      if (id === undefined) throw malformedAcl('CanonicalUser grantee without <ID>');
      if (!CANONICAL_ID.test(id)) throw invalidId(id);
      const displayName = optionalText(el, 'DisplayName');
      return displayName === undefined ? { type, id } : { type, id, displayName };
    }
    case 'Group': {
      container(el, ['URI']);
      const uri = optionalText(el, 'URI')?.trim();
      if (uri === undefined) throw malformedAcl('Group grantee without <URI>');
      if (!GROUP_URIS.includes(uri)) throw invalidGroup(uri);
      return { type, uri };
    }
    case 'AmazonCustomerByEmail': {
      container(el, ['EmailAddress']);
      const email = optionalText(el, 'EmailAddress')?.trim();
      if (email === undefined || email === '') throw malformedAcl('email grantee without <EmailAddress>');
      return { type, email };
    }
    default:
      throw malformedAcl(`Grantee xsi:type ${JSON.stringify(type)}`);
  }
}

/** Parses an AccessControlPolicy body. */
export function parseAccessControlPolicy(input: XmlElement | Uint8Array | string): AccessControlPolicy {
  try {
    const root = container(rootElement(input, 'AccessControlPolicy', 64 * 1024), ['Owner', 'AccessControlList']);
    const ownerEl = root.one('Owner');
    if (ownerEl === undefined) throw malformedAcl('no <Owner>');
    container(ownerEl, ['ID', 'DisplayName']);
    const ownerId = optionalText(ownerEl, 'ID')?.trim();
    if (ownerId === undefined) throw malformedAcl('no <Owner><ID>');
    if (!CANONICAL_ID.test(ownerId)) throw invalidId(ownerId);
    const ownerName = optionalText(ownerEl, 'DisplayName');
    const listEl = root.one('AccessControlList');
    const grantEls = listEl === undefined ? [] : container(listEl, ['Grant']).all('Grant');
    if (grantEls.length > MAX_GRANTS) throw malformedAcl('more than 100 grants');
    const grants = grantEls.map((g): Grant => {
      container(g, ['Grantee', 'Permission']);
      const granteeEl = g.one('Grantee');
      const permission = optionalText(g, 'Permission')?.trim();
      if (granteeEl === undefined || permission === undefined) throw malformedAcl('incomplete <Grant>');
      const p = ACL_PERMISSIONS.find((x) => x === permission);
      if (p === undefined) throw malformedAcl(`permission ${permission}`);
      return { grantee: parseGrantee(granteeEl), permission: p };
    });
    return { owner: ownerName === undefined ? { id: ownerId } : { id: ownerId, displayName: ownerName }, grants };
  } catch (err) {
    // Every schema violation of an ACL body is reported as MalformedACLError.
    if (err instanceof S3Error && err.code === 'MalformedXML') throw new S3Error('MalformedACLError', { cause: err });
    throw err;
  }
}

function writeGrantee(w: XmlWriter, g: Grantee): void {
  w.open('Grantee', { 'xmlns:xsi': XSI_NAMESPACE, 'xsi:type': g.type });
  switch (g.type) {
    case 'CanonicalUser':
      w.leaf('ID', g.id).optionalLeaf('DisplayName', g.displayName);
      break;
    case 'Group':
      w.leaf('URI', g.uri);
      break;
    case 'AmazonCustomerByEmail':
      w.leaf('EmailAddress', g.email);
      break;
  }
  w.close();
}

/** The GetBucketAcl / GetObjectAcl body, with the xsi namespace on each Grantee as AWS writes it. */
export function renderAccessControlPolicy(doc: AccessControlPolicy): string {
  const w = new XmlWriter();
  w.open('AccessControlPolicy', { xmlns: S3_XMLNS });
  w.open('Owner').leaf('ID', doc.owner.id).optionalLeaf('DisplayName', doc.owner.displayName).close();
  w.open('AccessControlList');
  for (const g of doc.grants) {
    w.open('Grant');
    writeGrantee(w, g.grantee);
    w.leaf('Permission', g.permission).close();
  }
  return w.close().close().end();
}

export const CANNED_ACLS = [
  'private',
  'public-read',
  'public-read-write',
  'authenticated-read',
  'bucket-owner-read',
  'bucket-owner-full-control',
  'log-delivery-write',
  'aws-exec-read',
] as const;
export type CannedAcl = (typeof CANNED_ACLS)[number];

export interface AclContext {
  /** Owner of the resource whose ACL this is (for an object: its writer). */
  readonly owner: AclOwner;
  /** Owner of the bucket (for objects: bucket-owner-read / bucket-owner-full-control). */
  readonly bucketOwner?: AclOwner;
}

function userGrant(u: AclOwner, permission: AclPermission): Grant {
  const grantee: Grantee =
    u.displayName === undefined ? { type: 'CanonicalUser', id: u.id } : { type: 'CanonicalUser', id: u.id, displayName: u.displayName };
  return { grantee, permission };
}

function groupGrant(uri: string, permission: AclPermission): Grant {
  return { grantee: { type: 'Group', uri }, permission };
}

/** The canonical user `aws-exec-read` grants READ to (Amazon EC2, which fetches AMI bundles), as S3 shows it. */
const EC2_BUNDLE_READER: AclOwner = { id: '6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c', displayName: 'za-team' };

/** The grants a canned ACL stands for (the owner always gets FULL_CONTROL). */
export function cannedAcl(name: CannedAcl, ctx: AclContext): AccessControlPolicy {
  const grants: Grant[] = [userGrant(ctx.owner, 'FULL_CONTROL')];
  const bucketOwner = ctx.bucketOwner;
  switch (name) {
    case 'private':
      break;
    case 'public-read':
      grants.push(groupGrant(ALL_USERS_URI, 'READ'));
      break;
    case 'public-read-write':
      grants.push(groupGrant(ALL_USERS_URI, 'READ'), groupGrant(ALL_USERS_URI, 'WRITE'));
      break;
    case 'authenticated-read':
      grants.push(groupGrant(AUTHENTICATED_USERS_URI, 'READ'));
      break;
    case 'bucket-owner-read':
      if (bucketOwner !== undefined && bucketOwner.id !== ctx.owner.id) grants.push(userGrant(bucketOwner, 'READ'));
      break;
    case 'bucket-owner-full-control':
      if (bucketOwner !== undefined && bucketOwner.id !== ctx.owner.id) grants.push(userGrant(bucketOwner, 'FULL_CONTROL'));
      break;
    case 'log-delivery-write':
      grants.push(groupGrant(LOG_DELIVERY_URI, 'WRITE'), groupGrant(LOG_DELIVERY_URI, 'READ_ACP'));
      break;
    case 'aws-exec-read':
      grants.push(userGrant(EC2_BUNDLE_READER, 'READ'));
      break;
  }
  return { owner: ctx.owner, grants };
}

export const GRANT_HEADERS: Readonly<Record<string, AclPermission>> = {
  'x-amz-grant-full-control': 'FULL_CONTROL',
  'x-amz-grant-read': 'READ',
  'x-amz-grant-read-acp': 'READ_ACP',
  'x-amz-grant-write': 'WRITE',
  'x-amz-grant-write-acp': 'WRITE_ACP',
};

const GRANTEE_ITEM = /^\s*(id|uri|emailAddress)\s*=\s*(?:"([^"]*)"|([^,"\s]+))\s*(?:,|$)/i;

/** Parses one `x-amz-grant-*` value: `id="…", uri="…", emailAddress="…"` (InvalidArgument). */
export function parseGrantHeader(header: string, value: string): Grantee[] {
  const out: Grantee[] = [];
  let rest = value.trim();
  const bad = (): S3Error => new S3Error('InvalidArgument', { fields: { ArgumentName: header, ArgumentValue: value } });
  if (rest === '') throw bad();
  while (rest !== '') {
    const m = GRANTEE_ITEM.exec(rest);
    if (m === null) throw bad();
    const kind = (m[1] ?? '').toLowerCase();
    const v = (m[2] ?? m[3] ?? '').trim();
    if (kind === 'id') {
      if (!CANONICAL_ID.test(v)) throw invalidId(v);
      out.push({ type: 'CanonicalUser', id: v });
    } else if (kind === 'uri') {
      if (!GROUP_URIS.includes(v)) throw invalidGroup(v);
      out.push({ type: 'Group', uri: v });
    } else {
      if (v === '') throw bad();
      out.push({ type: 'AmazonCustomerByEmail', email: v });
    }
    rest = rest.slice(m[0].length);
  }
  return out;
}

/**
 * The ACL requested by headers: `x-amz-acl` (a canned ACL) or `x-amz-grant-*` (which replace the
 * whole ACL: the owner keeps only its implicit READ_ACP/WRITE_ACP). `undefined` when neither is
 * present. Both kinds at once → InvalidRequest; an unknown canned ACL → InvalidArgument.
 */
export function aclFromHeaders(headers: Readonly<Record<string, string | undefined>>, ctx: AclContext): AccessControlPolicy | undefined {
  const canned = headers['x-amz-acl'];
  const grantHeaders = Object.keys(GRANT_HEADERS).filter((h) => headers[h] !== undefined);
  if (canned !== undefined && grantHeaders.length > 0) {
    throw new S3Error('InvalidRequest', { message: 'Specifying both Canned ACLs and Header Grants is not allowed' });
  }
  if (canned !== undefined) {
    const name = CANNED_ACLS.find((c) => c === canned.trim());
    if (name === undefined) throw new S3Error('InvalidArgument', { fields: { ArgumentName: 'x-amz-acl', ArgumentValue: canned } });
    return cannedAcl(name, ctx);
  }
  if (grantHeaders.length === 0) return undefined;
  const grants: Grant[] = [];
  for (const h of grantHeaders) {
    const permission = GRANT_HEADERS[h];
    const value = headers[h];
    if (permission === undefined || value === undefined) continue;
    for (const grantee of parseGrantHeader(h, value)) grants.push({ grantee, permission });
  }
  if (grants.length > MAX_GRANTS) throw malformedAcl('more than 100 grants');
  return { owner: ctx.owner, grants };
}

export type AclQuery =
  { readonly requesterId: string; readonly permission: AclPermission } | { readonly anonymous: true; readonly permission: AclPermission };

function granteeMatches(g: Grantee, requesterId: string | undefined): boolean {
  switch (g.type) {
    case 'Group':
      return g.uri === ALL_USERS_URI || (g.uri === AUTHENTICATED_USERS_URI && requesterId !== undefined);
    case 'CanonicalUser':
      return requesterId !== undefined && g.id === requesterId;
    case 'AmazonCustomerByEmail':
      return false; // unresolved: matches nobody
  }
}

/**
 * Whether the ACL grants `permission` to the requester. FULL_CONTROL implies every permission; the
 * owner always has READ_ACP and WRITE_ACP; AllUsers includes anonymous requesters,
 * AuthenticatedUsers does not.
 */
export function aclAllows(doc: AccessControlPolicy, query: AclQuery): boolean {
  const requesterId = 'requesterId' in query ? query.requesterId : undefined;
  if (requesterId === doc.owner.id && (query.permission === 'READ_ACP' || query.permission === 'WRITE_ACP')) return true;
  return doc.grants.some(
    (g) => (g.permission === query.permission || g.permission === 'FULL_CONTROL') && granteeMatches(g.grantee, requesterId),
  );
}
