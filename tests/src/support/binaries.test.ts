import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findBinary, MissingBinaryError, requireBinary } from './binaries.js';

describe('requireBinary', () => {
  const root = mkdtempSync(join(tmpdir(), 'zenko-bin-'));
  const first = join(root, 'first');
  const second = join(root, 'second');
  mkdirSync(first);
  mkdirSync(second);
  writeFileSync(join(first, 'tool'), 'not executable');
  writeFileSync(join(second, 'tool'), '#!/bin/sh\n');
  chmodSync(join(second, 'tool'), 0o755);
  mkdirSync(join(first, 'dir-tool'));
  const PATH = ['relative/bin', first, second].join(delimiter);
  after(() => rmSync(root, { recursive: true, force: true }));

  it('finds the first executable file on PATH, skipping non-executables, directories and relative entries', () => {
    assert.equal(findBinary('tool', PATH), join(second, 'tool'));
    assert.equal(findBinary('dir-tool', PATH), undefined);
    assert.equal(findBinary('absent', PATH), undefined);
    assert.equal(findBinary(join(second, 'tool'), ''), join(second, 'tool'));
  });

  it('returns ok with the path when present', () => {
    assert.deepEqual(requireBinary('tool', 'apt-get install -y tool', { PATH }), {
      ok: true,
      name: 'tool',
      path: join(second, 'tool'),
      skip: false,
    });
  });

  it('returns a skip reason naming the install command when missing', () => {
    const check = requireBinary('absent', 'apt-get install -y absent', { PATH });
    assert.equal(check.ok, false);
    assert.equal(check.path, undefined);
    assert.ok(typeof check.skip === 'string' && check.skip.includes('apt-get install -y absent'));
  });

  it('throws MissingBinaryError under ZENKO_TEST_STRICT=1', () => {
    assert.throws(
      () => requireBinary('absent', 'apt-get install -y absent', { PATH, ZENKO_TEST_STRICT: '1' }),
      (err: unknown) => err instanceof MissingBinaryError && err.binary === 'absent' && err.installHint === 'apt-get install -y absent',
    );
    assert.equal(requireBinary('tool', 'x', { PATH, ZENKO_TEST_STRICT: '1' }).ok, true);
  });
});
