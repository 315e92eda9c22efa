/**
 * The Azure Blob operations, as data: each wire operation with whether this edge implements it and
 * what a SAS needs to call it. Operations Azure has and this edge refuses (page and append blobs,
 * snapshots, versions, tiers, batch, …) are named too, so the edge answers them with NotImplemented
 * instead of mistaking them for something else.
 *
 * SAS requirements follow the Azure "Create an account SAS" and "Create a service SAS" permission
 * tables: `anyOf` lists letters any one of which suffices (Break Lease: write or delete; Put Blob:
 * create or write, write needed to overwrite). Operations on the account or on containers
 * themselves (create, delete, ACL, lease) are out of reach of a service SAS; stored access policies
 * (Get/Set Container ACL) are out of reach of any SAS.
 */
import type { SasRequirement } from '../auth/sas.js';

export interface OperationSpec {
  /** False for the Azure operations this edge refuses with NotImplemented. */
  readonly supported: boolean;
  readonly sas: SasRequirement;
}

const none = undefined;
const account = (resourceTypes: string, anyOf: string) => ({ resourceTypes, anyOf });
const service = (anyOf: string) => ({ anyOf });

const read = { account: account('o', 'r'), service: service('r') };
const write = { account: account('o', 'w'), service: service('w') };
const create = { account: account('o', 'cw'), service: service('cw'), overwriteNeedsWrite: true };
const lease = { account: account('o', 'w'), service: service('w'), breakAnyOf: 'wd' };
const accountOnly = (resourceTypes: string, anyOf: string) => ({ account: account(resourceTypes, anyOf), service: none });
const noSas = { account: none, service: none };
const anyAccountPermission = {
  account: account('sco', 'rwdxftlacupiy'),
  service: service('racwdxltmeiyfop'),
};

export const OPERATIONS = {
  // Service
  GetBlobServiceProperties: { supported: true, sas: accountOnly('s', 'r') },
  SetBlobServiceProperties: { supported: true, sas: accountOnly('s', 'w') },
  GetBlobServiceStats: { supported: false, sas: accountOnly('s', 'r') },
  ListContainers: { supported: true, sas: accountOnly('s', 'l') },
  FindBlobsByTags: { supported: true, sas: accountOnly('s', 'f') },
  GetAccountInformation: { supported: true, sas: anyAccountPermission },
  GetUserDelegationKey: { supported: false, sas: noSas },
  SubmitBatch: { supported: false, sas: noSas },
  PreflightBlobRequest: { supported: true, sas: noSas },

  // Container
  CreateContainer: { supported: true, sas: accountOnly('c', 'cw') },
  // A service SAS on a container (sr=c) reaches its blobs and their list, not the container's
  // own properties or metadata (Azure: AuthorizationFailure).
  GetContainerProperties: { supported: true, sas: accountOnly('c', 'r') },
  GetContainerMetadata: { supported: true, sas: accountOnly('c', 'r') },
  SetContainerMetadata: { supported: true, sas: accountOnly('c', 'w') },
  GetContainerACL: { supported: true, sas: noSas },
  SetContainerACL: { supported: true, sas: noSas },
  DeleteContainer: { supported: true, sas: accountOnly('c', 'd') },
  LeaseContainer: { supported: true, sas: { ...accountOnly('c', 'w'), breakAnyOf: 'wd' } },
  ListBlobs: { supported: true, sas: { account: account('c', 'l'), service: service('l') } },
  FindBlobsByTagsInContainer: { supported: true, sas: { account: account('c', 'f'), service: service('f') } },
  RestoreContainer: { supported: false, sas: accountOnly('c', 'w') },
  RenameContainer: { supported: false, sas: noSas },
  SubmitContainerBatch: { supported: false, sas: noSas },

  // Block blobs
  PutBlob: { supported: true, sas: create },
  PutBlobFromURL: { supported: true, sas: create },
  PutBlock: { supported: true, sas: write },
  PutBlockFromURL: { supported: true, sas: write },
  PutBlockList: { supported: true, sas: create },
  GetBlockList: { supported: true, sas: read },

  // Any blob
  GetBlob: { supported: true, sas: read },
  GetBlobProperties: { supported: true, sas: read },
  SetBlobProperties: { supported: true, sas: write },
  GetBlobMetadata: { supported: true, sas: read },
  SetBlobMetadata: { supported: true, sas: write },
  GetBlobTags: { supported: true, sas: { account: account('o', 't'), service: service('t') } },
  SetBlobTags: { supported: true, sas: { account: account('o', 't'), service: service('t') } },
  DeleteBlob: { supported: true, sas: { account: account('o', 'd'), service: service('d') } },
  LeaseBlob: { supported: true, sas: lease },
  CopyBlob: { supported: true, sas: create },
  CopyBlobFromURL: { supported: true, sas: create },
  AbortCopyBlob: { supported: true, sas: write },
  SnapshotBlob: { supported: false, sas: create },
  UndeleteBlob: { supported: false, sas: write },
  SetBlobTier: { supported: true, sas: write },
  SetBlobExpiry: { supported: false, sas: noSas },
  SetBlobImmutabilityPolicy: { supported: false, sas: { account: account('o', 'i'), service: service('i') } },
  DeleteBlobImmutabilityPolicy: { supported: false, sas: { account: account('o', 'i'), service: service('i') } },
  SetBlobLegalHold: { supported: false, sas: { account: account('o', 'i'), service: service('i') } },
  QueryBlobContents: { supported: false, sas: read },

  // Page blobs
  PutPageBlob: { supported: false, sas: create },
  PutPage: { supported: false, sas: write },
  PutPageFromURL: { supported: false, sas: write },
  GetPageRanges: { supported: false, sas: read },
  IncrementalCopyBlob: { supported: false, sas: create },

  // Append blobs
  PutAppendBlob: { supported: false, sas: create },
  AppendBlock: { supported: false, sas: { account: account('o', 'aw'), service: service('aw') } },
  AppendBlockFromURL: { supported: false, sas: { account: account('o', 'aw'), service: service('aw') } },
  AppendBlobSeal: { supported: false, sas: write },
} as const satisfies Record<string, OperationSpec>;

export type OperationName = keyof typeof OPERATIONS;

export function isOperationName(name: string): name is OperationName {
  return Object.hasOwn(OPERATIONS, name);
}
