// What every command handler receives, and helpers to read command arguments.

import { isPlainObject, toNumber, typeRank } from './bson-order.js';
import type { Doc } from './bson-order.js';
import type { CursorRegistry } from './cursors.js';
import { MongoCommandError } from './errors.js';
import type { WriteScope } from './scope.js';
import type { Store } from './store.js';
import type { Sessions } from './transactions.js';

export interface ServerState {
  readonly store: Store;
  readonly sessions: Sessions;
  readonly cursors: CursorRegistry;
  /** host:port this server advertises as its replica set member address. */
  readonly address: string;
  readonly setName: string;
}

export interface CommandContext {
  readonly server: ServerState;
  /** The command's `$db`. */
  readonly db: string;
  readonly scope: WriteScope;
  readonly connectionId: number;
  /** The command's logical session and transaction number, when it has them. */
  readonly session: { readonly lsid: string; readonly txnNumber: number | undefined } | undefined;
}

export type CommandHandler = (cmd: Doc, ctx: CommandContext) => Doc | Promise<Doc>;

const NUMBER_RANK = typeRank(0);

export function collectionName(cmd: Doc, field: string): string {
  const name = cmd[field];
  if (typeof name !== 'string' || name.length === 0 || name.includes('\0') || name.startsWith('.') || name.includes('$')) {
    throw new MongoCommandError('InvalidNamespace', `Invalid collection name for ${field}: ${JSON.stringify(name) ?? 'undefined'}`);
  }
  return name;
}

export function optionalDoc(cmd: Doc, field: string): Doc | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v)) throw new MongoCommandError('TypeMismatch', `${field} must be a document`);
  return v;
}

export function docArray(cmd: Doc, field: string): Doc[] {
  const v = cmd[field];
  if (!Array.isArray(v) || !v.every(isPlainObject)) throw new MongoCommandError('TypeMismatch', `${field} must be an array of documents`);
  return v;
}

export function optionalNumber(cmd: Doc, field: string): number | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  if (typeRank(v) !== NUMBER_RANK) throw new MongoCommandError('TypeMismatch', `${field} must be a number`);
  return toNumber(v);
}

export function optionalBool(cmd: Doc, field: string): boolean | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeRank(v) === NUMBER_RANK) return toNumber(v) !== 0;
  throw new MongoCommandError('TypeMismatch', `${field} must be a boolean`);
}

export function rejectInTransaction(ctx: CommandContext, name: string): void {
  if (ctx.scope.transaction !== undefined) {
    throw new MongoCommandError('OperationNotSupportedInTransaction', `Cannot run '${name}' in a multi-document transaction.`);
  }
}
