/**
 * VersioningConfiguration (PutBucketVersioning / GetBucketVersioning).
 *
 * Stored document: `{}` for a bucket that was never versioned, else `{ status, mfaDelete? }`.
 * GetBucketVersioning answers `<VersioningConfiguration xmlns="…"/>` for the former and writes
 * `<MfaDelete>` only once the bucket has been configured with it (as AWS does).
 */
import { S3Error } from '../errors/s3-errors.js';
import type { XmlElement } from '../xml/parser.js';
import { S3_XMLNS, XmlWriter } from '../xml/writer.js';
import { container, enumText, rootElement } from './xml-input.js';

export type VersioningStatus = 'Enabled' | 'Suspended';
export type MfaDeleteStatus = 'Enabled' | 'Disabled';

export interface VersioningConfiguration {
  readonly status?: VersioningStatus;
  readonly mfaDelete?: MfaDeleteStatus;
}

const STATUSES: readonly VersioningStatus[] = ['Enabled', 'Suspended'];
const MFA_STATUSES: readonly MfaDeleteStatus[] = ['Enabled', 'Disabled'];

/**
 * Parses a PutBucketVersioning body. Unknown elements or values → MalformedXML; no Status →
 * IllegalVersioningConfigurationException; MfaDelete Enabled → NotImplemented (MFA devices are
 * not supported, so accepting it would lock the bucket's versioning state forever).
 */
export function parseVersioning(input: XmlElement | Uint8Array | string): VersioningConfiguration {
  const root = container(rootElement(input, 'VersioningConfiguration'), ['Status', 'MfaDelete']);
  const status = enumText(root, 'Status', STATUSES);
  const mfaDelete = enumText(root, 'MfaDelete', MFA_STATUSES);
  if (status === undefined) {
    throw new S3Error('IllegalVersioningConfigurationException', { cause: new Error('no <Status>') });
  }
  if (mfaDelete === 'Enabled') throw new S3Error('NotImplemented', { message: 'MFA Delete is not supported' });
  return mfaDelete === undefined ? { status } : { status, mfaDelete };
}

/** The GetBucketVersioning body. */
export function renderVersioning(doc: VersioningConfiguration): string {
  const w = new XmlWriter();
  if (doc.status === undefined && doc.mfaDelete === undefined) return w.empty('VersioningConfiguration', { xmlns: S3_XMLNS }).end();
  w.open('VersioningConfiguration', { xmlns: S3_XMLNS });
  w.optionalLeaf('Status', doc.status).optionalLeaf('MfaDelete', doc.mfaDelete);
  return w.close().end();
}
