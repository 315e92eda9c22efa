// One error type crosses every internal boundary: MeshError(reason). It maps to a
// gRPC status code through one exhaustive table, and its reason travels in the
// `zenko-error-reason` trailer so the caller gets the same MeshError back. Anything
// that is not a MeshError becomes INTERNAL: its cause is logged, never sent.
import { Metadata, status as Status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { commonV1Errors } from '@zenko/gen';

type StripPrefix<N> = N extends `ERROR_REASON_${infer R}` ? R : never;
/** An ErrorReason name without its `ERROR_REASON_` prefix, e.g. `BUCKET_NOT_FOUND`. */
export type Reason = Exclude<StripPrefix<keyof typeof commonV1Errors.ErrorReason>, 'UNSPECIFIED'>;

export const REASON_TRAILER = 'zenko-error-reason';
export const DETAILS_TRAILER = 'zenko-error-details';

/** The gRPC status code each reason is sent with. */
export const REASON_STATUS = {
  INTERNAL: Status.INTERNAL,
  INVALID_ARGUMENT: Status.INVALID_ARGUMENT,
  UNIMPLEMENTED: Status.UNIMPLEMENTED,
  UNAVAILABLE: Status.UNAVAILABLE,
  DEADLINE_EXCEEDED: Status.DEADLINE_EXCEEDED,
  PERMISSION_DENIED: Status.PERMISSION_DENIED,
  UNAUTHENTICATED: Status.UNAUTHENTICATED,
  CONFLICT: Status.ABORTED,
  PRECONDITION_FAILED: Status.FAILED_PRECONDITION,
  STORE_FULL: Status.RESOURCE_EXHAUSTED,
  NOT_SERVING: Status.UNAVAILABLE,

  BUCKET_NOT_FOUND: Status.NOT_FOUND,
  BUCKET_ALREADY_EXISTS: Status.ALREADY_EXISTS,
  BUCKET_ALREADY_OWNED_BY_YOU: Status.ALREADY_EXISTS,
  BUCKET_NOT_EMPTY: Status.FAILED_PRECONDITION,
  INVALID_BUCKET_NAME: Status.INVALID_ARGUMENT,
  BUCKET_ATTRIBUTE_NOT_FOUND: Status.NOT_FOUND,

  OBJECT_NOT_FOUND: Status.NOT_FOUND,
  VERSION_NOT_FOUND: Status.NOT_FOUND,
  KEY_TOO_LONG: Status.INVALID_ARGUMENT,
  INVALID_VERSION_ID: Status.INVALID_ARGUMENT,
  INVALID_MARKER: Status.INVALID_ARGUMENT,
  OBJECT_LOCKED: Status.PERMISSION_DENIED,
  DELETE_MARKER: Status.NOT_FOUND,
  INVALID_SEARCH_QUERY: Status.INVALID_ARGUMENT,
  LEASE_HELD: Status.FAILED_PRECONDITION,

  UPLOAD_NOT_FOUND: Status.NOT_FOUND,
  INVALID_PART: Status.INVALID_ARGUMENT,
  INVALID_PART_ORDER: Status.INVALID_ARGUMENT,
  ENTITY_TOO_SMALL: Status.INVALID_ARGUMENT,
  TOO_MANY_PARTS: Status.INVALID_ARGUMENT,

  ACCOUNT_NOT_FOUND: Status.NOT_FOUND,
  ACCOUNT_ALREADY_EXISTS: Status.ALREADY_EXISTS,
  ACCESS_KEY_NOT_FOUND: Status.NOT_FOUND,
  ACCESS_KEY_DISABLED: Status.PERMISSION_DENIED,
  ACCOUNT_NOT_EMPTY: Status.FAILED_PRECONDITION,
  ACCESS_KEY_ALREADY_EXISTS: Status.ALREADY_EXISTS,

  LOCATION_NOT_FOUND: Status.NOT_FOUND,
  LOCATION_ALREADY_EXISTS: Status.ALREADY_EXISTS,
  LOCATION_IN_USE: Status.FAILED_PRECONDITION,
  LOCATION_SIZE_LIMIT_EXCEEDED: Status.RESOURCE_EXHAUSTED,
  LOCATION_PROBE_FAILED: Status.FAILED_PRECONDITION,
  BACKEND_UNAVAILABLE: Status.UNAVAILABLE,
  BACKEND_ERROR: Status.INTERNAL,
  DATA_NOT_FOUND: Status.NOT_FOUND,
  BAD_DIGEST: Status.INVALID_ARGUMENT,
  INVALID_RANGE: Status.OUT_OF_RANGE,
  INCOMPLETE_BODY: Status.INVALID_ARGUMENT,

  OPLOG_POSITION_TRIMMED: Status.OUT_OF_RANGE,
  QUEUE_NOT_FOUND: Status.NOT_FOUND,
  FAILED_ENTRY_NOT_FOUND: Status.NOT_FOUND,
  INGESTION_JOB_NOT_FOUND: Status.NOT_FOUND,
  INGESTION_JOB_ALREADY_EXISTS: Status.ALREADY_EXISTS,
} as const satisfies Record<Reason, Status>;

/** The reason a bare gRPC status (no trailer: transport errors, other servers) stands for. */
const STATUS_REASON: Partial<Record<Status, Reason>> = {
  [Status.CANCELLED]: 'UNAVAILABLE',
  [Status.INVALID_ARGUMENT]: 'INVALID_ARGUMENT',
  [Status.DEADLINE_EXCEEDED]: 'DEADLINE_EXCEEDED',
  [Status.PERMISSION_DENIED]: 'PERMISSION_DENIED',
  [Status.RESOURCE_EXHAUSTED]: 'UNAVAILABLE',
  [Status.FAILED_PRECONDITION]: 'PRECONDITION_FAILED',
  [Status.ABORTED]: 'CONFLICT',
  [Status.UNIMPLEMENTED]: 'UNIMPLEMENTED',
  [Status.UNAVAILABLE]: 'UNAVAILABLE',
  [Status.UNAUTHENTICATED]: 'UNAUTHENTICATED',
};

/** gRPC codes on which an idempotent call may be retried. */
export const RETRYABLE_STATUS: readonly Status[] = [Status.UNAVAILABLE, Status.RESOURCE_EXHAUSTED];

function isReason(value: string): value is Reason {
  return Object.hasOwn(REASON_STATUS, value);
}

/**
 * JSON with every character outside printable ASCII escaped (`\u00e9`): a metadata value may
 * only hold printable ASCII (grpc-js throws otherwise), while details carry keys and names in
 * any script. JSON.parse reads the escapes back unchanged.
 */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Longest detail value sent (UTF-16 units): a trailer must stay far below HTTP/2 header limits. */
export const MAX_DETAIL_CHARS = 1024;

/** A string cut to MAX_DETAIL_CHARS (never in the middle of a surrogate pair). */
function bounded(v: string): string {
  return v.length <= MAX_DETAIL_CHARS ? v : v.slice(0, MAX_DETAIL_CHARS).replace(/[\ud800-\udbff]$/, '');
}

/** Details with over-long values cut (a key or marker of 100 KB would not fit in a trailer). */
function boundedDetails(details: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(details).map(([k, v]) => [k, bounded(v)]));
}

export class MeshError extends Error {
  override readonly name = 'MeshError';
  readonly reason: Reason;
  /** Small typed facts for the edges (e.g. `{ bucket: 'x' }`), sent in a trailer. */
  readonly details: Readonly<Record<string, string>>;

  constructor(reason: Reason, message?: string, options?: { details?: Record<string, string>; cause?: unknown }) {
    super(message ?? reason.toLowerCase().replaceAll('_', ' '), { cause: options?.cause });
    this.reason = reason;
    this.details = options?.details ?? {};
  }

  get code(): Status {
    return REASON_STATUS[this.reason];
  }

  /** The status object a server sends for this error. */
  toStatus(): Pick<StatusObject, 'code' | 'details' | 'metadata'> {
    const metadata = new Metadata();
    metadata.set(REASON_TRAILER, this.reason);
    if (Object.keys(this.details).length > 0) metadata.set(DETAILS_TRAILER, asciiJson(boundedDetails(this.details)));
    // The message travels in the grpc-message trailer too: one naming a 100 KB key stalled the
    // call (and the connection behind it) until its deadline.
    return { code: this.code, details: bounded(this.message), metadata };
  }

  /** The form of this error inside a batch answer (one failed item of a successful RPC). */
  toItemError(): commonV1Errors.ItemError {
    return {
      reason: commonV1Errors.ErrorReason[`ERROR_REASON_${this.reason}`],
      message: this.message,
      details: boundedDetails(this.details),
    };
  }

  /** Rebuilds the error of one batch item. */
  static fromItemError(item: commonV1Errors.ItemError): MeshError {
    const name = commonV1Errors.ErrorReason[item.reason].replace(/^ERROR_REASON_/, '');
    return new MeshError(isReason(name) ? name : 'INTERNAL', item.message || undefined, { details: item.details });
  }

  /** Rebuilds the error a server sent; transport errors get the reason of their code. */
  static fromServiceError(err: ServiceError): MeshError {
    const sent = err.metadata?.get(REASON_TRAILER)[0];
    const reason = typeof sent === 'string' && isReason(sent) ? sent : (STATUS_REASON[err.code] ?? 'INTERNAL');
    let details: Record<string, string> = {};
    const rawDetails = err.metadata?.get(DETAILS_TRAILER)[0];
    if (typeof rawDetails === 'string') {
      try {
        details = JSON.parse(rawDetails) as Record<string, string>;
      } catch {
        details = {};
      }
    }
    return new MeshError(reason, err.details || err.message, { details, cause: err });
  }
}

export function isMeshError(err: unknown, reason?: Reason): err is MeshError {
  return err instanceof MeshError && (reason === undefined || err.reason === reason);
}

/** Turns anything one item of a batch threw into its wire form (INTERNAL hides the cause). */
export function toItemError(err: unknown, logInternal: (err: unknown) => void): commonV1Errors.ItemError {
  if (err instanceof MeshError) {
    if (err.reason === 'INTERNAL') logInternal(err);
    return err.toItemError();
  }
  logInternal(err);
  return new MeshError('INTERNAL', 'internal error').toItemError();
}

/** Turns anything thrown by a handler into what goes on the wire. */
export function toWireError(err: unknown, logInternal: (err: unknown) => void): Partial<StatusObject> {
  if (err instanceof MeshError) {
    if (err.reason === 'INTERNAL') logInternal(err);
    return err.toStatus();
  }
  logInternal(err);
  return new MeshError('INTERNAL', 'internal error').toStatus();
}
