// The S3 namespace on top of a KvStore: every function takes the store as first argument and
// the generated request type, and returns the generated response type.
export { createBucket, deleteBucket, getBucket, listBuckets, updateBucket } from './buckets.js';
export { LOCATION_KEY_PREFIX, LOCATION_USAGE_PREFIX, LOCATION_USE_PREFIX, locationUsage } from './common.js';
export { deleteObject, getObject, putObject, updateObject } from './objects.js';
export { listMultipartUploads, listObjectVersions, listObjects } from './listing.js';
export {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  getMultipartUpload,
  listParts,
  putPart,
} from './multipart.js';
export {
  commitBlockList,
  discardBlocks,
  listBlockKeys,
  listBlocks,
  putBlock,
  putObjectDiscardingBlocks,
  putObjectRequest,
} from './blocks.js';
export { commitPosition, getPosition, listPositions, readOplog, trimOplog, watchOplog } from './oplog.js';
export type { TrimOptions, WatchOptions } from './oplog.js';
