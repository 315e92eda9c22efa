// Operation → handler. Operations the router names without a handler here answer 501
// NotImplemented (README lists what is implemented).
import type { AzureHandler } from '../azure/deps.js';
import type { OperationName } from '../protocol/operations.js';
import {
  createContainer,
  deleteContainer,
  getContainerAcl,
  getContainerProperties,
  setContainerAcl,
  setContainerMetadata,
} from './containers.js';
import { deleteBlob } from './delete-blob.js';
import { getBlob, getBlobMetadata } from './get-blob.js';
import { getBlockList } from './get-block-list.js';
import { listBlobs } from './list-blobs.js';
import { listContainers } from './list-containers.js';
import { putBlob } from './put-blob.js';
import { putBlock } from './put-block.js';
import { putBlockList } from './put-block-list.js';
import { setBlobMetadata, setBlobProperties } from './set-blob-properties.js';

export const HANDLERS: Partial<Record<OperationName, AzureHandler>> = {
  ListContainers: listContainers,
  CreateContainer: createContainer,
  DeleteContainer: deleteContainer,
  GetContainerProperties: getContainerProperties,
  GetContainerMetadata: getContainerProperties,
  SetContainerMetadata: setContainerMetadata,
  GetContainerACL: getContainerAcl,
  SetContainerACL: setContainerAcl,
  ListBlobs: listBlobs,
  PutBlob: putBlob,
  GetBlob: getBlob,
  GetBlobProperties: getBlob,
  GetBlobMetadata: getBlobMetadata,
  SetBlobProperties: setBlobProperties,
  SetBlobMetadata: setBlobMetadata,
  DeleteBlob: deleteBlob,
  PutBlock: putBlock,
  PutBlockList: putBlockList,
  GetBlockList: getBlockList,
};
