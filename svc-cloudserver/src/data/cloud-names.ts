// Where cloud location types (aws_s3, gcp, azure) put Zenko's bytes in their target: one
// module without any SDK, so a type's backend (and its SDK) loads only when a location needs it.

/** Parts prefix of pieces of Zenko multipart uploads in the target (or multipart) bucket. */
export const MPU_PREFIX = '.zenko-mpu/';

/** The cloud key of an object: its own key with bucketMatch, else `<zenkoBucket>/<key>`. */
export function cloudKeyOf(bucketMatch: boolean, bucket: string, key: string): string {
  return bucketMatch ? key : `${bucket}/${key}`;
}
