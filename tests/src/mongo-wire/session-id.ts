// Logical session ids ({ id: UUID }) as map keys.

import type { Doc } from './bson-order.js';

/** Hex of the session UUID, or undefined when `lsid` is not a session id document. */
export function sessionKey(lsid: Doc): string | undefined {
  const id = lsid['id'];
  if (typeof id !== 'object' || id === null || (id as { _bsontype?: unknown })._bsontype !== 'Binary') return undefined;
  return (id as { toString(encoding: 'hex'): string }).toString('hex');
}
