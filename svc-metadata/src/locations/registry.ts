// The operator's location definitions. Secrets (S3 secret keys, Azure account keys,
// SAS tokens) are write-only: sealed at rest, never returned except to the data
// path (GetLocationSecrets). Running services follow changes through watch().
import { EventEmitter } from 'node:events';
import { locationV1LocationRegistryService as loc } from '@zenko/gen';
import { MeshError, isMeshError } from '@zenko/mesh';
import type { SecretBox } from '../accounts/secret-box.js';
import {
  LOCATION_KEY_PREFIX,
  LOCATION_USAGE_PREFIX,
  LOCATION_USE_PREFIX,
  listBuckets,
  listObjectVersions,
  locationUsage,
} from '../namespace/index.js';
import { dependOn, guardRevision, removeGuard } from '../store/guards.js';
import { counterValue, prefixSuccessor, type KvOp, type KvStore } from '../store/kv.js';
import { withRetry } from '../namespace/common.js';

type Location = loc.Location;
type Details = loc.LocationDetails;
const Type = loc.LocationType;

export const SECRET_FIELDS = ['secretKey', 'accountKey', 'sasToken'] as const satisfies readonly (keyof Details)[];
const NAME_RULE = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** Built-in locations every stack has: local disk (the default) and process memory. */
export const BUILTIN_LOCATIONS: readonly Location[] = [
  loc.Location.fromPartial({ name: 'us-east-1', type: Type.LOCATION_TYPE_FILE, details: { path: 'data/us-east-1' }, builtin: true }),
  loc.Location.fromPartial({ name: 'memory', type: Type.LOCATION_TYPE_MEM, builtin: true }),
];

/**
 * Checks a definition (secrets included) against its target before it is stored;
 * rejects with LOCATION_PROBE_FAILED (svc-cloudserver's DataPlacementService.ProbeLocation).
 */
export type LocationProbe = (l: Location) => Promise<void>;

export type LocationEvent = { event: 'put'; location: Location } | { event: 'delete'; name: string };

const KEY = LOCATION_KEY_PREFIX;
/** The largest size limit: 2^53 bytes, in GiB. */
const MAX_SIZE_LIMIT_GB = 2 ** 53 / 1024 ** 3;

/** A required field left empty; `details.field` names it as in the message (the CLI shows its option instead). */
function missing(l: Location, field: string, note = ''): MeshError {
  return new MeshError('INVALID_ARGUMENT', `${l.name}: ${field}${note} is required`, { details: { field } });
}

function validate(l: Location): void {
  if (!NAME_RULE.test(l.name)) throw new MeshError('INVALID_ARGUMENT', 'location names are 1-63 lower-case letters, digits and . _ -');
  const d = l.details ?? loc.LocationDetails.fromPartial({});
  switch (l.type) {
    case Type.LOCATION_TYPE_MEM:
    case Type.LOCATION_TYPE_FILE:
      break;
    case Type.LOCATION_TYPE_AWS_S3:
    case Type.LOCATION_TYPE_GCP:
      if (d.bucketName === '') throw missing(l, 'details.bucket_name');
      if (d.accessKey === '') throw missing(l, 'details.access_key');
      break;
    case Type.LOCATION_TYPE_AZURE:
      if (d.bucketName === '') throw missing(l, 'details.bucket_name', ' (the container)');
      if (d.accountName === '') throw missing(l, 'details.account_name');
      break;
    case Type.LOCATION_TYPE_UNSPECIFIED:
      throw new MeshError('INVALID_ARGUMENT', `${l.name}: a location type is required`, { details: { field: 'type' } });
    case Type.UNRECOGNIZED:
    default:
      // Or a number the enum does not name (protobuf keeps unknown enum values).
      throw new MeshError('INVALID_ARGUMENT', `${l.name}: unknown location type ${String(l.type)}`, { details: { field: 'type' } });
  }
  // In bytes, the limit must stay an exact integer (2^53 bytes is 8,388,608 GiB).
  if (!Number.isFinite(l.sizeLimitGb) || l.sizeLimitGb < 0 || l.sizeLimitGb > MAX_SIZE_LIMIT_GB) {
    throw new MeshError('INVALID_ARGUMENT', `${l.name}: size_limit_gb must be a number from 0 to ${MAX_SIZE_LIMIT_GB}`, {
      details: { field: 'size_limit_gb' },
    });
  }
}

interface Stored {
  location: Location;
  /** Sealed secrets by field name. */
  secrets: Partial<Record<(typeof SECRET_FIELDS)[number], string>>;
}

function encode(s: Stored): Uint8Array {
  return Buffer.from(JSON.stringify({ location: loc.Location.toJSON(s.location), secrets: s.secrets }));
}
function decode(v: Uint8Array): Stored {
  const raw = JSON.parse(Buffer.from(v).toString('utf8')) as { location: unknown; secrets: Stored['secrets'] };
  return { location: loc.Location.fromJSON(raw.location), secrets: raw.secrets };
}

/** The public view: secrets removed, the names of those that are set listed. */
function publicView(s: Stored, revision: number): Location {
  const details = loc.LocationDetails.fromPartial({ ...(s.location.details ?? {}) });
  for (const f of SECRET_FIELDS) details[f] = '';
  return { ...s.location, details, secretsSet: Object.keys(s.secrets).sort(), revision };
}

export class LocationRegistry {
  readonly #events = new EventEmitter();

  constructor(
    private readonly store: KvStore,
    private readonly box: SecretBox,
    private readonly probe?: LocationProbe,
  ) {
    this.#events.setMaxListeners(0);
  }

  /** Writes the built-in locations that are missing. */
  async bootstrap(): Promise<void> {
    for (const l of BUILTIN_LOCATIONS) {
      if ((await this.store.get('locations', KEY + l.name)) !== undefined) continue;
      await this.store
        .commit({
          ops: [{ type: 'put', table: 'locations', key: KEY + l.name, value: encode({ location: l, secrets: {} }), expectRevision: 0 }],
        })
        .catch((err: unknown) => {
          if (!isMeshError(err, 'CONFLICT')) throw err;
        });
    }
  }

  private async stored(name: string): Promise<{ stored: Stored; revision: number }> {
    const entry = await this.store.get('locations', KEY + name);
    if (entry === undefined) throw new MeshError('LOCATION_NOT_FOUND', `no location named ${name}`, { details: { location: name } });
    return { stored: decode(entry.value), revision: entry.revision };
  }

  private seal(l: Location, previous: Stored['secrets'] = {}): Stored {
    const details = loc.LocationDetails.fromPartial({ ...(l.details ?? {}) });
    const secrets: Stored['secrets'] = { ...previous };
    for (const f of SECRET_FIELDS) {
      if (details[f] !== '') secrets[f] = this.box.seal(details[f]);
      details[f] = '';
    }
    return { location: { ...l, details, secretsSet: [], revision: 0, builtin: false }, secrets };
  }

  async create(l: Location, opts: { skipProbe?: boolean } = {}): Promise<Location> {
    validate(l);
    if ((await this.store.get('locations', KEY + l.name)) !== undefined)
      throw new MeshError('LOCATION_ALREADY_EXISTS', `a location named ${l.name} exists`, { details: { location: l.name } });
    if (!opts.skipProbe) await this.probe?.(l);
    const s = this.seal(l);
    const res = await this.store
      .commit({ ops: [{ type: 'put', table: 'locations', key: KEY + l.name, value: encode(s), expectRevision: 0 }] })
      .catch((err: unknown) => {
        if (isMeshError(err, 'CONFLICT'))
          throw new MeshError('LOCATION_ALREADY_EXISTS', `a location named ${l.name} exists`, { details: { location: l.name } });
        throw err;
      });
    const view = publicView(s, res.revisions[0] ?? 1);
    this.#events.emit('change', { event: 'put', location: view } satisfies LocationEvent);
    return view;
  }

  /** The public view with the bytes the namespace holds there (`usage_bytes`). */
  async get(name: string): Promise<Location> {
    const { stored, revision } = await this.stored(name);
    return { ...publicView(stored, revision), usageBytes: await locationUsage(this.store, name) };
  }

  async withSecrets(name: string): Promise<Location> {
    const { stored, revision } = await this.stored(name);
    const details = loc.LocationDetails.fromPartial({ ...(stored.location.details ?? {}) });
    for (const f of SECRET_FIELDS) {
      const sealed = stored.secrets[f];
      if (sealed !== undefined) details[f] = this.box.open(sealed);
    }
    return { ...stored.location, details, secretsSet: Object.keys(stored.secrets).sort(), revision };
  }

  async list(): Promise<Location[]> {
    const entries = await this.store.scan('locations', { gte: KEY, lt: 'location0', limit: 10_000 });
    const counters = await this.store.scan('meta', {
      gte: LOCATION_USAGE_PREFIX,
      lt: prefixSuccessor(LOCATION_USAGE_PREFIX)!,
      limit: 10_000,
    });
    const usage = new Map(counters.map((c) => [c.key.slice(LOCATION_USAGE_PREFIX.length), counterValue(c.value)]));
    return entries.map((e) => {
      const view = publicView(decode(e.value), e.revision);
      return { ...view, usageBytes: usage.get(view.name) ?? 0 };
    });
  }

  async update(l: Location, opts: { skipProbe?: boolean } = {}): Promise<Location> {
    validate(l);
    const { stored, revision } = await this.stored(l.name);
    if (stored.location.builtin) throw new MeshError('INVALID_ARGUMENT', `${l.name} is a built-in location`);
    if (stored.location.type !== l.type) throw new MeshError('INVALID_ARGUMENT', `the type of ${l.name} cannot change`);
    if (!opts.skipProbe && this.probe !== undefined) {
      // Empty secret fields keep their stored value: probe with what will be in effect.
      const details = loc.LocationDetails.fromPartial({ ...(l.details ?? {}) });
      for (const f of SECRET_FIELDS) {
        const sealed = stored.secrets[f];
        if (details[f] === '' && sealed !== undefined) details[f] = this.box.open(sealed);
      }
      await this.probe({ ...l, details });
    }
    const s = this.seal(l, stored.secrets);
    const res = await this.store.commit({
      ops: [{ type: 'put', table: 'locations', key: KEY + l.name, value: encode(s), expectRevision: revision }],
    });
    const view = publicView(s, res.revisions[0] ?? revision + 1);
    this.#events.emit('change', { event: 'put', location: view } satisfies LocationEvent);
    return view;
  }

  /** Ops making a bucket's creation depend on its location (LOCATION_NOT_FOUND without one: store/guards.ts). */
  async bucketOps(name: string): Promise<KvOp[]> {
    if (name === '') throw new MeshError('INVALID_ARGUMENT', 'a bucket needs a location');
    const { revision } = await this.stored(name);
    return dependOn('location', name, { table: 'locations', key: KEY + name, revision });
  }

  async delete(name: string): Promise<void> {
    // A CONFLICT: a bucket or a placement on it committed while we looked (store/guards.ts).
    await withRetry(() => this.#delete(name));
    this.#events.emit('change', { event: 'delete', name } satisfies LocationEvent);
  }

  async #delete(name: string): Promise<void> {
    const { stored, revision } = await this.stored(name);
    if (stored.location.builtin) throw new MeshError('LOCATION_IN_USE', `${name} is a built-in location`, { details: { location: name } });
    const guard = await guardRevision(this.store, 'location', name);
    const { buckets } = await listBuckets(this.store, { ownerId: '' });
    const users = buckets.filter((b) => b.location === name).map((b) => b.name);
    users.push(...(await this.#placingBuckets(name)));
    if (users.length > 0) {
      throw new MeshError('LOCATION_IN_USE', `location ${name} is used by bucket(s): ${users.join(', ')}`, {
        details: { location: name, buckets: users.join(',') },
      });
    }
    // Its usage counter goes with it: a location made again under this name starts empty.
    await this.store.commit({
      ops: [
        { type: 'delete', table: 'locations', key: KEY + name, expectRevision: revision },
        { type: 'delete', table: 'meta', key: `${LOCATION_USAGE_PREFIX}${name}` },
        ...removeGuard('location', name, guard),
      ],
    });
  }

  /**
   * Buckets holding objects placed on `name` while it is not their location (per-object placement,
   * replicas), from the markers their writes left; a marker whose bucket no longer has data there
   * (its objects deleted or moved) is dropped.
   */
  async #placingBuckets(name: string): Promise<string[]> {
    const prefix = `${LOCATION_USE_PREFIX}${name}/`;
    const markers = await this.store.scan('meta', { gte: prefix, lt: prefixSuccessor(prefix)!, limit: 10_000 });
    const users: string[] = [];
    for (const marker of markers) {
      const bucket = marker.key.slice(prefix.length);
      if (await this.#hasDataAt(bucket, name)) users.push(bucket);
      else
        await this.store
          .commit({ ops: [{ type: 'delete', table: 'meta', key: marker.key, expectRevision: marker.revision }] })
          .catch(() => undefined);
    }
    return users;
  }

  /** Whether some version of `bucket` keeps a piece at `location` (a scan: removing a location is rare). */
  async #hasDataAt(bucket: string, location: string): Promise<boolean> {
    let keyMarker = '';
    let versionIdMarker = '';
    for (;;) {
      const page = await listObjectVersions(this.store, {
        bucket,
        prefix: '',
        delimiter: '',
        keyMarker,
        versionIdMarker,
        maxKeys: 1000,
      }).catch((err: unknown) => {
        if (isMeshError(err, 'BUCKET_NOT_FOUND')) return undefined;
        throw err;
      });
      if (page === undefined) return false;
      if (page.versions.some((v) => v.data.some((p) => p.location === location))) return true;
      if (!page.isTruncated) return false;
      keyMarker = page.nextKeyMarker;
      versionIdMarker = page.nextVersionIdMarker;
    }
  }

  /** Every change from now on; the caller reads the current set with list() first. */
  subscribe(listener: (e: LocationEvent) => void): () => void {
    this.#events.on('change', listener);
    return () => this.#events.off('change', listener);
  }
}
