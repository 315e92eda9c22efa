// PostObject: a browser form upload (multipart/form-data). The form carries the
// key, a base64 policy document signed with SigV4 (x-amz-signature) or SigV2
// (signature), and the file, which must be the last field. Every field must be
// allowed by a policy condition; the file streams to the location without being
// buffered, its length checked against content-length-range while it flows.
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { metadataV1Metadata } from '@zenko/gen';
import { isHeaderName, utf8HeaderValue } from '@zenko/mesh';
import { pieceOf } from '../data/placement.js';
import { S3Error } from '../errors/s3-errors.js';
import { S3_XMLNS, XmlWriter } from '../xml/writer.js';
import { parseCredential, hmacHex, signaturesEqual } from '../auth/sigv4.js';
import { deriveSigningKey } from '../auth/signing-key-cache.js';
import { base64SignaturesEqual, sigV2Signature } from '../auth/sigv2.js';
import { parseAmzDate } from '../auth/amz-date.js';
import { aclFromHeaders } from '../config/acl.js';
import { aclsDisabledFor, authorize, refusePublicAcl } from '../s3/authorize.js';
import { bucketName, isVersioned, loadBucket } from '../s3/access.js';
import { objectUrl, sendEmpty, sendXml, type Identity, type S3Context, type SignatureInfo } from '../s3/context.js';
import type { S3Handler } from '../s3/deps.js';
import { LOCATION_HEADER, quoteEtag, STORED_HEADERS, userMetadata } from '../s3/object-headers.js';
import { checkKey, cleanupLater, parseTaggingHeader, refuseAclHeaders, releaseFailedWrite } from './put-object.js';
import { parseTagging, tagsToRecord } from '../config/tagging.js';

/** Fields a policy need not name. */
const IGNORED = new Set(['x-amz-signature', 'signature', 'file', 'policy', 'awsaccesskeyid', 'x-amz-security-token']);
const MAX_FORM_FIELDS_BYTES = 20 * 1024;

/** A form field kept as a header value: its UTF-8 bytes, as a PUT's header would arrive; a control character is refused. */
function headerField(name: string, value: string): string {
  const sent = utf8HeaderValue(value);
  if (sent === undefined)
    throw new S3Error('InvalidArgument', {
      message: `The form field ${name} holds a character no header may carry`,
      fields: { ArgumentName: name, ArgumentValue: value },
    });
  return sent;
}

type Condition = { op: 'eq' | 'starts-with'; field: string; value: string } | { op: 'range'; min: number; max: number };

function policyFailure(detail: string): S3Error {
  return new S3Error('AccessDenied', { message: `Invalid according to Policy: ${detail}` });
}

function parsePolicy(base64: string): { expiration: number; conditions: Condition[] } {
  let doc: { expiration?: unknown; conditions?: unknown };
  try {
    doc = JSON.parse(Buffer.from(base64, 'base64').toString('utf8')) as typeof doc;
  } catch {
    throw new S3Error('InvalidPolicyDocument', { message: 'Invalid Policy: Invalid JSON.' });
  }
  const expiration = typeof doc.expiration === 'string' ? Date.parse(doc.expiration) : NaN;
  if (Number.isNaN(expiration)) throw new S3Error('InvalidPolicyDocument', { message: "Invalid Policy: Invalid 'expiration' value." });
  if (!Array.isArray(doc.conditions))
    throw new S3Error('InvalidPolicyDocument', { message: "Invalid Policy: Invalid 'conditions' value." });
  const conditions: Condition[] = [];
  for (const c of doc.conditions as unknown[]) {
    if (Array.isArray(c)) {
      const [op, a, b] = c as unknown[];
      if (op === 'content-length-range' && typeof a === 'number' && typeof b === 'number') conditions.push({ op: 'range', min: a, max: b });
      else if ((op === 'eq' || op === 'starts-with') && typeof a === 'string' && a.startsWith('$') && typeof b === 'string') {
        conditions.push({ op, field: a.slice(1).toLowerCase(), value: b });
      } else throw new S3Error('InvalidPolicyDocument', { message: 'Invalid Policy: Invalid Condition.' });
    } else if (c !== null && typeof c === 'object') {
      for (const [k, v] of Object.entries(c as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new S3Error('InvalidPolicyDocument', { message: 'Invalid Policy: Invalid Simple-Condition.' });
        conditions.push({ op: 'eq', field: k.toLowerCase(), value: v });
      }
    } else throw new S3Error('InvalidPolicyDocument', { message: 'Invalid Policy: Invalid Condition.' });
  }
  return { expiration, conditions };
}

/** Checks the fields against the policy; returns the content-length range. */
function checkPolicy(policy: ReturnType<typeof parsePolicy>, fields: Map<string, string>, bucket: string): { min: number; max: number } {
  if (policy.expiration < Date.now()) throw policyFailure('Policy expired.');
  const values = new Map(fields);
  values.set('bucket', bucket);
  let range = { min: 0, max: Number.MAX_SAFE_INTEGER };
  const covered = new Set<string>();
  for (const c of policy.conditions) {
    if (c.op === 'range') {
      range = { min: c.min, max: c.max };
      continue;
    }
    covered.add(c.field);
    const actual = values.get(c.field) ?? '';
    const ok = c.op === 'eq' ? actual === c.value : actual.startsWith(c.value);
    if (!ok) throw policyFailure(`Policy Condition failed: ["${c.op}", "$${c.field}", "${c.value}"]`);
  }
  for (const name of fields.keys()) {
    if (IGNORED.has(name) || name.startsWith('x-ignore-') || covered.has(name)) continue;
    throw policyFailure(`Extra input fields: ${name}`);
  }
  return range;
}

async function authenticateForm(
  ctx: S3Context,
  deps: Parameters<S3Handler>[1],
  fields: Map<string, string>,
): Promise<{ identity: Identity; signature: SignatureInfo } | undefined> {
  const policy = fields.get('policy');
  const v4 = fields.get('x-amz-signature');
  const v2 = fields.get('signature');
  if (policy === undefined) {
    if (v4 !== undefined || v2 !== undefined)
      throw new S3Error('InvalidArgument', { message: "Bucket POST must contain a field named 'policy'." });
    return undefined;
  }
  if (v4 !== undefined) {
    if (fields.get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256')
      throw new S3Error('InvalidArgument', { message: 'Bucket POST: x-amz-algorithm must be AWS4-HMAC-SHA256' });
    const credential = parseCredential(fields.get('x-amz-credential') ?? '', 'InvalidArgument');
    const amzDate = fields.get('x-amz-date') ?? '';
    const signedAtMs = parseAmzDate(amzDate);
    if (signedAtMs === undefined) throw new S3Error('InvalidArgument', { message: 'Bucket POST: invalid x-amz-date' });
    const secret = await deps.secrets.get(credential.accessKeyId);
    if (secret === undefined) throw new S3Error('InvalidAccessKeyId');
    const key = deriveSigningKey(secret.secretKey, credential.date, credential.region, credential.service);
    if (!signaturesEqual(hmacHex(key, policy), v4)) throw new S3Error('SignatureDoesNotMatch');
    return {
      identity: { accountId: secret.accountId, displayName: secret.displayName, accessKeyId: credential.accessKeyId },
      signature: { version: 'AWS4-HMAC-SHA256', authType: 'POST', signedAtMs },
    };
  }
  if (v2 !== undefined) {
    const accessKeyId = fields.get('awsaccesskeyid') ?? '';
    const secret = await deps.secrets.get(accessKeyId);
    if (secret === undefined) throw new S3Error('InvalidAccessKeyId');
    if (!base64SignaturesEqual(sigV2Signature(secret.secretKey, policy), v2)) throw new S3Error('SignatureDoesNotMatch');
    return {
      identity: { accountId: secret.accountId, displayName: secret.displayName, accessKeyId },
      signature: { version: 'AWS', authType: 'POST' },
    };
  }
  throw new S3Error('InvalidArgument', { message: 'Bucket POST must contain a signature' });
}

/** Reads the form up to the file; resolves with the fields and the file stream. */
function readForm(ctx: S3Context): Promise<{ fields: Map<string, string>; file: Readable; filename: string }> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: ctx.req.headers, limits: { fieldSize: MAX_FORM_FIELDS_BYTES, fields: 100, files: 1 } });
    } catch {
      reject(new S3Error('MalformedPOSTRequest'));
      return;
    }
    const fields = new Map<string, string>();
    let done = false;
    bb.on('field', (name, value, info) => {
      if (done) return;
      // A field cut at the size limit is refused, never stored cut.
      if (info.nameTruncated || info.valueTruncated) reject(new S3Error('MaxPostPreDataLengthExceededError'));
      fields.set(name.toLowerCase(), value);
    });
    bb.on('file', (name, file, info) => {
      if (done || name.toLowerCase() !== 'file') {
        file.resume();
        return;
      }
      done = true;
      resolve({ fields, file, filename: info.filename ?? '' });
    });
    bb.on('error', () => reject(new S3Error('MalformedPOSTRequest')));
    bb.on('close', () => {
      if (!done) reject(new S3Error('InvalidArgument', { message: 'POST requires exactly one file upload per request.' }));
    });
    (ctx.body() as Readable).pipe(bb);
  });
}

export const postObject: S3Handler = async (ctx, deps) => {
  const bucket = await loadBucket(ctx, deps);
  const { fields, file, filename } = await readForm(ctx);
  const signer = await authenticateForm(ctx, deps, fields);
  const identity = signer?.identity;
  const signed: S3Context = { ...ctx, identity, signature: signer?.signature, operation: 'PutObject' };
  const rawKey = fields.get('key');
  if (rawKey === undefined || rawKey === '')
    throw new S3Error('InvalidArgument', { message: "Bucket POST must contain a field named 'key'." });
  const key = rawKey.replaceAll('${filename}', filename);
  checkKey(key);
  authorize(signed, bucket, 'PutObject', key);
  const range = fields.has('policy')
    ? checkPolicy(parsePolicy(fields.get('policy')!), fields, bucketName(ctx))
    : { min: 0, max: Number.MAX_SAFE_INTEGER };

  const headers: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    const v = fields.get(name);
    if (v !== undefined) headers[name] = headerField(name, v);
  }
  headers['content-type'] ??= 'binary/octet-stream';
  const metaFields: Record<string, string> = {};
  for (const [name, value] of fields) {
    if (!name.startsWith('x-amz-meta-') || name === LOCATION_HEADER) continue;
    if (!isHeaderName(name)) throw new S3Error('InvalidArgument', { message: `${name} is not a valid metadata name` });
    metaFields[name] = headerField(name, value);
  }
  const meta = userMetadata(metaFields);
  const aclsDisabled = aclsDisabledFor(bucket);
  const canned = fields.get('acl');
  if (aclsDisabled) refuseAclHeaders({ 'x-amz-acl': canned });
  const owner =
    identity === undefined || aclsDisabled
      ? { id: bucket.ownerId, displayName: bucket.ownerDisplayName }
      : { id: identity.accountId, displayName: identity.displayName };
  const acl = aclsDisabled
    ? undefined
    : aclFromHeaders({ 'x-amz-acl': canned }, { owner, bucketOwner: { id: bucket.ownerId, displayName: bucket.ownerDisplayName } });
  refusePublicAcl(bucket, acl);
  const location = fields.get(LOCATION_HEADER) || bucket.location;
  // The form's tag set is an XML <Tagging> document (a query string, as the header has it, is taken too).
  const tagging = fields.get('tagging')?.trim();
  const tags =
    tagging !== undefined && tagging.startsWith('<')
      ? tagsToRecord(parseTagging(tagging, { target: 'object' }))
      : parseTaggingHeader(tagging);

  let size = 0;
  const limited = async function* (): AsyncGenerator<Uint8Array> {
    for await (const chunk of file as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > range.max) throw new S3Error('EntityTooLarge', { fields: { MaxSizeAllowed: range.max } });
      yield chunk;
    }
    if (size < range.min) throw new S3Error('EntityTooSmall', { fields: { MinSizeAllowed: range.min } });
  };
  const stored = await deps.data.put(location, limited(), { bucket: bucket.name, key, size: -1 });
  let res;
  try {
    res = await deps.metadata.putObject({
      object: metadataV1Metadata.ObjectVersion.fromPartial({
        bucket: bucket.name,
        key,
        size: stored.size,
        etag: stored.md5,
        ownerId: owner.id,
        ownerDisplayName: owner.displayName,
        storageClass: 'STANDARD',
        headers,
        userMetadata: meta,
        tags,
        data: [pieceOf(stored)],
        acl: acl === undefined ? '' : JSON.stringify(acl),
      }),
      ifMatchEtag: '',
      ifNoneMatch: false,
      forceVersionId: '',
      discardBlocks: false,
      leaseId: '',
    });
  } catch (err) {
    releaseFailedWrite(deps, [pieceOf(stored)], err, bucket.name, key);
    throw err;
  }
  cleanupLater(deps, res.replacedData);
  const out: Record<string, string> = { etag: quoteEtag(stored.md5), location: objectUrl(ctx, bucket.name, key) };
  if (isVersioned(bucket) && res.object) out['x-amz-version-id'] = res.object.versionId;
  const redirect = fields.get('success_action_redirect') ?? fields.get('redirect');
  // A value that is no URL is ignored, as S3 does: the upload succeeded and says so.
  if (redirect && URL.canParse(redirect)) {
    const url = new URL(redirect);
    url.searchParams.set('bucket', bucket.name);
    url.searchParams.set('key', key);
    url.searchParams.set('etag', quoteEtag(stored.md5));
    sendEmpty(ctx, 303, { ...out, location: url.toString() });
    return;
  }
  const status = fields.get('success_action_status');
  if (status === '201') {
    const w = new XmlWriter();
    w.open('PostResponse', { xmlns: S3_XMLNS })
      .leaf('Location', out['location']!)
      .leaf('Bucket', bucket.name)
      .leaf('Key', key)
      .leaf('ETag', quoteEtag(stored.md5))
      .close();
    sendXml(ctx, 201, w.end(), out);
    return;
  }
  sendEmpty(ctx, status === '200' ? 200 : 204, out);
};
