import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { locationV1LocationRegistryService as loc, placementV1DataPlacementService } from '@zenko/gen';
import { createClient, createLogger, isMeshError, Metrics, startGrpcServer, type GrpcServer } from '@zenko/mesh';
import { digestBase64 } from '../checksums/hasher.js';
import { FileBackend } from './file-backend.js';
import { LocationSet } from './locations.js';
import { MemBackend } from './mem-backend.js';
import { DataPlacement } from './placement.js';
import { pendingThreadedHashes } from '../checksums/threaded-hasher.js';

const INLINE_MAX_BYTES = 16 * 1024;
import { dataPlacementService } from './placement-service.js';

async function readAll(stream: Readable | AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}
async function* body(data: Buffer): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += 65_536) yield data.subarray(i, i + 65_536);
}

const DEFAULT_LOCATION = 'disk';
const MEMORY_LOCATION = 'memory';
let dir: string;
let locations: LocationSet;
let placement: DataPlacement;
let server: GrpcServer;
const data = Buffer.from(Array.from({ length: 1_500_000 }, (_, i) => i % 253));

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zenko-placement-'));
  locations = new LocationSet();
  locations.add(DEFAULT_LOCATION, 'file', await FileBackend.open(join(dir, 'data', DEFAULT_LOCATION)));
  locations.add(MEMORY_LOCATION, 'mem', new MemBackend());
  placement = new DataPlacement(locations, INLINE_MAX_BYTES);
  server = await startGrpcServer({
    name: 'svc-cloudserver',
    version: 'test',
    logger: createLogger('test', 'silent'),
    metrics: new Metrics('test'),
    services: [dataPlacementService(placement, { dataDir: join(dir, 'probe') })],
    host: '127.0.0.1',
    port: 0,
  });
});
after(async () => {
  await server.shutdown(1_000);
  await locations.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('data placement', () => {
  it('a large body is hashed on the hash thread; no hash is left behind by a digest mismatch or a backend failing before it reads', async () => {
    const large = Buffer.from(Array.from({ length: 5 * 1024 * 1024 + 7 }, (_, i) => (i * 7) % 251));
    const md5 = createHash('md5').update(large).digest();
    const stored = await placement.put(DEFAULT_LOCATION, body(large), { bucket: 'b', key: 'large', size: large.length });
    assert.equal(stored.md5, md5.toString('hex'));
    assert.ok((await readAll(await placement.get(DEFAULT_LOCATION, stored.key))).equals(large));
    await assert.rejects(
      placement.put(DEFAULT_LOCATION, body(large), {
        bucket: 'b',
        key: 'bad',
        size: large.length,
        expect: () => ({ md5: 'AAAAAAAAAAAAAAAAAAAAAA==' }),
      }),
      (err: unknown) => isMeshError(err, 'BAD_DIGEST'),
    );
    const failing = new MemBackend();
    failing.put = () => Promise.reject(new Error('the target refused the connection'));
    locations.add('refusing', 'mem', failing);
    await assert.rejects(placement.put('refusing', body(large), { bucket: 'b', key: 'k', size: large.length }), /refused the connection/);
    assert.equal(pendingThreadedHashes(), 0);
  });

  it('computes MD5 and the requested checksums while storing', async () => {
    const r = await placement.put(DEFAULT_LOCATION, body(data), {
      bucket: 'b',
      key: 'k',
      size: data.length,
      checksumAlgorithms: ['crc32c', 'sha256'],
    });
    assert.equal(r.md5, createHash('md5').update(data).digest('hex'));
    assert.equal(r.checksums.sha256, createHash('sha256').update(data).digest('base64'));
    assert.equal(r.checksums.crc32c, digestBase64('crc32c', data));
    assert.ok((await readAll(await placement.get(DEFAULT_LOCATION, r.key))).equals(data));
  });

  it('a digest or size mismatch stores nothing', async () => {
    const wrongMd5 = createHash('md5').update('other').digest('base64');
    await assert.rejects(
      placement.put(MEMORY_LOCATION, body(data), { bucket: 'b', key: 'k', size: data.length, expect: () => ({ md5: wrongMd5 }) }),
      (e: unknown) => isMeshError(e, 'BAD_DIGEST'),
    );
    await assert.rejects(
      placement.put(MEMORY_LOCATION, body(data), {
        bucket: 'b',
        key: 'k',
        size: data.length,
        checksumAlgorithms: ['crc32'],
        expect: () => ({ checksums: { crc32: 'AAAAAA==' } }),
      }),
      (e: unknown) => isMeshError(e, 'BAD_DIGEST'),
    );
    await assert.rejects(placement.put(MEMORY_LOCATION, body(data), { bucket: 'b', key: 'k', size: data.length + 1 }), (e: unknown) =>
      isMeshError(e, 'INCOMPLETE_BODY'),
    );
  });

  it('a small whole body for a file location is returned inline when asked, checked, and never reaches the backend', async () => {
    const small = data.subarray(0, INLINE_MAX_BYTES);
    const shardFiles = (): number =>
      readdirSync(join(dir, 'data', DEFAULT_LOCATION))
        .filter((n) => n !== 'tmp' && n !== 'IDENTITY')
        .reduce((n, shard) => n + readdirSync(join(dir, 'data', DEFAULT_LOCATION, shard)).length, 0);
    const before = shardFiles();
    const r = await placement.put(DEFAULT_LOCATION, body(small), {
      bucket: 'b',
      key: 'k',
      size: small.length,
      inline: true,
      checksumAlgorithms: ['crc32'],
    });
    assert.equal(r.key, '');
    assert.ok(r.inline?.equals(small));
    assert.equal(r.md5, createHash('md5').update(small).digest('hex'));
    assert.equal(r.checksums.crc32, digestBase64('crc32', small));
    assert.equal(shardFiles(), before);
    const wrongMd5 = createHash('md5').update('other').digest('base64');
    await assert.rejects(
      placement.put(DEFAULT_LOCATION, body(small), {
        bucket: 'b',
        key: 'k',
        size: small.length,
        inline: true,
        expect: () => ({ md5: wrongMd5 }),
      }),
      (e: unknown) => isMeshError(e, 'BAD_DIGEST'),
    );
    // One byte more, a part, an unknown size, another location type, or not asked: stored by the location.
    const larger = data.subarray(0, INLINE_MAX_BYTES + 1);
    const stored = [
      await placement.put(DEFAULT_LOCATION, body(larger), { bucket: 'b', key: 'k', size: larger.length, inline: true }),
      await placement.put(DEFAULT_LOCATION, body(small), {
        bucket: 'b',
        key: 'k',
        size: small.length,
        inline: true,
        part: { uploadId: 'u', number: 1 },
      }),
      await placement.put(DEFAULT_LOCATION, body(small), { bucket: 'b', key: 'k', size: -1, inline: true }),
      await placement.put(DEFAULT_LOCATION, body(small), { bucket: 'b', key: 'k', size: small.length }),
    ];
    for (const s of stored) {
      assert.equal(s.inline, undefined);
      assert.notEqual(s.key, '');
    }
    assert.equal(shardFiles(), before + stored.length);
    const mem = await placement.put(MEMORY_LOCATION, body(small), { bucket: 'b', key: 'k', size: small.length, inline: true });
    assert.equal(mem.inline, undefined);
    // Off unless ZENKO_INLINE_MAX_BYTES says otherwise.
    const byDefault = await new DataPlacement(locations).put(DEFAULT_LOCATION, body(small.subarray(0, 10)), {
      bucket: 'b',
      key: 'k',
      size: 10,
      inline: true,
    });
    assert.equal(byDefault.inline, undefined);
    assert.notEqual(byDefault.key, '');
  });

  it('an unknown location is LOCATION_NOT_FOUND', async () => {
    await assert.rejects(placement.put('nowhere', body(data), { bucket: 'b', key: 'k', size: -1 }), (e: unknown) =>
      isMeshError(e, 'LOCATION_NOT_FOUND'),
    );
  });

  it('a size limit counts the writes in flight against each other, declared sizes or bytes so far; a finished or failed write frees its share', async () => {
    const limited = new LocationSet();
    limited.add('small', 'mem', new MemBackend(), { sizeLimitBytes: 1_000 });
    const stored = 100;
    const usage = async (): Promise<number> => stored;
    const withLimit = new DataPlacement(limited, 0, usage);
    const held = (bytes: Buffer): { body: AsyncGenerator<Uint8Array>; release: () => void } => {
      let release: () => void = () => undefined;
      const gate = new Promise<void>((r) => (release = r));
      return {
        body: (async function* () {
          yield bytes.subarray(0, 1);
          await gate;
          yield bytes.subarray(1);
        })(),
        release,
      };
    };
    const exceeded = (e: unknown): boolean => isMeshError(e, 'LOCATION_SIZE_LIMIT_EXCEEDED');
    const first = held(data.subarray(0, 600));
    const inFlight = withLimit.put('small', first.body, { bucket: 'b', key: 'first', size: 600 });
    // 100 stored + 600 in flight: 400 more would pass the limit, 300 do not.
    await assert.rejects(withLimit.put('small', body(data.subarray(0, 400)), { bucket: 'b', key: 'second', size: 400 }), exceeded);
    await assert.rejects(withLimit.put('small', body(data.subarray(0, 400)), { bucket: 'b', key: 'unknown', size: -1 }), exceeded);
    await withLimit.put('small', body(data.subarray(0, 300)), { bucket: 'b', key: 'third', size: 300 });
    first.release();
    await inFlight;
    // Its metadata commit counts it from now on (the usage reader): nothing of it stays reserved here.
    await withLimit.put('small', body(data.subarray(0, 900)), { bucket: 'b', key: 'fourth', size: 900 });
    // A write that fails gives its share back.
    const failing = (async function* () {
      yield data.subarray(0, 10);
      throw new Error('client went away');
    })();
    await assert.rejects(withLimit.put('small', failing, { bucket: 'b', key: 'failed', size: 900 }));
    await withLimit.put('small', body(data.subarray(0, 900)), { bucket: 'b', key: 'fifth', size: 900 });
    await limited.close();
  });

  it('DataPlacementService: put, get with a range, head, copy across locations, delete — over gRPC', async () => {
    const client = createClient(placementV1DataPlacementService.DataPlacementServiceService, server.address, { idempotent: ['Delete'] });
    const requests = function* (expectedChecksums: Record<string, string>) {
      yield {
        msg: {
          $case: 'header' as const,
          value: {
            location: DEFAULT_LOCATION,
            bucket: 'b',
            key: 'k',
            size: data.length,
            contentMd5: '',
            checksumAlgorithms: ['sha1'],
            headers: {},
            userMetadata: {},
            expectedChecksums,
            inline: false,
          },
        },
      };
      for (let i = 0; i < data.length; i += 100_000) yield { msg: { $case: 'chunk' as const, value: data.subarray(i, i + 100_000) } };
    };
    const sha256 = createHash('sha256').update(data).digest('base64');
    const put = await client.put(requests({ sha256 }));
    assert.equal(put.size, data.length);
    assert.equal(put.checksums['sha1'], createHash('sha1').update(data).digest('base64'));
    assert.equal(put.checksums['sha256'], sha256, 'an expected checksum is computed too');
    // An expected checksum that does not match: BAD_DIGEST naming the algorithm.
    const wrong = await client.put(requests({ crc32: 'AAAAAA==' })).catch((e: unknown) => e);
    assert.ok(isMeshError(wrong, 'BAD_DIGEST'), String(wrong));
    assert.equal(wrong.details['algorithm'], 'crc32');

    const ranged = await readAll(
      (async function* () {
        for await (const m of client.get({ location: DEFAULT_LOCATION, key: put.key, rangeStart: 1000, rangeEnd: 1_299_999 }))
          yield m.chunk;
      })(),
    );
    assert.ok(ranged.equals(data.subarray(1000, 1_300_000)));
    assert.deepEqual(await client.head({ location: DEFAULT_LOCATION, key: put.key }), { size: data.length });

    const copy = await client.copy({
      sourceLocation: DEFAULT_LOCATION,
      sourceKey: put.key,
      rangeStart: 0,
      rangeEnd: -1,
      targetLocation: MEMORY_LOCATION,
      bucket: 'b',
      key: 'k2',
      headers: {},
      userMetadata: {},
    });
    assert.equal(copy.location, MEMORY_LOCATION);
    assert.equal(copy.md5, createHash('md5').update(data).digest('hex'));

    await client.delete({ location: DEFAULT_LOCATION, key: put.key });
    await client.delete({ location: DEFAULT_LOCATION, key: put.key });
    await assert.rejects(client.head({ location: DEFAULT_LOCATION, key: put.key }), (e: unknown) => isMeshError(e, 'DATA_NOT_FOUND'));
    await assert.rejects(client.put([{ msg: { $case: 'chunk' as const, value: Buffer.from('no header') } }]), (e: unknown) =>
      isMeshError(e, 'INVALID_ARGUMENT'),
    );
    client.close();
  });

  it('a Put the caller cancels mid-body leaves no data, whether or not it declared its size', async () => {
    const client = createClient(placementV1DataPlacementService.DataPlacementServiceService, server.address);
    const root = join(dir, 'data', DEFAULT_LOCATION);
    const stored = (): string[] =>
      readdirSync(root, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && e.name !== 'IDENTITY' && !e.parentPath.includes(`${root}/tmp`))
        .map((e) => join(e.parentPath, e.name));
    const before = stored();
    for (const size of [-1, 3 * 1024 * 1024]) {
      for (const chunks of [0, 1]) {
        const controller = new AbortController();
        const requests = async function* () {
          const header = placementV1DataPlacementService.PutHeader.fromPartial({ location: DEFAULT_LOCATION, bucket: 'b', key: 'k', size });
          yield { msg: { $case: 'header' as const, value: header } };
          for (let i = 0; i < chunks; i++) yield { msg: { $case: 'chunk' as const, value: data.subarray(0, 1024 * 1024) } };
          // The rest never comes: the caller gives up.
          setTimeout(() => controller.abort(), 200);
          await new Promise((resolve) => controller.signal.addEventListener('abort', resolve));
        };
        await assert.rejects(client.put(requests(), { signal: controller.signal }));
      }
    }
    // The server sees the cancellation a moment after the caller does: a leftover would be there by then.
    await new Promise((r) => setTimeout(r, 1_000));
    client.close();
    assert.deepEqual(stored(), before);
  });

  it('ProbeLocation: local types answer at once; an unreachable cloud target is LOCATION_PROBE_FAILED', async () => {
    const client = createClient(placementV1DataPlacementService.DataPlacementServiceService, server.address);
    try {
      const mem = loc.Location.fromPartial({ name: 'm', type: loc.LocationType.LOCATION_TYPE_MEM });
      assert.deepEqual(await client.probeLocation({ location: mem }), { type: 'mem' });
      // A port nothing listens on.
      const { createServer } = await import('node:net');
      const closed = await new Promise<number>((resolve) => {
        const s = createServer().listen(0, '127.0.0.1', () => {
          const port = (s.address() as { port: number }).port;
          s.close(() => resolve(port));
        });
      });
      for (const type of [loc.LocationType.LOCATION_TYPE_AWS_S3, loc.LocationType.LOCATION_TYPE_AZURE]) {
        const cloud = loc.Location.fromPartial({
          name: 'c',
          type,
          details: {
            endpoint: `http://127.0.0.1:${closed}/devstoreaccount1`,
            bucketName: 'target',
            accessKey: 'a',
            secretKey: 's',
            accountName: 'devstoreaccount1',
            accountKey: Buffer.from('k').toString('base64'),
            pathStyle: true,
          },
        });
        await assert.rejects(client.probeLocation({ location: cloud }), (e: unknown) => isMeshError(e, 'LOCATION_PROBE_FAILED'));
      }
      await assert.rejects(client.probeLocation({ location: undefined }), (e: unknown) => isMeshError(e, 'INVALID_ARGUMENT'));
      // Definitions the SDK or the file system refuses are probe failures, never INTERNAL.
      const refused = [
        {
          name: 'bad-url',
          type: loc.LocationType.LOCATION_TYPE_AZURE,
          details: { endpoint: '::::', bucketName: 'c', accountName: 'a', accountKey: 'k' },
        },
        { name: 'empty', type: loc.LocationType.LOCATION_TYPE_AZURE, details: {} },
        { name: 'unknown', type: 99 as loc.LocationType },
        { name: 'unwritable', type: loc.LocationType.LOCATION_TYPE_FILE, details: { path: '/proc/1/forbidden' } },
        { name: 'nul', type: loc.LocationType.LOCATION_TYPE_FILE, details: { path: 'a\0b' } },
      ];
      for (const l of refused) {
        await assert.rejects(
          client.probeLocation({ location: loc.Location.fromPartial(l) }),
          (e: unknown) => isMeshError(e, 'LOCATION_PROBE_FAILED'),
          l.name,
        );
      }
      const file = loc.Location.fromPartial({
        name: 'f',
        type: loc.LocationType.LOCATION_TYPE_FILE,
        details: { path: join(dir, 'probed') },
      });
      assert.deepEqual(await client.probeLocation({ location: file }), { type: 'file' });
    } finally {
      client.close();
    }
  });
});
