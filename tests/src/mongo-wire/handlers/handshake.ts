// hello / isMaster and the other commands drivers send while connecting.

import { ObjectId } from 'bson';
import type { Doc } from '../bson-order.js';
import type { CommandContext } from '../command.js';
import { MongoCommandError } from '../errors.js';

/** MongoDB 7.0. */
const MAX_WIRE_VERSION = 21;
const VERSION = '7.0.0';
const ELECTION_ID = new ObjectId('7fffffff0000000000000001');

/** Replica set primary with sessions, so drivers allow retryable writes and transactions. */
export function hello(cmd: Doc, ctx: CommandContext): Doc {
  const { address, setName } = ctx.server;
  const legacyName = Object.keys(cmd)[0] !== 'hello';
  return {
    ...(cmd['helloOk'] === true ? { helloOk: true } : {}),
    ...(legacyName ? { ismaster: true } : { isWritablePrimary: true }),
    secondary: false,
    setName,
    setVersion: 1,
    hosts: [address],
    primary: address,
    me: address,
    electionId: ELECTION_ID,
    maxBsonObjectSize: 16 * 1024 * 1024,
    maxMessageSizeBytes: 48_000_000,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: ctx.connectionId,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
    ok: 1,
  };
}

export function ping(): Doc {
  return { ok: 1 };
}

export function buildInfo(): Doc {
  return {
    version: VERSION,
    gitVersion: 'mongo-wire-test-server',
    versionArray: [7, 0, 0, 0],
    bits: 64,
    maxBsonObjectSize: 16 * 1024 * 1024,
    storageEngines: ['inMemory'],
    ok: 1,
  };
}

const PARAMETERS: Readonly<Doc> = {
  featureCompatibilityVersion: { version: '7.0' },
  transactionLifetimeLimitSeconds: 60,
};

export function getParameter(cmd: Doc): Doc {
  const all = cmd['getParameter'] === '*';
  const out: Doc = {};
  for (const [name, value] of Object.entries(PARAMETERS)) if (all || Object.hasOwn(cmd, name)) out[name] = value;
  const asked = Object.keys(cmd).filter((k) => k !== 'getParameter' && !k.startsWith('$') && k !== 'lsid' && k !== 'comment');
  if (!all && asked.some((k) => !Object.hasOwn(PARAMETERS, k))) {
    throw new MongoCommandError('InvalidOptions', 'no option found to get');
  }
  return { ...out, ok: 1 };
}

export function connectionStatus(): Doc {
  return { authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 };
}
