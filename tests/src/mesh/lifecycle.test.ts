// The local stack's process lifecycle: a crashed child is restarted; SIGTERM
// stops everything and leaves no process behind, and so does a launcher killed
// outright, or the test process that started it; a bad setting stops a service
// with a message naming it.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { meshV1ServiceInfo } from '@zenko/gen';
import { createClient, SERVICE_NAMES, TOPOLOGY, waitServing, type ServiceName } from '@zenko/mesh';
import { freePorts } from '../support/ports.js';
import { alive, REPO_ROOT, restartStack, startStack, startTogether, type ServiceEndpoints, type TestStack } from '../support/stack.js';
import { startService } from '../bench/service-process.js';
import { azureClient, azureError } from '../support/azure.js';
import { s3Client, s3Error } from '../support/s3.js';

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
  it('restarts a crashed service (its data directory lock taken back), refuses a second stack on the data directory, then SIGTERM leaves no child process behind', async () => {
    const stack = await startStack();
    try {
      const pids = await Promise.all(SERVICE_NAMES.map((n) => pidOf(stack.services[n].grpc)));
      assert.equal(new Set(pids).size, SERVICE_NAMES.length);
      for (const pid of pids) assert.ok(alive(pid));

      // Crash services: the launcher reports each and starts a new process; one that locks the
      // data directory (svc-cloudserver) takes the lock its killed predecessor left.
      for (const name of ['svc-backbeat', 'svc-cloudserver'] as const) {
        const victim = stack.services[name];
        const oldPid = await pidOf(victim.grpc);
        process.kill(oldPid, 'SIGKILL');
        await waitUntil('the crash report', () => stack.output().includes(`${name} exited with signal SIGKILL`));
        await waitUntil(`a new ${name}`, async () => (await waitServing(victim.grpc, 500)) && (await pidOf(victim.grpc)) !== oldPid);
        pids.push(await pidOf(victim.grpc));
      }
      const lock = JSON.parse(readFileSync(join(stack.dataDir, 'locks', 'svc-cloudserver.lock'), 'utf8')) as { pid: number };
      assert.equal(lock.pid, pids.at(-1));

      // A second stack, or a second process of a service, on this data directory is refused.
      const ports = await freePorts(12);
      const env: NodeJS.ProcessEnv = { ZENKO_HOST: '127.0.0.1', ZENKO_DATA_DIR: stack.dataDir };
      SERVICE_NAMES.forEach((name, i) => {
        env[`${TOPOLOGY[name].env}_GRPC_PORT`] = String(ports[2 * i]);
        env[`${TOPOLOGY[name].env}_METRICS_PORT`] = String(ports[2 * i + 1]);
      });
      env['ZENKO_S3_PORT'] = String(ports[10]);
      env['ZENKO_AZURE_PORT'] = String(ports[11]);
      for (const script of [
        'mesh/dist/launcher/main.js',
        'svc-metadata/dist/main.js',
        'svc-cloudserver/dist/main.js',
        'svc-blobserver/dist/main.js',
      ]) {
        const second = await runOnce(script, env);
        assert.equal(second.code, 2, script);
        assert.match(second.stderr, /ZENKO_DATA_DIR/, script);
        assert.doesNotMatch(second.stderr, /\n\s+at /, 'no stack trace');
      }
      assert.equal(await pidOf(stack.services['svc-cloudserver'].grpc), lock.pid, 'the running service is untouched');

      assert.equal(await stack.stop(), 0);
      assert.ok(stack.output().includes('zenko: stopped'));
      for (const pid of pids) assert.equal(alive(pid), false, `process ${pid} is still running`);
    } finally {
      if (stack.launcher.exitCode === null) await stack.stop();
    }
  });
});

// A service whose launcher is gone stops as on SIGTERM: it drains for at most 5 s, and exits anyway after 15 s.
const ORPHAN_BOUND_MS = 20_000;

describe('a launcher that dies without stopping its services (SIGKILL, OOM kill, crash)', () => {
  it('takes them with it: each exits and releases its data directory lock, and a new stack starts on the same data directory and ports', async () => {
    const stack = await startStack();
    const pids = await Promise.all(SERVICE_NAMES.map((n) => pidOf(stack.services[n].grpc)));
    let next: TestStack | undefined;
    try {
      stack.launcher.kill('SIGKILL');
      await waitUntil('every service to exit', () => pids.every((pid) => !alive(pid)), ORPHAN_BOUND_MS);
      for (const name of ['svc-metadata', 'svc-cloudserver', 'svc-blobserver']) {
        assert.equal(existsSync(join(stack.dataDir, 'locks', `${name}.lock`)), false, `${name} released its lock`);
      }

      next = await restartStack(stack);
      const lock = JSON.parse(readFileSync(join(stack.dataDir, 'locks', 'launcher.lock'), 'utf8')) as { pid: number };
      assert.equal(lock.pid, next.launcher.pid, "the dead launcher's lock is taken over");
      for (const name of SERVICE_NAMES) assert.ok(!pids.includes(await pidOf(next.services[name].grpc)), name);
      assert.equal(await next.stop(), 0);
    } finally {
      // Services that outlived their launcher (the test failing) are killed here.
      for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
      await next?.stop();
      await stack.stop();
    }
  });

  it('a test process killed with a stack running (startStack) takes it with it: the launcher stops its services and exits', async () => {
    const holder = spawn(process.execPath, [join(REPO_ROOT, 'tests/dist/support/stack-process.js')], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let started: { launcher: number; dataDir: string; services: Record<ServiceName, ServiceEndpoints> } | undefined;
    const pids: number[] = [];
    try {
      started = JSON.parse(await firstLine(holder, 60_000)) as NonNullable<typeof started>;
      const { services } = started;
      pids.push(started.launcher, ...(await Promise.all(SERVICE_NAMES.map((n) => pidOf(services[n].grpc)))));
      holder.kill('SIGKILL');
      await waitUntil('the launcher and every service to exit', () => pids.every((pid) => !alive(pid)), ORPHAN_BOUND_MS);
    } finally {
      if (holder.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL');
      for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
      if (started) rmSync(started.dataDir, { recursive: true, force: true });
    }
  });
});

describe('a service run without the launcher (by hand, Kubernetes)', () => {
  it('keeps running when its stdin closes; run as the launcher runs it (ZENKO_EXIT_WITH_PARENT=1), it then stops as on SIGTERM', async () => {
    const [direct, launched] = await startTogether(startService('svc-cosmos'), startService('svc-cosmos', { ZENKO_EXIT_WITH_PARENT: '1' }));
    try {
      direct.child.stdin?.end();
      launched.child.stdin?.end();
      await waitUntil('the service run as the launcher runs it to exit', () => !running(launched.child), ORPHAN_BOUND_MS);
      assert.equal(launched.child.exitCode, 0);
      // Both stdins ended at once: the one run directly has had as long, and serves on.
      assert.ok(running(direct.child));
      assert.ok(await waitServing(direct.address, 2_000));
    } finally {
      await Promise.all([direct.stop(), launched.stop()]);
    }
  });
});

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** The first line a child process prints, without its newline. */
function firstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no line within ${timeoutMs} ms`)), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (!text.includes('\n')) return;
      clearTimeout(timer);
      resolve(text.slice(0, text.indexOf('\n')));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${signal ?? code} before printing a line`));
    });
  });
}

describe('a hung svc-metadata (SIGSTOP)', () => {
  // The edges' calls to it would each wait for their 30 s deadline (one after the other: 90 s and
  // more for some Azure requests); they fail once its health check goes unanswered (about 10 s).
  const BOUND_MS = 25_000;

  it('the edges answer 503 (S3 ServiceUnavailable, Azure ServerBusy) in bounded time, and serve again once it runs', async () => {
    // Without local reads, every request needs svc-metadata.
    const stack = await startStack({ ZENKO_METADATA_LOCAL_READS: 'false' });
    const s3 = s3Client(stack);
    let stopped: number | undefined;
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'hung' }));
      await s3.send(new PutObjectCommand({ Bucket: 'hung', Key: 'k', Body: 'bytes' }));
      const blob = azureClient(stack).getContainerClient('hung-azure').getBlockBlobClient('b');
      await azureClient(stack).getContainerClient('hung-azure').create();
      await blob.upload('bytes', 5);

      stopped = await pidOf(stack.services['svc-metadata'].grpc);
      process.kill(stopped, 'SIGSTOP');
      const get = s3.send(new GetObjectCommand({ Bucket: 'hung', Key: 'k' }), { abortSignal: AbortSignal.timeout(BOUND_MS) });
      assert.deepEqual(await s3Error(get), { code: 'ServiceUnavailable', status: 503 });
      const download = blob.download(0, undefined, { abortSignal: AbortSignal.timeout(BOUND_MS) });
      assert.deepEqual(await azureError(download), { code: 'ServerBusy', status: 503 });

      process.kill(stopped, 'SIGCONT');
      stopped = undefined;
      await waitUntil('S3 reads again', async () =>
        s3.send(new GetObjectCommand({ Bucket: 'hung', Key: 'k' })).then(
          () => true,
          () => false,
        ),
      );
      assert.equal((await blob.download()).contentLength, 5);
    } finally {
      if (stopped !== undefined) process.kill(stopped, 'SIGCONT');
      s3.destroy();
      assert.equal(await stack.stop(), 0);
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

  it('a host setting that is not a host, or that this machine cannot listen on, is refused by name, by the launcher and by a service', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'zenko-host-'));
    try {
      const cases: [NodeJS.ProcessEnv, string, RegExp][] = [
        [{ ZENKO_HOST: 'not_a_host' }, 'ZENKO_HOST', /not_a_host/],
        [{ ZENKO_GRPC_HOST: 'not_a_host' }, 'ZENKO_GRPC_HOST', /not_a_host/],
        // TEST-NET-1 (RFC 5737): a well-formed address that is no interface's.
        [{ ZENKO_HOST: '192.0.2.1' }, 'ZENKO_HOST', /192\.0\.2\.1/],
        [{ ZENKO_GRPC_HOST: '192.0.2.1' }, 'ZENKO_GRPC_HOST', /192\.0\.2\.1/],
      ];
      for (const script of ['mesh/dist/launcher/main.js', 'svc-metadata/dist/main.js', 'svc-cloudserver/dist/main.js']) {
        for (const [env, setting, address] of cases) {
          const what = `${script} ${JSON.stringify(env)}`;
          const { code, stderr } = await runOnce(script, { ...env, ZENKO_DATA_DIR: dataDir });
          assert.equal(code, 2, `${what}: ${stderr}`);
          assert.match(stderr, new RegExp(`invalid configuration: ${setting}: `), what);
          assert.match(stderr, address, what);
          assert.doesNotMatch(stderr, /\n\s+at |uncaught/, `${what}: no stack trace`);
        }
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
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
