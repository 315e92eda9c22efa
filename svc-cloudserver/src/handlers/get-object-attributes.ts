// GetObjectAttributes: the attributes named in x-amz-object-attributes (ETag,
// Checksum, ObjectParts, StorageClass, ObjectSize) of a version, without its body.
import { CHECKSUM_ELEMENT } from '../checksums/hasher.js';
import { S3Error } from '../errors/s3-errors.js';
import { S3_XMLNS, XmlWriter } from '../xml/writer.js';
import { bucketForObjectRead, hideMissing, isVersioned, objectKey } from '../s3/access.js';
import { authorizeObject } from '../s3/authorize.js';
import { sendXml } from '../s3/context.js';
import type { S3Handler } from '../s3/deps.js';
import { httpDate } from '../s3/object-headers.js';
import { loadVersion } from './get-object.js';

const ATTRIBUTES = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] as const;
const CHECKSUM_ELEMENTS: Readonly<Record<string, string>> = CHECKSUM_ELEMENT;

export const getObjectAttributes: S3Handler = async (ctx, deps) => {
  const requested = (ctx.headers['x-amz-object-attributes'] ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  if (requested.length === 0)
    throw new S3Error('InvalidArgument', {
      message: 'Invalid attribute name specified.',
      fields: { ArgumentName: 'x-amz-object-attributes' },
    });
  for (const a of requested) {
    if (!(ATTRIBUTES as readonly string[]).includes(a))
      throw new S3Error('InvalidArgument', {
        message: 'Invalid attribute name specified.',
        fields: { ArgumentName: 'x-amz-object-attributes', ArgumentValue: a },
      });
  }
  const { bucket, decision } = await bucketForObjectRead(ctx, deps);
  const v = await loadVersion(ctx, deps, bucket.name, objectKey(ctx), ctx.query.get('versionId') ?? '').catch((err: unknown) => {
    throw hideMissing(ctx, bucket, decision, err);
  });
  authorizeObject(ctx, decision, v);
  const want = new Set(requested);
  const w = new XmlWriter();
  w.open('GetObjectAttributesResponse', { xmlns: S3_XMLNS });
  if (want.has('ETag')) w.leaf('ETag', v.etag);
  if (want.has('Checksum')) {
    const present = Object.entries(v.checksums).filter(([a]) => CHECKSUM_ELEMENTS[a] !== undefined);
    if (present.length > 0) {
      w.open('Checksum');
      for (const [a, value] of present) w.leaf(CHECKSUM_ELEMENTS[a]!, value);
      w.leaf('ChecksumType', v.checksumType || 'FULL_OBJECT');
      w.close();
    }
  }
  if (want.has('ObjectParts') && v.partsCount > 0) {
    const maxParts = Math.min(1000, Number(ctx.headers['x-amz-max-parts'] ?? 1000) || 1000);
    const marker = Number(ctx.headers['x-amz-part-number-marker'] ?? 0) || 0;
    const sizes = new Map<number, number>();
    const checksums = new Map<number, Record<string, string>>();
    for (const piece of v.data) {
      sizes.set(piece.partNumber, (sizes.get(piece.partNumber) ?? 0) + piece.size);
      if (Object.keys(piece.checksums).length > 0) checksums.set(piece.partNumber, piece.checksums);
    }
    const numbers = [...sizes.keys()].filter((n) => n > marker).sort((a, b) => a - b);
    const page = numbers.slice(0, maxParts);
    w.open('ObjectParts').leaf('PartsCount', v.partsCount).leaf('PartNumberMarker', marker);
    if (numbers.length > page.length) w.leaf('NextPartNumberMarker', page[page.length - 1]!);
    w.leaf('MaxParts', maxParts).leaf('IsTruncated', numbers.length > page.length);
    // S3 lists the parts only of an object uploaded with checksums, each with its own.
    if (checksums.size > 0) {
      for (const n of page) {
        w.open('Part').leaf('PartNumber', n).leaf('Size', sizes.get(n)!);
        for (const [a, value] of Object.entries(checksums.get(n) ?? {})) if (CHECKSUM_ELEMENTS[a]) w.leaf(CHECKSUM_ELEMENTS[a], value);
        w.close();
      }
    }
    w.close();
  }
  if (want.has('StorageClass')) w.leaf('StorageClass', v.storageClass || 'STANDARD');
  if (want.has('ObjectSize')) w.leaf('ObjectSize', v.size);
  w.close();
  const headers: Record<string, string> = { 'last-modified': httpDate(v.lastModified) };
  if (isVersioned(bucket)) headers['x-amz-version-id'] = v.versionId;
  sendXml(ctx, 200, w.end(), headers);
};
