// The grantees an ACL names explicitly (x-amz-grant-* headers, a Put*Acl body), checked against the
// accounts as S3 does before it stores an ACL: an email grantee (AmazonCustomerByEmail,
// `emailAddress="…"`) becomes the canonical user of the account with that email,
// UnresolvableGrantByEmailAddress when none has it; a canonical user id no account has is
// InvalidArgument "Invalid id". Canned ACLs name only the owners, who exist: callers skip them.
import { S3Error } from '../errors/s3-errors.js';
import type { AccessControlPolicy } from '../config/acl.js';
import type { S3Deps } from './deps.js';

export async function resolveGrantees<T extends AccessControlPolicy | undefined>(acl: T, deps: Pick<S3Deps, 'accounts'>): Promise<T> {
  if (acl === undefined) return acl;
  const named = acl.grants.some(
    (g) => g.grantee.type === 'AmazonCustomerByEmail' || (g.grantee.type === 'CanonicalUser' && g.grantee.id !== acl.owner.id),
  );
  if (!named) return acl;
  // Explicit grants are rare writes: one listing of the accounts per such request.
  const { accounts } = await deps.accounts.listAccounts({});
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const byEmail = new Map(accounts.filter((a) => a.email !== '').map((a) => [a.email.toLowerCase(), a]));
  const grants = acl.grants.map((g) => {
    const grantee = g.grantee;
    if (grantee.type === 'Group' || (grantee.type === 'CanonicalUser' && grantee.id === acl.owner.id)) return g;
    const account = grantee.type === 'CanonicalUser' ? byId.get(grantee.id) : byEmail.get(grantee.email.toLowerCase());
    if (account === undefined) {
      if (grantee.type === 'AmazonCustomerByEmail') throw new S3Error('UnresolvableGrantByEmailAddress');
      throw new S3Error('InvalidArgument', {
        message: 'Invalid id',
        fields: { ArgumentName: 'CanonicalUser/ID', ArgumentValue: grantee.id },
      });
    }
    return { ...g, grantee: { type: 'CanonicalUser' as const, id: account.id, displayName: account.displayName } };
  });
  return { ...acl, grants };
}

/** Whether a request names grantees itself (x-amz-grant-* headers), beyond a canned ACL. */
export function hasGrantHeaders(headers: Readonly<Record<string, string | undefined>>): boolean {
  return Object.keys(headers).some((h) => h.startsWith('x-amz-grant-'));
}
