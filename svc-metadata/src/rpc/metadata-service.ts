// MetadataService over gRPC: each RPC is one namespace function on the store.
import { metadataV1MetadataService } from '@zenko/gen';
import { MeshError, batchHandler, service, type ServiceRegistration } from '@zenko/mesh';
import type { Accounts } from '../accounts/accounts.js';
import type { LocationRegistry } from '../locations/registry.js';
import * as ns from '../namespace/index.js';
import type { KvStore } from '../store/kv.js';

/** The embedded store's directory and identity, for GetLocalStore (undefined on MongoDB). */
export interface LocalStore {
  path: string;
  identity: string;
}

export function metadataService(
  store: KvStore,
  deps: { accounts: Accounts; locations: LocationRegistry; local?: LocalStore | undefined },
): ServiceRegistration {
  const { accounts, locations, local } = deps;
  return service(metadataV1MetadataService.MetadataServiceService, {
    // A bucket names an existing account and location, and neither is removed under it.
    createBucket: (req) =>
      ns.createBucket(store, req, async () => [
        ...(await accounts.bucketOwnerOps(req.ownerId)),
        ...(await locations.bucketOps(req.location)),
      ]),
    getBucket: (req) => ns.getBucket(store, req),
    deleteBucket: (req) => ns.deleteBucket(store, req),
    listBuckets: (req) => ns.listBuckets(store, req),
    updateBucket: (req) => ns.updateBucket(store, req),
    putObject: (req) => ns.putObjectRequest(store, req),
    getObject: (req) => ns.getObject(store, req),
    deleteObject: (req) => ns.deleteObject(store, req),
    updateObject: (req) => ns.updateObject(store, req),
    batchGetBuckets: batchHandler((req: metadataV1MetadataService.GetBucketRequest) => ns.getBucket(store, req)),
    batchGetObjects: batchHandler((req: metadataV1MetadataService.GetObjectRequest) => ns.getObject(store, req)),
    batchPutObjects: batchHandler((req: metadataV1MetadataService.PutObjectRequest) => ns.putObjectRequest(store, req)),
    listObjects: (req) => ns.listObjects(store, req),
    listObjectVersions: (req) => ns.listObjectVersions(store, req),
    searchObjects: () => Promise.reject(new MeshError('UNIMPLEMENTED', 'metadata search is not implemented yet')),
    createMultipartUpload: (req) => ns.createMultipartUpload(store, req),
    getMultipartUpload: (req) => ns.getMultipartUpload(store, req),
    putPart: (req) => ns.putPart(store, req),
    listParts: (req) => ns.listParts(store, req),
    completeMultipartUpload: (req) => ns.completeMultipartUpload(store, req),
    abortMultipartUpload: (req) => ns.abortMultipartUpload(store, req),
    listMultipartUploads: (req) => ns.listMultipartUploads(store, req),
    putBlock: (req) => ns.putBlock(store, req),
    listBlocks: (req) => ns.listBlocks(store, req),
    listBlockKeys: (req) => ns.listBlockKeys(store, req),
    commitBlockList: (req) => ns.commitBlockList(store, req),
    discardBlocks: (req) => ns.discardBlocks(store, req),
    async *watchOplog(req, ctx) {
      // A named consumer holds back trimming from where it starts (positions never move back).
      if (req.consumer !== '') await ns.commitPosition(store, req.consumer, Math.max(0, req.fromSequence - 1));
      for await (const entry of ns.watchOplog(store, { fromSequence: req.fromSequence, follow: !req.noFollow, signal: ctx.signal })) {
        yield { entry };
      }
    },
    commitOplogPosition: async (req) => {
      await ns.commitPosition(store, req.consumer, req.sequence);
      return {};
    },
    getLocalStore: async () => local ?? { path: '', identity: '' },
  });
}
