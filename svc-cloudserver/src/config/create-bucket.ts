/**
 * CreateBucketConfiguration (the optional CreateBucket body).
 *
 * `<LocationConstraint>` names a Zenko location; `<location>:ingest` asks for an ingestion bucket
 * mirroring that (out-of-band) location. An empty body or an empty LocationConstraint means the
 * default location. Whether the location exists is the caller's check (InvalidLocationConstraint).
 */
import { S3Error } from '../errors/s3-errors.js';
import { XmlElement } from '../xml/parser.js';
import { S3_XMLNS, XmlWriter } from '../xml/writer.js';
import { container, optionalText, rootElement } from './xml-input.js';

export interface CreateBucketConfiguration {
  /** Location name; absent → the default location. */
  readonly location?: string;
  /** `:ingest` suffix: the bucket mirrors an out-of-band location. */
  readonly ingest: boolean;
}

const INGEST_SUFFIX = ':ingest';

/** Parses a CreateBucket body; an empty body is the default configuration. */
export function parseCreateBucket(input: XmlElement | Uint8Array | string): CreateBucketConfiguration {
  if (!(input instanceof XmlElement) && input.length === 0) return { ingest: false };
  const root = container(rootElement(input, 'CreateBucketConfiguration', 64 * 1024), ['LocationConstraint']);
  const value = optionalText(root, 'LocationConstraint')?.trim() ?? '';
  if (value === '') return { ingest: false };
  const ingest = value.endsWith(INGEST_SUFFIX);
  const location = ingest ? value.slice(0, -INGEST_SUFFIX.length) : value;
  if (location === '' || location.includes(':')) {
    throw new S3Error('InvalidLocationConstraint', { fields: { LocationConstraint: value } });
  }
  return { location, ingest };
}

/** The body that creates a bucket with this configuration (clients, tests, replication). */
export function renderCreateBucket(doc: CreateBucketConfiguration): string {
  const w = new XmlWriter();
  if (doc.location === undefined) return w.empty('CreateBucketConfiguration', { xmlns: S3_XMLNS }).end();
  w.open('CreateBucketConfiguration', { xmlns: S3_XMLNS });
  w.leaf('LocationConstraint', doc.ingest ? `${doc.location}${INGEST_SUFFIX}` : doc.location);
  return w.close().end();
}

/** The GetBucketLocation body (`<LocationConstraint/>` text is empty for the default region). */
export function renderLocationConstraint(location: string | undefined): string {
  const w = new XmlWriter();
  if (location === undefined || location === '') return w.empty('LocationConstraint', { xmlns: S3_XMLNS }).end();
  return w.leaf('LocationConstraint', location, { xmlns: S3_XMLNS }).end();
}
