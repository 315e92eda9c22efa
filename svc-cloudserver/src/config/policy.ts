/**
 * Bucket policies (PutBucketPolicy / GetBucketPolicy) and their evaluation.
 *
 * The stored document is the validated policy exactly as sent (JSON keeps its shape: single values
 * stay single, so GetBucketPolicy gives back what was put). Validation follows AWS: at most 20 KiB,
 * Version 2012-10-17 or 2008-10-17, one or more statements each with Effect, exactly one of
 * Principal/NotPrincipal, Action/NotAction, Resource/NotResource; S3 actions only; resources in this
 * bucket; every action applying to one of the statement's resources; known condition operators and
 * keys. Anything else → MalformedPolicy.
 *
 * Evaluation: an explicit Deny wins, then any Allow, else 'default' (the ACLs decide).
 */
import { BlockList, isIP } from 'node:net';
import { S3Error } from '../errors/s3-errors.js';
import { S3_ACTIONS, S3_CONDITION_KEYS, S3_CONDITION_KEY_PREFIXES, type ActionResourceType } from './policy-actions.js';

export const MAX_POLICY_BYTES = 20 * 1024;
export const POLICY_VERSIONS = ['2012-10-17', '2008-10-17'] as const;

type OneOrMany<T> = T | T[];
export type ConditionValue = string | number | boolean;

export type PolicyPrincipal =
  | '*'
  | {
      readonly AWS?: OneOrMany<string>;
      readonly CanonicalUser?: OneOrMany<string>;
      readonly Service?: OneOrMany<string>;
      readonly Federated?: OneOrMany<string>;
    };

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: PolicyPrincipal;
  readonly NotPrincipal?: PolicyPrincipal;
  readonly Action?: OneOrMany<string>;
  readonly NotAction?: OneOrMany<string>;
  readonly Resource?: OneOrMany<string>;
  readonly NotResource?: OneOrMany<string>;
  /** operator → condition key → value(s) */
  readonly Condition?: Record<string, Record<string, OneOrMany<ConditionValue>>>;
}

export interface BucketPolicy {
  readonly Version?: (typeof POLICY_VERSIONS)[number];
  readonly Id?: string;
  readonly Statement: OneOrMany<PolicyStatement>;
}

function malformedPolicy(message: string): S3Error {
  return new S3Error('MalformedPolicy', { message });
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function toArray<T>(v: OneOrMany<T>): T[] {
  return Array.isArray(v) ? v : [v];
}

/** A string or a non-empty array of strings. */
function stringList(v: unknown, what: string): string[] {
  const list = Array.isArray(v) ? (v as unknown[]) : [v];
  if (list.length === 0 || !list.every((x): x is string => typeof x === 'string')) throw malformedPolicy(`Policy has invalid ${what}`);
  return list;
}

/**
 * Whether `value` matches `pattern` whole, where `*` is any run of characters and `?` one
 * (UTF-16 code unit). Greedy, going back only to the last `*` seen: at most
 * pattern × value steps whatever the pattern, where a regular expression (`.*.` per `*?`)
 * backtracks exponentially — a policy of a few `*?` stalled the service for minutes.
 */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  if (ignoreCase) {
    pattern = pattern.toLowerCase();
    value = value.toLowerCase();
  }
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === value;
  let p = 0;
  let v = 0;
  let star = -1;
  let resume = 0;
  while (v < value.length) {
    const c = pattern.charCodeAt(p);
    if (c === 0x2a /* * */) {
      star = p++;
      resume = v;
    } else if (p < pattern.length && (c === 0x3f /* ? */ || c === value.charCodeAt(v))) {
      p++;
      v++;
    } else if (star >= 0) {
      p = star + 1;
      v = ++resume;
    } else {
      return false;
    }
  }
  while (pattern.charCodeAt(p) === 0x2a) p++;
  return p === pattern.length;
}

// ---------------------------------------------------------------------------------------------
// Validation

const STATEMENT_FIELDS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);
const ACCOUNT_ID = /^(?:\d{12}|[0-9a-f]{64})$/;
const IAM_ARN = /^arn:aws:iam::(\d{12}|[0-9a-f]{64}):(root|(?:user|role)\/[\w+=,.@\-/]+)$/;
const CANONICAL_ID = /^[0-9a-f]{64}$/;

function validatePrincipal(v: unknown): void {
  if (v === '*') return;
  if (!isRecord(v) || Object.keys(v).length === 0) throw malformedPolicy('Invalid principal in policy');
  for (const [type, value] of Object.entries(v)) {
    const list = stringList(value, 'principal');
    const ok = list.every((p) => {
      switch (type) {
        case 'AWS':
          return p === '*' || ACCOUNT_ID.test(p) || IAM_ARN.test(p);
        case 'CanonicalUser':
          return CANONICAL_ID.test(p);
        case 'Service':
        case 'Federated':
          return p.length > 0;
        default:
          return false;
      }
    });
    if (!ok) throw malformedPolicy('Invalid principal in policy');
  }
}

/** The known actions an action pattern covers (empty when it names none). */
function actionsMatching(pattern: string): ActionResourceType[] {
  const p = pattern.toLowerCase();
  if (p === '*' || p === 's3:*') return ['object', 'bucket', 'other'];
  if (!p.startsWith('s3:')) return [];
  const exact = S3_ACTIONS.get(p);
  if (exact !== undefined) return [exact];
  if (!p.includes('*') && !p.includes('?')) return [];
  const kinds = new Set<ActionResourceType>();
  for (const [action, kind] of S3_ACTIONS) if (wildcardMatch(p, action)) kinds.add(kind);
  return [...kinds];
}

const RESOURCE_ARN = /^arn:aws:s3:::([^/]+)(\/.*)?$/s;

/** The resource types a resource pattern may address in `bucket`; throws if it is not in it. */
function resourceTypes(resource: string, bucket: string): ActionResourceType[] {
  if (resource === '*') return ['bucket', 'object'];
  const m = RESOURCE_ARN.exec(resource);
  if (m === null) throw malformedPolicy('Policy has invalid resource');
  const bucketPart = m[1] ?? '';
  const keyPart = m[2];
  if (keyPart === undefined) {
    // A wildcard may span the '/' and so address objects too.
    if (bucketPart.includes('*')) {
      if (!wildcardMatch(bucketPart, bucket) && !wildcardMatch(bucketPart, `${bucket}/x`)) {
        throw malformedPolicy('Policy has invalid resource');
      }
      return ['bucket', 'object'];
    }
    if (!wildcardMatch(bucketPart, bucket)) throw malformedPolicy('Policy has invalid resource');
    return ['bucket'];
  }
  if (!wildcardMatch(bucketPart, bucket)) throw malformedPolicy('Policy has invalid resource');
  return ['object'];
}

const CONDITION_OPERATORS = new Set([
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Null',
]);

interface ParsedOperator {
  readonly base: string;
  readonly qualifier: 'ForAnyValue' | 'ForAllValues' | undefined;
  readonly ifExists: boolean;
}

function parseOperator(op: string): ParsedOperator | undefined {
  let rest = op;
  let qualifier: ParsedOperator['qualifier'];
  if (rest.startsWith('ForAnyValue:')) {
    qualifier = 'ForAnyValue';
    rest = rest.slice('ForAnyValue:'.length);
  } else if (rest.startsWith('ForAllValues:')) {
    qualifier = 'ForAllValues';
    rest = rest.slice('ForAllValues:'.length);
  }
  let ifExists = false;
  if (rest.endsWith('IfExists') && rest !== 'IfExists') {
    ifExists = true;
    rest = rest.slice(0, -'IfExists'.length);
  }
  if (!CONDITION_OPERATORS.has(rest) || (ifExists && rest === 'Null')) return undefined;
  return { base: rest, qualifier, ifExists };
}

function validConditionKey(key: string): boolean {
  const k = key.toLowerCase();
  if (/^aws:[a-z0-9]+(?:\/.+)?$/i.test(k)) return true;
  return S3_CONDITION_KEYS.has(k) || S3_CONDITION_KEY_PREFIXES.some((p) => k.startsWith(p) && k.length > p.length);
}

function validValue(base: string, v: ConditionValue): boolean {
  const s = String(v);
  if (base.startsWith('Numeric')) return s.trim() !== '' && Number.isFinite(Number(s));
  if (base.startsWith('Date')) return parseDate(s) !== undefined;
  if (base === 'Bool' || base === 'Null') return /^(true|false)$/i.test(s);
  if (base === 'IpAddress' || base === 'NotIpAddress') return parseCidr(s) !== undefined;
  return true;
}

function validateCondition(v: unknown): void {
  if (!isRecord(v)) throw malformedPolicy('Policy has an invalid condition');
  for (const [op, block] of Object.entries(v)) {
    const parsed = parseOperator(op);
    if (parsed === undefined) throw malformedPolicy(`Invalid Condition type : ${op}`);
    if (!isRecord(block) || Object.keys(block).length === 0) throw malformedPolicy('Policy has an invalid condition');
    for (const [key, values] of Object.entries(block)) {
      if (!validConditionKey(key)) throw malformedPolicy('Policy has an invalid condition key');
      const list = Array.isArray(values) ? (values as unknown[]) : [values];
      if (list.length === 0) throw malformedPolicy('Policy has an invalid condition');
      for (const x of list) {
        if ((typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') || !validValue(parsed.base, x)) {
          throw malformedPolicy('Invalid Condition value');
        }
      }
    }
  }
}

function validateStatement(s: unknown, bucket: string): void {
  if (!isRecord(s)) throw malformedPolicy('Policy has invalid statement');
  for (const k of Object.keys(s)) if (!STATEMENT_FIELDS.has(k)) throw malformedPolicy(`Unknown field ${k}`);
  if (s['Sid'] !== undefined && typeof s['Sid'] !== 'string') throw malformedPolicy('Policy has an invalid Sid');
  if (s['Effect'] !== 'Allow' && s['Effect'] !== 'Deny') {
    throw malformedPolicy(s['Effect'] === undefined ? 'Missing required field Effect' : 'Invalid effect');
  }
  const exactlyOne = (a: string, b: string): string => {
    const hasA = s[a] !== undefined;
    const hasB = s[b] !== undefined;
    if (hasA === hasB) throw malformedPolicy(hasA ? `Statement has both ${a} and ${b}` : `Missing required field ${a}`);
    return hasA ? a : b;
  };
  validatePrincipal(s[exactlyOne('Principal', 'NotPrincipal')]);
  const actionField = exactlyOne('Action', 'NotAction');
  const actions = stringList(s[actionField], 'action');
  const actionKinds = actions.map((a) => {
    const kinds = actionsMatching(a);
    if (kinds.length === 0) throw malformedPolicy('Policy has invalid action');
    return kinds;
  });
  const resourceField = exactlyOne('Resource', 'NotResource');
  const resources = stringList(s[resourceField], 'resource');
  const kinds = new Set(resources.flatMap((r) => resourceTypes(r, bucket)));
  if (actionField === 'Action' && resourceField === 'Resource') {
    for (const k of actionKinds) {
      if (!k.some((kind) => kinds.has(kind))) throw malformedPolicy('Action does not apply to any resource(s) in statement');
    }
  }
  if (s['Condition'] !== undefined) validateCondition(s['Condition']);
}

/** Parses and validates a PutBucketPolicy body for `bucket`. */
export function parsePolicy(body: string | Uint8Array, options: { readonly bucket: string }): BucketPolicy {
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (Buffer.byteLength(text, 'utf8') > MAX_POLICY_BYTES) throw malformedPolicy('Policies cannot exceed 20 KB in size');
  if (!text.trimStart().startsWith('{')) throw malformedPolicy("Policies must be valid JSON and the first byte must be '{'");
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw malformedPolicy('This policy contains invalid Json');
  }
  if (!isRecord(doc)) throw malformedPolicy("Policies must be valid JSON and the first byte must be '{'");
  for (const k of Object.keys(doc)) if (k !== 'Version' && k !== 'Id' && k !== 'Statement') throw malformedPolicy(`Unknown field ${k}`);
  const version = doc['Version'];
  if (version !== undefined && !POLICY_VERSIONS.some((v) => v === version)) throw malformedPolicy('Invalid policy version');
  if (doc['Id'] !== undefined && typeof doc['Id'] !== 'string') throw malformedPolicy('Policy has an invalid Id');
  const statement = doc['Statement'];
  if (statement === undefined) throw malformedPolicy('Missing required field Statement');
  const statements = Array.isArray(statement) ? (statement as unknown[]) : [statement];
  if (statements.length === 0) throw malformedPolicy('Could not parse the policy: Statement is empty!');
  const sids = new Set<string>();
  for (const s of statements) {
    validateStatement(s, options.bucket);
    const sid = (s as Record<string, unknown>)['Sid'];
    if (typeof sid === 'string' && sid !== '') {
      if (sids.has(sid)) throw malformedPolicy('Statement IDs (SID) in a single policy must be unique');
      sids.add(sid);
    }
  }
  return doc as unknown as BucketPolicy;
}

/** The GetBucketPolicy body. */
export function renderPolicy(doc: BucketPolicy): string {
  return JSON.stringify(doc);
}

// ---------------------------------------------------------------------------------------------
// Evaluation

export type PolicyPrincipalRequest =
  | 'anonymous'
  | {
      /** The requester's account (64-hex canonical ID in Zenko, or a 12-digit AWS account). */
      readonly accountId: string;
      /** The requester's IAM ARN when it is a user or role (`arn:aws:iam::<acct>:user/…`). */
      readonly arn?: string;
      /** Canonical user ID, when different from accountId. */
      readonly canonicalId?: string;
    };

export interface PolicyRequest {
  readonly principal: PolicyPrincipalRequest;
  /** `s3:GetObject`, … */
  readonly action: string;
  /** `arn:aws:s3:::bucket` or `arn:aws:s3:::bucket/key` */
  readonly resource: string;
  /** Condition keys present in the request (`aws:SourceIp`, `s3:prefix`, …), any case. */
  readonly conditions: Readonly<Record<string, string | readonly string[] | undefined>>;
}

export type PolicyDecision = 'allow' | 'deny' | 'default';

function principalMatches(p: PolicyPrincipal, who: PolicyPrincipalRequest): boolean {
  if (p === '*') return true;
  for (const v of toArray(p.AWS ?? [])) {
    if (v === '*') return true;
    if (who === 'anonymous') continue;
    if (ACCOUNT_ID.test(v) && v === who.accountId) return true;
    const m = IAM_ARN.exec(v);
    if (m !== null && m[2] === 'root' && m[1] === who.accountId) return true;
    if (m !== null && who.arn === v) return true;
  }
  if (who !== 'anonymous') {
    for (const v of toArray(p.CanonicalUser ?? [])) if (v === (who.canonicalId ?? who.accountId)) return true;
  }
  return false;
}

type Context = ReadonlyMap<string, readonly string[]>;

function contextOf(conditions: PolicyRequest['conditions']): Context {
  const ctx = new Map<string, readonly string[]>();
  for (const [k, v] of Object.entries(conditions)) {
    if (v === undefined) continue;
    ctx.set(k.toLowerCase(), typeof v === 'string' ? [v] : v);
  }
  return ctx;
}

/** Replaces `${key}` policy variables (2012-10-17 only); undefined when a variable is unknown. */
function substitute(pattern: string, ctx: Context, enabled: boolean): string | undefined {
  if (!enabled || !pattern.includes('${')) return pattern;
  let unknown = false;
  const out = pattern.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
    if (name === '*' || name === '?' || name === '$') return name;
    const v = ctx.get(name.trim().toLowerCase());
    if (v === undefined || v.length !== 1 || v[0] === undefined) {
      unknown = true;
      return '';
    }
    return v[0];
  });
  return unknown ? undefined : out;
}

function parseDate(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}/.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

interface Cidr {
  readonly list: BlockList;
}

function parseCidr(s: string): Cidr | undefined {
  const [addr = '', bits] = s.trim().split('/');
  const family = isIP(addr);
  if (family === 0) return undefined;
  const max = family === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return undefined;
  const list = new BlockList();
  list.addSubnet(addr, prefix, family === 4 ? 'ipv4' : 'ipv6');
  return { list };
}

function ipIn(ip: string, cidr: string): boolean {
  const c = parseCidr(cidr);
  const family = isIP(ip);
  if (c === undefined || family === 0) return false;
  return c.list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

/** The non-negated form of an operator and whether it was negated. */
function positive(base: string): { op: string; negated: boolean } {
  switch (base) {
    case 'StringNotEquals':
      return { op: 'StringEquals', negated: true };
    case 'StringNotEqualsIgnoreCase':
      return { op: 'StringEqualsIgnoreCase', negated: true };
    case 'StringNotLike':
      return { op: 'StringLike', negated: true };
    case 'NumericNotEquals':
      return { op: 'NumericEquals', negated: true };
    case 'DateNotEquals':
      return { op: 'DateEquals', negated: true };
    case 'NotIpAddress':
      return { op: 'IpAddress', negated: true };
    case 'ArnNotEquals':
      return { op: 'ArnEquals', negated: true };
    case 'ArnNotLike':
      return { op: 'ArnLike', negated: true };
    default:
      return { op: base, negated: false };
  }
}

function compare(op: string, actual: string, expected: string, ctx: Context, variables: boolean): boolean {
  switch (op) {
    case 'StringEquals':
    case 'StringEqualsIgnoreCase': {
      const e = substitute(expected, ctx, variables);
      if (e === undefined) return false;
      return op === 'StringEquals' ? actual === e : actual.toLowerCase() === e.toLowerCase();
    }
    case 'StringLike':
    case 'ArnLike': {
      const e = substitute(expected, ctx, variables);
      return e !== undefined && wildcardMatch(e, actual);
    }
    case 'ArnEquals':
      return actual === expected;
    case 'NumericEquals':
    case 'NumericLessThan':
    case 'NumericLessThanEquals':
    case 'NumericGreaterThan':
    case 'NumericGreaterThanEquals':
    case 'DateEquals':
    case 'DateLessThan':
    case 'DateLessThanEquals':
    case 'DateGreaterThan':
    case 'DateGreaterThanEquals': {
      const numeric = op.startsWith('Numeric');
      const a = numeric ? (actual.trim() === '' ? NaN : Number(actual)) : (parseDate(actual) ?? NaN);
      const e = numeric ? Number(expected) : (parseDate(expected) ?? NaN);
      if (Number.isNaN(a) || Number.isNaN(e)) return false;
      if (op.endsWith('LessThanEquals')) return a <= e;
      if (op.endsWith('LessThan')) return a < e;
      if (op.endsWith('GreaterThanEquals')) return a >= e;
      if (op.endsWith('GreaterThan')) return a > e;
      return a === e;
    }
    case 'Bool':
      return actual.toLowerCase() === expected.toLowerCase();
    case 'BinaryEquals':
      return actual === expected;
    case 'IpAddress':
      return ipIn(actual, expected);
    default:
      return false;
  }
}

function conditionHolds(op: string, key: string, values: OneOrMany<ConditionValue>, ctx: Context, variables: boolean): boolean {
  const parsed = parseOperator(op);
  if (parsed === undefined) return false;
  const expected = toArray(values).map(String);
  const actual = ctx.get(key.toLowerCase());
  if (parsed.base === 'Null') {
    const absent = actual === undefined || actual.length === 0;
    return expected.some((e) => (e.toLowerCase() === 'true') === absent);
  }
  const { op: base, negated } = positive(parsed.base);
  if (actual === undefined || actual.length === 0) {
    // Absent key: IfExists and ForAllValues hold vacuously; ForAnyValue never holds (no value to
    // match, even a negated operator); a single-valued negated operator holds (nothing equals).
    return parsed.ifExists || parsed.qualifier === 'ForAllValues' || (negated && parsed.qualifier !== 'ForAnyValue');
  }
  const one = (a: string): boolean => {
    const hit = expected.some((e) => compare(base, a, e, ctx, variables));
    return negated ? !hit : hit;
  };
  return parsed.qualifier === 'ForAllValues' ? actual.every(one) : actual.some(one);
}

function statementApplies(s: PolicyStatement, req: PolicyRequest, ctx: Context, variables: boolean): boolean {
  if (s.Principal !== undefined && !principalMatches(s.Principal, req.principal)) return false;
  if (s.NotPrincipal !== undefined && principalMatches(s.NotPrincipal, req.principal)) return false;
  const actionHit = (list: OneOrMany<string>): boolean => toArray(list).some((a) => wildcardMatch(a, req.action, true));
  if (s.Action !== undefined && !actionHit(s.Action)) return false;
  if (s.NotAction !== undefined && actionHit(s.NotAction)) return false;
  const resourceHit = (list: OneOrMany<string>): boolean =>
    toArray(list).some((r) => {
      const pattern = substitute(r, ctx, variables);
      return pattern !== undefined && wildcardMatch(pattern, req.resource);
    });
  if (s.Resource !== undefined && !resourceHit(s.Resource)) return false;
  if (s.NotResource !== undefined && resourceHit(s.NotResource)) return false;
  for (const [op, block] of Object.entries(s.Condition ?? {})) {
    for (const [key, values] of Object.entries(block)) {
      if (!conditionHolds(op, key, values, ctx, variables)) return false;
    }
  }
  return true;
}

/** Evaluates a bucket policy for one request: explicit Deny wins over Allow; else 'default'. */
export function evaluatePolicy(doc: BucketPolicy, req: PolicyRequest): PolicyDecision {
  const ctx = contextOf(req.conditions);
  const variables = doc.Version === '2012-10-17';
  let allowed = false;
  for (const s of toArray(doc.Statement)) {
    if (!statementApplies(s, req, ctx, variables)) continue;
    if (s.Effect === 'Deny') return 'deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'default';
}

/**
 * Condition keys whose fixed values make a statement non-public (S3's "public" test for
 * GetBucketPolicyStatus and Block Public Access): a grant to everyone restricted to given
 * networks, source resources, accounts or organizations.
 */
const FIXED_VALUE_KEYS = new Set([
  'aws:sourceip',
  'aws:sourcearn',
  'aws:sourcevpc',
  'aws:sourcevpce',
  'aws:sourceowner',
  'aws:sourceaccount',
  'aws:principalorgid',
  'aws:principalaccount',
  'aws:principalarn',
  'aws:userid',
  's3:x-amz-server-side-encryption-aws-kms-key-id',
  's3:dataaccesspointarn',
  's3:dataaccesspointaccount',
]);

/** A condition that pins a fixed-value key to values without wildcards (an IP range no wider than /8). */
function restrictsToFixedValues(condition: PolicyStatement['Condition']): boolean {
  for (const [op, block] of Object.entries(condition ?? {})) {
    const parsed = parseOperator(op);
    // A negated operator, a set qualifier or IfExists (true without the key) restricts nothing.
    if (
      parsed === undefined ||
      parsed.qualifier !== undefined ||
      parsed.ifExists ||
      parsed.base.startsWith('Not') ||
      parsed.base === 'Null'
    )
      continue;
    for (const [key, values] of Object.entries(block)) {
      if (!FIXED_VALUE_KEYS.has(key.toLowerCase())) continue;
      const fixed = toArray(values).every((v) => {
        const s = String(v);
        if (parsed.base === 'IpAddress') {
          const bits = s.split('/')[1];
          return bits === undefined || Number(bits) >= 8;
        }
        return !s.includes('*') && !s.includes('?');
      });
      if (fixed) return true;
    }
  }
  return false;
}

/**
 * Whether a policy is public as S3 defines it (GetBucketPolicyStatus IsPublic): some Allow
 * statement grants to everyone (`*`, `{"AWS": "*"}`, or a NotPrincipal) without a condition that
 * pins a fixed-value key (source IP range, VPC, source ARN or account, organization, …).
 */
export function isPublicPolicy(doc: BucketPolicy): boolean {
  return toArray(doc.Statement).some((s) => {
    if (s.Effect !== 'Allow') return false;
    const everyone =
      s.NotPrincipal !== undefined || s.Principal === '*' || (s.Principal !== undefined && toArray(s.Principal.AWS ?? []).includes('*'));
    return everyone && !restrictsToFixedValues(s.Condition);
  });
}
