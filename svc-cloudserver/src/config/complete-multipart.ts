/**
 * CompleteMultipartUpload: the request body (the list of parts) and the result document.
 *
 * Parts must be 1..10000 (InvalidArgument otherwise), strictly ascending (InvalidPartOrder), each
 * with an ETag (quotes optional; an empty one can match no part: InvalidPart). At least one part, else MalformedXML. Per-part checksums are kept
 * as sent (base64); the handler compares them with the stored parts.
 */
import { CHECKSUM_ALGORITHMS, CHECKSUM_ELEMENT } from '../checksums/hasher.js';
import { S3Error } from '../errors/s3-errors.js';
import type { XmlElement } from '../xml/parser.js';
import { S3_XMLNS, XmlWriter } from '../xml/writer.js';
import { container, integerText, malformed, optionalText, requiredText, rootElement } from './xml-input.js';

export const MAX_PART_NUMBER = 10_000;

export const CHECKSUM_ELEMENTS = CHECKSUM_ALGORITHMS.map((a) => CHECKSUM_ELEMENT[a]);
export type ChecksumElement = (typeof CHECKSUM_ELEMENTS)[number];

export interface CompletedPart {
  readonly partNumber: number;
  /** Without quotes. */
  readonly etag: string;
  readonly checksums: Partial<Record<ChecksumElement, string>>;
}

const PART_NUMBER_ERROR = 'Part number must be an integer between 1 and 10000, inclusive';

/** Parses the CompleteMultipartUpload body. */
export function parseCompleteMultipartUpload(input: XmlElement | Uint8Array | string): CompletedPart[] {
  const root = container(rootElement(input, 'CompleteMultipartUpload', 4 * 1024 * 1024), ['Part']);
  const elements = root.all('Part');
  if (elements.length === 0) throw malformed('no <Part> in <CompleteMultipartUpload>');
  if (elements.length > MAX_PART_NUMBER) throw malformed('more than 10000 parts');
  let previous = 0;
  return elements.map((p): CompletedPart => {
    container(p, ['PartNumber', 'ETag', ...CHECKSUM_ELEMENTS]);
    const partNumber = integerText(
      p,
      'PartNumber',
      { min: 1, max: MAX_PART_NUMBER },
      (v) => new S3Error('InvalidArgument', { message: PART_NUMBER_ERROR, fields: { ArgumentName: 'partNumber', ArgumentValue: v } }),
    );
    if (partNumber === undefined) throw malformed('missing <PartNumber>');
    const etag = unquote(requiredText(p, 'ETag').trim());
    if (etag === '') throw new S3Error('InvalidPart');
    if (partNumber <= previous) throw new S3Error('InvalidPartOrder');
    previous = partNumber;
    const checksums: Partial<Record<ChecksumElement, string>> = {};
    for (const name of CHECKSUM_ELEMENTS) {
      const v = optionalText(p, name)?.trim();
      if (v !== undefined) checksums[name] = v;
    }
    return { partNumber, etag, checksums };
  });
}

function unquote(etag: string): string {
  return etag.length >= 2 && etag.startsWith('"') && etag.endsWith('"') ? etag.slice(1, -1) : etag;
}

/** Renders a request body (clients, tests, the replication and transition writers). */
export function renderCompleteMultipartUpload(parts: readonly CompletedPart[]): string {
  const w = new XmlWriter();
  w.open('CompleteMultipartUpload', { xmlns: S3_XMLNS });
  for (const p of parts) {
    w.open('Part').leaf('PartNumber', p.partNumber).leaf('ETag', `"${p.etag}"`);
    for (const name of CHECKSUM_ELEMENTS) w.optionalLeaf(name, p.checksums[name]);
    w.close();
  }
  return w.close().end();
}

export interface CompleteMultipartUploadResult {
  /** Absolute or path-style URL of the object. */
  readonly location: string;
  readonly bucket: string;
  readonly key: string;
  /** Without quotes (the multipart ETag, `<md5>-<parts>`). */
  readonly etag: string;
  readonly checksums?: Partial<Record<ChecksumElement, string>>;
  readonly checksumType?: 'COMPOSITE' | 'FULL_OBJECT';
}

/** The CompleteMultipartUploadResult body, elements in AWS's order. */
export function renderCompleteMultipartUploadResult(result: CompleteMultipartUploadResult): string {
  const w = new XmlWriter();
  w.open('CompleteMultipartUploadResult', { xmlns: S3_XMLNS })
    .leaf('Location', result.location)
    .leaf('Bucket', result.bucket)
    .leaf('Key', result.key)
    .leaf('ETag', `"${result.etag}"`);
  for (const name of CHECKSUM_ELEMENTS) w.optionalLeaf(name, result.checksums?.[name]);
  w.optionalLeaf('ChecksumType', result.checksumType);
  return w.close().end();
}
