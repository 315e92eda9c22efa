// MongoDB wire protocol framing: the 16-byte message header, OP_MSG (sections of kind 0
// and 1, checksum, moreToCome) and the legacy OP_QUERY / OP_REPLY pair that drivers use
// for the very first hello of a connection.

import { BSON } from 'bson';
import type { Doc } from './bson-order.js';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

const HEADER_SIZE = 16;
export const MAX_MESSAGE_SIZE = 48_000_000;

const FLAG_CHECKSUM_PRESENT = 1 << 0;
const FLAG_MORE_TO_COME = 1 << 1;
/** Bits 0-15 are "required": a receiver must reject flags it does not know. */
const KNOWN_REQUIRED_FLAGS = FLAG_CHECKSUM_PRESENT | FLAG_MORE_TO_COME;

/** A malformed message: the connection is closed without a reply. */
export class WireProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireProtocolError';
  }
}

export type WireRequest =
  | { readonly kind: 'msg'; readonly requestId: number; readonly moreToCome: boolean; readonly body: Doc }
  | { readonly kind: 'query'; readonly requestId: number; readonly body: Doc };

const DESERIALIZE_OPTIONS = { promoteBuffers: false, bsonRegExp: false, validation: { utf8: true } } as const;

function readDocument(buf: Buffer, offset: number, end: number): { doc: Doc; next: number } {
  if (offset + 5 > end) throw new WireProtocolError('truncated BSON document');
  const size = buf.readInt32LE(offset);
  if (size < 5 || offset + size > end) throw new WireProtocolError('BSON document size out of bounds');
  let doc: Doc;
  try {
    doc = BSON.deserialize(buf.subarray(offset, offset + size), DESERIALIZE_OPTIONS);
  } catch (err) {
    throw new WireProtocolError(`invalid BSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { doc, next: offset + size };
}

function readCString(buf: Buffer, offset: number, end: number): { value: string; next: number } {
  const nul = buf.indexOf(0, offset);
  if (nul < 0 || nul >= end) throw new WireProtocolError('unterminated cstring');
  return { value: buf.toString('utf8', offset, nul), next: nul + 1 };
}

/** Splits a byte stream into whole messages. */
export class MessageFramer {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Buffer[] = [];
    for (;;) {
      if (this.pending.length < 4) break;
      const size = this.pending.readInt32LE(0);
      if (size < HEADER_SIZE || size > MAX_MESSAGE_SIZE) throw new WireProtocolError(`invalid message length ${size}`);
      if (this.pending.length < size) break;
      out.push(this.pending.subarray(0, size));
      this.pending = this.pending.subarray(size);
    }
    return out;
  }
}

/** Parses one whole message (as produced by MessageFramer). */
export function parseMessage(buf: Buffer): WireRequest {
  const requestId = buf.readInt32LE(4);
  const opCode = buf.readInt32LE(12);
  switch (opCode) {
    case OP_MSG:
      return parseOpMsg(buf, requestId);
    case OP_QUERY:
      return parseOpQuery(buf, requestId);
    default:
      throw new WireProtocolError(`unsupported opCode ${opCode}`);
  }
}

function parseOpMsg(buf: Buffer, requestId: number): WireRequest {
  if (buf.length < HEADER_SIZE + 5) throw new WireProtocolError('OP_MSG too short');
  const flags = buf.readUInt32LE(HEADER_SIZE);
  if ((flags & 0xffff & ~KNOWN_REQUIRED_FLAGS) !== 0) throw new WireProtocolError(`unknown required OP_MSG flags ${flags}`);
  let end = buf.length;
  if ((flags & FLAG_CHECKSUM_PRESENT) !== 0) {
    end -= 4;
    if (end < HEADER_SIZE + 5) throw new WireProtocolError('OP_MSG too short for checksum');
    if (crc32c(buf.subarray(0, end)) !== buf.readUInt32LE(end)) throw new WireProtocolError('OP_MSG checksum mismatch');
  }
  let body: Doc | undefined;
  const sequences: Array<[string, Doc[]]> = [];
  let pos = HEADER_SIZE + 4;
  while (pos < end) {
    const kind = buf[pos];
    pos += 1;
    if (kind === 0) {
      if (body !== undefined) throw new WireProtocolError('OP_MSG has more than one body section');
      const r = readDocument(buf, pos, end);
      body = r.doc;
      pos = r.next;
    } else if (kind === 1) {
      if (pos + 4 > end) throw new WireProtocolError('truncated document sequence');
      const size = buf.readInt32LE(pos);
      const seqEnd = pos + size;
      if (size < 5 || seqEnd > end) throw new WireProtocolError('document sequence size out of bounds');
      const id = readCString(buf, pos + 4, seqEnd);
      const docs: Doc[] = [];
      let p = id.next;
      while (p < seqEnd) {
        const r = readDocument(buf, p, seqEnd);
        docs.push(r.doc);
        p = r.next;
      }
      sequences.push([id.value, docs]);
      pos = seqEnd;
    } else {
      throw new WireProtocolError(`unsupported OP_MSG section kind ${String(kind)}`);
    }
  }
  if (body === undefined) throw new WireProtocolError('OP_MSG without a body section');
  for (const [id, docs] of sequences) {
    if (Object.hasOwn(body, id)) throw new WireProtocolError(`duplicate field ${id} in body and document sequence`);
    body[id] = docs;
  }
  return { kind: 'msg', requestId, moreToCome: (flags & FLAG_MORE_TO_COME) !== 0, body };
}

function parseOpQuery(buf: Buffer, requestId: number): WireRequest {
  let pos = HEADER_SIZE + 4; // flags
  const ns = readCString(buf, pos, buf.length);
  pos = ns.next + 8; // numberToSkip, numberToReturn
  const q = readDocument(buf, pos, buf.length);
  const dot = ns.value.indexOf('.');
  if (dot <= 0 || ns.value.slice(dot + 1) !== '$cmd') throw new WireProtocolError(`OP_QUERY on ${ns.value} is not a command`);
  const wrapped = q.doc['$query'];
  const body: Doc = wrapped !== null && typeof wrapped === 'object' && !Array.isArray(wrapped) ? { ...(wrapped as Doc) } : q.doc;
  body['$db'] = ns.value.slice(0, dot);
  return { kind: 'query', requestId, body };
}

const SERIALIZE_OPTIONS = { checkKeys: false, ignoreUndefined: true } as const;

function header(size: number, requestId: number, responseTo: number, opCode: number): Buffer {
  const h = Buffer.alloc(HEADER_SIZE);
  h.writeInt32LE(size, 0);
  h.writeInt32LE(requestId, 4);
  h.writeInt32LE(responseTo, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

export function encodeOpMsg(requestId: number, responseTo: number, doc: Doc): Buffer {
  const payload = BSON.serialize(doc, SERIALIZE_OPTIONS);
  const size = HEADER_SIZE + 4 + 1 + payload.length;
  const prefix = Buffer.alloc(5); // flagBits = 0, section kind 0
  return Buffer.concat([header(size, requestId, responseTo, OP_MSG), prefix, payload], size);
}

export function encodeOpReply(requestId: number, responseTo: number, doc: Doc): Buffer {
  const payload = BSON.serialize(doc, SERIALIZE_OPTIONS);
  const fixed = Buffer.alloc(20); // responseFlags, cursorID (8), startingFrom, numberReturned
  fixed.writeInt32LE(1, 16);
  const size = HEADER_SIZE + fixed.length + payload.length;
  return Buffer.concat([header(size, requestId, responseTo, OP_REPLY), fixed, payload], size);
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli), the OP_MSG checksum. */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) crc = (CRC32C_TABLE[(crc ^ b) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
