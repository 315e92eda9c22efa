// Wire-level behaviour the driver never exercises: checksums, moreToCome, malformed input.

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BSON } from 'bson';
import type { Document } from 'bson';
import { MongoClient } from 'mongodb';
import { startMongoWireServer } from './server.js';
import type { MongoWireServer } from './server.js';
import { OP_MSG, crc32c } from './wire.js';

let server: MongoWireServer;

before(async () => {
  server = await startMongoWireServer();
});

after(async () => {
  await server.close();
});

function opMsg(requestId: number, body: Document, flags = 0, sequence?: { id: string; docs: Document[] }): Buffer {
  const parts: Buffer[] = [Buffer.from([0]), Buffer.from(BSON.serialize(body))];
  if (sequence !== undefined) {
    const docs = Buffer.concat(sequence.docs.map((d) => Buffer.from(BSON.serialize(d))));
    const id = Buffer.from(`${sequence.id}\0`, 'utf8');
    const size = Buffer.alloc(4);
    size.writeInt32LE(4 + id.length + docs.length);
    parts.push(Buffer.from([1]), size, id, docs);
  }
  const checksum = (flags & 1) !== 0;
  const payload = Buffer.concat(parts);
  const header = Buffer.alloc(20);
  const length = 20 + payload.length + (checksum ? 4 : 0);
  header.writeInt32LE(length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(0, 8);
  header.writeInt32LE(OP_MSG, 12);
  header.writeUInt32LE(flags, 16);
  const msg = Buffer.concat([header, payload]);
  if (!checksum) return msg;
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(crc32c(msg));
  return Buffer.concat([msg, crc]);
}

/** A raw connection that collects replies and notices when the server closes it. */
class RawConnection {
  private buffer = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiting?.();
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
  }

  static async open(port: number): Promise<RawConnection> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawConnection(socket);
  }

  send(buf: Buffer): void {
    this.socket.write(buf);
  }

  /** The next reply: its responseTo and body document. */
  async reply(): Promise<{ responseTo: number; body: Document }> {
    for (;;) {
      if (this.buffer.length >= 4) {
        const length = this.buffer.readInt32LE(0);
        if (this.buffer.length >= length) {
          const msg = this.buffer.subarray(0, length);
          this.buffer = this.buffer.subarray(length);
          assert.equal(msg.readInt32LE(12), OP_MSG);
          return { responseTo: msg.readInt32LE(8), body: BSON.deserialize(msg.subarray(21)) };
        }
      }
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

describe('wire protocol', () => {
  it('computes CRC-32C', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  });

  it('accepts a message with a valid checksum and document sequences', async () => {
    const conn = await RawConnection.open(server.port);
    try {
      conn.send(opMsg(7, { insert: 'c', $db: 'wire1' }, 1, { id: 'documents', docs: [{ _id: 1 }, { _id: 2 }] }));
      const r = await conn.reply();
      assert.equal(r.responseTo, 7);
      assert.equal(r.body['ok'], 1);
      assert.equal(r.body['n'], 2);
    } finally {
      conn.destroy();
    }
  });

  it('sends no reply to moreToCome and still runs the command', async () => {
    const conn = await RawConnection.open(server.port);
    try {
      conn.send(opMsg(1, { insert: 'c', documents: [{ _id: 'quiet' }], $db: 'wire2' }, 2));
      conn.send(opMsg(2, { find: 'c', filter: {}, $db: 'wire2' }));
      const r = await conn.reply();
      assert.equal(r.responseTo, 2);
      assert.deepEqual((r.body['cursor'] as Document)['firstBatch'], [{ _id: 'quiet' }]);
    } finally {
      conn.destroy();
    }
  });

  const malformed: Array<[string, Buffer]> = [
    [
      'a wrong checksum',
      (() => {
        const m = opMsg(1, { ping: 1, $db: 'admin' }, 1);
        m.writeUInt32LE((m.readUInt32LE(m.length - 4) + 1) >>> 0, m.length - 4);
        return m;
      })(),
    ],
    [
      'an unknown opCode',
      (() => {
        const m = opMsg(1, { ping: 1, $db: 'admin' });
        m.writeInt32LE(9999, 12);
        return m;
      })(),
    ],
    ['a length below the header size', Buffer.from([8, 0, 0, 0, 1, 2, 3, 4])],
    [
      'a BSON document whose size overruns the message',
      (() => {
        const m = opMsg(1, { ping: 1, $db: 'admin' });
        m.writeInt32LE(1_000, 21);
        return m;
      })(),
    ],
    ['an unknown required flag bit', opMsg(1, { ping: 1, $db: 'admin' }, 1 << 5)],
  ];

  for (const [name, bytes] of malformed) {
    it(`closes the connection on ${name} and keeps serving`, async () => {
      const conn = await RawConnection.open(server.port);
      conn.send(bytes);
      await conn.closed;
      const client = new MongoClient(server.url);
      try {
        assert.equal((await client.db('admin').command({ ping: 1 }))['ok'], 1);
      } finally {
        await client.close();
      }
    });
  }
});
