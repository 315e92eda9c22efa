// The command table and the dispatcher: session / transaction / retryable-write handling
// around every handler, and the error reply for anything that fails.

import { isPlainObject, toNumber, typeRank } from './bson-order.js';
import type { Doc } from './bson-order.js';
import type { CommandContext, CommandHandler, ServerState } from './command.js';
import { MongoCommandError, errorReply } from './errors.js';
import { aggregate } from './handlers/aggregate.js';
import { create, drop, dropDatabase, listCollections, listDatabases, renameCollection } from './handlers/collections.js';
import { count } from './handlers/count.js';
import { deleteCommand } from './handlers/delete.js';
import { distinct } from './handlers/distinct.js';
import { findAndModify } from './handlers/find-and-modify.js';
import { find } from './handlers/find.js';
import { getMore } from './handlers/get-more.js';
import { buildInfo, connectionStatus, getParameter, hello, ping } from './handlers/handshake.js';
import { createIndexes, dropIndexes, listIndexes } from './handlers/indexes.js';
import { insert } from './handlers/insert.js';
import { killCursors } from './handlers/kill-cursors.js';
import { abortTransaction, commitTransaction, endSessions, refreshSessions } from './handlers/sessions.js';
import { update } from './handlers/update.js';
import { DirectScope, TransactionScope } from './scope.js';
import type { WriteScope } from './scope.js';
import { sessionKey } from './session-id.js';
import type { Transaction } from './transactions.js';

export const COMMANDS: ReadonlyMap<string, CommandHandler> = new Map<string, CommandHandler>([
  ['hello', hello],
  ['isMaster', hello],
  ['ismaster', hello],
  ['ping', ping],
  ['buildInfo', buildInfo],
  ['buildinfo', buildInfo],
  ['getParameter', getParameter],
  ['connectionStatus', connectionStatus],
  ['endSessions', endSessions],
  ['refreshSessions', refreshSessions],
  ['commitTransaction', commitTransaction],
  ['abortTransaction', abortTransaction],
  ['find', find],
  ['getMore', getMore],
  ['killCursors', killCursors],
  ['insert', insert],
  ['update', update],
  ['delete', deleteCommand],
  ['findAndModify', findAndModify],
  ['findandmodify', findAndModify],
  ['aggregate', aggregate],
  ['count', count],
  ['distinct', distinct],
  ['createIndexes', createIndexes],
  ['listIndexes', listIndexes],
  ['dropIndexes', dropIndexes],
  ['deleteIndexes', dropIndexes],
  ['create', create],
  ['drop', drop],
  ['listCollections', listCollections],
  ['renameCollection', renameCollection],
  ['dropDatabase', dropDatabase],
  ['listDatabases', listDatabases],
]);

/** Commands a legacy OP_QUERY may carry. */
const HANDSHAKE_COMMANDS: ReadonlySet<string> = new Set(['hello', 'isMaster', 'ismaster']);

/** Commands that are retryable writes when sent with a txnNumber outside a transaction. */
const RETRYABLE_WRITES: ReadonlySet<string> = new Set(['insert', 'update', 'delete', 'findAndModify', 'findandmodify']);

/** Commands that end a transaction and so run without joining it. */
const TRANSACTION_END: ReadonlySet<string> = new Set(['commitTransaction', 'abortTransaction']);

function txnNumberOf(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeRank(v) !== typeRank(0)) throw new MongoCommandError('TypeMismatch', 'txnNumber must be a 64-bit integer');
  return toNumber(v);
}

export class CommandRunner {
  private readonly direct: DirectScope;

  constructor(private readonly server: ServerState) {
    this.direct = new DirectScope(server.store);
  }

  /** Runs one command and returns its reply; never throws. */
  async run(body: Doc, connectionId: number, legacy: boolean): Promise<Doc> {
    let txn: Transaction | undefined;
    const inTransaction = body['autocommit'] === false;
    try {
      const name = Object.keys(body)[0];
      const handler = name === undefined ? undefined : COMMANDS.get(name);
      if (name === undefined || handler === undefined) {
        throw new MongoCommandError('CommandNotFound', `no such command: '${name ?? ''}'`);
      }
      if (legacy && !HANDSHAKE_COMMANDS.has(name)) {
        throw new MongoCommandError('UnsupportedOpQueryCommand', `Unsupported OP_QUERY command: ${name}`);
      }
      const db = body['$db'];
      if (typeof db !== 'string' || db.length === 0 || /[/\\. "$\0]/.test(db)) {
        throw new MongoCommandError('InvalidNamespace', 'a command needs a valid $db');
      }
      const lsidDoc = body['lsid'];
      const lsid = isPlainObject(lsidDoc) ? sessionKey(lsidDoc) : undefined;
      const txnNumber = txnNumberOf(body['txnNumber']);
      let scope: WriteScope = this.direct;
      if (inTransaction) {
        if (lsid === undefined || txnNumber === undefined) {
          throw new MongoCommandError('InvalidOptions', 'autocommit:false requires a session id and a txnNumber');
        }
        if (!TRANSACTION_END.has(name)) {
          txn = this.server.sessions.transactionFor(lsid, txnNumber, body['startTransaction'] === true);
          scope = new TransactionScope(this.server.store, txn);
        }
      }
      const ctx: CommandContext = {
        server: this.server,
        db,
        scope,
        connectionId,
        session: lsid === undefined ? undefined : { lsid, txnNumber },
      };
      if (txn !== undefined) {
        const reply = await handler(body, ctx);
        // A failed statement aborts the transaction, as on a real server.
        if (Array.isArray(reply['writeErrors'])) this.server.sessions.abortTransaction(txn);
        return reply;
      }
      if (lsid !== undefined && txnNumber !== undefined && !inTransaction && RETRYABLE_WRITES.has(name)) {
        return await this.server.sessions.retryableWrite(lsid, txnNumber, async () => handler(body, ctx));
      }
      return await handler(body, ctx);
    } catch (err) {
      if (txn !== undefined) this.server.sessions.abortTransaction(txn);
      return errorReply(err, inTransaction);
    }
  }
}
