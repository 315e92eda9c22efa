// The local stack's process lifecycle: a crashed child is restarted; SIGTERM
// stops everything and leaves no process behind; a bad setting stops a service
// with a message naming it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { meshV1ServiceInfo } from '@zenko/gen';
import { createClient, SERVICE_NAMES, TOPOLOGY, waitServing } from '@zenko/mesh';
import { freePorts } from '../support/ports.js';
import { alive, REPO_ROOT, startStack } from '../support/stack.js';
import { startService } from '../bench/service-process.js';

async function pidOf(address: string): Promise<number> {
  const client = createClient(meshV1ServiceInfo.ServiceInfoServiceService, address, { deadlineMs: 2_000 });
  try {
    return (await client.getServiceInfo({})).pid;
  } finally {
    client.close();
  }
}

async function waitUntil(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('local stack lifecycle', () => {
  it('restarts a crashed service, then SIGTERM leaves no child process behind', async () => {
    const stack = await startStack();
    try {
      const pids = await Promise.all(SERVICE_NAMES.map((n) => pidOf(stack.services[n].grpc)));
      assert.equal(new Set(pids).size, SERVICE_NAMES.length);
      for (const pid of pids) assert.ok(alive(pid));

      // Crash one service: the launcher reports it and starts a new process.
      const victim = stack.services['svc-backbeat'];
      const oldPid = await pidOf(victim.grpc);
      process.kill(oldPid, 'SIGKILL');
      await waitUntil('the crash report', () => stack.output().includes('svc-backbeat exited with signal SIGKILL'));
      await waitUntil('a new svc-backbeat', async () => (await waitServing(victim.grpc, 500)) && (await pidOf(victim.grpc)) !== oldPid);
      const newPid = await pidOf(victim.grpc);
      pids.push(newPid);

      assert.equal(await stack.stop(), 0);
      assert.ok(stack.output().includes('zenko: stopped'));
      for (const pid of pids) assert.equal(alive(pid), false, `process ${pid} is still running`);
    } finally {
      if (stack.launcher.exitCode === null) await stack.stop();
    }
  });
});

describe('listening addresses', () => {
  it('ZENKO_HOST opens the edges and /metrics; the gRPC servers (the internal API) stay on loopback unless ZENKO_GRPC_HOST says otherwise', async () => {
    const svc = await startService('svc-cosmos', { ZENKO_HOST: '0.0.0.0' });
    try {
      const { address, metricsPort } = svc;
      const client = createClient(meshV1ServiceInfo.ServiceInfoServiceService, address, { deadlineMs: 2_000 });
      const info = await client.getServiceInfo({});
      client.close();
      const endpoint = (kind: string): string | undefined => info.endpoints.find((e) => e.kind === kind)?.address;
      assert.equal(endpoint('grpc'), address, 'gRPC bound to loopback');
      assert.equal(endpoint('metrics'), `http://0.0.0.0:${metricsPort}/metrics`, '/metrics on every interface');
    } finally {
      await svc.stop();
    }
  });
});

function runOnce(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, script)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('configuration', () => {
  it('a service with an invalid setting exits non-zero, naming the setting', async () => {
    const { code, stderr } = await runOnce('svc-metadata/dist/main.js', { ZENKO_METADATA_GRPC_PORT: 'ninety' });
    assert.equal(code, 2);
    assert.match(stderr, /ZENKO_METADATA_GRPC_PORT/);
  });

  it('an out-of-range port and a malformed peer address are refused too', async () => {
    const port = await runOnce('svc-cloudserver/dist/main.js', { ZENKO_S3_PORT: '70000' });
    assert.equal(port.code, 2);
    assert.match(port.stderr, /ZENKO_S3_PORT/);
    const peer = await runOnce('svc-backbeat/dist/main.js', { ZENKO_METADATA_ADDRESS: 'no port here' });
    assert.equal(peer.code, 2);
    assert.match(peer.stderr, /ZENKO_METADATA_ADDRESS/);
    const mongo = await runOnce('svc-metadata/dist/main.js', { ZENKO_MONGODB_URL: 'notaurl' });
    assert.equal(mongo.code, 2);
    assert.match(mongo.stderr, /ZENKO_MONGODB_URL/);
  });

  it('the launcher refuses an invalid setting before starting anything', async () => {
    const { code, stderr } = await runOnce('mesh/dist/launcher/main.js', { ZENKO_AZURE_PORT: '-1' });
    assert.equal(code, 2);
    assert.match(stderr, /ZENKO_AZURE_PORT/);
    // A log level pino does not know: refused by name, by the launcher and by a service alone.
    for (const script of ['mesh/dist/launcher/main.js', 'svc-cosmos/dist/main.js']) {
      const level = await runOnce(script, { ZENKO_LOG_LEVEL: 'verbose' });
      assert.equal(level.code, 2, script);
      assert.match(level.stderr, /ZENKO_LOG_LEVEL/);
      assert.doesNotMatch(level.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  it('the launcher refuses to start when a port it needs is taken, naming the port and its setting', async () => {
    // Another process on the S3 port: the launcher must not report that process's
    // health as its own, nor leave services restarting behind it.
    const ports = await freePorts(12);
    const env: NodeJS.ProcessEnv = { ZENKO_HOST: '127.0.0.1', ZENKO_DATA_DIR: mkdtempSync(join(tmpdir(), 'zenko-taken-')) };
    SERVICE_NAMES.forEach((name, i) => {
      env[`${TOPOLOGY[name].env}_GRPC_PORT`] = String(ports[2 * i]);
      env[`${TOPOLOGY[name].env}_METRICS_PORT`] = String(ports[2 * i + 1]);
    });
    env['ZENKO_S3_PORT'] = String(ports[10]);
    env['ZENKO_AZURE_PORT'] = String(ports[11]);
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(ports[10], '127.0.0.1', r));
    try {
      const { code, stderr } = await runOnce('mesh/dist/launcher/main.js', env);
      assert.equal(code, 1);
      assert.match(
        stderr,
        new RegExp(`ports in use \\(is another Zenko running.*ZENKO_DATA_DIR\\):\\n +${ports[10]} +s3 edge +ZENKO_S3_PORT\\n`),
      );
    } finally {
      holder.close();
      rmSync(env['ZENKO_DATA_DIR']!, { recursive: true, force: true });
    }
  });

  it('a config file is read and validated like the environment', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'zenko-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ ZENKO_COSMOS_METRICS_PORT: 'x' }));
    const { code, stderr } = await runOnce('svc-cosmos/dist/main.js', { ZENKO_CONFIG_FILE: file });
    assert.equal(code, 2);
    assert.match(stderr, /ZENKO_COSMOS_METRICS_PORT/);
  });
});
