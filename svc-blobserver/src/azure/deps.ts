// What every Azure handler gets: clients of the inner services and the edge's configuration.
import type { accountV1AccountService, metadataV1MetadataService, placementV1DataPlacementService } from '@zenko/gen';
import type { Logger, PromiseClient } from '@zenko/mesh';
import type { ReleaseQueue } from '@zenko/svc-cloudserver/local-data';
import type { AzureContext } from './context.js';
import type { LocalData } from './local-data.js';

export interface AzureConfig {
  /** Location of containers created through this edge (the namespace's default location). */
  readonly defaultLocation: string;
  /** Host suffixes that make `<account><suffix>` host-style (protocol/addressing.ts). */
  readonly hostSuffixes: readonly string[];
}

export interface AzureDeps {
  readonly metadata: PromiseClient<typeof metadataV1MetadataService.MetadataServiceService>;
  readonly accounts: PromiseClient<typeof accountV1AccountService.AccountServiceService>;
  readonly placement: PromiseClient<typeof placementV1DataPlacementService.DataPlacementServiceService>;
  /** Direct reads and writes of `file` locations this process can see. */
  readonly local: LocalData;
  /** Deletes data no version references any more, retrying (journaled) what fails. */
  readonly releases: ReleaseQueue;
  readonly config: AzureConfig;
  readonly logger: Logger;
}

export type AzureHandler = (ctx: AzureContext, deps: AzureDeps) => Promise<void>;
