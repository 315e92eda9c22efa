import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AzureError } from '../errors/azure-errors.js';
import {
  LEASE_ATTRIBUTE,
  applyLease,
  checkReadLease,
  checkWriteLease,
  effectiveLease,
  leaseHeaders,
  parseLeaseRequest,
  type Lease,
  type LeaseRequest,
  type StoredLease,
} from './lease.js';

const A = 'aaaaaaaa-0000-4000-8000-000000000001';
const B = 'bbbbbbbb-0000-4000-8000-000000000002';
const NOW = 1_700_000_000_000;

function lease(stored: StoredLease | undefined, now = NOW): Lease {
  return effectiveLease(stored === undefined ? {} : { [LEASE_ATTRIBUTE]: JSON.stringify(stored) }, now);
}

const request = (r: Partial<LeaseRequest> & Pick<LeaseRequest, 'action'>): LeaseRequest => ({
  leaseId: undefined,
  proposedLeaseId: undefined,
  duration: undefined,
  breakPeriod: undefined,
  ...r,
});

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof AzureError) return err.code;
    throw err;
  }
  return undefined;
}

const infinite: StoredLease = { id: A, state: 'leased', duration: -1 };
const fixed: StoredLease = { id: A, state: 'leased', duration: 15, expiresAt: NOW + 10_000 };

describe('effective lease state', () => {
  it('available, leased, expired, breaking, broken', () => {
    assert.equal(lease(undefined).state, 'available');
    assert.equal(lease(infinite).state, 'leased');
    assert.equal(lease(fixed).state, 'leased');
    assert.equal(lease(fixed, NOW + 10_000).state, 'expired');
    assert.equal(lease({ id: A, state: 'breaking', duration: -1, breakAt: NOW + 5000 }).state, 'breaking');
    assert.equal(lease({ id: A, state: 'breaking', duration: -1, breakAt: NOW + 5000 }, NOW + 5000).state, 'broken');
    assert.deepEqual(leaseHeaders(lease(infinite)), {
      'x-ms-lease-status': 'locked',
      'x-ms-lease-state': 'leased',
      'x-ms-lease-duration': 'infinite',
    });
    assert.deepEqual(leaseHeaders(lease(fixed, NOW + 20_000)), { 'x-ms-lease-status': 'unlocked', 'x-ms-lease-state': 'expired' });
  });
});

describe('lease transitions', () => {
  it('acquire: new id, proposed id, renewal by the same proposed id, refusals', () => {
    const got = applyLease(lease(undefined), request({ action: 'acquire', duration: -1 }), NOW);
    assert.equal(got.status, 201);
    assert.match(got.leaseId ?? '', /^[0-9a-f-]{36}$/);
    assert.deepEqual(applyLease(lease(undefined), request({ action: 'acquire', duration: 20, proposedLeaseId: B }), NOW).next, {
      id: B,
      state: 'leased',
      duration: 20,
      expiresAt: NOW + 20_000,
    });
    assert.equal(applyLease(lease(infinite), request({ action: 'acquire', duration: 30, proposedLeaseId: A }), NOW).next?.duration, 30);
    assert.equal(
      code(() => applyLease(lease(infinite), request({ action: 'acquire', duration: -1 }), NOW)),
      'LeaseAlreadyPresent',
    );
    const breaking: StoredLease = { id: A, state: 'breaking', duration: -1, breakAt: NOW + 5000 };
    assert.equal(
      code(() => applyLease(lease(breaking), request({ action: 'acquire', duration: -1, proposedLeaseId: A }), NOW)),
      'LeaseIsBreakingAndCannotBeAcquired',
    );
    assert.equal(applyLease(lease(fixed, NOW + 20_000), request({ action: 'acquire', duration: -1 }), NOW + 20_000).status, 201);
  });

  it('renew, change, release', () => {
    assert.equal(applyLease(lease(fixed), request({ action: 'renew', leaseId: A }), NOW + 5000).next?.expiresAt, NOW + 20_000);
    assert.equal(applyLease(lease(fixed, NOW + 20_000), request({ action: 'renew', leaseId: A }), NOW + 20_000).next?.state, 'leased');
    assert.equal(
      code(() => applyLease(lease(infinite), request({ action: 'renew', leaseId: B }), NOW)),
      'LeaseIdMismatchWithLeaseOperation',
    );
    const broken: StoredLease = { id: A, state: 'broken', duration: -1 };
    assert.equal(
      code(() => applyLease(lease(broken), request({ action: 'renew', leaseId: A }), NOW)),
      'LeaseIsBrokenAndCannotBeRenewed',
    );
    assert.equal(applyLease(lease(infinite), request({ action: 'change', leaseId: A, proposedLeaseId: B }), NOW).next?.id, B);
    assert.equal(
      code(() => applyLease(lease(infinite), request({ action: 'change', leaseId: B, proposedLeaseId: B }), NOW)),
      'LeaseIdMismatchWithLeaseOperation',
    );
    assert.equal(
      code(() => applyLease(lease(broken), request({ action: 'change', leaseId: A, proposedLeaseId: B }), NOW)),
      'LeaseNotPresentWithLeaseOperation',
    );
    assert.equal(applyLease(lease(infinite), request({ action: 'release', leaseId: A }), NOW).next, undefined);
    assert.equal(
      code(() => applyLease(lease(undefined), request({ action: 'release', leaseId: A }), NOW)),
      'LeaseIdMismatchWithLeaseOperation',
    );
  });

  it('break: now, after a period, the remaining fixed period, and again', () => {
    assert.deepEqual(applyLease(lease(infinite), request({ action: 'break' }), NOW), {
      next: { id: A, state: 'broken', duration: -1 },
      leaseTime: 0,
      status: 202,
    });
    const later = applyLease(lease(infinite), request({ action: 'break', breakPeriod: 10 }), NOW);
    assert.equal(later.next?.state, 'breaking');
    assert.equal(later.leaseTime, 10);
    assert.equal(applyLease(lease(fixed), request({ action: 'break' }), NOW).leaseTime, 10);
    assert.equal(applyLease(lease(fixed), request({ action: 'break', breakPeriod: 60 }), NOW).leaseTime, 10);
    assert.equal(applyLease(lease(later.next), request({ action: 'break', breakPeriod: 0 }), NOW).next?.state, 'broken');
    assert.equal(
      code(() => applyLease(lease(undefined), request({ action: 'break' }), NOW)),
      'LeaseNotPresentWithLeaseOperation',
    );
  });
});

describe('lease checks of other operations', () => {
  it('writes need the active lease id; reads check an id only when given', () => {
    assert.equal(
      code(() => checkWriteLease(lease(infinite), undefined, 'blob')),
      'LeaseIdMissing',
    );
    assert.equal(
      code(() => checkWriteLease(lease(infinite), B, 'blob')),
      'LeaseIdMismatchWithBlobOperation',
    );
    assert.equal(
      code(() => checkWriteLease(lease(infinite), B, 'container')),
      'LeaseIdMismatchWithContainerOperation',
    );
    assert.equal(
      code(() => checkWriteLease(lease(infinite), A.toUpperCase(), 'blob')),
      undefined,
    );
    assert.equal(
      code(() => checkWriteLease(lease(undefined), A, 'blob')),
      'LeaseNotPresentWithBlobOperation',
    );
    assert.equal(
      code(() => checkWriteLease(lease(fixed, NOW + 20_000), A, 'blob')),
      'LeaseNotPresentWithBlobOperation',
    );
    assert.equal(
      code(() => checkWriteLease(lease(undefined), undefined, 'blob')),
      undefined,
    );
    assert.equal(
      code(() => checkReadLease(lease(infinite), undefined, 'blob')),
      undefined,
    );
    assert.equal(
      code(() => checkReadLease(lease(infinite), B, 'blob')),
      'LeaseIdMismatchWithBlobOperation',
    );
  });

  it('request headers are validated', () => {
    assert.equal(
      code(() => parseLeaseRequest({})),
      'MissingRequiredHeader',
    );
    assert.equal(
      code(() => parseLeaseRequest({ 'x-ms-lease-action': 'grab' })),
      'InvalidHeaderValue',
    );
    assert.equal(
      code(() => parseLeaseRequest({ 'x-ms-lease-action': 'acquire' })),
      'MissingRequiredHeader',
    );
    assert.equal(
      code(() => parseLeaseRequest({ 'x-ms-lease-action': 'acquire', 'x-ms-lease-duration': '10' })),
      'InvalidHeaderValue',
    );
    assert.equal(
      code(() => parseLeaseRequest({ 'x-ms-lease-action': 'renew' })),
      'MissingRequiredHeader',
    );
    assert.equal(
      code(() => parseLeaseRequest({ 'x-ms-lease-action': 'acquire', 'x-ms-lease-duration': '-1', 'x-ms-proposed-lease-id': 'nope' })),
      'InvalidHeaderValue',
    );
    assert.equal(
      code(() => parseLeaseRequest({ 'x-ms-lease-action': 'break', 'x-ms-lease-break-period': '61' })),
      'InvalidHeaderValue',
    );
    assert.deepEqual(parseLeaseRequest({ 'x-ms-lease-action': 'Change', 'x-ms-lease-id': A, 'x-ms-proposed-lease-id': B }), {
      action: 'change',
      leaseId: A,
      proposedLeaseId: B,
      duration: undefined,
      breakPeriod: undefined,
    });
  });
});
