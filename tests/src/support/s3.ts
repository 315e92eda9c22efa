// S3 clients for end-to-end tests: the current @aws-sdk/client-s3 with default
// settings (it sends checksums and aws-chunked bodies), pointed at a test stack.
import { S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { TestStack } from './stack.js';

export const ACCESS_KEY = 'accessKey1';
export const SECRET_KEY = 'verySecretKey1';

export function s3Client(stack: TestStack, credentials = { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }): S3Client {
  return new S3Client({ endpoint: stack.s3, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 });
}

/** The S3 error a call failed with (fails the test if it succeeded). */
export async function s3Error(promise: Promise<unknown>): Promise<{ code: string; status: number | undefined }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof S3ServiceException) return { code: err.name, status: err.$metadata.httpStatusCode };
    throw err;
  }
  throw new Error('expected the S3 call to fail');
}
