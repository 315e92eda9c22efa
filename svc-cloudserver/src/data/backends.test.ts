// The backend contract on every local backend type (cloud types: tests/src/locations).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { DataBackend } from './backend.js';
import { backendContract } from './backend-contract.js';
import { FileBackend } from './file-backend.js';
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
      return readdirSync(b.root).flatMap((d) => readdirSync(join(b.root, d)).map((f) => `${d}/${f}`));
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
