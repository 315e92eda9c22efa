import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from './config.js';
import { EXIT_WITH_PARENT, exitWithParent } from './parent-watch.js';

// Its effect (a service or launcher stopping when its parent dies) is tested end to end with real
// processes: tests/src/mesh/lifecycle.test.ts.
describe('exitWithParent', () => {
  it('is off unless ZENKO_EXIT_WITH_PARENT says true', () => {
    for (const env of [{}, { [EXIT_WITH_PARENT]: '' }, { [EXIT_WITH_PARENT]: '0' }, { [EXIT_WITH_PARENT]: 'false' }]) {
      assert.equal(exitWithParent(env), false, JSON.stringify(env));
    }
  });

  it('refuses a value that is not a boolean, and a stdin that is not a pipe (a file, a terminal), naming the setting', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zenko-parent-'));
    const fd = openSync(join(dir, 'stdin'), 'w+');
    try {
      for (const [env, stdin] of [
        [{ [EXIT_WITH_PARENT]: 'sometimes' }, fd],
        [{ [EXIT_WITH_PARENT]: '1' }, fd],
      ] as const) {
        assert.throws(
          () => exitWithParent(env, stdin),
          (err) => err instanceof ConfigError && err.setting === EXIT_WITH_PARENT,
        );
      }
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
