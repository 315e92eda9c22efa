// The backend contract on every local backend type (cloud types: tests/src/locations), the file
// type both as its directory's owner and as a second writer attached to it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import type { DataBackend } from './backend.js';
import { backendContract, readAll } from './backend-contract.js';
import { FileBackend } from './file-backend.js';
import { MemBackend } from './mem-backend.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function newDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zenko-file-'));
  dirs.push(dir);
  return dir;
}

/** Every file under `root` but IDENTITY, as paths relative to it. */
function files(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(root, join(dir, e.name)) : e.name === 'IDENTITY' && dir === root ? [] : [relative(root, join(dir, e.name))],
  );
}

const TYPES: [string, () => Promise<DataBackend>][] = [
  ['mem', async () => new MemBackend()],
  ['file', async () => FileBackend.open(newDir())],
  [
    'file, attached writer',
    async () => {
      const owner = await FileBackend.open(newDir());
      const attached = await FileBackend.attach(owner.root, owner.identity, 'svc-blobserver');
      assert.ok(attached);
      return attached;
    },
  ],
];

for (const [type, open] of TYPES) {
  backendContract(type, open, {
    generatedKeys: true,
    hint: { bucket: 'b', key: '../../etc/passwd' },
    visibleLeftovers: async (b) => (b instanceof FileBackend ? files(b.root) : []),
  });
}

describe('file backend start-up', () => {
  it('each writer empties its own tmp directory, once per process; the owner also what older versions left in tmp/', async () => {
    const dir = newDir();
    const first = await FileBackend.open(dir);
    const leftover = (path: string) => {
      mkdirSync(join(dir, 'tmp', path, '..'), { recursive: true });
      writeFileSync(join(dir, 'tmp', path), 'partial');
    };
    leftover('deadbeef');
    leftover('svc-cloudserver/0123');
    leftover('svc-blobserver/4567');
    await FileBackend.open(dir);
    assert.deepEqual(files(join(dir, 'tmp')), ['svc-blobserver/4567']);
    const attached = await FileBackend.attach(dir, first.identity, 'svc-blobserver');
    assert.ok(attached);
    assert.deepEqual(files(join(dir, 'tmp')), []);
    leftover('svc-blobserver/89ab');
    await FileBackend.attach(dir, first.identity, 'svc-blobserver');
    assert.deepEqual(files(join(dir, 'tmp')), ['svc-blobserver/89ab'], 'a later attach leaves in-flight writes alone');
    await assert.rejects(FileBackend.attach(dir, first.identity, 'svc-cloudserver'));
    await assert.rejects(FileBackend.attach(dir, first.identity, '../escape'));
  });
});

describe('file backend identity (GetLocalRoot)', () => {
  it('keeps one identity across opens; a writer attaches only where IDENTITY matches', async () => {
    const dir = newDir();
    const other = newDir();
    const first = await FileBackend.open(dir);
    assert.match(first.identity, /^[0-9a-f]{32}$/);
    const again = await FileBackend.open(dir);
    assert.equal(again.identity, first.identity);
    const elsewhere = await FileBackend.open(other);
    assert.notEqual(elsewhere.identity, first.identity);

    const { key } = await first.put(
      (async function* () {
        yield Buffer.from('direct bytes');
      })(),
      { bucket: 'b', key: 'k', size: 12 },
    );
    const attached = await FileBackend.attach(first.root, first.identity, 'svc-blobserver');
    assert.ok(attached);
    assert.equal((await readAll(await attached.get(key, { start: 7, end: 11 }))).toString(), 'bytes');
    assert.equal(await FileBackend.attach(other, first.identity, 'svc-blobserver'), undefined);
    assert.equal(await FileBackend.attach(join(dir, 'missing'), first.identity, 'svc-blobserver'), undefined);
    assert.equal(await FileBackend.attach(dir, '', 'svc-blobserver'), undefined);
  });
});

/** The paths under `root` this process holds open. */
function openUnder(root: string): string[] {
  return readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((path) => path.startsWith(`${root}/`));
}

describe('file backend shard directories', () => {
  it('keeps the shard directories it fsyncs open until it closes; a put after close still works', async () => {
    const b = await FileBackend.open(newDir());
    const openDirs = (): string[] => openUnder(b.root).filter((path) => !/[0-9a-f]{32}$/.test(path));
    const body = Buffer.from('small');
    const hint = { bucket: 'b', key: 'k', size: body.length };
    const one = async function* (): AsyncGenerator<Buffer> {
      yield body;
    };
    const keys = await Promise.all(Array.from({ length: 8 }, () => b.put(one(), hint)));
    const shards = new Set(keys.map(({ key }) => join(b.root, key.slice(0, 2))));
    assert.deepEqual(new Set(openDirs()), shards);
    await b.close();
    assert.deepEqual(openDirs(), []);
    const { key } = await b.put(one(), hint);
    assert.ok((await readAll(await b.get(key))).equals(body));
    assert.deepEqual(openDirs(), []);
  });
});

describe('file backend small-read descriptors', () => {
  const one = (body: Buffer) =>
    (async function* (): AsyncGenerator<Buffer> {
      yield body;
    })();
  const read = async (b: FileBackend, key: string, start: number, end: number): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    await b.readTo(key, { start, end }, async (chunk) => void chunks.push(Buffer.from(chunk)));
    return Buffer.concat(chunks);
  };
  const openFiles = (b: FileBackend): string[] => openUnder(b.root).filter((path) => /[0-9a-f]{32}$/.test(path));

  it('keeps at most 256 small files open, least recently read closed first, none once deleted or closed; large files never', async () => {
    const b = await FileBackend.open(newDir());
    const bodies = Array.from({ length: 300 }, (_, i) => Buffer.from(`body ${i}`));
    const keys: string[] = [];
    for (const body of bodies) keys.push((await b.put(one(body), { bucket: 'b', key: 'k', size: body.length })).key);
    for (const [i, key] of keys.entries()) assert.ok((await read(b, key, 0, bodies[i]!.length - 1)).equals(bodies[i]!));
    const held = openFiles(b);
    assert.equal(held.length, 256);
    assert.deepEqual(new Set(held), new Set(keys.slice(-256).map((key) => join(b.root, key.slice(0, 2), key))));
    // The first key was closed; read again, it is kept again (and the least recent one goes).
    assert.ok((await read(b, keys[0]!, 5, 5)).equals(Buffer.from('0')));
    assert.ok(openFiles(b).includes(join(b.root, keys[0]!.slice(0, 2), keys[0]!)));
    assert.ok(!openFiles(b).includes(join(b.root, keys[44]!.slice(0, 2), keys[44]!)));
    assert.equal(openFiles(b).length, 256);

    await b.delete(keys[0]!);
    assert.ok(!openFiles(b).some((path) => path.includes(keys[0]!)));
    await assert.rejects(read(b, keys[0]!, 0, 3), (err: unknown) => err instanceof Error && /not found/.test(err.message));

    const large = Buffer.alloc(200 * 1024, 7);
    const { key: big } = await b.put(one(large), { bucket: 'b', key: 'big', size: large.length });
    assert.ok((await read(b, big, 1000, 1099)).equals(large.subarray(1000, 1100)));
    assert.ok(!openFiles(b).some((path) => path.endsWith(big)));

    await b.close();
    assert.deepEqual(openFiles(b), []);
    assert.ok((await read(b, keys[299]!, 0, 3)).equals(Buffer.from('body')));
    assert.deepEqual(openFiles(b), []);
  });
});
