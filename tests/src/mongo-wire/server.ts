// A MongoDB wire-protocol test server: in memory, one replica-set primary, spoken to by
// the official `mongodb` driver unchanged. See README.md for what it supports.

import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import type { Doc } from './bson-order.js';
import type { ServerState } from './command.js';
import { CommandRunner } from './commands.js';
import { CursorRegistry } from './cursors.js';
import { errorReply } from './errors.js';
import { Store } from './store.js';
import { Sessions } from './transactions.js';
import { MessageFramer, encodeOpMsg, encodeOpReply, parseMessage } from './wire.js';
import type { WireRequest } from './wire.js';

export interface MongoWireServerOptions {
  /** TCP port; 0 or undefined picks a free one. */
  readonly port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  readonly host?: string;
}

export interface MongoWireServer {
  /** Connection string for `new MongoClient(url)`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export const REPLICA_SET_NAME = 'rs0';
const SWEEP_INTERVAL_MS = 1_000;

function advertisedHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startMongoWireServer(opts: MongoWireServerOptions = {}): Promise<MongoWireServer> {
  const host = opts.host ?? '127.0.0.1';
  const store = new Store();
  const sessions = new Sessions(store);
  const cursors = new CursorRegistry();
  const sockets = new Set<Socket>();
  let address = '';
  const state: ServerState = {
    store,
    sessions,
    cursors,
    get address() {
      return address;
    },
    setName: REPLICA_SET_NAME,
  };
  const runner = new CommandRunner(state);
  let connectionIds = 0;
  let requestIds = 0;

  function encodeReply(req: WireRequest, reply: Doc): Buffer {
    requestIds = (requestIds + 1) | 0;
    const encode = req.kind === 'msg' ? encodeOpMsg : encodeOpReply;
    try {
      return encode(requestIds, req.requestId, reply);
    } catch (err) {
      return encode(requestIds, req.requestId, errorReply(err, false));
    }
  }

  function handleConnection(socket: Socket): void {
    const connectionId = ++connectionIds;
    sockets.add(socket);
    socket.setNoDelay(true);
    const framer = new MessageFramer();
    let queue: Promise<void> = Promise.resolve();

    const handle = async (message: Buffer): Promise<void> => {
      if (socket.destroyed) return;
      const req = parseMessage(message);
      const reply = await runner.run(req.body, connectionId, req.kind === 'query');
      if (req.kind === 'msg' && req.moreToCome) return;
      if (!socket.destroyed) socket.write(encodeReply(req, reply));
    };

    socket.on('data', (chunk: Buffer) => {
      let messages: Buffer[];
      try {
        messages = framer.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const message of messages) {
        // Commands on one connection run one at a time, in order.
        queue = queue
          .then(() => handle(message))
          .catch(() => {
            socket.destroy();
          });
      }
    });
    socket.on('error', () => {
      socket.destroy();
    });
    socket.on('close', () => {
      sockets.delete(socket);
    });
  }

  const server = createServer(handleConnection);
  server.on('error', () => {
    // Errors after listen (e.g. EMFILE on accept) must not crash the test process.
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  address = `${advertisedHost(host)}:${port}`;

  const sweeper = setInterval(() => {
    const now = Date.now();
    sessions.expire(now);
    cursors.expire(now);
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();

  let closing: Promise<void> | undefined;
  return {
    url: `mongodb://${address}/?directConnection=true`,
    port,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(sweeper);
        sessions.endAll();
        cursors.clear();
        server.close(() => {
          resolve();
        });
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
