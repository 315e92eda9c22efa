/**
 * Verifies a signed payload (x-amz-content-sha256 = hex SHA-256) while it streams: a pass-through
 * that errors with XAmzContentSHA256Mismatch before signalling end, so a consumer that commits
 * on 'end' never commits a body whose hash does not match.
 */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { S3Error } from '../errors/s3-errors.js';

export class PayloadHashVerifier extends Transform {
  readonly #expected: string;
  readonly #hash = createHash('sha256');
  #bytes = 0;

  constructor(expectedSha256Hex: string) {
    super();
    this.#expected = expectedSha256Hex.toLowerCase();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    this.#bytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const computed = this.#hash.digest('hex');
    if (computed !== this.#expected) {
      callback(
        new S3Error('XAmzContentSHA256Mismatch', {
          fields: { ClientComputedContentSHA256: this.#expected, S3ComputedContentSHA256: computed },
        }),
      );
      return;
    }
    callback();
  }

  /** Bytes seen so far. */
  get bytes(): number {
    return this.#bytes;
  }
}

export function createPayloadHashVerifier(expectedSha256Hex: string): PayloadHashVerifier {
  return new PayloadHashVerifier(expectedSha256Hex);
}
