/**
 * The Azure Blob XML response documents, written through the one escaping writer: List Containers
 * and List Blobs (`EnumerationResults`, flat and hierarchical), Get Block List (`BlockList`), Get
 * Container ACL (`SignedIdentifiers`), Get Blob Service Properties (`StorageServiceProperties`) and
 * Get Blob Tags (`Tags`). Element names and order follow the Azure REST reference.
 */
import { formatRfc1123 } from '../protocol/dates.js';
import type { CorsRule, RetentionPolicy, SignedIdentifier, StaticWebsite } from './request-bodies.js';
import { XmlWriter } from './writer.js';

type Metadata = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

function entries(m: Metadata): Array<[string, string]> {
  return m instanceof Map ? [...(m as ReadonlyMap<string, string>)] : Object.entries(m as Readonly<Record<string, string>>);
}

/** A metadata name an XML element can carry (S3 accepts names such as `1abc` that it cannot). */
const ELEMENT_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function writeMetadata(w: XmlWriter, metadata: Metadata | undefined): void {
  if (metadata === undefined) return;
  w.open('Metadata');
  // A name that cannot be an element is listed as Azure lists invalid names, not a failed listing.
  for (const [name, value] of entries(metadata)) {
    if (ELEMENT_NAME.test(name)) w.leaf(name, value);
    else w.leaf('x-ms-invalid-name', name);
  }
  w.close();
}

function writePaging(
  w: XmlWriter,
  page: { prefix?: string | undefined; marker?: string | undefined; maxResults?: number | undefined },
): void {
  w.optionalLeaf('Prefix', page.prefix).optionalLeaf('Marker', page.marker).optionalLeaf('MaxResults', page.maxResults);
}

// ---------------------------------------------------------------------------------------------
// List Containers

export interface ContainerEntry {
  readonly name: string;
  readonly lastModified: number;
  readonly etag: string;
  readonly leaseStatus?: 'locked' | 'unlocked';
  readonly leaseState?: 'available' | 'leased' | 'expired' | 'breaking' | 'broken';
  readonly leaseDuration?: 'infinite' | 'fixed';
  readonly publicAccess?: 'container' | 'blob';
  readonly hasImmutabilityPolicy?: boolean;
  readonly hasLegalHold?: boolean;
  readonly metadata?: Metadata;
}

export interface ListContainersResult {
  /** `http://127.0.0.1:10000/devstoreaccount1/` or `https://account.blob.core.windows.net/`. */
  readonly serviceEndpoint: string;
  readonly prefix?: string | undefined;
  readonly marker?: string | undefined;
  readonly maxResults?: number | undefined;
  readonly containers: readonly ContainerEntry[];
  /** Empty when the listing is complete. */
  readonly nextMarker: string;
}

export function listContainersXml(r: ListContainersResult): Buffer {
  const w = new XmlWriter();
  w.open('EnumerationResults', { ServiceEndpoint: r.serviceEndpoint });
  writePaging(w, r);
  w.open('Containers');
  for (const c of r.containers) {
    w.open('Container').leaf('Name', c.name).open('Properties');
    w.leaf('Last-Modified', formatRfc1123(c.lastModified)).leaf('Etag', c.etag);
    w.leaf('LeaseStatus', c.leaseStatus ?? 'unlocked').leaf('LeaseState', c.leaseState ?? 'available');
    w.optionalLeaf('LeaseDuration', c.leaseDuration).optionalLeaf('PublicAccess', c.publicAccess);
    w.leaf('HasImmutabilityPolicy', c.hasImmutabilityPolicy ?? false).leaf('HasLegalHold', c.hasLegalHold ?? false);
    w.close();
    writeMetadata(w, c.metadata);
    w.close();
  }
  return w.close().leaf('NextMarker', r.nextMarker).close().endBytes();
}

// ---------------------------------------------------------------------------------------------
// List Blobs

export interface BlobEntry {
  readonly name: string;
  readonly creationTime: number;
  readonly lastModified: number;
  readonly etag: string;
  readonly contentLength: number | bigint;
  readonly contentType?: string | undefined;
  readonly contentEncoding?: string | undefined;
  readonly contentLanguage?: string | undefined;
  /** Base64. */
  readonly contentMd5?: string | undefined;
  readonly cacheControl?: string | undefined;
  readonly contentDisposition?: string | undefined;
  readonly accessTier?: string | undefined;
  readonly leaseStatus?: 'locked' | 'unlocked';
  readonly leaseState?: 'available' | 'leased' | 'expired' | 'breaking' | 'broken';
  readonly leaseDuration?: 'infinite' | 'fixed';
  readonly tagCount?: number | undefined;
  /** Written when the request asked for `include=metadata`. */
  readonly metadata?: Metadata | undefined;
  /** Written when the request asked for `include=tags`. */
  readonly tags?: Metadata | undefined;
  /** The blob's copy properties, as its `x-ms-copy-*` headers; written for `include=copy`. */
  readonly copy?: Readonly<Record<string, string>> | undefined;
}

export interface ListBlobsResult {
  readonly serviceEndpoint: string;
  readonly containerName: string;
  readonly prefix?: string | undefined;
  readonly marker?: string | undefined;
  readonly maxResults?: number | undefined;
  /** Hierarchical listings name their delimiter and return `blobPrefixes`. */
  readonly delimiter?: string | undefined;
  readonly blobs: readonly BlobEntry[];
  readonly blobPrefixes?: readonly string[];
  readonly nextMarker: string;
}

function writeTags(w: XmlWriter, tags: Metadata): void {
  w.open('Tags').open('TagSet');
  for (const [key, value] of entries(tags)) w.open('Tag').leaf('Key', key).leaf('Value', value).close();
  w.close().close();
}

const COPY_ELEMENTS = [
  ['CopyId', 'x-ms-copy-id'],
  ['CopyStatus', 'x-ms-copy-status'],
  ['CopySource', 'x-ms-copy-source'],
  ['CopyProgress', 'x-ms-copy-progress'],
  ['CopyCompletionTime', 'x-ms-copy-completion-time'],
] as const;

// Characters XML 1.0 cannot carry, even as references (U+0000–U+001F but TAB, LF, CR; U+FFFE, U+FFFF).
// eslint-disable-next-line no-control-regex
const NOT_IN_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

/** A listed blob (or prefix) name: percent-encoded with `Encoded="true"` when XML cannot carry it, as Azure does. */
function writeBlobName(w: XmlWriter, name: string): XmlWriter {
  return NOT_IN_XML.test(name) ? w.leaf('Name', encodeURIComponent(name), { Encoded: 'true' }) : w.leaf('Name', name);
}

/** Whether `a` sorts before `b` in the namespace's order (their UTF-8 bytes). */
function utf8Before(a: string, b: string): boolean {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')) < 0;
}

function writeBlob(w: XmlWriter, b: BlobEntry): void {
  writeBlobName(w.open('Blob'), b.name).open('Properties');
  // Azure lists a blob's Etag without the quotes of its ETag header (containers keep them).
  w.leaf('Creation-Time', formatRfc1123(b.creationTime))
    .leaf('Last-Modified', formatRfc1123(b.lastModified))
    .leaf('Etag', b.etag.replace(/^"(.*)"$/, '$1'));
  w.leaf('Content-Length', b.contentLength).leaf('Content-Type', b.contentType ?? 'application/octet-stream');
  w.leaf('Content-Encoding', b.contentEncoding ?? '').leaf('Content-Language', b.contentLanguage ?? '');
  w.leaf('Content-CRC64', '').leaf('Content-MD5', b.contentMd5 ?? '');
  w.leaf('Cache-Control', b.cacheControl ?? '').leaf('Content-Disposition', b.contentDisposition ?? '');
  w.leaf('BlobType', 'BlockBlob');
  w.leaf('AccessTier', b.accessTier ?? 'Hot').leaf('AccessTierInferred', b.accessTier === undefined);
  w.leaf('LeaseStatus', b.leaseStatus ?? 'unlocked').leaf('LeaseState', b.leaseState ?? 'available');
  w.optionalLeaf('LeaseDuration', b.leaseDuration);
  for (const [element, header] of COPY_ELEMENTS) w.optionalLeaf(element, b.copy?.[header]);
  w.leaf('ServerEncrypted', true).optionalLeaf('TagCount', b.tagCount);
  w.close();
  writeMetadata(w, b.metadata);
  if (b.tags !== undefined) writeTags(w, b.tags);
  w.close();
}

export function listBlobsXml(r: ListBlobsResult): Buffer {
  const w = new XmlWriter();
  w.open('EnumerationResults', { ServiceEndpoint: r.serviceEndpoint, ContainerName: r.containerName });
  writePaging(w, r);
  w.optionalLeaf('Delimiter', r.delimiter);
  w.open('Blobs');
  // Blobs and prefixes in one name order, as Azure lists them.
  const prefixes = r.blobPrefixes ?? [];
  let p = 0;
  for (const b of r.blobs) {
    for (; p < prefixes.length && utf8Before(prefixes[p]!, b.name); p++) writeBlobName(w.open('BlobPrefix'), prefixes[p]!).close();
    writeBlob(w, b);
  }
  for (; p < prefixes.length; p++) writeBlobName(w.open('BlobPrefix'), prefixes[p]!).close();
  return w.close().leaf('NextMarker', r.nextMarker).close().endBytes();
}

// ---------------------------------------------------------------------------------------------
// Get Block List

export interface BlockInfo {
  /** The Base64 block ID. */
  readonly name: string;
  readonly size: number;
}

/** `undefined` lists are left out (`blocklisttype=committed` / `uncommitted`). */
export function blockListXml(committed: readonly BlockInfo[] | undefined, uncommitted: readonly BlockInfo[] | undefined): Buffer {
  const w = new XmlWriter();
  w.open('BlockList');
  for (const [element, blocks] of [
    ['CommittedBlocks', committed],
    ['UncommittedBlocks', uncommitted],
  ] as const) {
    if (blocks === undefined) continue;
    w.open(element);
    for (const b of blocks) w.open('Block').leaf('Name', b.name).leaf('Size', b.size).close();
    w.close();
  }
  return w.close().endBytes();
}

// ---------------------------------------------------------------------------------------------
// Get Container ACL

export function signedIdentifiersXml(identifiers: readonly SignedIdentifier[]): Buffer {
  const w = new XmlWriter();
  w.open('SignedIdentifiers');
  for (const s of identifiers) {
    w.open('SignedIdentifier').leaf('Id', s.id).open('AccessPolicy');
    w.optionalLeaf('Start', s.start).optionalLeaf('Expiry', s.expiry).optionalLeaf('Permission', s.permission);
    w.close().close();
  }
  return w.close().endBytes();
}

// ---------------------------------------------------------------------------------------------
// Get Blob Service Properties

export interface MetricsSettings {
  readonly version: string;
  readonly enabled: boolean;
  readonly includeApis?: boolean;
  readonly retentionPolicy: RetentionPolicy;
}

export interface LoggingSettings {
  readonly version: string;
  readonly delete: boolean;
  readonly read: boolean;
  readonly write: boolean;
  readonly retentionPolicy: RetentionPolicy;
}

export interface ServiceProperties {
  readonly logging: LoggingSettings;
  readonly hourMetrics: MetricsSettings;
  readonly minuteMetrics: MetricsSettings;
  readonly cors: readonly CorsRule[];
  readonly defaultServiceVersion?: string | undefined;
  readonly deleteRetentionPolicy: RetentionPolicy;
  readonly staticWebsite: StaticWebsite;
}

function writeRetention(w: XmlWriter, name: string, r: RetentionPolicy): void {
  w.open(name)
    .leaf('Enabled', r.enabled)
    .optionalLeaf('Days', r.enabled ? r.days : undefined)
    .close();
}

function writeMetrics(w: XmlWriter, name: string, m: MetricsSettings): void {
  w.open(name).leaf('Version', m.version).leaf('Enabled', m.enabled);
  if (m.enabled) w.leaf('IncludeAPIs', m.includeApis ?? false);
  writeRetention(w, 'RetentionPolicy', m.retentionPolicy);
  w.close();
}

export function servicePropertiesXml(p: ServiceProperties): Buffer {
  const w = new XmlWriter();
  w.open('StorageServiceProperties');
  // The schema's order: Delete, Read, Write.
  w.open('Logging')
    .leaf('Version', p.logging.version)
    .leaf('Delete', p.logging.delete)
    .leaf('Read', p.logging.read)
    .leaf('Write', p.logging.write);
  writeRetention(w, 'RetentionPolicy', p.logging.retentionPolicy);
  w.close();
  writeMetrics(w, 'HourMetrics', p.hourMetrics);
  writeMetrics(w, 'MinuteMetrics', p.minuteMetrics);
  w.open('Cors');
  for (const rule of p.cors) {
    w.open('CorsRule')
      .leaf('AllowedOrigins', rule.allowedOrigins.join(','))
      .leaf('AllowedMethods', rule.allowedMethods.join(','))
      .leaf('AllowedHeaders', rule.allowedHeaders.join(','))
      .leaf('ExposedHeaders', rule.exposedHeaders.join(','))
      .leaf('MaxAgeInSeconds', rule.maxAgeInSeconds)
      .close();
  }
  w.close();
  w.optionalLeaf('DefaultServiceVersion', p.defaultServiceVersion);
  writeRetention(w, 'DeleteRetentionPolicy', p.deleteRetentionPolicy);
  w.open('StaticWebsite').leaf('Enabled', p.staticWebsite.enabled);
  w.optionalLeaf('IndexDocument', p.staticWebsite.indexDocument).optionalLeaf('ErrorDocument404Path', p.staticWebsite.errorDocument404Path);
  w.optionalLeaf('DefaultIndexDocumentPath', p.staticWebsite.defaultIndexDocumentPath);
  w.close();
  return w.close().endBytes();
}

// ---------------------------------------------------------------------------------------------
// Get Blob Tags

export function blobTagsXml(tags: Metadata): Buffer {
  const w = new XmlWriter();
  w.open('Tags').open('TagSet');
  for (const [key, value] of entries(tags)) w.open('Tag').leaf('Key', key).leaf('Value', value).close();
  return w.close().close().endBytes();
}

// ---------------------------------------------------------------------------------------------
// Find Blobs by Tags (account and container level)

export interface FilterBlobEntry {
  readonly name: string;
  readonly containerName: string;
  /** The blob's tags the expression names. */
  readonly tags: Metadata;
}

export function filterBlobsXml(r: {
  serviceEndpoint: string;
  where: string;
  blobs: readonly FilterBlobEntry[];
  nextMarker: string;
}): Buffer {
  const w = new XmlWriter();
  w.open('EnumerationResults', { ServiceEndpoint: r.serviceEndpoint }).leaf('Where', r.where).open('Blobs');
  for (const b of r.blobs) {
    w.open('Blob').leaf('Name', b.name).leaf('ContainerName', b.containerName);
    writeTags(w, b.tags);
    w.close();
  }
  return w.close().leaf('NextMarker', r.nextMarker).close().endBytes();
}
