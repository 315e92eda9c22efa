/**
 * The Azure edge's one map from the mesh's ErrorReason to Azure errors. Exhaustive: a new reason
 * in proto fails the build here until it is mapped. Handlers turn the reasons whose Azure code
 * depends on the resource (BUCKET_NOT_FOUND → ContainerNotFound, OBJECT_NOT_FOUND → BlobNotFound)
 * into AzureErrors themselves where they know better; this table is the fallback.
 */
import { isMeshError, isTokenRefusal, type Reason } from '@zenko/mesh';
import { AzureError, type AzureErrorCode } from './azure-errors.js';

export const REASON_TO_AZURE = {
  INTERNAL: 'InternalError',
  INVALID_ARGUMENT: 'InvalidInput',
  UNIMPLEMENTED: 'NotImplemented',
  UNAVAILABLE: 'ServerBusy',
  DEADLINE_EXCEEDED: 'OperationTimedOut',
  PERMISSION_DENIED: 'AuthorizationFailure',
  UNAUTHENTICATED: 'AuthenticationFailed',
  CONFLICT: 'ServerBusy',
  PRECONDITION_FAILED: 'ConditionNotMet',
  STORE_FULL: 'ServerBusy',
  NOT_SERVING: 'ServerBusy',

  BUCKET_NOT_FOUND: 'ContainerNotFound',
  BUCKET_ALREADY_EXISTS: 'ContainerAlreadyExists',
  BUCKET_ALREADY_OWNED_BY_YOU: 'ContainerAlreadyExists',
  BUCKET_NOT_EMPTY: 'ContainerBeingDeleted',
  INVALID_BUCKET_NAME: 'InvalidResourceName',
  BUCKET_ATTRIBUTE_NOT_FOUND: 'InvalidInput',

  OBJECT_NOT_FOUND: 'BlobNotFound',
  VERSION_NOT_FOUND: 'BlobNotFound',
  KEY_TOO_LONG: 'OutOfRangeInput',
  INVALID_VERSION_ID: 'InvalidQueryParameterValue',
  INVALID_MARKER: 'InvalidQueryParameterValue',
  OBJECT_LOCKED: 'BlobImmutableDueToPolicy',
  DELETE_MARKER: 'BlobNotFound',
  LEASE_HELD: 'LeaseIdMissing',
  INVALID_SEARCH_QUERY: 'InvalidQueryParameterValue',

  UPLOAD_NOT_FOUND: 'InvalidBlockList',
  INVALID_PART: 'InvalidBlockList',
  INVALID_PART_ORDER: 'InvalidBlockList',
  ENTITY_TOO_SMALL: 'InvalidBlockList',
  TOO_MANY_PARTS: 'BlockListTooLong',

  ACCOUNT_NOT_FOUND: 'AuthenticationFailed',
  ACCOUNT_ALREADY_EXISTS: 'AccountAlreadyExists',
  ACCESS_KEY_NOT_FOUND: 'AuthenticationFailed',
  ACCESS_KEY_DISABLED: 'AccountIsDisabled',
  ACCOUNT_NOT_EMPTY: 'InvalidInput',
  ACCESS_KEY_ALREADY_EXISTS: 'InvalidInput',

  LOCATION_NOT_FOUND: 'InternalError',
  LOCATION_ALREADY_EXISTS: 'InvalidInput',
  LOCATION_IN_USE: 'InvalidInput',
  LOCATION_SIZE_LIMIT_EXCEEDED: 'RequestBodyTooLarge',
  LOCATION_PROBE_FAILED: 'InternalError',
  BACKEND_UNAVAILABLE: 'ServerBusy',
  BACKEND_ERROR: 'InternalError',
  DATA_NOT_FOUND: 'InternalError',
  BAD_DIGEST: 'Md5Mismatch',
  INVALID_RANGE: 'InvalidRange',
  INCOMPLETE_BODY: 'InvalidInput',

  OPLOG_POSITION_TRIMMED: 'InternalError',
  QUEUE_NOT_FOUND: 'InvalidInput',
  FAILED_ENTRY_NOT_FOUND: 'ResourceNotFound',
  INGESTION_JOB_NOT_FOUND: 'ResourceNotFound',
  INGESTION_JOB_ALREADY_EXISTS: 'ResourceAlreadyExists',
} as const satisfies Record<Reason, AzureErrorCode>;

/** What a failure becomes on the Azure wire: AzureErrors as they are, MeshErrors through the map, the rest InternalError. */
export function azureErrorOf(err: unknown): AzureError {
  if (err instanceof AzureError) return err;
  // This service's own call refused by a peer with another ZENKO_GRPC_TOKEN: not the client's authentication.
  if (isTokenRefusal(err)) return new AzureError('InternalError', { cause: err });
  // A digest mismatch names its algorithm: Azure's transactional CRC64 has its own code.
  if (isMeshError(err, 'BAD_DIGEST') && err.details['algorithm'] === 'crc64nvme') return new AzureError('Crc64Mismatch', { cause: err });
  if (isMeshError(err)) return new AzureError(REASON_TO_AZURE[err.reason], { cause: err });
  return new AzureError('InternalError', { cause: err });
}
