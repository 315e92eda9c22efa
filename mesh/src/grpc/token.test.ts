import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client as GrpcClient, Metadata, credentials, status, type ServiceError } from '@grpc/grpc-js';
import { meshV1ServiceInfo, metadataV1Metadata, metadataV1MetadataService, placementV1DataPlacementService } from '@zenko/gen';
import { ConfigError } from '../config.js';
import { REASON_TRAILER, isMeshError } from '../errors.js';
import { createLogger } from '../logger.js';
import { Metrics } from '../metrics.js';
import { createClient } from './client.js';
import { service, startGrpcServer, type GrpcServer } from './server.js';
import { grpcToken, tokenCheck } from './token.js';

const TOKEN = 'a-token-of-32-characters-or-so-x';
const metrics = new Metrics('test');
let server: GrpcServer;
const handled = { getBucket: 0, put: 0 };

before(async () => {
  server = await startGrpcServer({
    name: 'svc-metadata',
    version: 'test',
    logger: createLogger('test', 'silent'),
    metrics,
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    services: [
      service(metadataV1MetadataService.MetadataServiceService, {
        getBucket: (req) => {
          handled.getBucket++;
          return Promise.resolve({ bucket: metadataV1Metadata.Bucket.fromPartial({ name: req.name }) });
        },
      }),
      service(placementV1DataPlacementService.DataPlacementServiceService, {
        put: async (requests) => {
          handled.put++;
          for await (const r of requests) void r;
          return { location: 'mem', key: 'k', size: 0, md5: '', checksums: {}, inline: Buffer.alloc(0) };
        },
      }),
    ],
  });
  server.setServing(true);
});
after(() => server.shutdown(1_000));

/** A raw unary call with these metadata (bytes in, bytes out: the server's check comes before any decoding). */
function rawCall(path: string, metadata: Record<string, string>): Promise<{ err: ServiceError | null; value: Buffer | undefined }> {
  const raw = new GrpcClient(server.address, credentials.createInsecure());
  const md = new Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  const same = (b: Buffer): Buffer => b;
  return new Promise((resolve) => {
    raw.makeUnaryRequest(path, same, same, Buffer.alloc(0), md, { deadline: new Date(Date.now() + 5_000) }, (err, value) => {
      raw.close();
      resolve({ err, value });
    });
  });
}

describe('ZENKO_GRPC_TOKEN on a server', () => {
  const getBucket = metadataV1MetadataService.MetadataServiceService.getBucket.path;

  it('a call without the token, with a malformed or a wrong one, is UNAUTHENTICATED (reason and details) before its handler runs', async () => {
    const before = handled.getBucket;
    for (const [metadata, problem] of [
      [{}, 'missing'],
      [{ authorization: TOKEN }, 'malformed'],
      [{ authorization: `Basic ${TOKEN}` }, 'malformed'],
      [{ authorization: 'Bearer not-the-token-but-as-long-xx' }, 'wrong'],
      [{ authorization: `Bearer ${TOKEN}x` }, 'wrong'],
    ] as const) {
      const { err } = await rawCall(getBucket, metadata);
      assert.ok(err !== null, JSON.stringify(metadata));
      assert.equal(err.code, status.UNAUTHENTICATED, JSON.stringify(metadata));
      assert.equal(err.metadata.get(REASON_TRAILER)[0], 'UNAUTHENTICATED');
      assert.deepEqual(JSON.parse(String(err.metadata.get('zenko-error-details')[0])), { setting: 'ZENKO_GRPC_TOKEN', problem });
    }
    assert.equal(handled.getBucket, before);
    const { err } = await rawCall(getBucket, { authorization: `Bearer ${TOKEN}` });
    assert.equal(err, null);
    assert.equal(handled.getBucket, before + 1);
  });

  it('createClient sends the token given (or none), in every kind of call', async () => {
    const without = createClient(metadataV1MetadataService.MetadataServiceService, server.address, { token: '', deadlineMs: 5_000 });
    const err = await without.getBucket({ name: 'b' }).catch((e: unknown) => e);
    without.close();
    assert.ok(isMeshError(err, 'UNAUTHENTICATED'), String(err));
    assert.equal(err.details['problem'], 'missing');

    const puts = handled.put;
    const refused = createClient(placementV1DataPlacementService.DataPlacementServiceService, server.address, { token: `${TOKEN}-wrong` });
    const putErr = await refused.put([]).catch((e: unknown) => e);
    refused.close();
    assert.ok(isMeshError(putErr, 'UNAUTHENTICATED'), String(putErr));
    assert.equal(handled.put, puts);

    const c = createClient(metadataV1MetadataService.MetadataServiceService, server.address, { token: TOKEN, deadlineMs: 5_000 });
    const p = createClient(placementV1DataPlacementService.DataPlacementServiceService, server.address, { token: TOKEN });
    const info = createClient(meshV1ServiceInfo.ServiceInfoServiceService, server.address, { token: TOKEN });
    try {
      assert.equal((await c.getBucket({ name: 'b' })).bucket?.name, 'b');
      assert.equal((await p.put([])).location, 'mem');
      assert.equal((await info.getServiceInfo({})).name, 'svc-metadata');
    } finally {
      c.close();
      p.close();
      info.close();
    }
  });

  it('health answers without the token; reflection and ServiceInfoService do not', async () => {
    // HealthCheckRequest { service: '' } is empty; the answer { status: SERVING } is field 1 = 1.
    const health = await rawCall('/grpc.health.v1.Health/Check', {});
    assert.equal(health.err, null);
    assert.deepEqual(health.value, Buffer.from([0x08, 0x01]));
    const info = await rawCall(meshV1ServiceInfo.ServiceInfoServiceService.getServiceInfo.path, {});
    assert.equal(info.err?.code, status.UNAUTHENTICATED);
    const raw = new GrpcClient(server.address, credentials.createInsecure());
    const same = (b: Buffer): Buffer => b;
    const reflection = await new Promise<ServiceError>((resolve) => {
      const call = raw.makeBidiStreamRequest('/grpc.reflection.v1.ServerReflection/ServerReflectionInfo', same, same);
      call.on('data', () => undefined);
      call.on('error', resolve);
      call.end();
    });
    raw.close();
    assert.equal(reflection.code, status.UNAUTHENTICATED);
  });

  it('refused calls are counted as UNAUTHENTICATED in grpc_server_handled_total', async () => {
    await rawCall(metadataV1MetadataService.MetadataServiceService.getBucket.path, {});
    const text = await metrics.registry.getSingleMetricAsString('grpc_server_handled_total');
    assert.match(
      text,
      /grpc_server_handled_total\{grpc_type="unary",grpc_service="zenko\.metadata\.v1\.MetadataService",grpc_method="GetBucket",grpc_code="UNAUTHENTICATED"[^}]*\} [1-9]/,
    );
  });
});

describe('the token check', () => {
  it('takes the Bearer scheme in any case, one authorization value only', () => {
    const check = tokenCheck(TOKEN);
    const md = (...values: string[]): Metadata => {
      const m = new Metadata();
      for (const v of values) m.add('authorization', v);
      return m;
    };
    assert.equal(check(md(`Bearer ${TOKEN}`)), 'ok');
    assert.equal(check(md(`bearer ${TOKEN}`)), 'ok');
    assert.equal(check(md()), 'missing');
    assert.equal(check(md(`Bearer ${TOKEN}`, `Bearer ${TOKEN}`)), 'malformed');
    assert.equal(check(md('Bearer')), 'malformed');
    assert.equal(check(md('Bearer ')), 'malformed');
    assert.equal(check(md(`Bearer ${TOKEN.slice(1)}`)), 'wrong');
  });
});

describe('the ZENKO_GRPC_TOKEN setting', () => {
  /** Refused as a ConfigError naming the setting, whose message does not echo `value` (when given). */
  const refused = (fn: () => unknown, value?: string): void =>
    assert.throws(fn, (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.equal(err.setting, 'ZENKO_GRPC_TOKEN');
      if (value !== undefined) assert.ok(!err.message.includes(value.trim().slice(0, 12)), err.message);
      return true;
    });

  it('unset or empty is none; a token too short, too long or with spaces is refused by name, without echoing it', () => {
    assert.equal(grpcToken({}), undefined);
    assert.equal(grpcToken({ ZENKO_GRPC_TOKEN: '' }), undefined);
    assert.equal(grpcToken({ ZENKO_GRPC_TOKEN: TOKEN }), TOKEN);
    for (const bad of ['short-secret', 'x'.repeat(1025), 'a token with spaces in it', `${TOKEN}\n`]) {
      refused(() => grpcToken({ ZENKO_GRPC_TOKEN: bad }), bad);
    }
  });

  it('is read from ZENKO_CONFIG_FILE too, the environment first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zenko-token-'));
    try {
      const file = join(dir, 'config.json');
      writeFileSync(file, JSON.stringify({ ZENKO_GRPC_TOKEN: TOKEN }));
      assert.equal(grpcToken({ ZENKO_CONFIG_FILE: file }), TOKEN);
      assert.equal(grpcToken({ ZENKO_CONFIG_FILE: file, ZENKO_GRPC_TOKEN: `${TOKEN}-env` }), `${TOKEN}-env`);
      writeFileSync(file, JSON.stringify({ ZENKO_GRPC_TOKEN: 'short' }));
      refused(() => grpcToken({ ZENKO_CONFIG_FILE: file }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
