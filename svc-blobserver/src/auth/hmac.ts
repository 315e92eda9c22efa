// HMAC-SHA256 signing and constant-time comparison of signatures.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function hmacSha256(key: Buffer, stringToSign: string): Buffer {
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest();
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes a base64 signature; `undefined` unless it is well-formed base64 of 32 bytes. */
export function decodeSignature(signature: string): Buffer | undefined {
  if (signature.length !== 44 || !BASE64.test(signature)) return undefined;
  const bytes = Buffer.from(signature, 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

/**
 * True when `provided` equals the HMAC of any candidate string under any key. Each comparison is
 * constant-time; every key and candidate is tried even after a match, so the time taken does not
 * depend on which key signed.
 */
export function matchesAnySignature(provided: Buffer, keys: readonly Buffer[], candidates: readonly string[]): boolean {
  let matched = false;
  for (const key of keys) {
    for (const candidate of candidates) {
      const expected = hmacSha256(key, candidate);
      if (expected.length === provided.length && timingSafeEqual(expected, provided)) matched = true;
    }
  }
  return matched;
}
