/**
 * The request as Azure authentication sees it: nothing but data, so every check is a pure
 * function of it, the account keys, the clock and the stored access policies.
 */

export interface AuthRequest {
  /** HTTP method, any case. */
  readonly method: string;
  /** The raw request path, still percent-encoded (`/devstoreaccount1/c/a%20b`). */
  readonly path: string;
  /** The raw query string without `?` (`comp=list&prefix=a%2Fb`); '' when there is none. */
  readonly query: string;
  /** Header names in lower case; repeated headers joined with ', ' (as node:http does). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The scheme the request arrived over (after any trusted TLS terminator); default 'http'. */
  readonly protocol?: 'http' | 'https';
  /** The client's IP address, for SAS `sip` ranges (IPv4-mapped IPv6 accepted). */
  readonly sourceIp?: string;
}

/**
 * The account's keys, decoded from base64 (key1, key2, …: rotation means any of them may sign);
 * `undefined` when the account does not exist.
 */
export type GetAccountKeys = (accountName: string) => Promise<readonly Buffer[] | undefined>;

/** Milliseconds since the epoch; injected so that tests control time. */
export type Clock = () => number;

/** A container's stored access policy (Set Container ACL's `<AccessPolicy>`), as stored. */
export interface StoredAccessPolicy {
  /** ISO 8601 start (`Start`), optional. */
  readonly start?: string | undefined;
  /** ISO 8601 expiry (`Expiry`), optional. */
  readonly expiry?: string | undefined;
  /** Permission letters (`Permission`), optional. */
  readonly permission?: string | undefined;
}

/** Looks up the stored access policy `identifier` of a container; `undefined` when absent. */
export type GetStoredAccessPolicy = (
  accountName: string,
  containerName: string,
  identifier: string,
) => Promise<StoredAccessPolicy | undefined>;
