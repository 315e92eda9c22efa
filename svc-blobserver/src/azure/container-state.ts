// What the Azure edge keeps about a container in its bucket record: two JSON sub-documents in the
// bucket's `attributes`, `azure-metadata` ({ metadata, lastModified }) and `azure-acl`
// ({ publicAccess, identifiers }); the S3 edge's Block Public Access settings it honours; and how
// a bucket appears on the Azure wire (ETag, Last-Modified, metadata and public access headers).
import { createHash } from 'node:crypto';
import type { metadataV1Metadata } from '@zenko/gen';
import type { SignedIdentifier } from '../xml/request-bodies.js';
import { AzureError } from '../errors/azure-errors.js';
import { formatRfc1123 } from '../protocol/dates.js';
import { metadataHeaders } from '../protocol/metadata.js';
import { LEASE_ATTRIBUTE, effectiveLease, leaseHeaders } from './lease.js';

type Bucket = metadataV1Metadata.Bucket;

export const METADATA_ATTRIBUTE = 'azure-metadata';
export const ACL_ATTRIBUTE = 'azure-acl';
/** The bucket's S3 Block Public Access settings (PutPublicAccessBlock), as svc-cloudserver stores them. */
export const PUBLIC_ACCESS_BLOCK_ATTRIBUTE = 'publicAccessBlock';

export type PublicAccess = 'container' | 'blob';

export interface ContainerMetadata {
  readonly metadata: Readonly<Record<string, string>>;
  /** ms since the epoch of the last metadata or ACL change; 0: never changed. */
  readonly lastModified: number;
}

export interface ContainerAcl {
  readonly publicAccess?: PublicAccess | undefined;
  readonly identifiers: readonly SignedIdentifier[];
}

function parseJson<T>(value: string | undefined, fallback: T): T {
  if (value === undefined || value === '') return fallback;
  return JSON.parse(value) as T;
}

export function containerMetadata(bucket: Bucket): ContainerMetadata {
  return parseJson<ContainerMetadata>(bucket.attributes[METADATA_ATTRIBUTE], { metadata: {}, lastModified: 0 });
}

export function containerAcl(bucket: Bucket): ContainerAcl {
  return parseJson<ContainerAcl>(bucket.attributes[ACL_ATTRIBUTE], { identifiers: [] });
}

interface PublicAccessBlock {
  readonly blockPublicAcls?: boolean;
  readonly ignorePublicAcls?: boolean;
}

function publicAccessBlock(bucket: Bucket): PublicAccessBlock {
  return parseJson<PublicAccessBlock>(bucket.attributes[PUBLIC_ACCESS_BLOCK_ATTRIBUTE], {});
}

/**
 * The public access anonymous requests get: the container's, unless the bucket's Block Public
 * Access settings ignore public grants (IgnorePublicAcls: the container reads as private).
 */
export function effectivePublicAccess(bucket: Bucket): PublicAccess | undefined {
  return publicAccessBlock(bucket).ignorePublicAcls === true ? undefined : containerAcl(bucket).publicAccess;
}

/** Setting public access on a container whose bucket blocks public ACLs (BlockPublicAcls) is refused, as on a storage account that disallows it. */
export function refusePublicAccess(bucket: Bucket, publicAccess: PublicAccess | undefined): void {
  if (publicAccess !== undefined && publicAccessBlock(bucket).blockPublicAcls === true) throw new AzureError('PublicAccessNotPermitted');
}

export function lastModified(bucket: Bucket): number {
  const created = bucket.createdAt?.getTime() ?? 0;
  return Math.max(created, containerMetadata(bucket).lastModified);
}

/**
 * Opaque and quoted like Azure's (`"0x8DC…"`); changes with every change of the bucket's
 * attributes except its lease (a lease changes neither ETag nor Last-Modified on Azure).
 */
export function containerEtag(bucket: Bucket): string {
  const attributes = Object.entries(bucket.attributes)
    .filter(([name]) => name !== LEASE_ATTRIBUTE)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const h = createHash('sha256')
    .update(`${bucket.name}\0${bucket.createdAt?.getTime() ?? 0}\0${JSON.stringify(attributes)}`)
    .digest('hex');
  return `"0x8D${h.slice(0, 13).toUpperCase()}"`;
}

export function parsePublicAccess(value: string | undefined): PublicAccess | undefined {
  if (value === undefined || value === '') return undefined;
  if (value !== 'container' && value !== 'blob') {
    throw new AzureError('InvalidHeaderValue', { fields: { HeaderName: 'x-ms-blob-public-access', HeaderValue: value } });
  }
  return value;
}

/**
 * Names keep the case they were written with, as Azure does (names are case-insensitive:
 * extractMetadata refuses two that differ only in case); S3 shows them lower-case.
 */
export function storedMetadata(metadata: ReadonlyMap<string, string>): Record<string, string> {
  return Object.fromEntries(metadata);
}

export function containerHeaders(bucket: Bucket): Record<string, string> {
  const acl = containerAcl(bucket);
  const out: Array<[string, string]> = [
    ['etag', containerEtag(bucket)],
    ['last-modified', formatRfc1123(lastModified(bucket))],
    ...Object.entries(leaseHeaders(effectiveLease(bucket.attributes))),
    ['x-ms-has-immutability-policy', 'false'],
    ['x-ms-has-legal-hold', 'false'],
    ...metadataHeaders(containerMetadata(bucket).metadata),
  ];
  if (acl.publicAccess !== undefined) out.push(['x-ms-blob-public-access', acl.publicAccess]);
  return Object.fromEntries(out);
}
