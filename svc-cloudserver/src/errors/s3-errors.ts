/**
 * The S3 error table, as data: every error code the S3 edge can send, with its HTTP status and
 * AWS's default message (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
 * Handlers throw `new S3Error('NoSuchKey', { fields: { Key } })`; the edge renders it once with
 * `renderS3Error`. Inner services never speak these codes: their errors are mapped at the edge.
 */
import { XmlWriter } from '../xml/writer.js';

export const S3_ERRORS = {
  AccessControlListNotSupported: { status: 400, message: 'The bucket does not allow ACLs' },
  AccessDenied: { status: 403, message: 'Access Denied' },
  AccessForbidden: {
    status: 403,
    message:
      "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
  },
  AccountProblem: {
    status: 403,
    message:
      'There is a problem with your AWS account that prevents the action from completing successfully. Contact AWS Support for further assistance.',
  },
  AllAccessDisabled: {
    status: 403,
    message: 'All access to this Amazon S3 resource has been disabled. Contact AWS Support for further assistance.',
  },
  AmbiguousGrantByEmailAddress: {
    status: 400,
    message: 'The email address you provided is associated with more than one account.',
  },
  AuthorizationHeaderMalformed: { status: 400, message: 'The authorization header you provided is invalid.' },
  AuthorizationQueryParametersError: {
    status: 400,
    message: 'The authorization query parameters that you provided are not valid.',
  },
  BadDigest: { status: 400, message: 'The Content-MD5 you specified did not match what we received.' },
  BadRequest: { status: 400, message: 'An error occurred when parsing the HTTP request.' },
  BucketAlreadyExists: {
    status: 409,
    message:
      'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
  },
  BucketAlreadyOwnedByYou: {
    status: 409,
    message: 'Your previous request to create the named bucket succeeded and you already own it.',
  },
  BucketNotEmpty: { status: 409, message: 'The bucket you tried to delete is not empty' },
  ConditionalRequestConflict: {
    status: 409,
    message:
      'A conflicting operation occurred. If using PutObject you can retry the request. If using multipart upload you should initiate another CreateMultipartUpload request and re-upload each part.',
  },
  CredentialsNotSupported: { status: 400, message: 'This request does not support credentials.' },
  CrossLocationLoggingProhibited: {
    status: 403,
    message:
      'Cross-location logging not allowed. Buckets in one geographic location cannot log information to a bucket in another location.',
  },
  EntityTooLarge: { status: 400, message: 'Your proposed upload exceeds the maximum allowed object size.' },
  EntityTooSmall: { status: 400, message: 'Your proposed upload is smaller than the minimum allowed object size.' },
  ExpiredToken: { status: 400, message: 'The provided token has expired.' },
  IllegalLocationConstraintException: {
    status: 400,
    message: 'The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.',
  },
  IllegalVersioningConfigurationException: {
    status: 400,
    message: 'The versioning configuration specified in the request is invalid.',
  },
  IncompleteBody: {
    status: 400,
    message: 'You did not provide the number of bytes specified by the Content-Length HTTP header.',
  },
  IncorrectNumberOfFilesInPostRequest: { status: 400, message: 'POST requires exactly one file upload per request.' },
  InlineDataTooLarge: { status: 400, message: 'Inline data exceeds the maximum allowed size.' },
  InternalError: { status: 500, message: 'We encountered an internal error. Please try again.' },
  InvalidAccessKeyId: { status: 403, message: 'The AWS access key ID you provided does not exist in our records.' },
  InvalidArgument: { status: 400, message: 'Invalid Argument' },
  InvalidBucketAclWithObjectOwnership: {
    status: 400,
    message: "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
  },
  InvalidBucketName: { status: 400, message: 'The specified bucket is not valid.' },
  InvalidBucketState: { status: 409, message: 'The request is not valid with the current state of the bucket.' },
  InvalidChunkSizeError: {
    status: 400,
    message: 'Only the last chunk is allowed to have a size less than 8192 bytes',
  },
  InvalidDigest: { status: 400, message: 'The Content-MD5 you specified is not valid.' },
  InvalidEncryptionAlgorithmError: {
    status: 400,
    message: 'The encryption request you specified is not valid. The valid value is AES256.',
  },
  InvalidLocationConstraint: { status: 400, message: 'The specified location constraint is not valid.' },
  InvalidObjectState: { status: 403, message: 'The operation is not valid for the current state of the object.' },
  InvalidPart: {
    status: 400,
    message:
      "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag.",
  },
  InvalidPartNumber: { status: 416, message: 'The requested partnumber is not satisfiable' },
  InvalidPartOrder: {
    status: 400,
    message: 'The list of parts was not in ascending order. Parts list must be specified in order by part number.',
  },
  InvalidPayer: { status: 403, message: 'All access to this object has been disabled.' },
  InvalidPolicyDocument: {
    status: 400,
    message: 'The content of the form does not meet the conditions specified in the policy document.',
  },
  InvalidRange: { status: 416, message: 'The requested range is not satisfiable' },
  InvalidRedirectLocation: { status: 400, message: 'The website redirect location is not valid.' },
  InvalidRequest: { status: 400, message: 'Invalid Request' },
  InvalidSecurity: { status: 403, message: 'The provided security credentials are not valid.' },
  InvalidStorageClass: { status: 400, message: 'The storage class you specified is not valid' },
  InvalidTag: { status: 400, message: 'The tag provided was not a valid tag.' },
  InvalidTargetBucketForLogging: {
    status: 400,
    message:
      'The target bucket for logging does not exist, is not owned by you, or does not have the appropriate grants for the log-delivery group.',
  },
  InvalidToken: { status: 400, message: 'The provided token is malformed or otherwise invalid.' },
  InvalidURI: { status: 400, message: "Couldn't parse the specified URI." },
  KeyTooLongError: { status: 400, message: 'Your key is too long' },
  MalformedACLError: {
    status: 400,
    message: 'The XML you provided was not well-formed or did not validate against our published schema.',
  },
  MalformedPOSTRequest: {
    status: 400,
    message: 'The body of your POST request is not well-formed multipart/form-data.',
  },
  MalformedPolicy: { status: 400, message: 'The policy document you provided is not valid.' },
  MalformedTrailerError: {
    status: 400,
    message: 'The request contained trailing data that was not well-formed or did not conform to our published schema.',
  },
  MalformedXML: {
    status: 400,
    message: 'The XML you provided was not well-formed or did not validate against our published schema',
  },
  MaxMessageLengthExceeded: { status: 400, message: 'Your request was too big.' },
  MaxPostPreDataLengthExceededError: {
    status: 400,
    message: 'Your POST request fields preceding the upload file were too large.',
  },
  MetadataTooLarge: { status: 400, message: 'Your metadata headers exceed the maximum allowed metadata size.' },
  MethodNotAllowed: { status: 405, message: 'The specified method is not allowed against this resource.' },
  MissingContentLength: { status: 411, message: 'You must provide the Content-Length HTTP header.' },
  MissingRequestBodyError: { status: 400, message: 'Request Body is empty' },
  MissingSecurityHeader: { status: 400, message: 'Your request is missing a required header.' },
  NoSuchBucket: { status: 404, message: 'The specified bucket does not exist' },
  NoSuchBucketPolicy: { status: 404, message: 'The bucket policy does not exist' },
  NoSuchCORSConfiguration: { status: 404, message: 'The CORS configuration does not exist' },
  NoSuchKey: { status: 404, message: 'The specified key does not exist.' },
  NoSuchLifecycleConfiguration: { status: 404, message: 'The lifecycle configuration does not exist' },
  NoSuchObjectLockConfiguration: {
    status: 404,
    message: 'The specified object does not have a ObjectLock configuration',
  },
  NoSuchPublicAccessBlockConfiguration: {
    status: 404,
    message: 'The public access block configuration was not found',
  },
  NoSuchTagSet: { status: 404, message: 'The TagSet does not exist' },
  NoSuchUpload: {
    status: 404,
    message: 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
  },
  NoSuchVersion: { status: 404, message: 'The specified version does not exist.' },
  NoSuchWebsiteConfiguration: {
    status: 404,
    message: 'The specified bucket does not have a website configuration',
  },
  NotImplemented: {
    status: 501,
    message: 'A header you provided implies functionality that is not implemented',
  },
  NotModified: { status: 304, message: 'Not Modified' },
  NotSignedUp: { status: 403, message: 'Your account is not signed up for the Amazon S3 service.' },
  ObjectLockConfigurationNotFoundError: {
    status: 404,
    message: 'Object Lock configuration does not exist for this bucket',
  },
  OperationAborted: {
    status: 409,
    message: 'A conflicting conditional operation is currently in progress against this resource. Try again.',
  },
  OwnershipControlsNotFoundError: { status: 404, message: 'The bucket ownership controls were not found' },
  PermanentRedirect: {
    status: 301,
    message:
      'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.',
  },
  PreconditionFailed: { status: 412, message: 'At least one of the pre-conditions you specified did not hold' },
  Redirect: { status: 307, message: 'Temporary redirect.' },
  ReplicationConfigurationNotFoundError: { status: 404, message: 'The replication configuration was not found' },
  RequestHeaderSectionTooLarge: {
    status: 400,
    message: 'Your request header section exceeds the maximum allowed size.',
  },
  RequestIsNotMultiPartContent: {
    status: 400,
    message: 'Bucket POST must be of the enclosure-type multipart/form-data.',
  },
  RequestTimeout: {
    status: 400,
    message: 'Your socket connection to the server was not read from or written to within the timeout period.',
  },
  RequestTimeTooSkewed: {
    status: 403,
    message: "The difference between the request time and the server's time is too large.",
  },
  RestoreAlreadyInProgress: { status: 409, message: 'Object restore is already in progress' },
  ServerSideEncryptionConfigurationNotFoundError: {
    status: 404,
    message: 'The server side encryption configuration was not found',
  },
  ServiceUnavailable: { status: 503, message: 'Service is unable to handle request.' },
  SignatureDoesNotMatch: {
    status: 403,
    message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  },
  SlowDown: { status: 503, message: 'Please reduce your request rate.' },
  TemporaryRedirect: { status: 307, message: 'You are being redirected to the bucket while DNS updates.' },
  TokenRefreshRequired: { status: 400, message: 'The provided token must be refreshed.' },
  TooManyBuckets: { status: 400, message: 'You have attempted to create more buckets than allowed.' },
  UnexpectedContent: { status: 400, message: 'This request does not support content.' },
  UnresolvableGrantByEmailAddress: {
    status: 400,
    message: 'The email address you provided does not match any account on record.',
  },
  UserKeyMustBeSpecified: {
    status: 400,
    message: 'The bucket POST must contain the specified field name. If it is specified, check the order of the fields.',
  },
  XAmzContentSHA256Mismatch: {
    status: 400,
    message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
  },
} as const satisfies Record<string, { status: number; message: string }>;

export type S3ErrorCode = keyof typeof S3_ERRORS;

/** Extra elements rendered after `<Message>` (e.g. `BucketName`, `Key`, `HeadersNotSigned`). */
export type S3ErrorFields = Readonly<Record<string, string | number | bigint | boolean | undefined>>;

export interface S3ErrorOptions {
  /** Overrides the table's default message (AWS often sends a more specific one). */
  readonly message?: string;
  /** Extra XML elements, rendered in insertion order; `undefined` values are skipped. */
  readonly fields?: S3ErrorFields;
  /** `<Resource>`: the bucket or object the request addressed. */
  readonly resource?: string;
  /** Logged, never sent. */
  readonly cause?: unknown;
}

export function isS3ErrorCode(code: string): code is S3ErrorCode {
  return Object.hasOwn(S3_ERRORS, code);
}

/** An error the S3 edge sends as `<Error><Code>…`. */
export class S3Error extends Error {
  override readonly name = 'S3Error';
  readonly code: S3ErrorCode;
  readonly status: number;
  readonly fields: S3ErrorFields;
  readonly resource: string | undefined;

  constructor(code: S3ErrorCode, options: S3ErrorOptions = {}) {
    const entry = S3_ERRORS[code];
    super(options.message ?? entry.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = entry.status;
    this.fields = options.fields ?? {};
    this.resource = options.resource;
  }
}

export function isS3Error(err: unknown): err is S3Error {
  return err instanceof S3Error;
}

/**
 * Anything that is not an `S3Error` becomes `InternalError`, keeping the original as `cause`
 * (for the log) so that its message never reaches the client.
 */
export function toS3Error(err: unknown): S3Error {
  return err instanceof S3Error ? err : new S3Error('InternalError', { cause: err });
}

// Element names an error's `fields` may not reuse: the renderer writes them itself.
const RESERVED_FIELDS = new Set(['Code', 'Message', 'Resource', 'RequestId', 'HostId']);

/**
 * The standard S3 REST error document:
 * `<Error><Code/><Message/>[fields…]<Resource/><RequestId/><HostId/></Error>`.
 * HEAD requests and 304 responses carry no body: the caller does not render one for them.
 */
export function renderS3Error(err: S3Error, requestId: string, hostId: string): string {
  const w = new XmlWriter();
  w.open('Error').leaf('Code', err.code).leaf('Message', err.message);
  for (const [name, value] of Object.entries(err.fields)) {
    if (value === undefined || RESERVED_FIELDS.has(name)) continue;
    w.leaf(name, value);
  }
  w.optionalLeaf('Resource', err.resource);
  w.leaf('RequestId', requestId).leaf('HostId', hostId);
  return w.close().end();
}
