// What every S3 handler gets: clients of the inner services, data placement and
// the edge's configuration.
import type { accountV1AccountService, metadataV1MetadataService } from '@zenko/gen';
import type { Logger, PromiseClient } from '@zenko/mesh';
import type { DataPlacement } from '../data/placement.js';
import type { ReleaseQueue } from '../data/release-queue.js';
import type { S3Context } from './context.js';
import type { SecretCache } from './secrets.js';

export interface S3Config {
  /** Host names of the S3 service: `<bucket>.<endpoint>` is virtual-hosted-style. */
  endpoints: readonly string[];
  /** Location of buckets created without a LocationConstraint. */
  defaultLocation: string;
}

export interface S3Deps {
  metadata: PromiseClient<typeof metadataV1MetadataService.MetadataServiceService>;
  accounts: PromiseClient<typeof accountV1AccountService.AccountServiceService>;
  data: DataPlacement;
  /** Deletes data no version references any more, retrying (journaled) what fails. */
  releases: ReleaseQueue;
  config: S3Config;
  logger: Logger;
  /** Access-key secrets for authentication (AccountService behind a short-lived cache). */
  secrets: SecretCache;
}

export type S3Handler = (ctx: S3Context, deps: S3Deps) => Promise<void>;
