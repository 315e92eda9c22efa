// Dependency guards: a write that needs a record to exist (a bucket its owner account and its
// location, an access key its account, data placed on a location) against the removal of that
// record, which is refused while such writes' results exist. Without them the two race: the
// removal looks for dependants, a dependant commits, the removal commits, and the bucket or key
// is left pointing at nothing.
//
// The dependant's commit checks the record's revision (so it fails once the record is gone)
// and bumps a guard counter in table `meta`; the removal reads the guard's revision before it
// looks for dependants and commits only if it is unchanged (so it fails when one slipped in).
// Either way the loser gets a CONFLICT and runs again, now seeing the other's result.
import type { KvOp, KvStore, Table } from './kv.js';

const GUARD_PREFIX = 'guard/';

export type GuardKind = 'account' | 'location';

function guardKey(kind: GuardKind, name: string): string {
  return `${GUARD_PREFIX}${kind}/${name}`;
}

/**
 * Ops making a commit depend on the record `table`/`key` as read at `revision` (pass undefined
 * to only announce the dependant, when the record is checked elsewhere in the commit).
 */
export function dependOn(kind: GuardKind, name: string, record?: { table: Table; key: string; revision: number }): KvOp[] {
  const ops: KvOp[] = [];
  if (record !== undefined) ops.push({ type: 'check', table: record.table, key: record.key, expectRevision: record.revision });
  ops.push({ type: 'add', table: 'meta', key: guardKey(kind, name), delta: 1 });
  return ops;
}

/** The guard's revision, read by a removal before it looks for dependants. */
export async function guardRevision(store: KvStore, kind: GuardKind, name: string): Promise<number> {
  return (await store.get('meta', guardKey(kind, name)))?.revision ?? 0;
}

/** Ops of the removal's commit: a CONFLICT if a dependant committed since `guardRevision`. */
export function removeGuard(kind: GuardKind, name: string, revision: number): KvOp[] {
  const key = guardKey(kind, name);
  return [
    { type: 'check', table: 'meta', key, expectRevision: revision },
    { type: 'delete', table: 'meta', key },
  ];
}
