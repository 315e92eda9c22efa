/**
 * Block IDs (Put Block's `blockid`, Put Block List's entries): a Base64 string of at most 64 bytes
 * before encoding, and all blocks of one blob the same length. A malformed `blockid` query
 * parameter → InvalidQueryParameterValue; a block whose ID length differs from the blob's other
 * blocks → InvalidBlobOrBlock (what Azure answers); a bad ID in a block list → InvalidBlockList.
 */
import { AzureError } from '../errors/azure-errors.js';

export const MAX_BLOCK_ID_BYTES = 64;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** True when `id` is canonical Base64 of 1 to 64 bytes. */
export function isValidBlockId(id: string): boolean {
  if (id === '' || !BASE64.test(id)) return false;
  const bytes = Buffer.from(id, 'base64');
  return bytes.length >= 1 && bytes.length <= MAX_BLOCK_ID_BYTES && bytes.toString('base64') === id;
}

/** The decoded length of a valid block ID. */
export function blockIdByteLength(id: string): number {
  return Buffer.from(id, 'base64').length;
}

/** Validates Put Block's `blockid`. */
export function checkPutBlockId(id: string | undefined): string {
  if (id === undefined) throw new AzureError('MissingRequiredQueryParameter', { fields: { QueryParameterName: 'blockid' } });
  if (!isValidBlockId(id)) {
    throw new AzureError('InvalidQueryParameterValue', {
      fields: { QueryParameterName: 'blockid', QueryParameterValue: id, Reason: 'Not a valid base64 string.' },
    });
  }
  return id;
}

/** A new block of a blob must have the same ID length as the blob's existing blocks. */
export function checkSameBlockIdLength(id: string, existingIds: Iterable<string>): void {
  const length = blockIdByteLength(id);
  for (const other of existingIds) {
    if (blockIdByteLength(other) !== length) {
      throw new AzureError('InvalidBlobOrBlock', { cause: new Error(`block id ${id} differs in length from ${other}`) });
    }
    return; // all existing blocks already share one length
  }
}

/** Validates the IDs of a block list: each valid, all the same length. */
export function checkBlockListIds(ids: readonly string[]): void {
  let length: number | undefined;
  for (const id of ids) {
    if (!isValidBlockId(id)) throw new AzureError('InvalidBlockList', { cause: new Error(`invalid block id ${id}`) });
    const n = blockIdByteLength(id);
    if (length !== undefined && n !== length) throw new AzureError('InvalidBlockList', { cause: new Error('block ids differ in length') });
    length = n;
  }
}
