/**
 * Block Public Access (PutPublicAccessBlock / GetPublicAccessBlock on a bucket): four flags, each
 * false when its element is absent. What each one does is enforced elsewhere: BlockPublicAcls by
 * the handlers that set an ACL, BlockPublicPolicy by PutBucketPolicy, IgnorePublicAcls and
 * RestrictPublicBuckets by `s3/authorize.ts`.
 */
import type { XmlElement } from '../xml/parser.js';
import { S3_XMLNS, XmlWriter } from '../xml/writer.js';
import { ALL_USERS_URI, AUTHENTICATED_USERS_URI, type AccessControlPolicy, type Grant } from './acl.js';
import { booleanText, container, rootElement } from './xml-input.js';

export interface PublicAccessBlock {
  /** ACLs that grant to everyone (or every authenticated user) are refused on PutBucketAcl, PutObjectAcl and object writes. */
  readonly blockPublicAcls: boolean;
  /** Such grants in the bucket's and its objects' ACLs grant nothing. */
  readonly ignorePublicAcls: boolean;
  /** PutBucketPolicy refuses a public policy. */
  readonly blockPublicPolicy: boolean;
  /** While the bucket policy is public, it grants nothing to anyone outside the bucket owner's account. */
  readonly restrictPublicBuckets: boolean;
}

const FLAGS = [
  ['BlockPublicAcls', 'blockPublicAcls'],
  ['IgnorePublicAcls', 'ignorePublicAcls'],
  ['BlockPublicPolicy', 'blockPublicPolicy'],
  ['RestrictPublicBuckets', 'restrictPublicBuckets'],
] as const;

/** Parses a PutPublicAccessBlock body (schema violations are MalformedXML). */
export function parsePublicAccessBlock(input: XmlElement | Uint8Array | string): PublicAccessBlock {
  const root = container(
    rootElement(input, 'PublicAccessBlockConfiguration', 64 * 1024),
    FLAGS.map(([element]) => element),
  );
  const doc: Record<(typeof FLAGS)[number][1], boolean> = {
    blockPublicAcls: false,
    ignorePublicAcls: false,
    blockPublicPolicy: false,
    restrictPublicBuckets: false,
  };
  for (const [element, field] of FLAGS) doc[field] = booleanText(root, element) ?? false;
  return doc;
}

/** The GetPublicAccessBlock body: every flag, as S3 answers it. */
export function renderPublicAccessBlock(doc: PublicAccessBlock): string {
  const w = new XmlWriter();
  w.open('PublicAccessBlockConfiguration', { xmlns: S3_XMLNS });
  for (const [element, field] of FLAGS) w.leaf(element, doc[field]);
  return w.close().end();
}

function isPublicGrant(g: Grant): boolean {
  return g.grantee.type === 'Group' && (g.grantee.uri === ALL_USERS_URI || g.grantee.uri === AUTHENTICATED_USERS_URI);
}

/** Whether an ACL is public as S3 defines it: it grants something to AllUsers or AuthenticatedUsers. */
export function isPublicAcl(acl: AccessControlPolicy): boolean {
  return acl.grants.some(isPublicGrant);
}

/** The ACL without its public grants (what IgnorePublicAcls leaves to grant). */
export function withoutPublicGrants(acl: AccessControlPolicy): AccessControlPolicy {
  return { owner: acl.owner, grants: acl.grants.filter((g) => !isPublicGrant(g)) };
}
