// Azure clients for end-to-end tests: the official @azure/storage-blob pointed at a test stack
// with the development storage account (path-style, as the emulators are addressed).
import { BlobServiceClient, RestError, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { TestStack } from './stack.js';

export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export function blobEndpoint(stack: TestStack): string {
  return `${stack.azure}/${DEV_ACCOUNT}`;
}

/** A client with the development account's key; one try per call (no retries hide failures). */
export function azureClient(stack: TestStack, key = DEV_KEY): BlobServiceClient {
  return new BlobServiceClient(blobEndpoint(stack), new StorageSharedKeyCredential(DEV_ACCOUNT, key), { retryOptions: { maxTries: 1 } });
}

/** The Azure error a call failed with (fails the test if it succeeded). */
export async function azureError(promise: Promise<unknown>): Promise<{ code: string | undefined; status: number | undefined }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof RestError) return { code: err.code, status: err.statusCode };
    throw err;
  }
  throw new Error('expected the Azure call to fail');
}
