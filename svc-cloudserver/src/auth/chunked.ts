/**
 * Streaming decoder for `aws-chunked` request bodies (x-amz-content-sha256 =
 * STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] or STREAMING-UNSIGNED-PAYLOAD-TRAILER):
 *
 *   <hex-size>[;chunk-signature=<sig>]\r\n <data> \r\n   … repeated …
 *   0[;chunk-signature=<sig>]\r\n
 *   [<trailer-name>:<value>\r\n … [x-amz-trailer-signature:<sig>\r\n]]
 *   \r\n
 *
 * Output is the decoded payload. Memory is bounded (only header and trailer lines are buffered,
 * with caps); payload bytes are forwarded as zero-copy slices of the input and scanned with
 * Buffer.indexOf, never byte by byte in JavaScript.
 *
 * Every check that can fail happens before the stream ends: chunk signatures (each chained to the
 * previous one, seeded by the request signature), the decoded length against
 * x-amz-decoded-content-length, the trailer signature, and the trailing checksum (computed over
 * the decoded bytes as they pass). A consumer that commits on 'end' and discards on 'error' thus
 * never commits unauthenticated or corrupt data. Data of a chunk is forwarded before that chunk's
 * signature is checked (the chunk may be larger than we want to buffer); a failed check then
 * errors the stream.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { S3Error } from '../errors/s3-errors.js';
import { createHasher, type ChecksumAlgorithm, type Hasher, isWellFormedDigest, parseChecksumAlgorithm } from '../checksums/hasher.js';
import { EMPTY_SHA256, hmacHex, sha256Hex, signaturesEqual } from './sigv4.js';
import type { ChunkSigningContext, PayloadMode } from './types.js';

export const MIN_CHUNK_SIZE = 8192;
const MAX_CHUNK_HEADER = 4096;
const MAX_TRAILER_BYTES = 16 * 1024;
const CR = 0x0d;
const LF = 0x0a;

export interface AwsChunkedOptions {
  /** Chunks carry `chunk-signature` (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]). */
  readonly signed: boolean;
  /** Trailing headers follow the final chunk (…-TRAILER variants). */
  readonly trailer: boolean;
  /** Required when `signed`. */
  readonly signing?: ChunkSigningContext;
  /** x-amz-decoded-content-length, if the client sent it (required when `signed`). */
  readonly decodedContentLength?: number;
  /** Trailer names announced in x-amz-trailer (lower-case); others are refused. */
  readonly announcedTrailers?: readonly string[];
  /** Minimum size of every chunk but the last data chunk (AWS: 8192; 0 disables). */
  readonly minChunkSize?: number;
  /** Verify the trailing x-amz-checksum-* against the decoded data (default true). */
  readonly verifyChecksum?: boolean;
}

export interface TrailingChecksum {
  readonly algorithm: ChecksumAlgorithm;
  /** Base64, as sent. */
  readonly value: string;
}

const State = {
  ChunkHeader: 0,
  ChunkData: 1,
  ChunkDataEnd: 2,
  Trailer: 3,
  FinalCrlf: 4,
  Done: 5,
} as const;
type State = (typeof State)[keyof typeof State];

function incomplete(detail: string): S3Error {
  return new S3Error('IncompleteBody', { cause: new Error(detail) });
}

function malformedTrailer(detail: string): S3Error {
  return new S3Error('MalformedTrailerError', { cause: new Error(detail) });
}

export class AwsChunkedDecoder extends Transform {
  readonly #signed: boolean;
  readonly #trailer: boolean;
  readonly #signing: ChunkSigningContext | undefined;
  readonly #declaredLength: number | undefined;
  readonly #announced: ReadonlySet<string> | undefined;
  readonly #minChunkSize: number;

  #state: State = State.ChunkHeader;
  /** Partial line (chunk header or trailer line) split across input buffers. */
  #line: Buffer[] = [];
  #lineBytes = 0;
  #remaining = 0;
  #crlfSeen = 0;
  #chunkIndex = 0;
  #chunkSize = 0;
  #chunkSignature = '';
  #chunkHash: Hash | undefined;
  #previousSignature: string;
  #decoded = 0;
  #trailerBytes = 0;
  #sawTrailerLine = false;
  readonly #trailers = new Map<string, string>();
  #trailerSignature: string | undefined;
  readonly #checksumHasher: Hasher | undefined;
  readonly #checksumAlgorithm: ChecksumAlgorithm | undefined;

  constructor(options: AwsChunkedOptions) {
    super();
    if (options.signed && options.signing === undefined) throw new TypeError('signed aws-chunked needs a signing context');
    if (options.signed && options.decodedContentLength === undefined) {
      throw new S3Error('MissingContentLength', { message: 'You must provide the x-amz-decoded-content-length header.' });
    }
    this.#signed = options.signed;
    this.#trailer = options.trailer;
    this.#signing = options.signing;
    this.#previousSignature = options.signing?.seedSignature ?? '';
    this.#declaredLength = options.decodedContentLength;
    this.#announced = options.announcedTrailers === undefined ? undefined : new Set(options.announcedTrailers);
    this.#minChunkSize = options.minChunkSize ?? MIN_CHUNK_SIZE;
    if (options.trailer && (options.verifyChecksum ?? true) && options.announcedTrailers !== undefined) {
      const algorithms = options.announcedTrailers.map(parseChecksumAlgorithm).filter((a) => a !== undefined);
      if (algorithms.length > 1) throw new S3Error('InvalidRequest', { message: 'Expecting a single x-amz-checksum- header' });
      this.#checksumAlgorithm = algorithms[0];
      this.#checksumHasher = algorithms[0] === undefined ? undefined : createHasher(algorithms[0]);
    }
  }

  /** Decoded payload bytes so far. */
  get decodedLength(): number {
    return this.#decoded;
  }

  /** Trailing headers (lower-case names), complete once the stream has ended. */
  get trailers(): ReadonlyMap<string, string> {
    return this.#trailers;
  }

  /** The x-amz-checksum-* trailer, once the stream has ended. */
  get checksum(): TrailingChecksum | undefined {
    for (const [name, value] of this.#trailers) {
      const algorithm = parseChecksumAlgorithm(name);
      if (algorithm !== undefined && name.startsWith('x-amz-checksum-')) return { algorithm, value };
    }
    return undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#consume(chunk);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.#finish();
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  #consume(buf: Buffer): void {
    let pos = 0;
    const len = buf.length;
    while (pos < len) {
      switch (this.#state) {
        case State.ChunkHeader:
        case State.Trailer: {
          const nl = buf.indexOf(LF, pos);
          const end = nl === -1 ? len : nl + 1;
          this.#appendLine(buf.subarray(pos, end));
          pos = end;
          if (nl !== -1) {
            const line = this.#takeLine();
            if (this.#state === State.ChunkHeader) this.#onChunkHeader(line);
            else this.#onTrailerLine(line);
          }
          break;
        }
        case State.ChunkData: {
          const n = Math.min(this.#remaining, len - pos);
          const data = buf.subarray(pos, pos + n);
          this.#chunkHash?.update(data);
          this.#checksumHasher?.update(data);
          this.#remaining -= n;
          this.#decoded += n;
          pos += n;
          this.push(data);
          if (this.#remaining === 0) this.#state = State.ChunkDataEnd;
          break;
        }
        case State.ChunkDataEnd:
        case State.FinalCrlf: {
          const expected = this.#crlfSeen === 0 ? CR : LF;
          if (buf[pos] !== expected) throw incomplete('chunk data not followed by CRLF');
          pos++;
          if (++this.#crlfSeen === 2) {
            this.#crlfSeen = 0;
            if (this.#state === State.ChunkDataEnd) {
              this.#verifyChunk();
              this.#state = State.ChunkHeader;
            } else {
              this.#state = State.Done;
            }
          }
          break;
        }
        case State.Done:
          throw incomplete('data after the final chunk');
      }
    }
  }

  #appendLine(part: Buffer): void {
    this.#lineBytes += part.length;
    const cap = this.#state === State.Trailer ? MAX_TRAILER_BYTES : MAX_CHUNK_HEADER;
    if (this.#state === State.Trailer) this.#trailerBytes += part.length;
    if (this.#lineBytes > cap || this.#trailerBytes > MAX_TRAILER_BYTES) {
      throw this.#state === State.Trailer ? malformedTrailer('trailer too long') : incomplete('chunk header too long');
    }
    this.#line.push(part);
  }

  /** The buffered line, without its CRLF (a bare LF is refused). */
  #takeLine(): string {
    const line = this.#line.length === 1 ? (this.#line[0] as Buffer) : Buffer.concat(this.#line, this.#lineBytes);
    this.#line = [];
    this.#lineBytes = 0;
    if (line.length < 2 || line[line.length - 2] !== CR) {
      throw this.#state === State.Trailer
        ? malformedTrailer('trailer line not ended by CRLF')
        : incomplete('chunk header not ended by CRLF');
    }
    return line.toString('latin1', 0, line.length - 2);
  }

  #onChunkHeader(line: string): void {
    const semi = line.indexOf(';');
    const hex = semi === -1 ? line : line.slice(0, semi);
    if (!/^[0-9a-fA-F]{1,13}$/.test(hex)) throw incomplete(`invalid chunk size ${JSON.stringify(hex.slice(0, 20))}`);
    const size = parseInt(hex, 16);
    let signature = '';
    if (semi !== -1) {
      for (const ext of line.slice(semi + 1).split(';')) {
        const eq = ext.indexOf('=');
        if (eq !== -1 && ext.slice(0, eq).trim() === 'chunk-signature') signature = ext.slice(eq + 1).trim();
      }
    }
    if (this.#signed && signature === '') {
      throw new S3Error('SignatureDoesNotMatch', { cause: new Error(`chunk ${this.#chunkIndex + 1} has no chunk-signature`) });
    }
    // Only the last chunk may be smaller than the minimum: check the previous one now that we
    // know it was not the last.
    if (size > 0 && this.#chunkIndex > 0 && this.#chunkSize < this.#minChunkSize) {
      throw new S3Error('InvalidChunkSizeError', { fields: { Chunk: this.#chunkIndex, BadChunkSize: this.#chunkSize } });
    }
    if (this.#declaredLength !== undefined && this.#decoded + size > this.#declaredLength) {
      throw incomplete('more data than x-amz-decoded-content-length');
    }
    this.#chunkIndex++;
    this.#chunkSize = size;
    this.#chunkSignature = signature;
    if (size > 0) {
      this.#remaining = size;
      this.#chunkHash = this.#signed ? createHash('sha256') : undefined;
      this.#state = State.ChunkData;
      return;
    }
    // The final, empty chunk.
    this.#chunkHash = undefined;
    this.#verifyChunk();
    this.#state = this.#trailer ? State.Trailer : State.FinalCrlf;
  }

  #verifyChunk(): void {
    if (!this.#signed) return;
    const signing = this.#signing as ChunkSigningContext;
    const dataHash = this.#chunkHash === undefined ? EMPTY_SHA256 : this.#chunkHash.digest('hex');
    const toSign = `AWS4-HMAC-SHA256-PAYLOAD\n${signing.amzDate}\n${signing.scope}\n${this.#previousSignature}\n${EMPTY_SHA256}\n${dataHash}`;
    const computed = hmacHex(signing.signingKey, toSign);
    if (!signaturesEqual(computed, this.#chunkSignature)) {
      throw new S3Error('SignatureDoesNotMatch', {
        fields: { StringToSign: toSign, SignatureProvided: this.#chunkSignature },
        cause: new Error(`chunk ${this.#chunkIndex} signature mismatch`),
      });
    }
    this.#previousSignature = computed;
  }

  #onTrailerLine(line: string): void {
    if (line === '') {
      this.#endTrailers();
      this.#state = State.Done;
      return;
    }
    this.#sawTrailerLine = true;
    if (this.#trailerSignature !== undefined) throw malformedTrailer('trailer after x-amz-trailer-signature');
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformedTrailer('trailer line without a name');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') {
      this.#trailerSignature = value;
      return;
    }
    if (this.#announced !== undefined && !this.#announced.has(name)) {
      throw malformedTrailer(`trailer ${name} was not announced in x-amz-trailer`);
    }
    if (this.#trailers.has(name)) throw malformedTrailer(`duplicate trailer ${name}`);
    this.#trailers.set(name, value);
  }

  #endTrailers(): void {
    if (this.#signed) {
      const signing = this.#signing as ChunkSigningContext;
      if (this.#trailerSignature === undefined) {
        throw new S3Error('SignatureDoesNotMatch', { cause: new Error('missing x-amz-trailer-signature') });
      }
      let canonical = '';
      for (const [name, value] of this.#trailers) canonical += `${name}:${value}\n`;
      const toSign = `AWS4-HMAC-SHA256-TRAILER\n${signing.amzDate}\n${signing.scope}\n${this.#previousSignature}\n${sha256Hex(canonical)}`;
      const computed = hmacHex(signing.signingKey, toSign);
      if (!signaturesEqual(computed, this.#trailerSignature)) {
        throw new S3Error('SignatureDoesNotMatch', {
          fields: { StringToSign: toSign, SignatureProvided: this.#trailerSignature },
          cause: new Error('trailer signature mismatch'),
        });
      }
    } else if (this.#trailerSignature !== undefined) {
      throw malformedTrailer('x-amz-trailer-signature in an unsigned body');
    }
  }

  #finish(): void {
    if (this.#state !== State.Done) {
      // The SDK's unsigned encoder ends with "0\r\n" when it sends no trailer: accept that.
      const unsignedNoTrailer = this.#state === State.Trailer && !this.#signed && !this.#sawTrailerLine && this.#lineBytes === 0;
      if (!unsignedNoTrailer) throw incomplete('body ended before the final chunk');
      this.#endTrailers();
    }
    if (this.#declaredLength !== undefined && this.#decoded !== this.#declaredLength) {
      throw incomplete(`decoded ${this.#decoded} bytes, x-amz-decoded-content-length says ${this.#declaredLength}`);
    }
    if (this.#announced !== undefined) {
      for (const name of this.#announced) {
        if (!this.#trailers.has(name)) throw malformedTrailer(`announced trailer ${name} is missing`);
      }
    }
    const checksum = this.checksum;
    if (checksum !== undefined && !isWellFormedDigest(checksum.algorithm, checksum.value)) {
      throw new S3Error('InvalidRequest', {
        message: `Value for x-amz-checksum-${checksum.algorithm} trailing header is invalid.`,
      });
    }
    if (this.#checksumHasher !== undefined && checksum !== undefined && checksum.algorithm === this.#checksumAlgorithm) {
      const computed = this.#checksumHasher.digest().toString('base64');
      if (computed !== checksum.value) {
        throw new S3Error('BadDigest', {
          message: `The ${checksum.algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
        });
      }
    }
  }
}

/**
 * Builds the decoder for an `aws-chunked` payload mode, reading x-amz-decoded-content-length and
 * x-amz-trailer from the request headers.
 */
export function createAwsChunkedDecoder(
  payload: Extract<PayloadMode, { kind: 'aws-chunked' }>,
  headers: Readonly<Record<string, string | undefined>>,
  options: { readonly minChunkSize?: number; readonly verifyChecksum?: boolean } = {},
): AwsChunkedDecoder {
  const lengthHeader = headers['x-amz-decoded-content-length'];
  let decodedContentLength: number | undefined;
  if (lengthHeader !== undefined) {
    if (!/^\d{1,15}$/.test(lengthHeader.trim())) {
      throw new S3Error('InvalidArgument', {
        message: 'x-amz-decoded-content-length must be a non-negative integer',
        fields: { ArgumentName: 'x-amz-decoded-content-length', ArgumentValue: lengthHeader },
      });
    }
    decodedContentLength = Number(lengthHeader.trim());
  }
  const trailerHeader = headers['x-amz-trailer'];
  const announcedTrailers =
    trailerHeader === undefined
      ? undefined
      : trailerHeader
          .split(',')
          .map((t) => t.trim().toLowerCase())
          .filter((t) => t !== '');
  if (payload.trailer && announcedTrailers !== undefined) {
    for (const name of announcedTrailers) {
      if (!name.startsWith('x-amz-checksum-') || parseChecksumAlgorithm(name) === undefined) {
        throw new S3Error('InvalidRequest', { message: `The value specified in the x-amz-trailer header is not supported` });
      }
    }
  }
  return new AwsChunkedDecoder({
    signed: payload.signed,
    trailer: payload.trailer,
    ...(payload.signing === undefined ? {} : { signing: payload.signing }),
    ...(decodedContentLength === undefined ? {} : { decodedContentLength }),
    ...(announcedTrailers === undefined ? {} : { announcedTrailers }),
    ...(options.minChunkSize === undefined ? {} : { minChunkSize: options.minChunkSize }),
    ...(options.verifyChecksum === undefined ? {} : { verifyChecksum: options.verifyChecksum }),
  });
}
