// The public surface of svc-metadata for other workspaces (tests, tools): the storage contract
// and its implementations, the contract suite, and the S3 namespace functions over a store.
export * from './store/kv.js';
export { LmdbStore, openLmdbStore, type LmdbStoreOptions } from './store/lmdb-store.js';
export { MongoStore, openMongoStore, type MongoStoreOptions } from './store/mongo-store.js';
export { runMetadataContract, type OpenedStore } from './store/contract.js';
export * from './namespace/index.js';
