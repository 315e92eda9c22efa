// The backend contract on every local backend type (cloud types: tests/src/locations).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { DataBackend } from './backend.js';
import { backendContract } from './backend-contract.js';
import { FileBackend } from './file-backend.js';
import { FilePieces } from './file-pieces.js';
import { MemBackend } from './mem-backend.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const TYPES: [string, () => Promise<DataBackend>][] = [
  ['mem', async () => new MemBackend()],
  [
    'file',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'zenko-file-'));
      dirs.push(dir);
      return FileBackend.open(dir);
    },
  ],
];

for (const [type, open] of TYPES) {
  backendContract(type, open, {
    generatedKeys: true,
    hint: { bucket: 'b', key: '../../etc/passwd' },
    visibleLeftovers: async (b) => {
      if (!(b instanceof FileBackend)) return [];
      return readdirSync(b.root, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .flatMap((d) => readdirSync(join(b.root, d.name)).map((f) => `${d.name}/${f}`));
    },
  });
}

describe('file backend start-up', () => {
  it('removes what an interrupted write left in tmp/', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zenko-file-'));
    dirs.push(dir);
    const first = await FileBackend.open(dir);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(first.root, 'tmp', 'deadbeef'), 'partial');
    await FileBackend.open(dir);
    assert.deepEqual(readdirSync(join(dir, 'tmp')), []);
  });
});

describe('file backend identity (GetLocalRoot)', () => {
  it('keeps one identity across opens, and lets a reader in another directory nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zenko-file-'));
    const other = mkdtempSync(join(tmpdir(), 'zenko-file-'));
    dirs.push(dir, other);
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
    const pieces = await FilePieces.verified(first.root, first.identity);
    assert.ok(pieces);
    const chunks: Buffer[] = [];
    for await (const c of await pieces.get(key, { start: 7, end: 11 })) chunks.push(c as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), 'bytes');
    assert.equal(await FilePieces.verified(other, first.identity), undefined);
    assert.equal(await FilePieces.verified(join(dir, 'missing'), first.identity), undefined);
    assert.equal(await FilePieces.verified(dir, ''), undefined);
  });
});
