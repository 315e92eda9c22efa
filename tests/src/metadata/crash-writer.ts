// Child process of crash.test.ts: opens the LMDB store at argv[2] and writes objects into bucket
// "crash" as fast as it can (WRITERS puts in flight), printing `ack <key> <sequence>` for each
// put the moment its promise resolves. It never stops on its own: the test SIGKILLs it.
import { metadataV1MetadataService } from '@zenko/gen';
import { isMeshError } from '@zenko/mesh';
import { createBucket, openLmdbStore, putObject, type KvStore } from '@zenko/svc-metadata';

const CRASH_BUCKET = 'crash';
const WRITERS = 32;

const [path, run] = process.argv.slice(2);
if (path === undefined || run === undefined) {
  process.stderr.write('usage: crash-writer <store path> <run id>\n');
  process.exit(2);
}

const store = await openLmdbStore({ path });
try {
  await createBucket(
    store,
    metadataV1MetadataService.CreateBucketRequest.fromPartial({ name: CRASH_BUCKET, ownerId: 'crash', location: 'loc' }),
  );
} catch (err) {
  if (!isMeshError(err, 'BUCKET_ALREADY_OWNED_BY_YOU')) throw err; // an earlier run created it
}

/** The store as one put sees it, remembering the oplog sequence its commit was given. */
function capturing(inner: KvStore): { store: KvStore; sequence(): number | undefined } {
  let sequence: number | undefined;
  const store: KvStore = {
    get: (t, k) => inner.get(t, k),
    scan: (t, o) => inner.scan(t, o),
    scanKeys: (t, o) => inner.scanKeys(t, o),
    commit: async (r) => {
      const result = await inner.commit(r);
      sequence = result.sequences.at(-1);
      return result;
    },
    readOplog: (f, l) => inner.readOplog(f, l),
    oplogBounds: () => inner.oplogBounds(),
    trimOplog: (s) => inner.trimOplog(s),
    onOplog: (l) => inner.onOplog(l),
    close: () => inner.close(),
  };
  return { store, sequence: () => sequence };
}

process.stdout.write('ready\n');
let next = 0;
await Promise.all(
  Array.from({ length: WRITERS }, async () => {
    for (;;) {
      const key = `r${run}/k${next++}`;
      const put = capturing(store);
      await putObject(
        put.store,
        metadataV1MetadataService.PutObjectRequest.fromPartial({
          object: { bucket: CRASH_BUCKET, key, size: 1, etag: 'e'.repeat(32), data: [{ location: 'loc', key: `data-${key}`, size: 1 }] },
        }),
      );
      process.stdout.write(`ack ${key} ${put.sequence()}\n`);
    }
  }),
);
