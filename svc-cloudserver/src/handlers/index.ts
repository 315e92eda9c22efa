// The operations this edge implements; every other S3 operation answers 501
// NotImplemented (README: "S3 operations").
import type { Operation } from '../routes/route.js';
import type { S3Handler } from '../s3/deps.js';
import { createBucket, deleteBucket, getBucketLocation, headBucket, listBuckets } from './buckets.js';
import * as config from './bucket-config.js';
import { copyObject } from './copy-object.js';
import { corsPreflight } from './cors.js';
import { deleteObjects } from './delete-objects.js';
import * as objectConfig from './object-config.js';
import { deleteObject } from './delete-object.js';
import { getObject, headObject } from './get-object.js';
import { getObjectAttributes } from './get-object-attributes.js';
import { listObjects, listObjectsV2, listObjectVersions } from './list-objects.js';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  listMultipartUploads,
  listParts,
  uploadPart,
  uploadPartCopy,
} from './multipart.js';
import { postObject } from './post-object.js';
import { putObject } from './put-object.js';

export const HANDLERS: Partial<Record<Operation, S3Handler>> = {
  ListBuckets: listBuckets,
  CreateBucket: createBucket,
  HeadBucket: headBucket,
  DeleteBucket: deleteBucket,
  GetBucketLocation: getBucketLocation,
  PutObject: putObject,
  GetObject: getObject,
  HeadObject: headObject,
  DeleteObject: deleteObject,
  CopyObject: copyObject,
  ListObjects: listObjects,
  ListObjectsV2: listObjectsV2,
  ListObjectVersions: listObjectVersions,
  CreateMultipartUpload: createMultipartUpload,
  UploadPart: uploadPart,
  UploadPartCopy: uploadPartCopy,
  CompleteMultipartUpload: completeMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
  ListParts: listParts,
  ListMultipartUploads: listMultipartUploads,
  DeleteObjects: deleteObjects,
  GetObjectAttributes: getObjectAttributes,
  PostObject: postObject,
  CorsPreflight: corsPreflight,
  GetBucketVersioning: config.getBucketVersioning,
  PutBucketVersioning: config.putBucketVersioning,
  GetBucketTagging: config.getBucketTagging,
  PutBucketTagging: config.putBucketTagging,
  DeleteBucketTagging: config.deleteBucketTagging,
  GetBucketAcl: config.getBucketAcl,
  PutBucketAcl: config.putBucketAcl,
  GetBucketCors: config.getBucketCors,
  PutBucketCors: config.putBucketCors,
  DeleteBucketCors: config.deleteBucketCors,
  GetBucketPolicy: config.getBucketPolicy,
  GetBucketPolicyStatus: config.getBucketPolicyStatus,
  GetBucketRequestPayment: config.getBucketRequestPayment,
  PutBucketPolicy: config.putBucketPolicy,
  DeleteBucketPolicy: config.deleteBucketPolicy,
  GetObjectLockConfiguration: config.getObjectLockConfiguration,
  PutObjectLockConfiguration: config.putObjectLockConfiguration,
  GetBucketLifecycleConfiguration: config.getBucketLifecycleConfiguration,
  PutBucketLifecycleConfiguration: config.putBucketLifecycleConfiguration,
  DeleteBucketLifecycle: config.deleteBucketLifecycle,
  GetBucketReplication: config.getBucketReplication,
  PutBucketReplication: config.putBucketReplication,
  DeleteBucketReplication: config.deleteBucketReplication,
  GetPublicAccessBlock: config.getPublicAccessBlock,
  PutPublicAccessBlock: config.putPublicAccessBlock,
  DeletePublicAccessBlock: config.deletePublicAccessBlock,
  GetBucketEncryption: config.getBucketEncryption,
  GetBucketWebsite: config.getBucketWebsite,
  GetBucketLogging: config.getBucketLogging,
  GetBucketNotificationConfiguration: config.getBucketNotificationConfiguration,
  GetBucketAccelerateConfiguration: config.getBucketAccelerateConfiguration,
  GetBucketOwnershipControls: config.getBucketOwnershipControls,
  PutBucketOwnershipControls: config.putBucketOwnershipControls,
  DeleteBucketOwnershipControls: config.deleteBucketOwnershipControls,
  GetObjectTagging: objectConfig.getObjectTagging,
  PutObjectTagging: objectConfig.putObjectTagging,
  DeleteObjectTagging: objectConfig.deleteObjectTagging,
  GetObjectAcl: objectConfig.getObjectAcl,
  PutObjectAcl: objectConfig.putObjectAcl,
  GetObjectRetention: objectConfig.getObjectRetention,
  PutObjectRetention: objectConfig.putObjectRetention,
  GetObjectLegalHold: objectConfig.getObjectLegalHold,
  PutObjectLegalHold: objectConfig.putObjectLegalHold,
};
