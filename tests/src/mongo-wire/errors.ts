// The server error codes this test server can return, as MongoDB numbers them, and
// the one error class that carries them to the wire.

import type { Doc } from './bson-order.js';

export const MONGO_ERRORS = {
  InternalError: 1,
  BadValue: 2,
  FailedToParse: 9,
  TypeMismatch: 14,
  IllegalOperation: 20,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  CursorNotFound: 43,
  NamespaceExists: 48,
  CommandNotFound: 59,
  ImmutableField: 66,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  WriteConflict: 112,
  ConflictingOperationInProgress: 117,
  TransactionTooOld: 225,
  NoSuchTransaction: 251,
  TransactionCommitted: 256,
  OperationNotSupportedInTransaction: 263,
  UnsupportedOpQueryCommand: 352,
  DuplicateKey: 11000,
  UnrecognizedPipelineStage: 40324,
} as const satisfies Record<string, number>;

export type MongoErrorName = keyof typeof MONGO_ERRORS;

export const TRANSIENT_TRANSACTION_ERROR = 'TransientTransactionError';

/** Codes that abort the transaction and tell the driver to retry it from the start. */
const TRANSIENT_IN_TRANSACTION: ReadonlySet<number> = new Set([MONGO_ERRORS.WriteConflict, MONGO_ERRORS.NoSuchTransaction]);

export class MongoCommandError extends Error {
  readonly code: number;

  constructor(
    readonly codeName: MongoErrorName,
    message: string,
    /** Extra reply fields, e.g. keyPattern/keyValue of a duplicate key. */
    readonly extra: Readonly<Doc> = {},
  ) {
    super(message);
    this.name = 'MongoCommandError';
    this.code = MONGO_ERRORS[codeName];
  }

  /** The fields of a writeErrors[] entry. */
  toWriteError(index: number): Doc {
    return { index, code: this.code, codeName: this.codeName, errmsg: this.message, ...this.extra };
  }
}

/** Reply document for a failed command. Unexpected errors become InternalError without their message. */
export function errorReply(err: unknown, inTransaction: boolean): Doc {
  if (err instanceof MongoCommandError) {
    const reply: Doc = { ok: 0, errmsg: err.message, code: err.code, codeName: err.codeName, ...err.extra };
    if (inTransaction && TRANSIENT_IN_TRANSACTION.has(err.code)) reply['errorLabels'] = [TRANSIENT_TRANSACTION_ERROR];
    return reply;
  }
  console.error('mongo-wire: unexpected error while running a command', err);
  return { ok: 0, errmsg: 'internal error', code: MONGO_ERRORS.InternalError, codeName: 'InternalError' };
}

/** Errors raised by mingo while parsing a query, projection, update or pipeline are the client's fault. */
export function asBadValue(err: unknown, codeName: MongoErrorName = 'BadValue'): MongoCommandError {
  if (err instanceof MongoCommandError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new MongoCommandError(codeName, message);
}
