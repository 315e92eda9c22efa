import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, address, bool, host, int, loadConfig, oneOf, port, str } from './config.js';

const schema = {
  name: str('X_NAME', 'a name', 'zenko'),
  port: port('X_PORT', 'a port', 8000),
  workers: int('X_WORKERS', 'workers', 2, 1, 64),
  tls: bool('X_TLS', 'tls', false),
  mode: oneOf('X_MODE', 'mode', ['fast', 'safe'], 'safe'),
  peer: address('X_PEER', 'peer', '127.0.0.1:9010'),
};

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  assert.fail('expected a ConfigError');
}

describe('config', () => {
  it('a host is an IP address or a host name', () => {
    const hosts = { h: host('X_HOST', 'host', '127.0.0.1') };
    for (const [raw, parsed] of [
      ['0.0.0.0', '0.0.0.0'],
      ['::', '::'],
      ['[::1]', '::1'],
      ['fe80::1%eth0', 'fe80::1%eth0'],
      ['localhost', 'localhost'],
      ['node-1.zenko.svc.cluster.local', 'node-1.zenko.svc.cluster.local'],
    ])
      assert.equal(loadConfig(hosts, { env: { X_HOST: raw } }).h, parsed, raw);
    for (const raw of ['not_a_host', 'http://127.0.0.1', '127.0.0.1:8000', '-lead', 'a..b', 'sp ace', `${'a'.repeat(64)}.com`])
      assert.equal(configError(() => loadConfig(hosts, { env: { X_HOST: raw } })).setting, 'X_HOST', raw);
  });

  it('applies defaults and parses the environment', () => {
    assert.deepEqual(loadConfig(schema, { env: {} }), {
      name: 'zenko',
      port: 8000,
      workers: 2,
      tls: false,
      mode: 'safe',
      peer: '127.0.0.1:9010',
    });
    const c = loadConfig(schema, { env: { X_PORT: '9000', X_TLS: 'yes', X_MODE: 'fast', X_PEER: 'meta.svc:1' } });
    assert.equal(c.port, 9000);
    assert.equal(c.tls, true);
    assert.equal(c.mode, 'fast');
    assert.equal(c.peer, 'meta.svc:1');
  });

  it('names the setting that is wrong', () => {
    assert.equal(configError(() => loadConfig(schema, { env: { X_PORT: '99999' } })).setting, 'X_PORT');
    assert.equal(configError(() => loadConfig(schema, { env: { X_PORT: '12ab' } })).setting, 'X_PORT');
    assert.equal(configError(() => loadConfig(schema, { env: { X_WORKERS: '0' } })).setting, 'X_WORKERS');
    assert.equal(configError(() => loadConfig(schema, { env: { X_TLS: 'maybe' } })).setting, 'X_TLS');
    assert.equal(configError(() => loadConfig(schema, { env: { X_MODE: 'slow' } })).setting, 'X_MODE');
    assert.equal(configError(() => loadConfig(schema, { env: { X_PEER: 'nohost' } })).setting, 'X_PEER');
    assert.equal(configError(() => loadConfig({ req: str('X_REQ', 'required') }, { env: {} })).setting, 'X_REQ');
    assert.equal(
      configError(() => loadConfig(schema, { env: { ZENKO_CONFIG_FILE: '/nonexistent/zenko.json' } })).setting,
      'ZENKO_CONFIG_FILE',
    );
  });
});
