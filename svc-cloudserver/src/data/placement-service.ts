// DataPlacementService: the gRPC face of DataPlacement, for the Azure edge and the
// workers. Put is a client stream (header, then chunks); Get a server stream of
// chunks; Copy moves bytes between locations inside this process.
import { MeshError, service, type ServiceRegistration } from '@zenko/mesh';
import { parseChecksumAlgorithm, type ChecksumAlgorithm } from '../checksums/hasher.js';
import type { ByteRange } from './backend.js';
import { access } from 'node:fs/promises';
import { constants } from 'node:fs';
import { backendFor, fileLocationPath, typeName } from './location-watch.js';
import { FileBackend, makeDirectory } from './file-backend.js';
import type { DataPlacement } from './placement.js';
import { locationV1LocationRegistryService as loc, placementV1DataPlacementService as placement } from '@zenko/gen';

/** Chunks of at most this many bytes leave the service. */
const CHUNK = 256 * 1024;

function rangeOf(start: number, end: number): ByteRange | undefined {
  if (start === 0 && end < 0) return undefined;
  if (start < 0 || (end >= 0 && end < start)) throw new MeshError('INVALID_RANGE', `invalid range ${start}-${end}`);
  return { start, end: end < 0 ? Number.MAX_SAFE_INTEGER : end };
}

/** Checks a location definition (with its secrets) against its target; nothing is kept. */
export async function probeLocation(l: loc.Location, dataDir: string): Promise<string> {
  const type = typeName(l.type);
  const failed = (why: string, cause?: unknown): MeshError =>
    new MeshError('LOCATION_PROBE_FAILED', `${l.name}: ${why}`, { details: { location: l.name }, cause });
  if (l.type === loc.LocationType.LOCATION_TYPE_MEM) return type;
  if (l.type === loc.LocationType.LOCATION_TYPE_FILE) {
    // The directory this process will write to (created when the location is applied, now if need be).
    const path = fileLocationPath(l, dataDir);
    try {
      await makeDirectory(path);
      await access(path, constants.W_OK);
    } catch (err) {
      throw failed(`cannot write to ${path}: ${(err as Error).message}`, err);
    }
    return type;
  }
  let backend: Awaited<ReturnType<typeof backendFor>>;
  try {
    backend = await backendFor(l, dataDir);
  } catch (err) {
    // The SDK refused the definition itself (an endpoint that is no URL, a key that is no base64).
    throw err instanceof MeshError ? err : failed(`invalid definition: ${(err as Error).message}`, err);
  }
  if (backend === undefined) throw failed(`type ${type} is not served`);
  try {
    await backend.probe?.();
  } finally {
    await backend.close();
  }
  return type;
}

export function dataPlacementService(data: DataPlacement, opts: { dataDir: string }): ServiceRegistration {
  return service(placement.DataPlacementServiceService, {
    async put(requests, ctx) {
      const iterator = requests[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done === true || first.value.msg?.$case !== 'header') {
        throw new MeshError('INVALID_ARGUMENT', 'the first Put message must be a header');
      }
      const header = first.value.msg.value;
      const algorithm = (name: string): ChecksumAlgorithm => {
        const a = parseChecksumAlgorithm(name);
        if (a === undefined) throw new MeshError('INVALID_ARGUMENT', `unknown checksum algorithm ${name}`);
        return a;
      };
      const expectedChecksums = Object.fromEntries(Object.entries(header.expectedChecksums).map(([name, v]) => [algorithm(name), v]));
      const algorithms = [
        ...new Set([...header.checksumAlgorithms.map(algorithm), ...(Object.keys(expectedChecksums) as ChecksumAlgorithm[])]),
      ];
      const cancelled = (): MeshError => new MeshError('INCOMPLETE_BODY', 'the caller cancelled the Put before its last chunk');
      const read = async (): Promise<IteratorResult<placement.PutRequest>> => {
        try {
          return await iterator.next();
        } catch (err) {
          // A cancelled call ends its request stream early: the body is incomplete, not a server failure.
          throw ctx.signal.aborted ? cancelled() : err;
        }
      };
      const chunks = async function* (): AsyncGenerator<Uint8Array> {
        for (let next = await read(); next.done !== true; next = await read()) {
          const msg = next.value.msg;
          if (msg?.$case !== 'chunk') throw new MeshError('INVALID_ARGUMENT', 'only chunks may follow the header');
          yield msg.value;
        }
        // A stream that ended because the call was cancelled is no complete body (size -1 cannot tell).
        if (ctx.signal.aborted) throw cancelled();
      };
      const md5 = header.contentMd5;
      const result = await data.put(header.location, chunks(), {
        bucket: header.bucket,
        key: header.key,
        size: header.size,
        checksumAlgorithms: algorithms,
        signal: ctx.signal,
        expect: () => ({ ...(md5 ? { md5 } : {}), checksums: expectedChecksums }),
        inline: header.inline,
      });
      if (ctx.signal.aborted) {
        // Cancelled as the data became durable: nobody will record it, so it goes now.
        if (result.key !== '') await data.delete(result.location, result.key).catch(() => undefined);
        throw cancelled();
      }
      return {
        location: result.location,
        key: result.key,
        size: result.size,
        md5: result.md5,
        checksums: result.checksums,
        inline: result.inline ?? Buffer.alloc(0),
      };
    },

    async *get(req, ctx) {
      const stream = await data.get(req.location, req.key, rangeOf(req.rangeStart, req.rangeEnd));
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          if (ctx.signal.aborted) return;
          for (let offset = 0; offset < chunk.length; offset += CHUNK) yield { chunk: chunk.subarray(offset, offset + CHUNK) };
        }
      } finally {
        stream.destroy();
      }
    },

    async head(req) {
      return data.head(req.location, req.key);
    },

    async delete(req) {
      await data.delete(req.location, req.key);
      return {};
    },

    async copy(req) {
      const range = rangeOf(req.rangeStart, req.rangeEnd);
      const result = await data.copy(
        { location: req.sourceLocation, key: req.sourceKey, ...(range ? { range } : {}) },
        { location: req.targetLocation, bucket: req.bucket, key: req.key },
      );
      return { location: result.location, key: result.key, size: result.size, md5: result.md5 };
    },

    async getLocalRoot(req) {
      const location = data.location(req.location);
      const backend = location.backend;
      return backend instanceof FileBackend
        ? { path: backend.root, identity: backend.identity, sizeLimitBytes: location.sizeLimitBytes }
        : { path: '', identity: '', sizeLimitBytes: 0 };
    },

    async probeLocation(req) {
      if (req.location === undefined) throw new MeshError('INVALID_ARGUMENT', 'a location is required');
      return { type: await probeLocation(req.location, opts.dataDir) };
    },
  });
}
