/**
 * LifecycleConfiguration (PutBucketLifecycleConfiguration / GetBucketLifecycleConfiguration), the
 * rule filter evaluation and the `x-amz-expiration` header of HEAD/GET.
 *
 * Transition and NoncurrentVersionTransition StorageClass values are Zenko location names: any
 * non-empty name is accepted here; `lifecycleStorageClasses(doc)` lists them for the caller to
 * check (InvalidStorageClass / InvalidArgument there).
 *
 * Errors as AWS: schema violations (missing Status, both or neither of Filter and Prefix, several
 * predicates outside <And>, several or no Expiration choices, …) → MalformedXML; bad numbers and
 * dates, long or duplicate IDs → InvalidArgument; conflicting actions → InvalidRequest.
 */
import { randomUUID } from 'node:crypto';
import type { XmlElement } from '../xml/parser.js';
import { S3_XMLNS, XmlWriter } from '../xml/writer.js';
import { readTagElements, validateTag, writeTags, type Tag } from './tagging.js';
import {
  booleanText,
  container,
  enumText,
  integerText,
  invalidArgument,
  invalidRequest,
  malformed,
  optionalText,
  parseIsoDate,
  rootElement,
} from './xml-input.js';

export const MAX_LIFECYCLE_RULES = 1000;
export const MAX_RULE_ID_LENGTH = 255;

export type RuleStatus = 'Enabled' | 'Disabled';

export interface LifecycleFilter {
  readonly prefix?: string;
  /** One tag for a plain `<Tag>` filter; any number inside `<And>`. */
  readonly tags?: Tag[];
  readonly objectSizeGreaterThan?: number;
  readonly objectSizeLessThan?: number;
  /** The predicates were given inside `<And>`. */
  readonly and?: true;
}

/** Exactly one of the three. Dates are ISO 8601 at midnight UTC. */
export interface LifecycleExpiration {
  readonly days?: number;
  readonly date?: string;
  readonly expiredObjectDeleteMarker?: boolean;
}

/** Exactly one of days and date. */
export interface LifecycleTransition {
  readonly days?: number;
  readonly date?: string;
  readonly storageClass: string;
}

export interface NoncurrentVersionTransition {
  readonly noncurrentDays: number;
  readonly newerNoncurrentVersions?: number;
  readonly storageClass: string;
}

export interface NoncurrentVersionExpiration {
  readonly noncurrentDays: number;
  readonly newerNoncurrentVersions?: number;
}

export interface LifecycleRule {
  readonly id: string;
  readonly status: RuleStatus;
  /** Legacy (V1) form: a top-level `<Prefix>` instead of `<Filter>`. */
  readonly prefix?: string;
  readonly filter?: LifecycleFilter;
  readonly expiration?: LifecycleExpiration;
  readonly transitions?: LifecycleTransition[];
  readonly noncurrentVersionTransitions?: NoncurrentVersionTransition[];
  readonly noncurrentVersionExpiration?: NoncurrentVersionExpiration;
  readonly abortIncompleteMultipartUpload?: { readonly daysAfterInitiation: number };
}

export interface LifecycleConfiguration {
  readonly rules: LifecycleRule[];
}

const RULE_FIELDS = [
  'ID',
  'Status',
  'Filter',
  'Prefix',
  'Expiration',
  'Transition',
  'NoncurrentVersionTransition',
  'NoncurrentVersionExpiration',
  'AbortIncompleteMultipartUpload',
];
const PREDICATES = ['Prefix', 'Tag', 'ObjectSizeGreaterThan', 'ObjectSizeLessThan'];

/** A rule ID as AWS generates one when the request has none (base64 of a UUID). */
export function generateRuleId(): string {
  return Buffer.from(randomUUID()).toString('base64');
}

function midnightDate(parent: XmlElement, action: string): string | undefined {
  const raw = optionalText(parent, 'Date');
  if (raw === undefined) return undefined;
  const d = parseIsoDate(raw);
  if (d === undefined) throw malformed(`invalid <Date> in <${action}>`);
  if (d.getTime() % 86_400_000 !== 0) throw invalidArgument("'Date' must be at midnight GMT", 'Date', raw.trim());
  return d.toISOString();
}

function size(parent: XmlElement, name: string): number | undefined {
  return integerText(parent, name, { min: 0 }, (v) => invalidArgument(`'${name}' must be a non-negative integer`, name, v));
}

function parseFilter(el: XmlElement): LifecycleFilter {
  container(el, [...PREDICATES, 'And']);
  const andEl = el.one('And');
  if (andEl !== undefined) {
    if (el.children.length > 1) throw malformed('<Filter> with <And> and other predicates');
    container(andEl, PREDICATES);
    const prefix = optionalText(andEl, 'Prefix');
    const tags = readTagElements(andEl);
    const gt = size(andEl, 'ObjectSizeGreaterThan');
    const lt = size(andEl, 'ObjectSizeLessThan');
    const count = (prefix === undefined ? 0 : 1) + tags.length + (gt === undefined ? 0 : 1) + (lt === undefined ? 0 : 1);
    if (count < 2) throw malformed('<And> needs at least two predicates');
    const seen = new Set<string>();
    for (const t of tags) {
      validateTag(t, true);
      if (seen.has(t.key)) throw invalidRequest('Duplicate Tag Keys are not allowed.');
      seen.add(t.key);
    }
    if (gt !== undefined && lt !== undefined && gt >= lt) {
      throw invalidRequest('ObjectSizeGreaterThan must be less than ObjectSizeLessThan');
    }
    return {
      and: true,
      ...(prefix === undefined ? {} : { prefix }),
      ...(tags.length === 0 ? {} : { tags }),
      ...(gt === undefined ? {} : { objectSizeGreaterThan: gt }),
      ...(lt === undefined ? {} : { objectSizeLessThan: lt }),
    };
  }
  if (el.children.length > 1) throw malformed('several predicates in <Filter> without <And>');
  const prefix = optionalText(el, 'Prefix');
  if (prefix !== undefined) return { prefix };
  const tags = readTagElements(el);
  if (tags.length === 1) {
    for (const t of tags) validateTag(t, true);
    return { tags };
  }
  const gt = size(el, 'ObjectSizeGreaterThan');
  if (gt !== undefined) return { objectSizeGreaterThan: gt };
  const lt = size(el, 'ObjectSizeLessThan');
  if (lt !== undefined) return { objectSizeLessThan: lt };
  return {};
}

function positiveDays(parent: XmlElement, name: string, action: string, min = 1): number | undefined {
  return integerText(parent, name, { min }, (v) =>
    invalidArgument(`'${name}' for ${action} action must be ${min === 0 ? 'a nonnegative' : 'a positive'} integer`, name, v),
  );
}

function newerVersions(parent: XmlElement): number | undefined {
  return integerText(parent, 'NewerNoncurrentVersions', { min: 1, max: 100 }, (v) =>
    invalidArgument("'NewerNoncurrentVersions' must be an integer between 1 and 100", 'NewerNoncurrentVersions', v),
  );
}

function storageClass(parent: XmlElement, action: string): string {
  const sc = optionalText(parent, 'StorageClass')?.trim();
  if (sc === undefined || sc === '') throw malformed(`<${action}> without <StorageClass>`);
  return sc;
}

function parseExpiration(el: XmlElement): LifecycleExpiration {
  container(el, ['Days', 'Date', 'ExpiredObjectDeleteMarker']);
  if (el.children.length !== 1) throw malformed('<Expiration> needs exactly one of <Days>, <Date>, <ExpiredObjectDeleteMarker>');
  const days = positiveDays(el, 'Days', 'Expiration');
  if (days !== undefined) return { days };
  const date = midnightDate(el, 'Expiration');
  if (date !== undefined) return { date };
  return { expiredObjectDeleteMarker: booleanText(el, 'ExpiredObjectDeleteMarker') ?? false };
}

function parseTransition(el: XmlElement): LifecycleTransition {
  container(el, ['Days', 'Date', 'StorageClass']);
  const days = positiveDays(el, 'Days', 'Transition', 0);
  const date = midnightDate(el, 'Transition');
  if ((days === undefined) === (date === undefined)) throw malformed('<Transition> needs exactly one of <Days>, <Date>');
  const sc = storageClass(el, 'Transition');
  return days !== undefined ? { days, storageClass: sc } : { date: date ?? '', storageClass: sc };
}

function parseNoncurrentTransition(el: XmlElement): NoncurrentVersionTransition {
  container(el, ['NoncurrentDays', 'NewerNoncurrentVersions', 'StorageClass']);
  const noncurrentDays = positiveDays(el, 'NoncurrentDays', 'NoncurrentVersionTransition', 0);
  if (noncurrentDays === undefined) throw malformed('<NoncurrentVersionTransition> without <NoncurrentDays>');
  const newer = newerVersions(el);
  const sc = storageClass(el, 'NoncurrentVersionTransition');
  return newer === undefined ? { noncurrentDays, storageClass: sc } : { noncurrentDays, newerNoncurrentVersions: newer, storageClass: sc };
}

function parseNoncurrentExpiration(el: XmlElement): NoncurrentVersionExpiration {
  container(el, ['NoncurrentDays', 'NewerNoncurrentVersions']);
  const noncurrentDays = positiveDays(el, 'NoncurrentDays', 'NoncurrentVersionExpiration');
  if (noncurrentDays === undefined) throw malformed('<NoncurrentVersionExpiration> without <NoncurrentDays>');
  const newer = newerVersions(el);
  return newer === undefined ? { noncurrentDays } : { noncurrentDays, newerNoncurrentVersions: newer };
}

function filterDescription(rule: { prefix?: string; filter?: LifecycleFilter }): string {
  return rule.filter?.prefix ?? rule.prefix ?? '';
}

/** Cross-action checks of one rule (AWS's InvalidRequest / InvalidArgument answers). */
function checkActions(rule: LifecycleRule): void {
  const { expiration, transitions = [], noncurrentVersionTransitions = [], noncurrentVersionExpiration } = rule;
  const abort = rule.abortIncompleteMultipartUpload;
  if (
    expiration === undefined &&
    transitions.length === 0 &&
    noncurrentVersionTransitions.length === 0 &&
    noncurrentVersionExpiration === undefined &&
    abort === undefined
  ) {
    throw invalidRequest('At least one action needs to be specified in a rule');
  }
  const f = rule.filter;
  const tagOrSize =
    f !== undefined && (f.tags !== undefined || f.objectSizeGreaterThan !== undefined || f.objectSizeLessThan !== undefined);
  if (tagOrSize && expiration?.expiredObjectDeleteMarker !== undefined) {
    throw invalidRequest('ExpiredObjectDeleteMarker cannot be specified with a tag-based or object size-based filter');
  }
  if (tagOrSize && abort !== undefined) {
    throw invalidRequest('AbortIncompleteMultipartUpload cannot be specified with a tag-based or object size-based filter');
  }
  const where = `lifecycle rule for prefix '${filterDescription(rule)}'`;
  const classes = new Set<string>();
  for (const t of transitions) {
    if (classes.has(t.storageClass)) throw invalidRequest("'StorageClass' must be different for 'Transition' actions in same 'Rule'");
    classes.add(t.storageClass);
  }
  const byDays = transitions.filter((t) => t.days !== undefined);
  if (byDays.length > 0 && byDays.length < transitions.length) {
    throw invalidRequest(`Found mixed 'Date' and 'Days' based Transition actions in ${where}`);
  }
  if (expiration !== undefined && transitions.length > 0) {
    if ((expiration.days !== undefined && byDays.length === 0) || (expiration.date !== undefined && byDays.length > 0)) {
      throw invalidRequest(`Found mixed 'Date' and 'Days' based Expiration and Transition actions in ${where}`);
    }
    for (const t of transitions) {
      if (expiration.days !== undefined && t.days !== undefined && expiration.days <= t.days) {
        throw invalidArgument("'Days' in the Expiration action must be greater than 'Days' in the Transition action");
      }
      if (expiration.date !== undefined && t.date !== undefined && expiration.date <= t.date) {
        throw invalidArgument("'Date' in the Expiration action must be later than 'Date' in the Transition action");
      }
    }
  }
  const ncClasses = new Set<string>();
  for (const t of noncurrentVersionTransitions) {
    if (ncClasses.has(t.storageClass)) {
      throw invalidRequest("'StorageClass' must be different for 'NoncurrentVersionTransition' actions in same 'Rule'");
    }
    ncClasses.add(t.storageClass);
    if (noncurrentVersionExpiration !== undefined && noncurrentVersionExpiration.noncurrentDays <= t.noncurrentDays) {
      throw invalidArgument(
        "'NoncurrentDays' in the NoncurrentVersionExpiration action must be greater than 'NoncurrentDays' in the NoncurrentVersionTransition action",
      );
    }
  }
}

function parseRule(el: XmlElement): LifecycleRule {
  container(el, RULE_FIELDS);
  const rawId = optionalText(el, 'ID');
  if (rawId !== undefined && rawId.length > MAX_RULE_ID_LENGTH) {
    throw invalidArgument('ID length should not exceed allowed limit of 255', 'ID', rawId);
  }
  const id = rawId === undefined || rawId === '' ? generateRuleId() : rawId;
  const status = enumText(el, 'Status', ['Enabled', 'Disabled'] as const);
  if (status === undefined) throw malformed('<Rule> without <Status>');
  const filterEl = el.one('Filter');
  const prefix = optionalText(el, 'Prefix');
  if ((filterEl === undefined) === (prefix === undefined)) throw malformed('<Rule> needs exactly one of <Filter>, <Prefix>');
  const expirationEl = el.one('Expiration');
  const ncExpirationEl = el.one('NoncurrentVersionExpiration');
  const abortEl = el.one('AbortIncompleteMultipartUpload');
  const transitions = el.all('Transition').map(parseTransition);
  const ncTransitions = el.all('NoncurrentVersionTransition').map(parseNoncurrentTransition);
  let abort: LifecycleRule['abortIncompleteMultipartUpload'];
  if (abortEl !== undefined) {
    container(abortEl, ['DaysAfterInitiation']);
    const d = positiveDays(abortEl, 'DaysAfterInitiation', 'AbortIncompleteMultipartUpload');
    if (d === undefined) throw malformed('<AbortIncompleteMultipartUpload> without <DaysAfterInitiation>');
    abort = { daysAfterInitiation: d };
  }
  const rule: LifecycleRule = {
    id,
    status,
    ...(prefix === undefined ? {} : { prefix }),
    ...(filterEl === undefined ? {} : { filter: parseFilter(filterEl) }),
    ...(expirationEl === undefined ? {} : { expiration: parseExpiration(expirationEl) }),
    ...(transitions.length === 0 ? {} : { transitions }),
    ...(ncTransitions.length === 0 ? {} : { noncurrentVersionTransitions: ncTransitions }),
    ...(ncExpirationEl === undefined ? {} : { noncurrentVersionExpiration: parseNoncurrentExpiration(ncExpirationEl) }),
    ...(abort === undefined ? {} : { abortIncompleteMultipartUpload: abort }),
  };
  checkActions(rule);
  return rule;
}

/** Parses a PutBucketLifecycleConfiguration body; rules without an ID get a generated one. */
export function parseLifecycle(input: XmlElement | Uint8Array | string): LifecycleConfiguration {
  const root = container(rootElement(input, 'LifecycleConfiguration'), ['Rule']);
  const elements = root.all('Rule');
  if (elements.length === 0) throw malformed('no <Rule>');
  if (elements.length > MAX_LIFECYCLE_RULES) throw malformed(`more than ${MAX_LIFECYCLE_RULES} rules`);
  const rules = elements.map(parseRule);
  const ids = new Set<string>();
  for (const r of rules) {
    if (ids.has(r.id)) throw invalidArgument('Rule ID must be unique. Found same ID for more than one rule', 'ID', r.id);
    ids.add(r.id);
  }
  return { rules };
}

function writePredicates(w: XmlWriter, f: LifecycleFilter): void {
  w.optionalLeaf('Prefix', f.prefix);
  writeTags(w, f.tags ?? []);
  w.optionalLeaf('ObjectSizeGreaterThan', f.objectSizeGreaterThan).optionalLeaf('ObjectSizeLessThan', f.objectSizeLessThan);
}

/** The GetBucketLifecycleConfiguration body, elements in AWS's order. */
export function renderLifecycle(doc: LifecycleConfiguration): string {
  const w = new XmlWriter();
  w.open('LifecycleConfiguration', { xmlns: S3_XMLNS });
  for (const r of doc.rules) {
    w.open('Rule').leaf('ID', r.id);
    if (r.filter !== undefined) {
      w.open('Filter');
      if (r.filter.and === true) {
        w.open('And');
        writePredicates(w, r.filter);
        w.close();
      } else {
        writePredicates(w, r.filter);
      }
      w.close();
    }
    w.optionalLeaf('Prefix', r.prefix).leaf('Status', r.status);
    for (const t of r.transitions ?? []) {
      w.open('Transition').optionalLeaf('Days', t.days).optionalLeaf('Date', t.date).leaf('StorageClass', t.storageClass).close();
    }
    if (r.expiration !== undefined) {
      w.open('Expiration')
        .optionalLeaf('Days', r.expiration.days)
        .optionalLeaf('Date', r.expiration.date)
        .optionalLeaf('ExpiredObjectDeleteMarker', r.expiration.expiredObjectDeleteMarker)
        .close();
    }
    for (const t of r.noncurrentVersionTransitions ?? []) {
      w.open('NoncurrentVersionTransition')
        .leaf('NoncurrentDays', t.noncurrentDays)
        .optionalLeaf('NewerNoncurrentVersions', t.newerNoncurrentVersions)
        .leaf('StorageClass', t.storageClass)
        .close();
    }
    const nce = r.noncurrentVersionExpiration;
    if (nce !== undefined) {
      w.open('NoncurrentVersionExpiration')
        .leaf('NoncurrentDays', nce.noncurrentDays)
        .optionalLeaf('NewerNoncurrentVersions', nce.newerNoncurrentVersions)
        .close();
    }
    if (r.abortIncompleteMultipartUpload !== undefined) {
      w.open('AbortIncompleteMultipartUpload').leaf('DaysAfterInitiation', r.abortIncompleteMultipartUpload.daysAfterInitiation).close();
    }
    w.close();
  }
  return w.close().end();
}

/** Every storage class (Zenko location) the configuration transitions to, once each. */
export function lifecycleStorageClasses(doc: LifecycleConfiguration): string[] {
  const out = new Set<string>();
  for (const r of doc.rules) {
    for (const t of r.transitions ?? []) out.add(t.storageClass);
    for (const t of r.noncurrentVersionTransitions ?? []) out.add(t.storageClass);
  }
  return [...out];
}

export interface LifecycleObject {
  readonly key: string;
  /** The object's tags (list or record). */
  readonly tags?: readonly Tag[] | Readonly<Record<string, string>>;
  readonly size?: number;
}

function tagLookup(tags: LifecycleObject['tags']): (key: string) => string | undefined {
  if (tags === undefined) return () => undefined;
  if (isTagList(tags)) return (key) => tags.find((t) => t.key === key)?.value;
  return (key) => (Object.hasOwn(tags, key) ? tags[key] : undefined);
}

function isTagList(tags: readonly Tag[] | Readonly<Record<string, string>>): tags is readonly Tag[] {
  return Array.isArray(tags);
}

/** Whether a rule's filter (or legacy prefix) selects the object; the rule's status is not checked. */
export function ruleMatches(rule: LifecycleRule, obj: LifecycleObject): boolean {
  if (rule.prefix !== undefined) return obj.key.startsWith(rule.prefix);
  const f = rule.filter;
  if (f === undefined) return true;
  if (f.prefix !== undefined && !obj.key.startsWith(f.prefix)) return false;
  if (f.tags !== undefined && f.tags.length > 0) {
    const have = tagLookup(obj.tags);
    if (!f.tags.every((t) => have(t.key) === t.value)) return false;
  }
  if (f.objectSizeGreaterThan !== undefined && !(obj.size !== undefined && obj.size > f.objectSizeGreaterThan)) return false;
  if (f.objectSizeLessThan !== undefined && !(obj.size !== undefined && obj.size < f.objectSizeLessThan)) return false;
  return true;
}

const DAY_MS = 86_400_000;

/**
 * When a current version expires under one rule: Days → the object's creation time plus n days,
 * rounded up to the next midnight UTC (as S3 documents); Date → that date.
 */
export function expiryDate(rule: LifecycleRule, lastModified: Date): Date | undefined {
  const e = rule.expiration;
  if (e?.days !== undefined) {
    const startOfDay = Math.floor(lastModified.getTime() / DAY_MS) * DAY_MS;
    return new Date(startOfDay + (e.days + 1) * DAY_MS);
  }
  if (e?.date !== undefined) return new Date(e.date);
  return undefined;
}

export interface ExpirationQuery extends LifecycleObject {
  readonly lastModified: Date;
  readonly isLatest: boolean;
}

/**
 * The `x-amz-expiration` value for HEAD/GET: `expiry-date="<HTTP date>", rule-id="<URL-encoded
 * ID>"` for the earliest expiry among the enabled rules whose Expiration (Days or Date) applies to
 * this current version; `undefined` when none does (and for noncurrent versions).
 */
export function expirationHeader(doc: LifecycleConfiguration, obj: ExpirationQuery): string | undefined {
  if (!obj.isLatest) return undefined;
  let best: { date: Date; rule: LifecycleRule } | undefined;
  for (const rule of doc.rules) {
    if (rule.status !== 'Enabled' || !ruleMatches(rule, obj)) continue;
    const date = expiryDate(rule, obj.lastModified);
    if (date !== undefined && (best === undefined || date.getTime() < best.date.getTime())) best = { date, rule };
  }
  if (best === undefined) return undefined;
  return `expiry-date="${best.date.toUTCString()}", rule-id="${encodeURIComponent(best.rule.id)}"`;
}
