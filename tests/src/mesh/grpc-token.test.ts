// The mesh's shared token (ZENKO_GRPC_TOKEN), end to end: a stack started with it refuses gRPC
// calls without it (health excepted), its services' own calls carry it (the S3 and Azure edges
// work with every lookup and write over gRPC), the zenko CLI sends it from its environment or
// says to set it, reflection takes it as grpcurl sends it, and a token too short stops the
// launcher and a service by name. A service listening beyond loopback without one warns.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import * as grpc from '@grpc/grpc-js';
import { accountV1AccountService, meshV1ServiceInfo } from '@zenko/gen';
import { SERVICE_NAMES, TOPOLOGY, waitServing } from '@zenko/mesh';
import { azureClient } from '../support/azure.js';
import { listServices } from '../support/grpc-reflection.js';
import { freePorts } from '../support/ports.js';
import { parsePrometheus } from '../support/prometheus.js';
import { s3Client } from '../support/s3.js';
import { REPO_ROOT, startStack, type TestStack } from '../support/stack.js';
import { zenkoCli } from '../support/zenko-cli.js';

const TOKEN = 'test-token-0123456789abcdefghijklmnop';
const WRONG = 'another-token-0123456789abcdefghijklm';

let stack: TestStack;

before(async () => {
  // Every lookup and write of the edges over gRPC (no embedded-store reads, no local data path of
  // the Azure edge): each is a call that must carry the token.
  stack = await startStack({ ZENKO_GRPC_TOKEN: TOKEN, ZENKO_METADATA_LOCAL_READS: 'false', ZENKO_AZURE_LOCAL_DATA: 'false' });
});
after(async () => {
  assert.equal(await stack.stop(), 0);
});

/** A raw grpc-js unary call (no mesh client) with these metadata. */
function rawCall<Req, Res>(
  address: string,
  method: grpc.MethodDefinition<Req, Res>,
  request: Req,
  headers: Record<string, string>,
): Promise<{ err: grpc.ServiceError | null; value: Res | undefined }> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      request,
      metadata,
      { deadline: new Date(Date.now() + 10_000) },
      (err, value) => {
        client.close();
        resolve({ err, value });
      },
    );
  });
}

/** grpc.health.v1.Health/Check { service: '' } as bytes: the request is empty, SERVING is field 1 = 1. */
function rawHealth(address: string): Promise<{ err: grpc.ServiceError | null; value: Buffer | undefined }> {
  const same = (b: Buffer): Buffer => b;
  return rawCall(
    address,
    {
      path: '/grpc.health.v1.Health/Check',
      requestStream: false,
      responseStream: false,
      requestSerialize: same,
      requestDeserialize: same,
      responseSerialize: same,
      responseDeserialize: same,
    },
    Buffer.alloc(0),
    {},
  );
}

describe('a stack started with ZENKO_GRPC_TOKEN', () => {
  it('svc-metadata answers AccountService.ListAccounts UNAUTHENTICATED without the token or with another, OK with it', async () => {
    const address = stack.services['svc-metadata'].grpc;
    const listAccounts = accountV1AccountService.AccountServiceService.listAccounts;
    for (const [what, headers] of [
      ['no token', {}],
      ['another token', { authorization: `Bearer ${WRONG}` }],
      ['the token without its scheme', { authorization: TOKEN }],
    ] as const) {
      const { err } = await rawCall(address, listAccounts, {}, headers);
      assert.ok(err !== null, `${what}: refused`);
      assert.equal(err.code, grpc.status.UNAUTHENTICATED, what);
      assert.equal(err.metadata.get('zenko-error-reason')[0], 'UNAUTHENTICATED', what);
    }
    const { err, value } = await rawCall(address, listAccounts, {}, { authorization: `Bearer ${TOKEN}` });
    assert.equal(err, null);
    assert.ok(value?.accounts.some((a) => a.name === 'zenko'));
  });

  it('every service answers its health check without the token, and nothing else (ServiceInfoService)', async () => {
    for (const name of SERVICE_NAMES) {
      const { err, value } = await rawHealth(stack.services[name].grpc);
      assert.equal(err, null, name);
      assert.deepEqual(value, Buffer.from([0x08, 0x01]), `${name}: SERVING`);
      const info = await rawCall(stack.services[name].grpc, meshV1ServiceInfo.ServiceInfoServiceService.getServiceInfo, {}, {});
      assert.equal(info.err?.code, grpc.status.UNAUTHENTICATED, name);
    }
  });

  it('the S3 and Azure edges work: their calls to svc-metadata and svc-cloudserver carry the token', async () => {
    const listAccounts = accountV1AccountService.AccountServiceService.listAccounts;
    const refused = await rawCall(stack.services['svc-metadata'].grpc, listAccounts, {}, {});
    assert.equal(refused.err?.code, grpc.status.UNAUTHENTICATED, 'a call without the token is refused');
    const s3 = s3Client(stack);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'token-bucket' }));
      await s3.send(new PutObjectCommand({ Bucket: 'token-bucket', Key: 'k', Body: 'through the S3 edge' }));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'token-bucket', Key: 'k' }));
      assert.equal(await got.Body?.transformToString(), 'through the S3 edge');
    } finally {
      s3.destroy();
    }
    const container = azureClient(stack).getContainerClient('token-container');
    await container.create();
    const blob = container.getBlockBlobClient('b');
    await blob.upload('through the Azure edge', 'through the Azure edge'.length);
    assert.equal((await blob.downloadToBuffer()).toString(), 'through the Azure edge');

    // Those requests were served over gRPC: calls the servers answered OK, so calls with the token.
    const answeredOk = async (name: 'svc-metadata' | 'svc-cloudserver', grpcService: string, method?: string): Promise<number> => {
      const samples = parsePrometheus(await (await fetch(stack.services[name].metrics)).text());
      return samples
        .filter((x) => x.name === 'grpc_server_handled_total' && x.labels['grpc_code'] === 'OK')
        .filter((x) => x.labels['grpc_service'] === grpcService && (method === undefined || x.labels['grpc_method'] === method))
        .reduce((sum, x) => sum + x.value, 0);
    };
    assert.ok((await answeredOk('svc-metadata', 'zenko.account.v1.AccountService', 'ResolveAccessKey')) > 0, 'S3 keys');
    assert.ok((await answeredOk('svc-metadata', 'zenko.account.v1.AccountService', 'ResolveStorageAccount')) > 0, 'Azure keys');
    assert.ok((await answeredOk('svc-metadata', 'zenko.metadata.v1.MetadataService')) > 0, 'metadata');
    assert.ok((await answeredOk('svc-cloudserver', 'zenko.placement.v1.DataPlacementService')) > 0, "the Azure edge's data");
  });

  it('the zenko CLI works with ZENKO_GRPC_TOKEN in its environment, and without it (or with another) says to set it', async () => {
    const listed = await zenkoCli(stack, 'account', 'list');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^zenko\s/m);

    const withoutToken = { ...stack.env };
    delete withoutToken['ZENKO_GRPC_TOKEN'];
    for (const env of [withoutToken, { ...stack.env, ZENKO_GRPC_TOKEN: WRONG }]) {
      const refused = await zenkoCli({ ...stack, env }, 'account', 'list');
      assert.equal(refused.code, 1, refused.stderr);
      assert.equal(refused.stdout, '');
      assert.match(refused.stderr, /^zenko: UNAUTHENTICATED: .*ZENKO_GRPC_TOKEN.*\n$/);
    }
    const status = await zenkoCli({ ...stack, env: withoutToken }, 'status');
    assert.equal(status.code, 1);
    assert.match(status.stderr, /^zenko: UNAUTHENTICATED: .*ZENKO_GRPC_TOKEN.*\n$/);
  });

  it('server reflection lists the services with the token (grpcurl -H), and refuses without it', async () => {
    const address = stack.services['svc-metadata'].grpc;
    const services = await listServices(address, 'v1', { authorization: `Bearer ${TOKEN}` });
    assert.ok(services.includes('zenko.account.v1.AccountService'), services.join(' '));
    assert.ok(services.includes('grpc.health.v1.Health'));
    for (const version of ['v1', 'v1alpha'] as const) {
      const err = await listServices(address, version).then(
        () => undefined,
        (e: unknown) => e as grpc.ServiceError,
      );
      assert.equal(err?.code, grpc.status.UNAUTHENTICATED, version);
    }
  });
});

function runOnce(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, script)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('ZENKO_GRPC_TOKEN settings', () => {
  it('a token too short stops the launcher and a service (exit code 2) naming the setting, not echoing the token', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'zenko-token-'));
    try {
      for (const script of ['mesh/dist/launcher/main.js', 'svc-metadata/dist/main.js']) {
        const { code, stderr } = await runOnce(script, { ZENKO_GRPC_TOKEN: 'too-short-123', ZENKO_DATA_DIR: dataDir });
        assert.equal(code, 2, `${script}: ${stderr}`);
        assert.match(stderr, /invalid configuration: ZENKO_GRPC_TOKEN: /, script);
        assert.doesNotMatch(stderr, /too-short-123/, script);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a service whose gRPC server listens beyond loopback warns when no token is set, not when one is', async () => {
    for (const token of ['', TOKEN]) {
      const dataDir = mkdtempSync(join(tmpdir(), 'zenko-token-'));
      const [grpcPort, metricsPort] = (await freePorts(2)) as [number, number];
      const t = TOPOLOGY['svc-cosmos'];
      const child = spawn(process.execPath, [join(REPO_ROOT, 'svc-cosmos/dist/main.js')], {
        env: {
          ...process.env,
          ZENKO_DATA_DIR: dataDir,
          ZENKO_LOG_LEVEL: 'warn',
          ZENKO_GRPC_HOST: '0.0.0.0',
          ZENKO_GRPC_TOKEN: token,
          [`${t.env}_GRPC_PORT`]: String(grpcPort),
          [`${t.env}_METRICS_PORT`]: String(metricsPort),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      const exited = new Promise((r) => child.once('exit', r));
      try {
        assert.ok(await waitServing(`127.0.0.1:${grpcPort}`, 30_000), 'svc-cosmos started');
      } finally {
        child.kill('SIGTERM');
        await exited;
        rmSync(dataDir, { recursive: true, force: true });
      }
      const warnings = stdout
        .split('\n')
        .filter((l) => l.includes('"level":"warn"') && l.includes('ZENKO_GRPC_TOKEN'))
        .map((l) => JSON.parse(l) as { grpcHost?: string });
      if (token === '') assert.equal(warnings[0]?.grpcHost, '0.0.0.0', stdout);
      else assert.deepEqual(warnings, [], stdout);
    }
  });
});
