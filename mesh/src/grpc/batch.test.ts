import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { metadataV1Metadata, metadataV1MetadataService } from '@zenko/gen';
import { MeshError, isMeshError } from '../errors.js';
import { createLogger } from '../logger.js';
import { Metrics } from '../metrics.js';
import { REQUEST_ID_METADATA, withRequestId } from '../request-id.js';
import { setupTracing, tracer } from '../tracing.js';
import { MAX_BATCH_ITEMS, batchHandler } from './batch.js';
import { createClient } from './client.js';
import { createMetadataClient, type MetadataClient } from './metadata-client.js';
import { service, startGrpcServer, type GrpcServer } from './server.js';

type GetObjectRequest = metadataV1MetadataService.GetObjectRequest;

const version = (bucket: string, key: string): metadataV1Metadata.ObjectVersion =>
  metadataV1Metadata.ObjectVersion.fromPartial({ bucket, key, versionId: `v-${key}`, size: key.length });

let server: GrpcServer;
const seen = { single: 0, batches: [] as number[] };
const lastSingle = { traceparent: '', requestId: '' };
let internalLogged = 0;
const logger = createLogger('test', 'silent');
logger.error = () => {
  internalLogged++;
};

async function getObject(req: GetObjectRequest): Promise<metadataV1MetadataService.GetObjectResponse> {
  await new Promise((resolve) => setTimeout(resolve, 2));
  if (req.key.startsWith('missing')) {
    throw new MeshError('OBJECT_NOT_FOUND', 'no such key', { details: { bucket: req.bucket, key: req.key } });
  }
  if (req.key === 'boom') throw new Error('secret internal detail');
  return { object: version(req.bucket, req.key) };
}

let client: MetadataClient;

before(async () => {
  setupTracing('batch-test', '0', {});
  server = await startGrpcServer({
    name: 'svc-metadata',
    version: 'test',
    logger,
    metrics: new Metrics('test'),
    host: '127.0.0.1',
    port: 0,
    services: [
      service(metadataV1MetadataService.MetadataServiceService, {
        getObject: (req, ctx) => {
          seen.single++;
          lastSingle.traceparent = String(ctx.metadata.get('traceparent')[0] ?? '');
          lastSingle.requestId = String(ctx.metadata.get(REQUEST_ID_METADATA)[0] ?? '');
          return getObject(req);
        },
        batchGetObjects: (req, ctx) => {
          seen.batches.push(req.requests.length);
          return batchHandler(getObject)(req, ctx);
        },
      }),
    ],
  });
  server.setServing(true);
  client = createMetadataClient(server.address);
});
after(async () => {
  client.close();
  await server.shutdown(1_000);
});

const reset = (): void => {
  seen.single = 0;
  seen.batches = [];
};

describe('coalesced metadata calls', () => {
  it('sends a lone call as the single RPC', async () => {
    reset();
    const res = await client.getObject({ bucket: 'b', key: 'alone', versionId: '' });
    assert.equal(res.object?.key, 'alone');
    assert.deepEqual(seen, { single: 1, batches: [] });
  });

  it("sends a lone call in the caller's trace and request", async () => {
    reset();
    const span = tracer().startSpan('caller');
    await context.with(trace.setSpan(context.active(), span), () =>
      withRequestId('request-1', () => client.getObject({ bucket: 'b', key: 'traced', versionId: '' })),
    );
    span.end();
    assert.equal(seen.single, 1);
    assert.equal(lastSingle.traceparent.split('-')[1], span.spanContext().traceId, 'the RPC continues the caller’s trace');
    assert.equal(lastSingle.requestId, 'request-1');
  });

  it('carries concurrent calls in batches, each answered with its own result in order', async () => {
    reset();
    const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
    const results = await Promise.all(keys.map((key) => client.getObject({ bucket: 'b', key, versionId: '' })));
    assert.deepEqual(
      results.map((r) => r.object?.key),
      keys,
    );
    assert.equal(seen.single + seen.batches.reduce((a, b) => a + b, 0), 100);
    assert.ok(seen.batches.length >= 1, 'concurrent calls went out in batch RPCs');
    assert.ok(seen.batches.length + seen.single < 100, 'fewer RPCs than calls');
  });

  it('fails one item alone with its reason and details, and hides internal causes', async () => {
    reset();
    internalLogged = 0;
    const outcomes = await Promise.allSettled([
      client.getObject({ bucket: 'b', key: 'fine', versionId: '' }),
      client.getObject({ bucket: 'b', key: 'missing-1', versionId: '' }),
      client.getObject({ bucket: 'b', key: 'boom', versionId: '' }),
      client.getObject({ bucket: 'b', key: 'fine-too', versionId: '' }),
    ]);
    assert.ok(seen.batches.length >= 1);
    assert.equal(outcomes[0].status, 'fulfilled');
    assert.equal(outcomes[3].status, 'fulfilled');
    const missing = outcomes[1];
    assert.ok(missing.status === 'rejected' && isMeshError(missing.reason, 'OBJECT_NOT_FOUND'));
    assert.deepEqual(missing.reason.details, { bucket: 'b', key: 'missing-1' });
    const boom = outcomes[2];
    assert.ok(boom.status === 'rejected' && isMeshError(boom.reason, 'INTERNAL'));
    assert.doesNotMatch(boom.reason.message, /secret/);
    assert.equal(internalLogged, 1);
  });

  it('bypasses coalescing for a call with its own deadline or signal', async () => {
    reset();
    await Promise.all([
      client.getObject({ bucket: 'b', key: 'x', versionId: '' }, { deadlineMs: 5_000 }),
      client.getObject({ bucket: 'b', key: 'y', versionId: '' }, { signal: new AbortController().signal }),
    ]);
    assert.deepEqual(seen, { single: 2, batches: [] });
  });

  it('refuses a batch over the item limit with INVALID_ARGUMENT', async () => {
    const raw = createClient(metadataV1MetadataService.MetadataServiceService, server.address);
    try {
      const requests = Array.from({ length: MAX_BATCH_ITEMS + 1 }, (_, i) => ({ bucket: 'b', key: `k${i}`, versionId: '' }));
      await assert.rejects(raw.batchGetObjects({ requests }), (err) => isMeshError(err, 'INVALID_ARGUMENT'));
    } finally {
      raw.close();
    }
  });

  it('rejects every call of a batch when the RPC itself fails', async () => {
    const dead = createMetadataClient('127.0.0.1:1', { deadlineMs: 2_000, maxAttempts: 1 });
    try {
      const outcomes = await Promise.allSettled(['a', 'b', 'c'].map((key) => dead.getObject({ bucket: 'b', key, versionId: '' })));
      for (const o of outcomes) assert.ok(o.status === 'rejected' && isMeshError(o.reason, 'UNAVAILABLE'), o.status);
    } finally {
      dead.close();
    }
  });
});
