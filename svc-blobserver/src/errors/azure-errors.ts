/**
 * The Azure Blob error table, as data: every error code the Azure edge can send, with its HTTP
 * status and Azure's default message (Common REST API error codes and Blob service error codes of
 * the Azure Storage REST reference; messages as the service sends them where they differ from the
 * docs). Handlers throw `new AzureError('BlobNotFound')`; the edge renders it once with
 * `renderAzureError`. Inner services never speak these codes: their errors are mapped at the edge.
 *
 * `NotImplemented` (501) is what this edge answers for Azure features it refuses (page and append
 * blobs, snapshots, versions, ...): Azure itself implements them, so it has no code of its own for
 * that; Azurite answers such calls with 501 as well.
 */
import { XmlWriter } from '../xml/writer.js';

export const AZURE_ERRORS = {
  // Common REST API error codes (all storage services).
  AccountAlreadyExists: { status: 409, message: 'The specified account already exists.' },
  AccountBeingCreated: { status: 409, message: 'The specified account is in the process of being created.' },
  AccountIsDisabled: { status: 403, message: 'The specified account is disabled.' },
  AuthenticationFailed: {
    status: 403,
    message:
      'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.',
  },
  AuthorizationFailure: { status: 403, message: 'This request is not authorized to perform this operation.' },
  AuthorizationPermissionMismatch: {
    status: 403,
    message: 'This request is not authorized to perform this operation using this permission.',
  },
  AuthorizationProtocolMismatch: { status: 403, message: 'This request is not authorized to perform this operation using this protocol.' },
  AuthorizationResourceTypeMismatch: {
    status: 403,
    message: 'This request is not authorized to perform this operation using this resource type.',
  },
  AuthorizationServiceMismatch: { status: 403, message: 'This request is not authorized to perform this operation using this service.' },
  AuthorizationSourceIPMismatch: { status: 403, message: 'This request is not authorized to perform this operation using this source IP.' },
  ConditionHeadersNotSupported: { status: 400, message: 'Condition headers are not supported.' },
  // 412 for writes; reads answer 304 with no body (render with `status: 304`).
  ConditionNotMet: { status: 412, message: 'The condition specified using HTTP conditional header(s) is not met.' },
  EmptyMetadataKey: { status: 400, message: 'The key for one of the metadata key-value pairs is empty.' },
  InsufficientAccountPermissions: {
    status: 403,
    message: 'The account being accessed does not have sufficient permissions to execute this operation.',
  },
  InternalError: { status: 500, message: 'The server encountered an internal error. Please retry the request.' },
  InvalidAuthenticationInfo: {
    status: 400,
    message: 'Authentication information is not given in the correct format. Check the value of Authorization header.',
  },
  InvalidHeaderValue: { status: 400, message: 'The value for one of the HTTP headers is not in the correct format.' },
  InvalidHttpVerb: { status: 400, message: 'The HTTP verb specified was not recognized by the server.' },
  InvalidInput: { status: 400, message: 'One of the request inputs is not valid.' },
  InvalidMd5: {
    status: 400,
    message: 'The MD5 value specified in the request is invalid. The MD5 value must be 128 bits and Base64-encoded.',
  },
  InvalidMetadata: { status: 400, message: 'The metadata specified is invalid. It has characters that are not permitted.' },
  InvalidQueryParameterValue: { status: 400, message: 'Value for one of the query parameters specified in the request URI is invalid.' },
  InvalidRange: { status: 416, message: 'The range specified is invalid for the current size of the resource.' },
  InvalidResourceName: { status: 400, message: 'The specified resource name contains invalid characters.' },
  InvalidUri: { status: 400, message: 'The requested URI does not represent any resource on the server.' },
  InvalidXmlDocument: { status: 400, message: 'XML specified is not syntactically valid.' },
  InvalidXmlNodeValue: { status: 400, message: 'The value for one of the XML nodes is not in the correct format.' },
  Crc64Mismatch: {
    status: 400,
    message: 'The CRC64 value specified in the request did not match with the CRC64 value calculated by the server.',
  },
  BothCrc64AndMd5HeaderPresent: {
    status: 400,
    message: 'Both x-ms-content-crc64 header and Content-MD5 header are present.',
  },
  Md5Mismatch: {
    status: 400,
    message: 'The MD5 value specified in the request did not match with the MD5 value calculated by the server.',
  },
  MetadataTooLarge: { status: 400, message: 'The size of the specified metadata exceeds the maximum size permitted.' },
  MissingContentLengthHeader: { status: 411, message: 'The Content-Length header was not specified.' },
  MissingRequiredHeader: { status: 400, message: "An HTTP header that's mandatory for this request is not specified." },
  MissingRequiredQueryParameter: { status: 400, message: "A query parameter that's mandatory for this request is not specified." },
  MissingRequiredXmlNode: { status: 400, message: "An XML node that's mandatory for this request is not specified." },
  MultipleConditionHeadersNotSupported: { status: 400, message: 'Multiple condition headers are not supported.' },
  NoAuthenticationInformation: {
    status: 401,
    message: 'Server failed to authenticate the request. Please refer to the information in the www-authenticate header.',
  },
  NotImplemented: { status: 501, message: 'The requested operation is not implemented on the specified resource.' },
  OperationTimedOut: { status: 500, message: 'The operation could not be completed within the permitted time.' },
  OutOfRangeInput: { status: 400, message: 'One of the request inputs is out of range.' },
  OutOfRangeQueryParameterValue: {
    status: 400,
    message: 'One of the query parameters specified in the request URI is outside the permissible range.',
  },
  PublicAccessNotPermitted: { status: 409, message: 'Public access is not permitted on this storage account.' },
  RequestBodyTooLarge: { status: 413, message: 'The request body is too large and exceeds the maximum permissible limit.' },
  RequestUrlFailedToParse: { status: 400, message: 'The URL in the request could not be parsed.' },
  ResourceAlreadyExists: { status: 409, message: 'The specified resource already exists.' },
  ResourceNotFound: { status: 404, message: 'The specified resource does not exist.' },
  ResourceTypeMismatch: { status: 409, message: 'The specified resource type does not match the type of the existing resource.' },
  ServerBusy: { status: 503, message: 'The server is currently unable to receive requests. Please retry your request.' },
  UnsupportedHeader: { status: 400, message: 'One of the HTTP headers specified in the request is not supported.' },
  UnsupportedHttpVerb: { status: 405, message: "The resource doesn't support the specified HTTP verb." },
  UnsupportedQueryParameter: { status: 400, message: 'One of the query parameters specified in the request URI is not supported.' },
  UnsupportedXmlNode: { status: 400, message: 'One of the XML nodes specified in the request body is not supported.' },

  // Blob service error codes.
  AppendPositionConditionNotMet: { status: 412, message: 'The append position condition specified was not met.' },
  BlobAlreadyExists: { status: 409, message: 'The specified blob already exists.' },
  BlobArchived: { status: 409, message: 'This operation is not permitted on an archived blob.' },
  BlobBeingRehydrated: { status: 409, message: 'This operation is not permitted because the blob is being rehydrated.' },
  BlobImmutableDueToPolicy: { status: 409, message: 'This operation is not permitted as the blob is immutable due to a policy.' },
  BlobNotArchived: { status: 409, message: 'This blob is currently not in the archived state.' },
  BlobNotFound: { status: 404, message: 'The specified blob does not exist.' },
  BlobOverwritten: { status: 409, message: 'The blob has been recreated since the previous snapshot was taken.' },
  BlobTierInadequateForContentLength: { status: 409, message: 'The specified blob tier size limit cannot be less than content length.' },
  BlockCountExceedsLimit: { status: 409, message: 'The committed block count cannot exceed the maximum limit of 50,000 blocks.' },
  BlockListTooLong: { status: 400, message: 'The block list may not contain more than 50,000 blocks.' },
  CannotChangeToLowerTier: { status: 409, message: 'A higher blob tier has already been explicitly set.' },
  CannotVerifyCopySource: {
    status: 500,
    message:
      'Could not verify the copy source within the specified time. Examine the HTTP status code and message for more information about the failure.',
  },
  ContainerAlreadyExists: { status: 409, message: 'The specified container already exists.' },
  ContainerBeingDeleted: { status: 409, message: 'The specified container is being deleted.' },
  ContainerDisabled: { status: 409, message: 'The specified container has been disabled by the administrator.' },
  ContainerNotFound: { status: 404, message: 'The specified container does not exist.' },
  ContentLengthLargerThanTierLimit: { status: 409, message: "The blob's content length cannot exceed its tier limit." },
  CopyAcrossAccountsNotSupported: { status: 400, message: 'The copy source account and destination account must be the same.' },
  CopyIdMismatch: { status: 409, message: 'The specified copy ID did not match the copy ID for the pending copy operation.' },
  // Preflight Blob Request: CORS disabled or no rule matches.
  CorsPreflightFailure: { status: 403, message: 'CORS not enabled or no matching rule found for this request.' },
  FeatureVersionMismatch: { status: 409, message: 'The type of blob in the container is unrecognized by this version.' },
  InfiniteLeaseDurationRequired: {
    status: 412,
    message: 'The lease ID matched, but the specified lease must be an infinite-duration lease.',
  },
  InvalidBlobOrBlock: { status: 400, message: 'The specified blob or block content is invalid.' },
  InvalidBlobTier: { status: 400, message: 'The specified blob tier is invalid.' },
  InvalidBlobType: { status: 409, message: 'The blob type is invalid for this operation.' },
  InvalidBlockId: { status: 400, message: 'The specified block ID is invalid. The block ID must be Base64-encoded.' },
  InvalidBlockList: { status: 400, message: 'The specified block list is invalid.' },
  InvalidOperation: { status: 400, message: 'Invalid operation against a blob snapshot.' },
  InvalidPageRange: { status: 416, message: 'The page range specified is invalid.' },
  InvalidSourceBlobType: { status: 409, message: 'The copy source blob type is invalid for this operation.' },
  InvalidSourceBlobUrl: { status: 409, message: 'The source URL for incremental copy request must be valid Azure Storage blob URL.' },
  InvalidTag: { status: 400, message: 'The tags specified are invalid. It contains characters that are not permitted.' },
  // Blob index tags (Set Blob Tags, x-ms-tags): codes as Azurite, Microsoft's emulator, sends them.
  TagsTooLarge: { status: 400, message: 'The tags specified exceed the maximum permissible limit.' },
  EmptyTagName: { status: 400, message: 'The name of one of the tag key-value pairs is empty.' },
  DuplicateTagNames: { status: 400, message: 'The tags specified contain duplicate names.' },
  LeaseAlreadyBroken: { status: 409, message: 'The lease has already been broken and cannot be broken again.' },
  LeaseAlreadyPresent: { status: 409, message: 'There is already a lease present.' },
  LeaseIdMismatchWithBlobOperation: { status: 412, message: 'The lease ID specified did not match the lease ID for the blob.' },
  LeaseIdMismatchWithContainerOperation: { status: 412, message: 'The lease ID specified did not match the lease ID for the container.' },
  LeaseIdMismatchWithLeaseOperation: {
    status: 409,
    message: 'The lease ID specified did not match the lease ID for the blob/container.',
  },
  LeaseIdMissing: {
    status: 412,
    message: 'There is currently a lease on the blob/container and no lease ID was specified in the request.',
  },
  LeaseIsBreakingAndCannotBeAcquired: {
    status: 409,
    message: 'The lease ID matched, but the lease is currently in breaking state and cannot be acquired until it is broken.',
  },
  LeaseIsBreakingAndCannotBeChanged: {
    status: 409,
    message: 'The lease ID matched, but the lease is currently in breaking state and cannot be changed.',
  },
  LeaseIsBrokenAndCannotBeRenewed: {
    status: 409,
    message: 'The lease ID matched, but the lease has been broken explicitly and cannot be renewed.',
  },
  LeaseLost: { status: 412, message: 'A lease ID was specified, but the lease for the blob/container has expired.' },
  LeaseNotPresentWithBlobOperation: { status: 412, message: 'There is currently no lease on the blob.' },
  LeaseNotPresentWithContainerOperation: { status: 412, message: 'There is currently no lease on the container.' },
  LeaseNotPresentWithLeaseOperation: { status: 409, message: 'There is currently no lease on the blob/container.' },
  MaxBlobSizeConditionNotMet: { status: 412, message: 'The max blob size condition specified was not met.' },
  NoPendingCopyOperation: { status: 409, message: 'There is currently no pending copy operation.' },
  PendingCopyOperation: { status: 409, message: 'There is currently a pending copy operation.' },
  SequenceNumberConditionNotMet: { status: 412, message: 'The sequence number condition specified was not met.' },
  SnapshotsPresent: { status: 409, message: 'This operation is not permitted while the blob has snapshots.' },
  SourceConditionNotMet: { status: 412, message: 'The source condition specified using HTTP conditional header(s) is not met.' },
  SystemInUse: { status: 409, message: 'This blob is in use by the system.' },
  TargetConditionNotMet: { status: 412, message: 'The target condition specified using HTTP conditional header(s) is not met.' },
  UnauthorizedBlobOverwrite: { status: 403, message: 'This request is not authorized to perform blob overwrites.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type AzureErrorCode = keyof typeof AZURE_ERRORS;

/**
 * Extra elements rendered after `<Message>`: `AuthenticationErrorDetail`, `HeaderName`,
 * `HeaderValue`, `QueryParameterName`, `QueryParameterValue`, `Reason`, `ExtendedErrorDetail`,
 * `UserSpecifiedMd5`, `ServerCalculatedMd5`, ...
 */
export type AzureErrorFields = Readonly<Record<string, string | number | bigint | boolean | undefined>>;

export interface AzureErrorOptions {
  /** Overrides the table's default message (Azure sometimes sends a more specific one). */
  readonly message?: string;
  /** Extra XML elements, rendered in insertion order; `undefined` values are skipped. */
  readonly fields?: AzureErrorFields;
  /** Overrides the table's status: only `ConditionNotMet` uses it (304 for reads). */
  readonly status?: number;
  /** Response headers of this error (InvalidRange: `Content-Range: bytes *\/<size>`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Logged, never sent. */
  readonly cause?: unknown;
}

export function isAzureErrorCode(code: string): code is AzureErrorCode {
  return Object.hasOwn(AZURE_ERRORS, code);
}

/** An error the Azure edge sends as `<Error><Code>…`. */
export class AzureError extends Error {
  override readonly name = 'AzureError';
  readonly code: AzureErrorCode;
  readonly status: number;
  readonly fields: AzureErrorFields;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: AzureErrorCode, options: AzureErrorOptions = {}) {
    const entry = AZURE_ERRORS[code];
    super(options.message ?? entry.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? entry.status;
    this.fields = options.fields ?? {};
    this.headers = options.headers ?? {};
  }

  /** `AuthenticationFailed` with Azure's `<AuthenticationErrorDetail>`. */
  static authenticationFailed(detail: string, cause?: unknown): AzureError {
    return new AzureError('AuthenticationFailed', {
      fields: { AuthenticationErrorDetail: detail },
      ...(cause === undefined ? {} : { cause }),
    });
  }
}

export function isAzureError(err: unknown): err is AzureError {
  return err instanceof AzureError;
}

/**
 * Anything that is not an `AzureError` becomes `InternalError`, keeping the original as `cause`
 * (for the log) so that its message never reaches the client.
 */
export function toAzureError(err: unknown): AzureError {
  return err instanceof AzureError ? err : new AzureError('InternalError', { cause: err });
}

/** The service version this edge speaks, echoed in `x-ms-version` when the request names none. */
export const AZURE_DEFAULT_VERSION = '2025-01-05';

export interface RenderAzureErrorOptions {
  /** The request's method: HEAD responses carry no body. */
  readonly method?: string;
  /** The request's `x-ms-version`, echoed back; defaults to `AZURE_DEFAULT_VERSION`. */
  readonly version?: string | undefined;
  /** The time written in the message and the `date` header (default: now). */
  readonly now?: Date;
}

export interface RenderedAzureError {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** `undefined` for HEAD requests and 304 responses. */
  readonly body: string | undefined;
}

// Element names an error's `fields` may not reuse: the renderer writes them itself.
const RESERVED_FIELDS = new Set(['Code', 'Message']);

/** Azure's `Time:` stamp in error messages: ISO 8601 with seven fractional digits. */
export function azureErrorTime(now: Date): string {
  return now.toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

/**
 * Azure's error response:
 * `<?xml version="1.0" encoding="utf-8"?><Error><Code/><Message>text\nRequestId:…\nTime:…</Message>[fields…]</Error>`
 * (after a byte order mark, as Azure sends it) and the headers every error carries:
 * `x-ms-error-code`, `x-ms-request-id`, `x-ms-version`, `content-type`, `date`.
 */
export function renderAzureError(err: AzureError, requestId: string, options: RenderAzureErrorOptions = {}): RenderedAzureError {
  const now = options.now ?? new Date();
  const headers: Record<string, string> = {
    ...err.headers,
    'x-ms-error-code': err.code,
    'x-ms-request-id': requestId,
    'x-ms-version': options.version ?? AZURE_DEFAULT_VERSION,
    date: now.toUTCString(),
  };
  if (options.method?.toUpperCase() === 'HEAD' || err.status === 304) {
    return { status: err.status, headers, body: undefined };
  }
  const w = new XmlWriter();
  w.open('Error')
    .leaf('Code', err.code)
    .leaf('Message', `${err.message}\nRequestId:${requestId}\nTime:${azureErrorTime(now)}`);
  for (const [name, value] of Object.entries(err.fields)) {
    if (value === undefined || RESERVED_FIELDS.has(name)) continue;
    w.leaf(name, value);
  }
  const body = w.close().end();
  headers['content-type'] = 'application/xml';
  headers['content-length'] = String(Buffer.byteLength(body, 'utf8'));
  return { status: err.status, headers, body };
}
