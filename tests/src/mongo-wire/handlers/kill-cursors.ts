// killCursors: close cursors the client no longer needs.

import { Long } from 'bson';
import type { Doc } from '../bson-order.js';
import type { CommandContext } from '../command.js';
import { MongoCommandError } from '../errors.js';
import { cursorIdOf } from './args.js';

export function killCursors(cmd: Doc, ctx: CommandContext): Doc {
  const ids = cmd['cursors'];
  if (!Array.isArray(ids)) throw new MongoCommandError('TypeMismatch', 'cursors must be an array');
  const { killed, notFound } = ctx.server.cursors.kill(ids.map(cursorIdOf));
  return {
    cursorsKilled: killed.map((id) => Long.fromBigInt(id)),
    cursorsNotFound: notFound.map((id) => Long.fromBigInt(id)),
    cursorsAlive: [],
    cursorsUnknown: [],
    ok: 1,
  };
}
