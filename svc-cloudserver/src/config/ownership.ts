/**
 * OwnershipControls (PutBucketOwnershipControls / GetBucketOwnershipControls): exactly one Rule
 * with one ObjectOwnership value; anything else → MalformedXML.
 */
import type { XmlElement } from '../xml/parser.js';
import { S3_XMLNS, XmlWriter } from '../xml/writer.js';
import { container, enumText, malformed, rootElement } from './xml-input.js';

export const OBJECT_OWNERSHIPS = ['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter'] as const;
export type ObjectOwnership = (typeof OBJECT_OWNERSHIPS)[number];

export interface OwnershipControls {
  readonly objectOwnership: ObjectOwnership;
}

/** Parses a PutBucketOwnershipControls body. */
export function parseOwnershipControls(input: XmlElement | Uint8Array | string): OwnershipControls {
  const root = container(rootElement(input, 'OwnershipControls', 64 * 1024), ['Rule']);
  const rules = root.all('Rule');
  if (rules.length !== 1) throw malformed('<OwnershipControls> needs exactly one <Rule>');
  const rule = container(root.require('Rule'), ['ObjectOwnership']);
  const objectOwnership = enumText(rule, 'ObjectOwnership', OBJECT_OWNERSHIPS);
  if (objectOwnership === undefined) throw malformed('no <ObjectOwnership>');
  return { objectOwnership };
}

/** The GetBucketOwnershipControls body. */
export function renderOwnershipControls(doc: OwnershipControls): string {
  const w = new XmlWriter();
  w.open('OwnershipControls', { xmlns: S3_XMLNS }).open('Rule').leaf('ObjectOwnership', doc.objectOwnership);
  return w.close().close().end();
}

/** Whether ACLs are disabled (only the bucket-owner-full-control canned ACL is then accepted). */
export function aclsDisabled(doc: OwnershipControls | undefined): boolean {
  return doc?.objectOwnership === 'BucketOwnerEnforced';
}
