// The S3 edge's one map from the mesh's ErrorReason to S3 errors. Exhaustive: a new
// reason in proto fails the build here until it is mapped.
import { isTokenRefusal, MeshError, type Reason } from '@zenko/mesh';
import { S3Error, type S3ErrorCode } from './s3-errors.js';

export const REASON_TO_S3 = {
  INTERNAL: 'InternalError',
  INVALID_ARGUMENT: 'InvalidArgument',
  UNIMPLEMENTED: 'NotImplemented',
  UNAVAILABLE: 'ServiceUnavailable',
  DEADLINE_EXCEEDED: 'ServiceUnavailable',
  PERMISSION_DENIED: 'AccessDenied',
  UNAUTHENTICATED: 'AccessDenied',
  CONFLICT: 'OperationAborted',
  PRECONDITION_FAILED: 'PreconditionFailed',
  STORE_FULL: 'ServiceUnavailable',
  NOT_SERVING: 'ServiceUnavailable',

  BUCKET_NOT_FOUND: 'NoSuchBucket',
  BUCKET_ALREADY_EXISTS: 'BucketAlreadyExists',
  BUCKET_ALREADY_OWNED_BY_YOU: 'BucketAlreadyOwnedByYou',
  BUCKET_NOT_EMPTY: 'BucketNotEmpty',
  INVALID_BUCKET_NAME: 'InvalidBucketName',
  BUCKET_ATTRIBUTE_NOT_FOUND: 'InvalidRequest',

  OBJECT_NOT_FOUND: 'NoSuchKey',
  VERSION_NOT_FOUND: 'NoSuchVersion',
  KEY_TOO_LONG: 'KeyTooLongError',
  INVALID_VERSION_ID: 'InvalidArgument',
  INVALID_MARKER: 'InvalidArgument',
  OBJECT_LOCKED: 'AccessDenied',
  DELETE_MARKER: 'NoSuchKey',
  LEASE_HELD: 'OperationAborted',
  INVALID_SEARCH_QUERY: 'InvalidArgument',

  UPLOAD_NOT_FOUND: 'NoSuchUpload',
  INVALID_PART: 'InvalidPart',
  INVALID_PART_ORDER: 'InvalidPartOrder',
  ENTITY_TOO_SMALL: 'EntityTooSmall',
  TOO_MANY_PARTS: 'InvalidArgument',

  ACCOUNT_NOT_FOUND: 'InvalidAccessKeyId',
  ACCOUNT_ALREADY_EXISTS: 'InvalidRequest',
  ACCESS_KEY_NOT_FOUND: 'InvalidAccessKeyId',
  ACCESS_KEY_DISABLED: 'InvalidAccessKeyId',
  ACCOUNT_NOT_EMPTY: 'InvalidRequest',
  ACCESS_KEY_ALREADY_EXISTS: 'InvalidRequest',

  LOCATION_NOT_FOUND: 'InvalidLocationConstraint',
  LOCATION_ALREADY_EXISTS: 'InvalidRequest',
  LOCATION_IN_USE: 'InvalidRequest',
  LOCATION_SIZE_LIMIT_EXCEEDED: 'AccessDenied', // as Zenko answers a write past a location's sizeLimitGB
  LOCATION_PROBE_FAILED: 'InvalidRequest',
  BACKEND_UNAVAILABLE: 'ServiceUnavailable',
  BACKEND_ERROR: 'InternalError',
  DATA_NOT_FOUND: 'InternalError',
  BAD_DIGEST: 'BadDigest',
  INVALID_RANGE: 'InvalidRange',
  INCOMPLETE_BODY: 'IncompleteBody',

  OPLOG_POSITION_TRIMMED: 'InternalError',
  QUEUE_NOT_FOUND: 'InvalidRequest',
  FAILED_ENTRY_NOT_FOUND: 'NoSuchKey',
  INGESTION_JOB_NOT_FOUND: 'InvalidRequest',
  INGESTION_JOB_ALREADY_EXISTS: 'InvalidRequest',
} as const satisfies Record<Reason, S3ErrorCode>;

const PASS_MESSAGE = new Set<S3ErrorCode>(['InvalidArgument', 'InvalidRequest', 'NotImplemented']);

/** What a failure becomes on the S3 wire: S3Errors as they are, MeshErrors through the map, the rest InternalError. */
export function s3ErrorOf(err: unknown, resource?: string): S3Error {
  if (err instanceof S3Error) return err;
  // This service's own call refused by a peer with another ZENKO_GRPC_TOKEN: not the client's access.
  if (isTokenRefusal(err)) return new S3Error('InternalError', { ...(resource === undefined ? {} : { resource }), cause: err });
  if (err instanceof MeshError) {
    const code = REASON_TO_S3[err.reason];
    // AWS's own message, except where the inner service's words tell the client what to fix.
    const algorithm = err.details['algorithm'];
    const message =
      PASS_MESSAGE.has(code) || err.reason === 'LEASE_HELD' || err.reason === 'LOCATION_SIZE_LIMIT_EXCEEDED'
        ? err.message
        : code === 'BadDigest' && algorithm !== undefined && algorithm !== 'md5'
          ? `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`
          : undefined;
    return new S3Error(code, {
      ...(message === undefined ? {} : { message }),
      ...(resource === undefined ? {} : { resource }),
      cause: err,
    });
  }
  return new S3Error('InternalError', { ...(resource === undefined ? {} : { resource }), cause: err });
}
