// Keeps the LocationSet in step with the LocationRegistryService: the current set
// at start, then every change, reconnecting when the stream breaks.
import { isAbsolute, join } from 'node:path';
import { locationV1LocationRegistryService as loc } from '@zenko/gen';
import { isMeshError, MeshError, type Logger, type PromiseClient } from '@zenko/mesh';
import type { DataBackend } from './backend.js';
import { FileBackend } from './file-backend.js';
import type { LocationSet } from './locations.js';
import { MemBackend } from './mem-backend.js';
import type { UsageReader } from './placement.js';

type RegistryClient = PromiseClient<typeof loc.LocationRegistryServiceService>;

const GIB = 1024 ** 3;

/** Reads a location with its secrets (GetLocationSecrets): the watch stream never carries them. */
export type SecretsReader = (name: string) => Promise<loc.Location>;

/**
 * Builds the backend of a location definition; undefined for types this process cannot serve.
 * Cloud types need their secrets: read through `secrets` when given, else taken from `l` itself
 * (a probe carries the full definition).
 */
export async function backendFor(l: loc.Location, dataDir: string, secrets?: SecretsReader): Promise<DataBackend | undefined> {
  switch (l.type) {
    case loc.LocationType.LOCATION_TYPE_MEM:
      return new MemBackend();
    case loc.LocationType.LOCATION_TYPE_FILE:
      return FileBackend.open(fileLocationPath(l, dataDir));
    case loc.LocationType.LOCATION_TYPE_AWS_S3:
    case loc.LocationType.LOCATION_TYPE_GCP: {
      const d = await detailsWithSecrets(l, secrets);
      // Each cloud SDK (about 35 MiB of resident memory) loads with the first location that uses it.
      const { S3Backend } = await import('./aws-s3-backend.js');
      return new S3Backend(l.name, {
        type: l.type === loc.LocationType.LOCATION_TYPE_GCP ? 'gcp' : 'aws_s3',
        endpoint: d.endpoint,
        region: d.region,
        https: d.https,
        pathStyle: d.pathStyle,
        bucket: d.bucketName,
        mpuBucket: d.mpuBucketName,
        bucketMatch: d.bucketMatch,
        supportsVersioning: d.supportsVersioning,
        serverSideEncryption: d.serverSideEncryption,
        accessKey: d.accessKey,
        secretKey: d.secretKey,
      });
    }
    case loc.LocationType.LOCATION_TYPE_AZURE: {
      const d = await detailsWithSecrets(l, secrets);
      const { AzureBackend } = await import('./azure-backend.js');
      return new AzureBackend(l.name, {
        endpoint: d.endpoint,
        accountName: d.accountName,
        accountKey: d.accountKey,
        sasToken: d.sasToken,
        container: d.bucketName,
        bucketMatch: d.bucketMatch,
        https: d.https,
      });
    }
    case loc.LocationType.LOCATION_TYPE_UNSPECIFIED:
    case loc.LocationType.UNRECOGNIZED:
      return undefined;
  }
}

/** The directory of a `file` location: its `path` (relative to the data directory unless absolute), or `data/<name>`. */
export function fileLocationPath(l: loc.Location, dataDir: string): string {
  const path = l.details?.path || join('data', l.name);
  return isAbsolute(path) ? path : join(dataDir, path);
}

async function detailsWithSecrets(l: loc.Location, secrets: SecretsReader | undefined): Promise<loc.LocationDetails> {
  const full = secrets ? await secrets(l.name) : l;
  return full.details ?? loc.LocationDetails.fromPartial({});
}

/** Local types keep their backend (and their bytes) across updates; cloud types are rebuilt (endpoint, credentials). */
function keepsBackend(t: loc.LocationType): boolean {
  return t === loc.LocationType.LOCATION_TYPE_MEM || t === loc.LocationType.LOCATION_TYPE_FILE;
}

export async function applyLocation(
  set: LocationSet,
  l: loc.Location,
  dataDir: string,
  logger: Logger,
  secrets?: SecretsReader,
): Promise<void> {
  const existing = set.get(l.name);
  const opts = {
    isTransient: l.isTransient,
    sizeLimitBytes: Math.round(l.sizeLimitGb * GIB),
    bucketMatch: l.details?.bucketMatch ?? false,
  };
  if (existing && existing.type === typeName(l.type) && keepsBackend(l.type)) {
    set.add(l.name, existing.type, existing.backend, opts);
    return;
  }
  const backend = await backendFor(l, dataDir, secrets);
  if (backend === undefined) {
    logger.warn({ location: l.name, type: typeName(l.type) }, 'location type not served by this process; ignored');
    return;
  }
  set.add(l.name, typeName(l.type), backend, opts);
  if (existing) await existing.backend.close();
}

/**
 * Applies one location of the watch; one this process cannot build (a directory it may not
 * create, a definition its SDK refuses) is logged and left as it was, and never stops the watch:
 * the locations after it still apply and the service still becomes ready.
 */
async function applyOrSkip(set: LocationSet, l: loc.Location, dataDir: string, logger: Logger, secrets: SecretsReader): Promise<void> {
  try {
    await applyLocation(set, l, dataDir, logger, secrets);
  } catch (err) {
    // The registry out of reach (reading the secrets): the watch reconnects and applies it again.
    if (isMeshError(err, 'UNAVAILABLE') || isMeshError(err, 'DEADLINE_EXCEEDED')) throw err;
    logger.error({ err, location: l.name }, 'location could not be set up; it is not served until it is fixed');
  }
}

export function typeName(t: loc.LocationType): string {
  return (loc.LocationType[t] ?? 'UNRECOGNIZED').replace('LOCATION_TYPE_', '').toLowerCase();
}

/** A location's usage as the registry reports it (GetLocation's `usage_bytes`). */
export function registryUsage(client: RegistryClient): UsageReader {
  return async (name) => (await client.getLocation({ name })).location?.usageBytes ?? 0;
}

/** Follows the registry until `signal` aborts; resolves once the current set was applied. */
export function followLocations(
  client: RegistryClient,
  set: LocationSet,
  dataDir: string,
  logger: Logger,
  signal: AbortSignal,
): Promise<void> {
  const secrets: SecretsReader = async (name) => {
    const { location } = await client.getLocationSecrets({ name });
    if (location === undefined) throw new MeshError('LOCATION_NOT_FOUND', `no location named ${name}`, { details: { location: name } });
    return location;
  };
  return new Promise<void>((synced) => {
    const run = async (): Promise<void> => {
      while (!signal.aborted) {
        try {
          for await (const e of client.watchLocations({}, { deadlineMs: Infinity, signal })) {
            if (e.event === 'synced') synced();
            else if (e.event === 'delete') await set.remove(e.name);
            else if (e.location) await applyOrSkip(set, e.location, dataDir, logger, secrets);
          }
        } catch (err) {
          if (signal.aborted) return;
          logger.warn({ err }, 'location watch interrupted; reconnecting');
        }
        await new Promise((r) => setTimeout(r, 1_000));
      }
    };
    void run();
  });
}
