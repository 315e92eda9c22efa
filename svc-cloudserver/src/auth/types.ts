/**
 * The request shape and results of S3 authentication. Everything here is pure data: the edge
 * builds an `AuthRequest` from node:http's request, calls `authenticate`, and then reads the body
 * as `AuthResult.payload` says.
 */

export interface AuthRequest {
  readonly method: string;
  /** Request-target path exactly as received, still percent-encoded, without the query. */
  readonly path: string;
  /** Raw query string, without the leading `?` (empty when none). */
  readonly query: string;
  /**
   * Lower-case header names. A repeated header is one entry with the values joined by `,`
   * (build it from `rawHeaders`: node's `headers` joins some repeated headers with `, `).
   */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Bucket named by the Host header (virtual-hosted style); SigV2 signs `/<bucket>` + path. */
  readonly virtualHostedBucket?: string;
}

/** What `getSecret` returns for a known access key; extra fields are passed through. */
export interface SecretRecord {
  readonly secretKey: string;
  readonly accountId?: string;
  /** For temporary credentials: the request must carry this x-amz-security-token. */
  readonly sessionToken?: string;
}

export type GetSecret<T extends SecretRecord> = (accessKeyId: string) => Promise<T | undefined>;

/** Milliseconds since the epoch. */
export type Clock = () => number;

/** Everything needed to verify aws-chunked chunk signatures (derived from the seed request). */
export interface ChunkSigningContext {
  readonly signingKey: Buffer;
  /** ISO 8601 basic timestamp of the seed request, e.g. 20130524T000000Z. */
  readonly amzDate: string;
  /** Credential scope, e.g. 20130524/us-east-1/s3/aws4_request. */
  readonly scope: string;
  /** The seed (request) signature, hex. */
  readonly seedSignature: string;
}

/** How the caller must read and check the request body. */
export type PayloadMode =
  /** Nothing to verify (UNSIGNED-PAYLOAD, presigned URLs, SigV2, anonymous). */
  | { readonly kind: 'unsigned' }
  /** The body's SHA-256 must equal this (lower-case hex): see `createPayloadHashVerifier`. */
  | { readonly kind: 'sha256'; readonly sha256Hex: string }
  /** An aws-chunked body: decode it with `createAwsChunkedDecoder`. */
  | {
      readonly kind: 'aws-chunked';
      readonly signed: boolean;
      readonly trailer: boolean;
      readonly signing?: ChunkSigningContext;
    };

export type AuthKind = 'sigv4-header' | 'sigv4-query' | 'sigv2-header' | 'sigv2-query';

export interface AnonymousResult {
  readonly kind: 'anonymous';
  readonly payload: PayloadMode;
}

export interface AuthenticatedResult<T extends SecretRecord> {
  readonly kind: AuthKind;
  readonly accessKeyId: string;
  readonly accountId?: string;
  /** The `getSecret` record without `secretKey`. */
  readonly identity: Omit<T, 'secretKey'>;
  readonly payload: PayloadMode;
  /** SigV4: the region of the credential scope (any region is accepted). */
  readonly region?: string;
  /** SigV4: the signed header names, as listed by the client. */
  readonly signedHeaders?: readonly string[];
  /** SigV4: when the request was signed (its X-Amz-Date), in ms; `s3:signatureAge` counts from it. */
  readonly signedAtMs?: number;
}

export type AuthResult<T extends SecretRecord> = AnonymousResult | AuthenticatedResult<T>;

export interface AuthOptions<T extends SecretRecord> {
  readonly getSecret: GetSecret<T>;
  /** Injectable clock (default `Date.now`). */
  readonly now?: Clock;
  /** Accept Signature Version 2 (default true). */
  readonly allowSigV2?: boolean;
  /** Accept unauthenticated requests (default true: authorization decides what they may do). */
  readonly allowAnonymous?: boolean;
  /** Signing-key cache (default: a shared module-level LRU). */
  readonly signingKeyCache?: SigningKeyCacheLike;
}

export interface SigningKeyCacheLike {
  get(secretKey: string, date: string, region: string, service: string): Buffer;
}
