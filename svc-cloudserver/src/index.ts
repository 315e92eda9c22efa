// What other workspaces (the end-to-end tests) use of svc-cloudserver: the data backends and
// the contract every backend passes.
export type { ByteRange, DataBackend, PutHint } from './data/backend.js';
export { backendContract, chunksOf, readAll, type BackendContractOptions } from './data/backend-contract.js';
export { S3Backend, type S3BackendConfig } from './data/aws-s3-backend.js';
export { AzureBackend, type AzureBackendConfig } from './data/azure-backend.js';
