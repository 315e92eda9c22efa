// Where cloud location types (aws_s3, gcp, azure) put Zenko's bytes in their target: one
// module without any SDK, so a type's backend (and its SDK) loads only when a location needs it.

/** Parts prefix of pieces of Zenko multipart uploads in the target (or multipart) bucket. */
export const MPU_PREFIX = '.zenko-mpu/';

/**
 * The cloud key of one attempt at a multipart part: every attempt its own name (the write's data
 * id last), so an UploadPart retried while the first is still running never overwrites the bytes
 * the other recorded; the part that metadata keeps names its own.
 */
export function partKeyOf(bucket: string, key: string, uploadId: string, partNumber: number, writeId: string): string {
  return `${MPU_PREFIX}${bucket}/${key}/${uploadId}/${partNumber}-${writeId}`;
}

/** The cloud key of an object: its own key with bucketMatch, else `<zenkoBucket>/<key>`. */
export function cloudKeyOf(bucketMatch: boolean, bucket: string, key: string): string {
  return bucketMatch ? key : `${bucket}/${key}`;
}
