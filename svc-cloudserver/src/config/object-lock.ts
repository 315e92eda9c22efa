/**
 * Object Lock: the bucket's ObjectLockConfiguration, an object's Retention and LegalHold, the
 * `x-amz-object-lock-*` headers of PutObject / CopyObject / CreateMultipartUpload, and the default
 * retention a new object receives.
 *
 * Errors as AWS: schema violations (missing or unknown ObjectLockEnabled, Mode, Status; both or
 * neither of Days and Years) → MalformedXML; a non-positive or too large period → InvalidArgument;
 * a retain-until date in the past → InvalidArgument.
 */
import { S3Error } from '../errors/s3-errors.js';
import type { XmlElement } from '../xml/parser.js';
import { S3_XMLNS, XmlWriter } from '../xml/writer.js';
import { container, enumText, integerText, invalidArgument, malformed, optionalText, parseIsoDate, rootElement } from './xml-input.js';

export const RETENTION_MODES = ['GOVERNANCE', 'COMPLIANCE'] as const;
export type RetentionMode = (typeof RETENTION_MODES)[number];

/** AWS's maximum default retention periods. */
export const MAX_RETENTION_DAYS = 36_500;
export const MAX_RETENTION_YEARS = 100;

export type DefaultRetention =
  { readonly mode: RetentionMode; readonly days: number } | { readonly mode: RetentionMode; readonly years: number };

export interface ObjectLockConfiguration {
  readonly enabled: true;
  readonly defaultRetention?: DefaultRetention;
}

export interface ObjectRetention {
  readonly mode: RetentionMode;
  /** ISO 8601, UTC, millisecond precision. */
  readonly retainUntilDate: string;
}

export type LegalHoldStatus = 'ON' | 'OFF';

/** Parses a PutObjectLockConfiguration body. */
export function parseObjectLockConfiguration(input: XmlElement | Uint8Array | string): ObjectLockConfiguration {
  const root = container(rootElement(input, 'ObjectLockConfiguration', 64 * 1024), ['ObjectLockEnabled', 'Rule']);
  const enabled = enumText(root, 'ObjectLockEnabled', ['Enabled']);
  if (enabled === undefined) throw malformed('no <ObjectLockEnabled>');
  const rule = root.one('Rule');
  if (rule === undefined) return { enabled: true };
  container(rule, ['DefaultRetention']);
  const dr = container(rule.require('DefaultRetention'), ['Mode', 'Days', 'Years']);
  const mode = enumText(dr, 'Mode', RETENTION_MODES);
  if (mode === undefined) throw malformed('no <Mode> in <DefaultRetention>');
  const positive = (): S3Error => invalidArgument('Default retention period must be a positive integer value');
  const days = integerText(dr, 'Days', { min: 1 }, positive);
  const years = integerText(dr, 'Years', { min: 1 }, positive);
  if ((days === undefined) === (years === undefined)) throw malformed('<DefaultRetention> needs exactly one of <Days>, <Years>');
  if (days !== undefined) {
    if (days > MAX_RETENTION_DAYS) throw invalidArgument('Default retention period is too large.');
    return { enabled: true, defaultRetention: { mode, days } };
  }
  const y = years ?? 0;
  if (y > MAX_RETENTION_YEARS) throw invalidArgument('Default retention period is too large.');
  return { enabled: true, defaultRetention: { mode, years: y } };
}

/** The GetObjectLockConfiguration body. */
export function renderObjectLockConfiguration(doc: ObjectLockConfiguration): string {
  const w = new XmlWriter();
  w.open('ObjectLockConfiguration', { xmlns: S3_XMLNS }).leaf('ObjectLockEnabled', 'Enabled');
  const dr = doc.defaultRetention;
  if (dr !== undefined) {
    w.open('Rule').open('DefaultRetention').leaf('Mode', dr.mode);
    if ('days' in dr) w.leaf('Days', dr.days);
    else w.leaf('Years', dr.years);
    w.close().close();
  }
  return w.close().end();
}

/**
 * The retention a new object gets from the bucket's default (Days: now + n × 24 h; Years: the
 * same calendar date n years later), or `undefined` when the bucket has no default.
 */
export function defaultRetentionFor(doc: ObjectLockConfiguration | undefined, now: Date): ObjectRetention | undefined {
  const dr = doc?.defaultRetention;
  if (dr === undefined) return undefined;
  const until = new Date(now.getTime());
  if ('days' in dr) until.setTime(until.getTime() + dr.days * 86_400_000);
  else until.setUTCFullYear(until.getUTCFullYear() + dr.years);
  return { mode: dr.mode, retainUntilDate: until.toISOString() };
}

function futureDate(raw: string, now: Date): string {
  const d = parseIsoDate(raw);
  if (d === undefined) throw invalidArgument('The retain until date must be provided in ISO 8601 format');
  if (d.getTime() <= now.getTime()) throw invalidArgument('The retain until date must be in the future!');
  return d.toISOString();
}

/**
 * Parses a PutObjectRetention body. An empty `<Retention/>` (no Mode, no date) removes the
 * retention (allowed for GOVERNANCE with bypass; the handler decides) → `undefined`.
 */
export function parseRetention(input: XmlElement | Uint8Array | string, options: { readonly now: Date }): ObjectRetention | undefined {
  const root = container(rootElement(input, 'Retention', 64 * 1024), ['Mode', 'RetainUntilDate']);
  const mode = enumText(root, 'Mode', RETENTION_MODES);
  const date = optionalText(root, 'RetainUntilDate');
  if (mode === undefined && date === undefined) return undefined;
  if (mode === undefined || date === undefined) throw malformed('<Retention> needs both <Mode> and <RetainUntilDate>');
  return { mode, retainUntilDate: futureDate(date, options.now) };
}

/** The GetObjectRetention body. */
export function renderRetention(doc: ObjectRetention): string {
  const w = new XmlWriter();
  w.open('Retention', { xmlns: S3_XMLNS }).leaf('Mode', doc.mode).leaf('RetainUntilDate', doc.retainUntilDate);
  return w.close().end();
}

/** Parses a PutObjectLegalHold body. */
export function parseLegalHold(input: XmlElement | Uint8Array | string): LegalHoldStatus {
  const root = container(rootElement(input, 'LegalHold', 64 * 1024), ['Status']);
  const status = enumText(root, 'Status', ['ON', 'OFF'] as const);
  if (status === undefined) throw malformed('no <Status> in <LegalHold>');
  return status;
}

/** The GetObjectLegalHold body. */
export function renderLegalHold(status: LegalHoldStatus): string {
  const w = new XmlWriter();
  return w.open('LegalHold', { xmlns: S3_XMLNS }).leaf('Status', status).close().end();
}

export interface ObjectLockHeaders {
  readonly retention?: ObjectRetention;
  readonly legalHold?: LegalHoldStatus;
}

/**
 * Reads `x-amz-object-lock-mode`, `x-amz-object-lock-retain-until-date` (both or neither) and
 * `x-amz-object-lock-legal-hold`. Whether the bucket has Object Lock enabled is the caller's check.
 */
export function parseObjectLockHeaders(headers: Readonly<Record<string, string | undefined>>, now: Date): ObjectLockHeaders {
  const mode = headers['x-amz-object-lock-mode'];
  const date = headers['x-amz-object-lock-retain-until-date'];
  const hold = headers['x-amz-object-lock-legal-hold'];
  let retention: ObjectRetention | undefined;
  if (mode !== undefined || date !== undefined) {
    if (mode === undefined || date === undefined) {
      throw invalidArgument('x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied');
    }
    const m = RETENTION_MODES.find((x) => x === mode.trim());
    if (m === undefined) throw invalidArgument('Unknown wormMode directive.', 'x-amz-object-lock-mode', mode);
    retention = { mode: m, retainUntilDate: futureDate(date, now) };
  }
  let legalHold: LegalHoldStatus | undefined;
  if (hold !== undefined) {
    if (hold !== 'ON' && hold !== 'OFF') {
      throw new S3Error('InvalidArgument', {
        message: 'Legal Hold must be either of ON or OFF',
        fields: { ArgumentName: 'x-amz-object-lock-legal-hold', ArgumentValue: hold },
      });
    }
    legalHold = hold;
  }
  return { ...(retention === undefined ? {} : { retention }), ...(legalHold === undefined ? {} : { legalHold }) };
}
