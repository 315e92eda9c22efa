// Email grantees (AmazonCustomerByEmail, `emailAddress="…"` in x-amz-grant-* headers) resolved to
// the account that has that email, as S3 does before it stores an ACL: the stored grant names a
// canonical user, and an email no account has is UnresolvableGrantByEmailAddress.
import { S3Error } from '../errors/s3-errors.js';
import type { AccessControlPolicy } from '../config/acl.js';
import type { S3Deps } from './deps.js';

export async function resolveEmailGrantees<T extends AccessControlPolicy | undefined>(acl: T, deps: Pick<S3Deps, 'accounts'>): Promise<T> {
  if (acl === undefined || !acl.grants.some((g) => g.grantee.type === 'AmazonCustomerByEmail')) return acl;
  // Rare (S3 itself limits email grants to a few regions): one listing per such request.
  const { accounts } = await deps.accounts.listAccounts({});
  const byEmail = new Map(accounts.filter((a) => a.email !== '').map((a) => [a.email.toLowerCase(), a]));
  const grants = acl.grants.map((g) => {
    if (g.grantee.type !== 'AmazonCustomerByEmail') return g;
    const account = byEmail.get(g.grantee.email.toLowerCase());
    if (account === undefined) throw new S3Error('UnresolvableGrantByEmailAddress');
    return { ...g, grantee: { type: 'CanonicalUser' as const, id: account.id, displayName: account.displayName } };
  });
  return { ...acl, grants };
}
