// endSessions / refreshSessions and the two transaction-ending commands.

import { isPlainObject } from '../bson-order.js';
import type { Doc } from '../bson-order.js';
import type { CommandContext } from '../command.js';
import { MongoCommandError } from '../errors.js';
import { sessionKey } from '../session-id.js';

export function endSessions(cmd: Doc, ctx: CommandContext): Doc {
  const ids = cmd['endSessions'];
  if (!Array.isArray(ids)) throw new MongoCommandError('TypeMismatch', 'endSessions must be an array of session ids');
  for (const lsid of ids) {
    const key = isPlainObject(lsid) ? sessionKey(lsid) : undefined;
    if (key !== undefined) ctx.server.sessions.end(key);
  }
  return { ok: 1 };
}

export function refreshSessions(): Doc {
  return { ok: 1 };
}

function transactionOf(ctx: CommandContext, name: string): { lsid: string; txnNumber: number } {
  const s = ctx.session;
  if (s === undefined || s.txnNumber === undefined) {
    throw new MongoCommandError('InvalidOptions', `${name} requires a session id and a txnNumber`);
  }
  return { lsid: s.lsid, txnNumber: s.txnNumber };
}

export function commitTransaction(_cmd: Doc, ctx: CommandContext): Doc {
  const { lsid, txnNumber } = transactionOf(ctx, 'commitTransaction');
  return ctx.server.sessions.commit(lsid, txnNumber);
}

export function abortTransaction(_cmd: Doc, ctx: CommandContext): Doc {
  const { lsid, txnNumber } = transactionOf(ctx, 'abortTransaction');
  return ctx.server.sessions.abort(lsid, txnNumber);
}
