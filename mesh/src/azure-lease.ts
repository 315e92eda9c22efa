// Azure leases as every service reads them: a JSON sub-document `azure-lease` in the attributes
// of an object version (a blob's lease) or of a bucket (a container's). The Azure edge acquires,
// renews, changes, breaks and releases them (svc-blobserver lease.ts); svc-metadata refuses a
// write that replaces or deletes a leased version or bucket without the lease id, whichever
// protocol it comes from. Time-bound states carry their deadline: a fixed lease past its expiry
// is `expired`, a breaking lease past its break time is `broken`. No attribute: `available`.

export const LEASE_ATTRIBUTE = 'azure-lease';

export type LeaseState = 'available' | 'leased' | 'expired' | 'breaking' | 'broken';

/** What is stored; `available` is the absence of the attribute. */
export interface StoredLease {
  readonly id: string;
  readonly state: 'leased' | 'breaking' | 'broken';
  /** Seconds (15–60), or -1 for an infinite lease. */
  readonly duration: number;
  /** ms since the epoch: end of a fixed lease (`leased`). */
  readonly expiresAt?: number;
  /** ms since the epoch: end of the break period (`breaking`). */
  readonly breakAt?: number;
}

export interface Lease {
  readonly state: LeaseState;
  readonly id: string | undefined;
  readonly stored: StoredLease | undefined;
}

const AVAILABLE: Lease = { state: 'available', id: undefined, stored: undefined };

/** The lease of a blob or container record; available when there is none (no blob yet). */
export function leaseOf(attributes: Readonly<Record<string, string>> | undefined, now = Date.now()): Lease {
  return attributes === undefined ? AVAILABLE : effectiveLease(attributes, now);
}

export function parseLease(value: string | undefined): StoredLease | undefined {
  if (value === undefined || value === '') return undefined;
  return JSON.parse(value) as StoredLease;
}

/** The lease as of `now`. */
export function effectiveLease(attributes: Readonly<Record<string, string>>, now = Date.now()): Lease {
  const stored = parseLease(attributes[LEASE_ATTRIBUTE]);
  if (stored === undefined) return AVAILABLE;
  if (stored.state === 'leased' && stored.duration !== -1 && (stored.expiresAt ?? 0) <= now) {
    return { state: 'expired', id: stored.id, stored };
  }
  if (stored.state === 'breaking' && (stored.breakAt ?? 0) <= now) return { state: 'broken', id: stored.id, stored };
  return { state: stored.state, id: stored.id, stored };
}

/** A leased or breaking lease locks its blob or container against writes without its id. */
export const isLocked = (lease: Lease): boolean => lease.state === 'leased' || lease.state === 'breaking';

/** Lease ids compare without regard to case, as Azure's GUIDs do. */
export const sameLeaseId = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
