/**
 * ReplicationConfiguration (PutBucketReplication / GetBucketReplication) with Zenko's extension:
 * `Destination/StorageClass` lists one or more location names separated by commas, at most one
 * suffixed `:preferred_read` (the site that serves GETs once a transient source copy is gone).
 * Role is optional (cloud destinations need no IAM role pair); when given it is one IAM role ARN
 * or Zenko's source,destination pair.
 *
 * Rules come in AWS's two schema versions: V1 (top-level Prefix; prefixes must not overlap) and V2
 * (Filter; Priority and DeleteMarkerReplication required, no delete-marker replication with tag
 * filters). Errors as AWS: schema → MalformedXML; bad values, long or duplicate IDs →
 * InvalidArgument; version-specific requirements → InvalidRequest. AWS features Zenko does not
 * implement (replication time control, metrics, KMS, ownership override, existing-object
 * replication, replica modification sync) → NotImplemented rather than silently ignored.
 */
import { S3Error } from '../errors/s3-errors.js';
import type { XmlElement } from '../xml/parser.js';
import { S3_XMLNS, XmlWriter } from '../xml/writer.js';
import { generateRuleId } from './lifecycle.js';
import { readTagElements, validateTag, writeTags, type Tag } from './tagging.js';
import { container, enumText, integerText, invalidArgument, invalidRequest, malformed, optionalText, rootElement } from './xml-input.js';

export const MAX_REPLICATION_RULES = 1000;
export const PREFERRED_READ_SUFFIX = ':preferred_read';

export type ReplicationStatus = 'Enabled' | 'Disabled';

export interface ReplicationSite {
  /** Zenko location name. */
  readonly name: string;
  readonly preferredRead: boolean;
}

export interface ReplicationDestination {
  /** `arn:aws:s3:::<bucket>` as given. */
  readonly bucket: string;
  /** Parsed from StorageClass; empty when StorageClass was absent. */
  readonly sites: ReplicationSite[];
}

export interface ReplicationFilter {
  readonly prefix?: string;
  readonly tags?: Tag[];
  /** The predicates were given inside `<And>`. */
  readonly and?: true;
}

export interface ReplicationRule {
  readonly id: string;
  readonly priority?: number;
  readonly status: ReplicationStatus;
  /** V1 form. */
  readonly prefix?: string;
  /** V2 form. */
  readonly filter?: ReplicationFilter;
  readonly deleteMarkerReplication?: ReplicationStatus;
  readonly destination: ReplicationDestination;
}

export interface ReplicationConfiguration {
  readonly role?: string;
  readonly rules: ReplicationRule[];
}

const BUCKET_ARN = /^arn:aws:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$/;
const ROLE_ARN = /^arn:aws:iam::(?:\d{12}|[0-9a-f]{64}):role\/[\w+=,.@\-/]+$/;
const SITE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const UNSUPPORTED_RULE_FIELDS = ['SourceSelectionCriteria', 'ExistingObjectReplication'];
const UNSUPPORTED_DESTINATION_FIELDS = ['Account', 'AccessControlTranslation', 'EncryptionConfiguration', 'ReplicationTime', 'Metrics'];

function notImplemented(element: string): S3Error {
  return new S3Error('NotImplemented', { message: `${element} is not supported in replication configurations` });
}

/** Splits Zenko's StorageClass list: `a,b:preferred_read` → sites. */
export function parseReplicationSites(storageClass: string): ReplicationSite[] {
  const sites: ReplicationSite[] = [];
  for (const part of storageClass.split(',')) {
    const item = part.trim();
    const preferredRead = item.endsWith(PREFERRED_READ_SUFFIX);
    const name = preferredRead ? item.slice(0, -PREFERRED_READ_SUFFIX.length) : item;
    if (!SITE_NAME.test(name)) throw invalidArgument('Invalid storage class in replication destination', 'StorageClass', storageClass);
    if (sites.some((s) => s.name === name)) {
      throw invalidArgument('A location may appear only once in the replication storage class', 'StorageClass', storageClass);
    }
    sites.push({ name, preferredRead });
  }
  if (sites.filter((s) => s.preferredRead).length > 1) {
    throw invalidArgument('At most one location may be the preferred read location', 'StorageClass', storageClass);
  }
  return sites;
}

/** The StorageClass text for a list of sites. */
export function formatReplicationSites(sites: readonly ReplicationSite[]): string {
  return sites.map((s) => (s.preferredRead ? `${s.name}${PREFERRED_READ_SUFFIX}` : s.name)).join(',');
}

function parseFilter(el: XmlElement): ReplicationFilter {
  container(el, ['Prefix', 'Tag', 'And']);
  const andEl = el.one('And');
  if (andEl !== undefined) {
    if (el.children.length > 1) throw malformed('<Filter> with <And> and other predicates');
    container(andEl, ['Prefix', 'Tag']);
    const prefix = optionalText(andEl, 'Prefix');
    const tags = readTagElements(andEl);
    if ((prefix === undefined ? 0 : 1) + tags.length < 2) throw malformed('<And> needs at least two predicates');
    const seen = new Set<string>();
    for (const t of tags) {
      validateTag(t, true);
      if (seen.has(t.key)) throw invalidRequest('Duplicate Tag Keys are not allowed.');
      seen.add(t.key);
    }
    return { and: true, ...(prefix === undefined ? {} : { prefix }), ...(tags.length === 0 ? {} : { tags }) };
  }
  if (el.children.length > 1) throw malformed('several predicates in <Filter> without <And>');
  const prefix = optionalText(el, 'Prefix');
  if (prefix !== undefined) return { prefix };
  const tags = readTagElements(el);
  for (const t of tags) validateTag(t, true);
  return tags.length === 0 ? {} : { tags };
}

function parseDestination(el: XmlElement): ReplicationDestination {
  for (const c of el.children) if (UNSUPPORTED_DESTINATION_FIELDS.includes(c.name)) throw notImplemented(`Destination/${c.name}`);
  container(el, ['Bucket', 'StorageClass']);
  const bucket = optionalText(el, 'Bucket')?.trim();
  if (bucket === undefined) throw malformed('<Destination> without <Bucket>');
  if (!BUCKET_ARN.test(bucket)) throw invalidArgument('Invalid bucket ARN.', 'Destination/Bucket', bucket);
  const storageClass = optionalText(el, 'StorageClass');
  return { bucket, sites: storageClass === undefined ? [] : parseReplicationSites(storageClass) };
}

function parseRule(el: XmlElement): ReplicationRule {
  for (const c of el.children) if (UNSUPPORTED_RULE_FIELDS.includes(c.name)) throw notImplemented(c.name);
  container(el, ['ID', 'Priority', 'Status', 'Prefix', 'Filter', 'DeleteMarkerReplication', 'Destination']);
  const rawId = optionalText(el, 'ID');
  if (rawId !== undefined && rawId.length > 255) throw invalidArgument('Rule Id cannot be longer than 255 characters', 'ID', rawId);
  const id = rawId === undefined || rawId === '' ? generateRuleId() : rawId;
  const status = enumText(el, 'Status', ['Enabled', 'Disabled'] as const);
  if (status === undefined) throw malformed('<Rule> without <Status>');
  const priority = integerText(el, 'Priority', { min: 0, max: 2 ** 31 - 1 }, (v) =>
    invalidArgument('Priority must be a non-negative integer', 'Priority', v),
  );
  const prefix = optionalText(el, 'Prefix');
  const filterEl = el.one('Filter');
  if ((prefix === undefined) === (filterEl === undefined)) throw malformed('<Rule> needs exactly one of <Filter>, <Prefix>');
  if (prefix !== undefined && prefix.length > 1024) {
    throw invalidArgument('Rule prefix cannot be longer than maximum allowed key length of 1024', 'Prefix', prefix);
  }
  const dmrEl = el.one('DeleteMarkerReplication');
  let deleteMarkerReplication: ReplicationStatus | undefined;
  if (dmrEl !== undefined) {
    container(dmrEl, ['Status']);
    deleteMarkerReplication = enumText(dmrEl, 'Status', ['Enabled', 'Disabled'] as const);
    if (deleteMarkerReplication === undefined) throw malformed('<DeleteMarkerReplication> without <Status>');
  }
  const destEl = el.one('Destination');
  if (destEl === undefined) throw malformed('<Rule> without <Destination>');
  const destination = parseDestination(destEl);
  const filter = filterEl === undefined ? undefined : parseFilter(filterEl);
  if (filter !== undefined) {
    const guide =
      'for this version of Cross Region Replication configuration schema. Please refer to S3 Developer Guide for more information.';
    if (priority === undefined) throw invalidRequest(`Priority must be specified ${guide}`);
    if (deleteMarkerReplication === undefined) throw invalidRequest(`DeleteMarkerReplication must be specified ${guide}`);
    if (deleteMarkerReplication === 'Enabled' && filter.tags !== undefined) {
      throw invalidRequest(
        'Delete marker replication is not supported if any Tag filter is specified. Please refer to S3 Developer Guide for more information.',
      );
    }
  } else if (deleteMarkerReplication !== undefined) {
    throw invalidRequest('DeleteMarkerReplication cannot be specified for rules using the Prefix element; use Filter');
  }
  return {
    id,
    ...(priority === undefined ? {} : { priority }),
    status,
    ...(prefix === undefined ? {} : { prefix }),
    ...(filter === undefined ? {} : { filter }),
    ...(deleteMarkerReplication === undefined ? {} : { deleteMarkerReplication }),
    destination,
  };
}

/** Parses a PutBucketReplication body. */
export function parseReplication(input: XmlElement | Uint8Array | string): ReplicationConfiguration {
  const root = container(rootElement(input, 'ReplicationConfiguration'), ['Role', 'Rule']);
  const role = optionalText(root, 'Role')?.trim();
  if (role !== undefined && role !== '') {
    const parts = role.split(',');
    if (parts.length > 2 || !parts.every((p) => ROLE_ARN.test(p))) {
      throw invalidArgument('Invalid Role specified in replication configuration', 'Role', role);
    }
  }
  const elements = root.all('Rule');
  if (elements.length === 0) throw malformed('no <Rule>');
  if (elements.length > MAX_REPLICATION_RULES) throw malformed(`more than ${MAX_REPLICATION_RULES} rules`);
  const rules = elements.map(parseRule);
  const ids = new Set<string>();
  for (const r of rules) {
    if (ids.has(r.id)) throw invalidArgument('Rule Id must be unique', 'ID', r.id);
    ids.add(r.id);
  }
  const v1 = rules.filter((r) => r.prefix !== undefined);
  if (v1.length > 0 && v1.length < rules.length) {
    throw invalidRequest('Rules using the Prefix element and rules using the Filter element cannot be mixed');
  }
  for (const [i, a] of v1.entries()) {
    for (const b of v1.slice(i + 1)) {
      const pa = a.prefix ?? '';
      const pb = b.prefix ?? '';
      if (pa.startsWith(pb) || pb.startsWith(pa)) throw invalidRequest(`Found overlapping prefixes '${pa}' and '${pb}'`);
    }
  }
  return { ...(role === undefined || role === '' ? {} : { role }), rules };
}

/** The GetBucketReplication body. */
export function renderReplication(doc: ReplicationConfiguration): string {
  const w = new XmlWriter();
  w.open('ReplicationConfiguration', { xmlns: S3_XMLNS }).optionalLeaf('Role', doc.role);
  for (const r of doc.rules) {
    w.open('Rule').leaf('ID', r.id).optionalLeaf('Priority', r.priority);
    if (r.filter !== undefined) {
      w.open('Filter');
      if (r.filter.and === true) w.open('And');
      w.optionalLeaf('Prefix', r.filter.prefix);
      writeTags(w, r.filter.tags ?? []);
      if (r.filter.and === true) w.close();
      w.close();
    }
    w.optionalLeaf('Prefix', r.prefix).leaf('Status', r.status);
    w.open('Destination').leaf('Bucket', r.destination.bucket);
    if (r.destination.sites.length > 0) w.leaf('StorageClass', formatReplicationSites(r.destination.sites));
    w.close();
    if (r.deleteMarkerReplication !== undefined) w.open('DeleteMarkerReplication').leaf('Status', r.deleteMarkerReplication).close();
    w.close();
  }
  return w.close().end();
}

/** The bucket name of a destination ARN. */
export function destinationBucketName(arn: string): string {
  return arn.slice('arn:aws:s3:::'.length);
}

/** Every destination site of the enabled rules, once each, in rule order. */
export function replicationSites(doc: ReplicationConfiguration): ReplicationSite[] {
  const out = new Map<string, ReplicationSite>();
  for (const r of doc.rules) {
    if (r.status !== 'Enabled') continue;
    for (const s of r.destination.sites) if (!out.has(s.name)) out.set(s.name, s);
  }
  return [...out.values()];
}

/** The site marked `:preferred_read`, if any. */
export function preferredReadSite(doc: ReplicationConfiguration): string | undefined {
  return replicationSites(doc).find((s) => s.preferredRead)?.name;
}

/**
 * The enabled rule that replicates an object: V2 rules by highest Priority (ties: first), V1 rules
 * by prefix. `undefined` when the object is not replicated.
 */
export function replicationRuleFor(
  doc: ReplicationConfiguration,
  obj: { readonly key: string; readonly tags?: readonly Tag[] },
): ReplicationRule | undefined {
  let best: ReplicationRule | undefined;
  for (const r of doc.rules) {
    if (r.status !== 'Enabled') continue;
    const prefix = r.prefix ?? r.filter?.prefix ?? '';
    if (!obj.key.startsWith(prefix)) continue;
    const tags = obj.tags ?? [];
    if (!(r.filter?.tags ?? []).every((t) => tags.some((o) => o.key === t.key && o.value === t.value))) continue;
    if (best === undefined || (r.priority ?? 0) > (best.priority ?? 0)) best = r;
  }
  return best;
}
