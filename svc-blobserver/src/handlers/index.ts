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
import { getAccountInformation } from './account-information.js';
import { getBlobTags, setBlobTags } from './blob-tags.js';
import { abortCopyBlob } from './abort-copy-blob.js';
import { copyBlob } from './copy-blob.js';
import { deleteBlob } from './delete-blob.js';
import { findBlobsByTags } from './find-blobs-by-tags.js';
import { getBlob, getBlobMetadata } from './get-blob.js';
import { getBlockList } from './get-block-list.js';
import { leaseBlob } from './lease-blob.js';
import { leaseContainer } from './lease-container.js';
import { listBlobs } from './list-blobs.js';
import { listContainers } from './list-containers.js';
import { preflightBlobRequest } from './preflight-blob-request.js';
import { putBlob } from './put-blob.js';
import { putBlock } from './put-block.js';
import { putBlockFromUrl } from './put-block-from-url.js';
import { putBlockList } from './put-block-list.js';
import { getBlobServiceProperties, setBlobServiceProperties } from './service-properties.js';
import { setBlobMetadata, setBlobProperties } from './set-blob-properties.js';
import { setBlobTier } from './set-blob-tier.js';

export const HANDLERS: Partial<Record<OperationName, AzureHandler>> = {
  GetAccountInformation: getAccountInformation,
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
  SetBlobTier: setBlobTier,
  DeleteBlob: deleteBlob,
  PutBlock: putBlock,
  PutBlockList: putBlockList,
  GetBlockList: getBlockList,
  LeaseBlob: leaseBlob,
  LeaseContainer: leaseContainer,
  CopyBlob: copyBlob,
  CopyBlobFromURL: copyBlob,
  PutBlobFromURL: copyBlob,
  AbortCopyBlob: abortCopyBlob,
  PutBlockFromURL: putBlockFromUrl,
  GetBlobTags: getBlobTags,
  SetBlobTags: setBlobTags,
  FindBlobsByTags: findBlobsByTags,
  FindBlobsByTagsInContainer: findBlobsByTags,
  GetBlobServiceProperties: getBlobServiceProperties,
  SetBlobServiceProperties: setBlobServiceProperties,
  PreflightBlobRequest: preflightBlobRequest,
};
