/**
 * Tagging / TagSet for buckets (PutBucketTagging) and objects (PutObjectTagging), and the
 * `x-amz-tagging` header of PutObject / CreateMultipartUpload / CopyObject.
 *
 * Stored document: the tag list in request order, `[{ key, value }]`.
 *
 * AWS's checks, in AWS's order: each tag in turn (key length 1..128, value length 0..256, allowed
 * characters, no `aws:` prefix, no repeated key: all InvalidTag), then the count (10 per object,
 * 50 per bucket: BadRequest "Object tags cannot be greater than 10").
 */
import { S3Error } from '../errors/s3-errors.js';
import type { XmlElement } from '../xml/parser.js';
import { S3_XMLNS, XmlWriter } from '../xml/writer.js';
import { container, requiredText, rootElement } from './xml-input.js';

export interface Tag {
  readonly key: string;
  readonly value: string;
}

export type TagSet = Tag[];

/** Which resource the tags are for: the limits differ. */
export type TagTarget = 'object' | 'bucket';

export const MAX_OBJECT_TAGS = 10;
export const MAX_BUCKET_TAGS = 50;
/** Lengths in UTF-16 code units, as AWS counts them. */
export const MAX_TAG_KEY_LENGTH = 128;
export const MAX_TAG_VALUE_LENGTH = 256;

// Letters, numbers and separators in any script, and + - = . _ : / @ (AWS's tag restrictions).
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export interface TagValidationOptions {
  readonly target: TagTarget;
  /** Let `aws:`-prefixed keys through (system tags written by Zenko itself, never by a PUT). */
  readonly allowSystemTags?: boolean;
}

function invalidTag(message: string): S3Error {
  return new S3Error('InvalidTag', { message });
}

/** Validates one tag (InvalidTag). */
export function validateTag(tag: Tag, allowSystemTags = false): void {
  if (tag.key.length === 0 || !TAG_CHARS.test(tag.key)) throw invalidTag('The TagKey you have provided is invalid');
  if (tag.key.length > MAX_TAG_KEY_LENGTH) throw invalidTag('The TagKey you have provided is too long, max 128');
  if (tag.value.length > MAX_TAG_VALUE_LENGTH) throw invalidTag('The TagValue you have provided is too long, max 256');
  if (!TAG_CHARS.test(tag.value)) throw invalidTag('The TagValue you have provided is invalid');
  if (!allowSystemTags && tag.key.toLowerCase().startsWith('aws:')) throw invalidTag('Your TagKey cannot be prefixed with aws:');
}

/** Validates a whole tag set: each tag, duplicates (InvalidTag), then the count (BadRequest). */
export function validateTagSet(tags: readonly Tag[], options: TagValidationOptions): void {
  const seen = new Set<string>();
  for (const tag of tags) {
    validateTag(tag, options.allowSystemTags);
    if (seen.has(tag.key)) throw invalidTag('Cannot provide multiple Tags with the same key');
    seen.add(tag.key);
  }
  if (options.target === 'object' && tags.length > MAX_OBJECT_TAGS) {
    throw new S3Error('BadRequest', { message: 'Object tags cannot be greater than 10' });
  }
  if (options.target === 'bucket' && tags.length > MAX_BUCKET_TAGS) {
    throw new S3Error('BadRequest', { message: 'Bucket tag count cannot be greater than 50' });
  }
}

/** Reads `<Tag><Key/><Value/></Tag>` elements (structure only: MalformedXML). */
export function readTagElements(parent: XmlElement): Tag[] {
  return parent.all('Tag').map((t) => {
    container(t, ['Key', 'Value']);
    return { key: requiredText(t, 'Key'), value: requiredText(t, 'Value') };
  });
}

/** Parses a PutBucketTagging / PutObjectTagging body. */
export function parseTagging(input: XmlElement | Uint8Array | string, options: TagValidationOptions): TagSet {
  const root = container(rootElement(input, 'Tagging'), ['TagSet']);
  const tags = readTagElements(container(root.require('TagSet'), ['Tag']));
  validateTagSet(tags, options);
  return tags;
}

/** Writes `<Tag><Key/><Value/></Tag>` for each tag. */
export function writeTags(w: XmlWriter, tags: readonly Tag[]): void {
  for (const t of tags) w.open('Tag').leaf('Key', t.key).leaf('Value', t.value).close();
}

/** The GetBucketTagging / GetObjectTagging body. */
export function renderTagging(tags: readonly Tag[]): string {
  const w = new XmlWriter();
  w.open('Tagging', { xmlns: S3_XMLNS }).open('TagSet');
  writeTags(w, tags);
  return w.close().close().end();
}

const HEADER_ERROR =
  "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.";

function decodeComponent(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw new S3Error('InvalidArgument', { message: HEADER_ERROR });
  }
}

/**
 * Parses `x-amz-tagging` (`k1=v1&k2=v2`, URL-encoded as a query string: `+` is a space). Empty
 * pairs are ignored, `k` alone is `k=`. Undecodable, empty key or duplicate key → InvalidArgument;
 * then each tag is validated as in a Tagging body (objects: at most 10).
 */
export function parseTaggingHeader(header: string, options: Omit<TagValidationOptions, 'target'> = {}): TagSet {
  const tags: Tag[] = [];
  const seen = new Set<string>();
  for (const pair of header.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decodeComponent(pair.slice(eq + 1));
    if (key === '' || seen.has(key)) throw new S3Error('InvalidArgument', { message: HEADER_ERROR });
    seen.add(key);
    tags.push({ key, value });
  }
  validateTagSet(tags, { ...options, target: 'object' });
  return tags;
}

/** The `x-amz-tagging` form of a tag set (used when copying tags to another site). */
export function formatTaggingHeader(tags: readonly Tag[]): string {
  return tags.map((t) => `${encodeURIComponent(t.key)}=${encodeURIComponent(t.value)}`).join('&');
}

/** Tags as a plain record (for filters and condition keys). */
export function tagsToRecord(tags: readonly Tag[]): Record<string, string> {
  return Object.fromEntries(tags.map((t) => [t.key, t.value]));
}
