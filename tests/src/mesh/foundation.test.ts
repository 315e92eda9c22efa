// The mesh foundation, end to end: every service of a real stack (separate
// processes on loopback) answers reflection like grpcurl expects, health, metrics
// with the calls just made, one trace across two services, protocol-shaped
// errors on both edges.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { BlobServiceClient, RestError, StorageSharedKeyCredential } from '@azure/storage-blob';
import { meshV1ServiceInfo } from '@zenko/gen';
import { createClient, SERVICE_NAMES, type ServiceName } from '@zenko/mesh';
import { callUnary, describeMethod, listServices } from '../support/grpc-reflection.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { find, parsePrometheus } from '../support/prometheus.js';
import { s3Client } from '../support/s3.js';
import { startStack, type TestStack } from '../support/stack.js';

const EXPECTED_SERVICES: Record<ServiceName, string[]> = {
  'svc-metadata': ['zenko.metadata.v1.MetadataService', 'zenko.account.v1.AccountService', 'zenko.location.v1.LocationRegistryService'],
  'svc-cloudserver': ['zenko.placement.v1.DataPlacementService'],
  'svc-blobserver': [],
  'svc-backbeat': ['zenko.queue.v1.QueueControlService'],
  'svc-cosmos': ['zenko.ingestion.v1.IngestionService'],
};
const COMMON = [
  'grpc.health.v1.Health',
  'grpc.reflection.v1.ServerReflection',
  'grpc.reflection.v1alpha.ServerReflection',
  'zenko.mesh.v1.ServiceInfoService',
];

let stack: TestStack;
let otlp: OtlpReceiver;

before(async () => {
  otlp = await startOtlpReceiver();
  stack = await startStack({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_BSP_SCHEDULE_DELAY: '100', ZENKO_LOG_LEVEL: 'debug' });
});
after(async () => {
  assert.equal(await stack.stop(), 0);
  await otlp.close();
});

describe('server reflection, as grpcurl uses it', () => {
  for (const name of SERVICE_NAMES) {
    it(`${name}: lists its services (v1 and v1alpha), describes a method, calls health`, async () => {
      const address = stack.services[name].grpc;
      const expected = [...EXPECTED_SERVICES[name], ...COMMON].sort();
      assert.deepEqual(await listServices(address, 'v1'), expected);
      assert.deepEqual(await listServices(address, 'v1alpha'), expected);

      const info = await describeMethod(address, 'zenko.mesh.v1.ServiceInfoService/GetServiceInfo');
      assert.equal(info.requestType, 'zenko.mesh.v1.GetServiceInfoRequest');
      assert.equal(info.responseType, 'zenko.mesh.v1.GetServiceInfoResponse');
      for (const svc of EXPECTED_SERVICES[name]) {
        const root = await describeMethod(address, `${svc}/${firstMethod(svc)}`);
        assert.ok(root.requestType.startsWith('zenko.'), root.requestType);
      }

      const health = await callUnary(address, 'grpc.health.v1.Health/Check', { service: '' });
      assert.equal(health['status'], 'SERVING');
      const perService = await callUnary(address, 'grpc.health.v1.Health/Check', {
        service: EXPECTED_SERVICES[name][0] ?? 'zenko.mesh.v1.ServiceInfoService',
      });
      assert.equal(perService['status'], 'SERVING');

      const described = await callUnary(address, 'zenko.mesh.v1.ServiceInfoService/GetServiceInfo', {});
      assert.equal(described['name'], name);
    });
  }

  it('an unbuilt handler answers UNIMPLEMENTED with its reason in the trailers', async () => {
    const err = await callUnary(stack.services['svc-backbeat'].grpc, 'zenko.queue.v1.QueueControlService/GetStatus', {}).then(
      () => assert.fail('expected UNIMPLEMENTED'),
      (e: unknown) => e as { code: number; metadata: { get(k: string): unknown[] } },
    );
    assert.equal(err.code, 12);
    assert.deepEqual(err.metadata.get('zenko-error-reason'), ['UNIMPLEMENTED']);
  });
});

function firstMethod(service: string): string {
  return {
    'zenko.metadata.v1.MetadataService': 'GetBucket',
    'zenko.account.v1.AccountService': 'GetAccount',
    'zenko.location.v1.LocationRegistryService': 'ListLocations',
    'zenko.placement.v1.DataPlacementService': 'Put',
    'zenko.queue.v1.QueueControlService': 'Pause',
    'zenko.ingestion.v1.IngestionService': 'CreateIngestionJob',
  }[service]!;
}

describe('metrics', () => {
  it('every service serves Prometheus text counting the call just made', async () => {
    for (const name of SERVICE_NAMES) {
      const client = createClient(meshV1ServiceInfo.ServiceInfoServiceService, stack.services[name].grpc);
      const info = await client.getServiceInfo({});
      client.close();
      assert.equal(info.name, name);
      const res = await fetch(stack.services[name].metrics);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      const samples = parsePrometheus(await res.text());
      const handled = find(samples, 'grpc_server_handled_total', {
        grpc_service: 'zenko.mesh.v1.ServiceInfoService',
        grpc_method: 'GetServiceInfo',
        grpc_code: 'OK',
        grpc_type: 'unary',
      });
      assert.ok(handled && handled.value >= 1, `${name}: GetServiceInfo not counted`);
      const histogram = find(samples, 'grpc_server_handling_seconds_count', { grpc_method: 'GetServiceInfo' });
      assert.ok(histogram && histogram.value >= 1, `${name}: no grpc_server_handling_seconds`);
      assert.ok(find(samples, 'process_resident_memory_bytes', {}), `${name}: no process metrics`);
    }
  });

  it("svc-cloudserver also keeps CloudServer's s3_cloudserver_* request series, for Zenko's dashboards", async () => {
    const s3 = s3Client(stack);
    await s3.send(new CreateBucketCommand({ Bucket: 'compat-metrics' }));
    await s3.send(new PutObjectCommand({ Bucket: 'compat-metrics', Key: 'k', Body: Buffer.alloc(1000, 1) }));
    await (await s3.send(new GetObjectCommand({ Bucket: 'compat-metrics', Key: 'k' }))).Body?.transformToByteArray();
    await s3.send(new GetObjectCommand({ Bucket: 'compat-metrics', Key: 'missing' })).catch(() => undefined);
    s3.destroy();
    const text = await (await fetch(stack.services['svc-cloudserver'].metrics)).text();
    const samples = parsePrometheus(text);
    const value = (name: string, labels: Record<string, string>): number | undefined => find(samples, name, labels)?.value;
    assert.equal(value('s3_cloudserver_http_requests_total', { method: 'PUT', action: 'bucketPut', code: '200' }), 1);
    assert.equal(value('s3_cloudserver_http_requests_total', { method: 'PUT', action: 'objectPut', code: '200' }), 1);
    assert.equal(value('s3_cloudserver_http_requests_total', { method: 'GET', action: 'objectGet', code: '404' }), 1);
    assert.ok((value('s3_cloudserver_http_request_duration_seconds_count', { method: 'GET', action: 'objectGet', code: '200' }) ?? 0) >= 1);
    assert.equal(value('s3_cloudserver_http_request_size_bytes_sum', { method: 'PUT', action: 'objectPut', code: '200' }), 1000);
    const responseBytes = value('s3_cloudserver_http_response_size_bytes_sum', { method: 'GET', action: 'objectGet', code: '200' }) ?? 0;
    assert.ok(responseBytes > 1000 && responseBytes < 3000, `the body and its head: ${responseBytes}`);
    assert.equal(value('s3_cloudserver_http_active_requests', {}), 0, 'nothing in flight');
  });
});

describe('edges and tracing', () => {
  it('one S3 request is one trace through svc-cloudserver and svc-metadata', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const s3 = new S3Client({
      endpoint: stack.s3,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'accessKey1', secretAccessKey: 'verySecretKey1' },
      maxAttempts: 1,
    });
    s3.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers['traceparent'] = `00-${traceId}-00f067aa0ba902b7-01`;
        return next(args);
      },
      { step: 'build' },
    );
    const requestId = (await s3.send(new ListBucketsCommand({}))).$metadata.requestId;
    s3.destroy();
    assert.ok(requestId !== undefined);
    await otlp.waitFor(
      (spans) =>
        spans.some((s) => s.traceId === traceId && s.service === 'svc-cloudserver' && s.kind === 2) &&
        spans.some((s) => s.traceId === traceId && s.service === 'svc-metadata' && s.kind === 2),
    );
    const inTrace = otlp.spans.filter((s) => s.traceId === traceId);
    const edge = inTrace.find((s) => s.service === 'svc-cloudserver' && s.kind === 2)!;
    const client = inTrace.find((s) => s.service === 'svc-cloudserver' && s.kind === 3)!;
    const server = inTrace.find((s) => s.service === 'svc-metadata' && s.kind === 2)!;
    assert.equal(edge.parentSpanId, '00f067aa0ba902b7');
    assert.equal(client.parentSpanId, edge.spanId);
    assert.equal(server.parentSpanId, client.spanId);

    // Both services' logs carry the edge's request id and the trace id for this request.
    for (const name of ['svc-cloudserver', 'svc-metadata'] as const) {
      const logFile = join(stack.dataDir, 'logs', `${name}.log`);
      let lines: { request_id?: string; trace_id?: string }[] = [];
      for (let i = 0; i < 50 && !lines.some((l) => l.request_id === requestId); i++) {
        await sleep(100);
        lines = readFileSync(logFile, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { request_id?: string; trace_id?: string });
      }
      const line: { request_id?: string; trace_id?: string } | undefined = lines.find((l) => l.request_id === requestId);
      assert.ok(line, `${name}: no log line with request id ${requestId}`);
      assert.equal(line.trace_id, traceId);
    }
  });

  it('the S3 edge answers S3 error XML that the AWS SDK understands', async () => {
    const s3 = new S3Client({
      endpoint: stack.s3,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'accessKey1', secretAccessKey: 'verySecretKey1' },
      maxAttempts: 1,
    });
    const err = await s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'k' })).then(
      () => assert.fail('expected an error'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof S3ServiceException);
    assert.equal(err.name, 'NoSuchBucket');
    assert.equal(err.$metadata.httpStatusCode, 404);
    assert.ok(err.$metadata.requestId);
    s3.destroy();
  });

  it('the Azure edge answers Azure error XML that the Azure SDK understands', async () => {
    const client = new BlobServiceClient(
      `${stack.azure}/devstoreaccount1`,
      new StorageSharedKeyCredential(
        'devstoreaccount1',
        'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
      ),
      { retryOptions: { maxTries: 1 } },
    );
    const err = await client.getStatistics().then(
      () => assert.fail('expected an error'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof RestError);
    assert.equal(err.statusCode, 501);
    assert.equal(err.code, 'NotImplemented');
  });
});
