// Leases of blobs and containers (Lease Blob, Lease Container) as Azure keeps them: a JSON
// sub-document `azure-lease` in the version's or the bucket's `attributes` (@zenko/mesh
// azure-lease.ts reads it), so that every edge instance sees the same lease, it survives a
// restart, and svc-metadata refuses writes without its id whichever protocol sends them.
//
// The transitions follow the Lease Blob outcome table of the Azure reference (the same for
// containers); the error codes are the ones Azure (and Azurite, Microsoft's emulator) send.
import { randomUUID } from 'node:crypto';
import {
  LEASE_ATTRIBUTE,
  effectiveLease,
  isLocked,
  leaseOf,
  parseLease,
  sameLeaseId,
  type Lease,
  type LeaseState,
  type StoredLease,
} from '@zenko/mesh';
import { AzureError } from '../errors/azure-errors.js';

export { LEASE_ATTRIBUTE, effectiveLease, isLocked, leaseOf, parseLease, type Lease, type LeaseState, type StoredLease };
export type LeaseAction = 'acquire' | 'renew' | 'change' | 'release' | 'break';

/** x-ms-lease-status, x-ms-lease-state and (leased only) x-ms-lease-duration. */
export function leaseHeaders(lease: Lease): Record<string, string> {
  const out: Record<string, string> = {
    'x-ms-lease-status': isLocked(lease) ? 'locked' : 'unlocked',
    'x-ms-lease-state': lease.state,
  };
  if (lease.state === 'leased') out['x-ms-lease-duration'] = lease.stored?.duration === -1 ? 'infinite' : 'fixed';
  return out;
}

/** The lease fields of a List Blobs / List Containers entry. */
export function leaseListing(lease: Lease): {
  leaseStatus: 'locked' | 'unlocked';
  leaseState: LeaseState;
  leaseDuration?: 'infinite' | 'fixed';
} {
  return {
    leaseStatus: isLocked(lease) ? 'locked' : 'unlocked',
    leaseState: lease.state,
    ...(lease.state === 'leased' ? { leaseDuration: lease.stored?.duration === -1 ? ('infinite' as const) : ('fixed' as const) } : {}),
  };
}

/**
 * The lease check of a write (Put Blob, Put Block, Put Block List, Set Blob Properties / Metadata /
 * Tags, Delete Blob, Copy Blob's destination; Delete Container, Set Container Metadata / ACL):
 * an active lease needs its id in `x-ms-lease-id`; an id given where no lease is active fails too.
 */
export function checkWriteLease(lease: Lease, leaseId: string | undefined, target: 'blob' | 'container'): void {
  const given = leaseId === undefined || leaseId === '' ? undefined : leaseId;
  if (isLocked(lease)) {
    if (given === undefined) throw new AzureError('LeaseIdMissing');
    if (!sameLeaseId(given, lease.id)) {
      throw new AzureError(target === 'blob' ? 'LeaseIdMismatchWithBlobOperation' : 'LeaseIdMismatchWithContainerOperation');
    }
  } else if (given !== undefined) {
    // No lease, or an expired or broken one: Azure answers the same code for each.
    throw new AzureError(target === 'blob' ? 'LeaseNotPresentWithBlobOperation' : 'LeaseNotPresentWithContainerOperation');
  }
}

/** The lease check of a read (Get Blob, Get Blob Properties, copy sources): only an id given is checked. */
export function checkReadLease(lease: Lease, leaseId: string | undefined, target: 'blob' | 'container'): void {
  if (leaseId === undefined || leaseId === '') return;
  checkWriteLease(lease, leaseId, target);
}

/**
 * The lease a version keeps when a write replaces or changes it: an active lease stays (the
 * write carried its id); an expired or broken one is cleared, as Azure does on write.
 */
export function leaseAfterWrite(lease: Lease): StoredLease | undefined {
  return isLocked(lease) ? lease.stored : undefined;
}

/** `{ 'azure-lease': json }` or `{}`: the attributes a new version carries for its lease. */
export function leaseAttributes(stored: StoredLease | undefined): Record<string, string> {
  return stored === undefined ? {} : { [LEASE_ATTRIBUTE]: JSON.stringify(stored) };
}

export interface LeaseRequest {
  readonly action: LeaseAction;
  readonly leaseId: string | undefined;
  readonly proposedLeaseId: string | undefined;
  /** Acquire only. */
  readonly duration: number | undefined;
  /** Break only; `undefined`: the remaining lease period. */
  readonly breakPeriod: number | undefined;
}

const GUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
function isGuid(value: string): boolean {
  const v = value.startsWith('{') && value.endsWith('}') ? value.slice(1, -1) : value;
  return GUID.test(v);
}

function header(headers: Readonly<Record<string, string | undefined>>, name: string, required: boolean): string | undefined {
  const value = headers[name];
  if (value === undefined || value === '') {
    if (required) throw new AzureError('MissingRequiredHeader', { fields: { HeaderName: name } });
    return undefined;
  }
  return value;
}

function invalid(name: string, value: string): AzureError {
  return new AzureError('InvalidHeaderValue', { fields: { HeaderName: name, HeaderValue: value } });
}

function guidHeader(headers: Readonly<Record<string, string | undefined>>, name: string, required: boolean): string | undefined {
  const value = header(headers, name, required);
  if (value !== undefined && !isGuid(value)) throw invalid(name, value);
  return value;
}

function intHeader(headers: Readonly<Record<string, string | undefined>>, name: string, valid: (n: number) => boolean): number | undefined {
  const value = header(headers, name, false);
  if (value === undefined) return undefined;
  const n = /^-?\d{1,10}$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || !valid(n)) throw invalid(name, value);
  return n;
}

/** The lease headers of a Lease Blob / Lease Container request, validated. */
export function parseLeaseRequest(headers: Readonly<Record<string, string | undefined>>): LeaseRequest {
  const raw = header(headers, 'x-ms-lease-action', true)!;
  const action = raw.toLowerCase();
  if (action !== 'acquire' && action !== 'renew' && action !== 'change' && action !== 'release' && action !== 'break') {
    throw invalid('x-ms-lease-action', raw);
  }
  const needsId = action === 'renew' || action === 'change' || action === 'release';
  const leaseId = guidHeader(headers, 'x-ms-lease-id', needsId);
  const proposedLeaseId = guidHeader(headers, 'x-ms-proposed-lease-id', action === 'change');
  let duration: number | undefined;
  if (action === 'acquire') {
    header(headers, 'x-ms-lease-duration', true);
    duration = intHeader(headers, 'x-ms-lease-duration', (n) => n === -1 || (n >= 15 && n <= 60));
  }
  const breakPeriod = action === 'break' ? intHeader(headers, 'x-ms-lease-break-period', (n) => n >= 0 && n <= 60) : undefined;
  return { action, leaseId, proposedLeaseId, duration, breakPeriod };
}

export interface LeaseOutcome {
  /** The lease to store; `undefined`: available (remove the attribute). */
  readonly next: StoredLease | undefined;
  /** x-ms-lease-id of the response (acquire, renew, change). */
  readonly leaseId?: string;
  /** x-ms-lease-time of the response (break): seconds until the lease is broken. */
  readonly leaseTime?: number;
  readonly status: 200 | 201 | 202;
}

function newLease(id: string, duration: number, now: number): StoredLease {
  return duration === -1 ? { id, state: 'leased', duration } : { id, state: 'leased', duration, expiresAt: now + duration * 1000 };
}

/** Applies a lease request to the current lease (Azure's outcome table); throws the 409 of a refused transition. */
export function applyLease(lease: Lease, req: LeaseRequest, now = Date.now()): LeaseOutcome {
  const current = lease.stored;
  switch (req.action) {
    case 'acquire': {
      const duration = req.duration ?? -1;
      if (lease.state === 'leased') {
        if (!sameLeaseId(req.proposedLeaseId, lease.id)) throw new AzureError('LeaseAlreadyPresent');
        const next = newLease(lease.id!, duration, now);
        return { next, leaseId: next.id, status: 201 };
      }
      if (lease.state === 'breaking') {
        throw new AzureError(sameLeaseId(req.proposedLeaseId, lease.id) ? 'LeaseIsBreakingAndCannotBeAcquired' : 'LeaseAlreadyPresent');
      }
      const next = newLease(req.proposedLeaseId ?? randomUUID(), duration, now);
      return { next, leaseId: next.id, status: 201 };
    }
    case 'renew': {
      if (lease.state === 'available' || !sameLeaseId(req.leaseId, lease.id)) throw new AzureError('LeaseIdMismatchWithLeaseOperation');
      if (lease.state === 'breaking' || lease.state === 'broken') throw new AzureError('LeaseIsBrokenAndCannotBeRenewed');
      const next = newLease(current!.id, current!.duration, now);
      return { next, leaseId: next.id, status: 200 };
    }
    case 'change': {
      if (lease.state === 'available' || lease.state === 'broken' || lease.state === 'expired') {
        throw new AzureError('LeaseNotPresentWithLeaseOperation');
      }
      if (lease.state === 'breaking') {
        throw new AzureError(
          sameLeaseId(req.leaseId, lease.id) ? 'LeaseIsBreakingAndCannotBeChanged' : 'LeaseIdMismatchWithLeaseOperation',
        );
      }
      if (!sameLeaseId(req.leaseId, lease.id) && !sameLeaseId(req.proposedLeaseId, lease.id)) {
        throw new AzureError('LeaseIdMismatchWithLeaseOperation');
      }
      const next: StoredLease = { ...current!, id: req.proposedLeaseId! };
      return { next, leaseId: next.id, status: 200 };
    }
    case 'release': {
      if (lease.state === 'available' || !sameLeaseId(req.leaseId, lease.id)) throw new AzureError('LeaseIdMismatchWithLeaseOperation');
      return { next: undefined, status: 200 };
    }
    case 'break': {
      if (lease.state === 'available') throw new AzureError('LeaseNotPresentWithLeaseOperation');
      const broken: StoredLease = { id: current!.id, state: 'broken', duration: current!.duration };
      if (lease.state === 'broken' || lease.state === 'expired') return { next: broken, leaseTime: 0, status: 202 };
      let breakAt: number;
      if (lease.state === 'breaking') {
        const at = current!.breakAt ?? now;
        breakAt = req.breakPeriod === undefined ? at : Math.min(at, now + req.breakPeriod * 1000);
      } else if (current!.duration === -1) {
        breakAt = now + (req.breakPeriod ?? 0) * 1000;
      } else {
        const expiresAt = current!.expiresAt ?? now;
        breakAt = req.breakPeriod === undefined ? expiresAt : Math.min(expiresAt, now + req.breakPeriod * 1000);
      }
      if (breakAt <= now) return { next: broken, leaseTime: 0, status: 202 };
      return {
        next: { id: current!.id, state: 'breaking', duration: current!.duration, breakAt },
        leaseTime: Math.ceil((breakAt - now) / 1000),
        status: 202,
      };
    }
  }
}
