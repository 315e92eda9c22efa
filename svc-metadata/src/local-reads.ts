// Local reads: a process on the metadata service's host (the S3 and Azure edges) answers the
// namespace's read RPCs (GetBucket, GetObject, GetMultipartUpload, the object, version, upload,
// part and block listings) from the embedded LMDB store itself, with the same namespace code
// the service runs. A read then costs microseconds instead of a gRPC round trip. A change any
// process has acknowledged is visible to the next local read (each read starts on a fresh
// snapshot).
//
// `GetLocalStore` names the store's directory and the id in its IDENTITY file; the store is
// opened only where that file holds the same id, so a process on another host (or looking at
// another data directory) keeps using the RPCs. Until the check has answered, and whenever it
// fails, reads go through the RPCs. The check runs again every RECHECK_MS in the background.
//
// Local writes: with them on (the default), the edge opens the store to write too and commits
// PutObject and DeleteObject itself, with the same namespace code and the same preconditions
// checked inside the LMDB transaction (revisions, leases, object lock), durable when the
// promise resolves, oplog entries included: svc-metadata sees them through its oplog poll. A
// small PUT then costs one process and no gRPC round trip. Every other write still goes
// through svc-metadata; on MongoDB, or from another host, every write does.
import { bool, isMeshError, readIdentity, SpanKind, withSpan, type CallOptions, type Logger, type MetadataClient } from '@zenko/mesh';
import * as ns from './namespace/index.js';
import type { KvStore } from './store/kv.js';
import { LmdbStore } from './store/lmdb-store.js';

const RECHECK_MS = 30_000;
/** Retry delay while the metadata service does not answer (it may still be starting). */
const RETRY_MS = 1_000;
const SERVICE = 'zenko.metadata.v1.MetadataService';

/** The edges' setting that turns local reads off (`enabled` of withLocalReads). */
export const LOCAL_READS_SETTING = bool(
  'ZENKO_METADATA_LOCAL_READS',
  'read buckets, objects and listings from the embedded metadata store directly when this process sees it (checked by its IDENTITY file)',
  true,
);

/** The edges' setting that turns local object writes off (`writes` of withLocalReads). */
export const LOCAL_WRITES_SETTING = bool(
  'ZENKO_METADATA_LOCAL_WRITES',
  'commit PutObject and DeleteObject to the embedded metadata store directly when reads are served from it',
  true,
);

export interface LocalReadsOptions {
  logger: Logger;
  /** false: every read goes through the RPCs. */
  enabled?: boolean;
  /** false: every write goes through the RPCs (true needs `enabled`). */
  writes?: boolean;
}

export type LocalReadsClient = MetadataClient & {
  /** Whether reads are served from the local store now. */
  readsLocally(): boolean;
  closeLocal(): Promise<void>;
};

/**
 * The metadata client of `client`, with the hot reads served from the local store when it is
 * there. The first check starts with the first read, not at construction: a check sent while
 * svc-metadata is still starting would leave the shared channel backing off its reconnection,
 * failing the first requests of an edge that already says SERVING.
 */
export function withLocalReads(client: MetadataClient, options: LocalReadsOptions): LocalReadsClient {
  const writes = options.writes ?? true;
  const reads = new LocalReads(client, options.logger, options.enabled ?? true, writes);
  const local =
    <Req, Res>(method: string, rpc: (req: Req, opts?: CallOptions) => Promise<Res>, read: (store: KvStore, req: Req) => Promise<Res>) =>
    (req: Req, opts?: CallOptions): Promise<Res> => {
      const store = reads.current();
      if (store === undefined) return rpc(req, opts);
      return withSpan(`${SERVICE}/${method}`, { kind: SpanKind.INTERNAL, attributes: { 'zenko.metadata.local_read': true } }, () =>
        read(store, req),
      );
    };
  const localWrite =
    <Req, Res>(method: string, rpc: (req: Req, opts?: CallOptions) => Promise<Res>, write: (store: KvStore, req: Req) => Promise<Res>) =>
    (req: Req, opts?: CallOptions): Promise<Res> => {
      const store = writes ? reads.current() : undefined;
      if (store === undefined) return rpc(req, opts);
      return withSpan(`${SERVICE}/${method}`, { kind: SpanKind.INTERNAL, attributes: { 'zenko.metadata.local_write': true } }, () =>
        write(store, req),
      );
    };
  return {
    ...client,
    putObject: localWrite('PutObject', client.putObject, ns.putObjectRequest),
    deleteObject: localWrite('DeleteObject', client.deleteObject, ns.deleteObject),
    getBucket: local('GetBucket', client.getBucket, ns.getBucket),
    getObject: local('GetObject', client.getObject, ns.getObject),
    listObjects: local('ListObjects', client.listObjects, ns.listObjects),
    listObjectVersions: local('ListObjectVersions', client.listObjectVersions, ns.listObjectVersions),
    listBlocks: local('ListBlocks', client.listBlocks, ns.listBlocks),
    listBlockKeys: local('ListBlockKeys', client.listBlockKeys, ns.listBlockKeys),
    getMultipartUpload: local('GetMultipartUpload', client.getMultipartUpload, ns.getMultipartUpload),
    listParts: local('ListParts', client.listParts, ns.listParts),
    listMultipartUploads: local('ListMultipartUploads', client.listMultipartUploads, ns.listMultipartUploads),
    readsLocally: () => reads.current() !== undefined,
    closeLocal: () => reads.close(),
  };
}

class LocalReads {
  #store: LmdbStore | undefined;
  #identity = '';
  #nextCheck = 0;
  #checking = false;
  #closed = false;

  constructor(
    private readonly client: MetadataClient,
    private readonly logger: Logger,
    private readonly enabled: boolean,
    private readonly writes: boolean,
  ) {}

  /** The store to read now, or undefined (use the RPCs); starts a due check in the background. */
  current(): LmdbStore | undefined {
    if (!this.enabled || this.#closed) return undefined;
    if (!this.#checking && Date.now() >= this.#nextCheck) {
      this.#checking = true;
      void this.#check().finally(() => (this.#checking = false));
    }
    return this.#store;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#drop();
  }

  async #check(): Promise<void> {
    let path: string;
    let identity: string;
    try {
      ({ path, identity } = await this.client.getLocalStore({}, { deadlineMs: 5_000 }));
    } catch (err) {
      // An older service (UNIMPLEMENTED) answers the same next time; an unreachable one may be
      // starting: ask again soon, without waiting for a read to come.
      const delay = isMeshError(err, 'UNIMPLEMENTED') ? RECHECK_MS : RETRY_MS;
      this.#nextCheck = Date.now() + delay;
      setTimeout(() => this.current(), delay).unref();
      return;
    }
    this.#nextCheck = Date.now() + RECHECK_MS;
    const seen = path === '' ? undefined : await readIdentity(path).catch(() => undefined);
    if (seen === undefined || seen !== identity) {
      if (this.#store !== undefined) this.logger.info({ path }, 'metadata store no longer seen here: reads go through svc-metadata');
      await this.#drop();
      return;
    }
    if (this.#store !== undefined && this.#identity === identity) return;
    await this.#drop();
    if (this.#closed) return;
    try {
      this.#store = new LmdbStore({ path, readOnly: !this.writes });
      this.#identity = identity;
      this.logger.info({ path }, `metadata reads served from the local store${this.writes ? ', object writes committed to it' : ''}`);
    } catch (err) {
      this.logger.warn({ err, path }, 'cannot open the metadata store: reads and writes go through svc-metadata');
    }
  }

  async #drop(): Promise<void> {
    const store = this.#store;
    this.#store = undefined;
    this.#identity = '';
    await store?.close().catch(() => undefined);
  }
}
