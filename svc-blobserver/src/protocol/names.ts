/**
 * Container and blob naming rules of the Blob service.
 *
 * Containers: 3 to 63 characters, lower-case letters, digits and hyphens, beginning with a letter
 * or digit, no two consecutive hyphens, not ending with a hyphen; plus the system names `$root`,
 * `$logs` and `$web`. Length out of range → OutOfRangeInput; bad characters → InvalidResourceName.
 * Blobs: 1 to 1024 characters (any characters; the URL encodes them).
 */
import { AzureError } from '../errors/azure-errors.js';

export const SYSTEM_CONTAINERS = new Set(['$root', '$logs', '$web']);
const CONTAINER = /^[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]$/;
export const MAX_BLOB_NAME_LENGTH = 1024;

export function checkContainerName(name: string): void {
  if (SYSTEM_CONTAINERS.has(name)) return;
  if (name.length < 3 || name.length > 63) {
    throw new AzureError('OutOfRangeInput', { message: 'The specified resource name length is not within the permissible limits.' });
  }
  if (!CONTAINER.test(name)) throw new AzureError('InvalidResourceName');
}

/** Whether the Blob service can address a container of this name (an S3 bucket may have dots or `--`). */
export function isContainerName(name: string): boolean {
  return SYSTEM_CONTAINERS.has(name) || (name.length >= 3 && name.length <= 63 && CONTAINER.test(name));
}

export function checkBlobName(name: string): void {
  if (name.length < 1 || name.length > MAX_BLOB_NAME_LENGTH) {
    throw new AzureError('OutOfRangeInput', { message: 'The specified resource name length is not within the permissible limits.' });
  }
}
