/**
 * Azure request addressing: which account, container and blob a request names.
 *
 * - Host-style (production): `https://<account>.blob.core.windows.net/<container>/<blob>`. A host
 *   is host-style when its first label is followed by `.blob.` (`account.blob.core.windows.net`,
 *   `account.blob.localhost`) or by one of the configured suffixes.
 * - Path-style (emulator, IP hosts, `localhost`): `http://127.0.0.1:10000/<account>/<container>/<blob>`.
 *
 * The blob name is everything after the container segment, percent-decoded, slashes included.
 * Decoding is strict: a malformed escape → InvalidUri.
 */
import { isIP } from 'node:net';
import { AzureError } from '../errors/azure-errors.js';

export type AddressingStyle = 'host' | 'path';

export interface AzureAddress {
  readonly style: AddressingStyle;
  readonly account: string;
  /** Decoded container name; `undefined` for service-level requests (`/` or `/<account>`). */
  readonly container: string | undefined;
  /** Decoded blob name; `undefined` for service- and container-level requests. */
  readonly blob: string | undefined;
  /** The raw (still percent-encoded) request path, as used by Shared Key's canonicalized resource. */
  readonly rawPath: string;
}

export interface ParseAddressOptions {
  /**
   * Host suffixes (beginning with a dot) that make `<account><suffix>` host-style, in addition to
   * the `<account>.blob.<anything>` pattern; e.g. `['.zenko.example']`.
   */
  readonly hostSuffixes?: readonly string[];
}

/** Percent-decodes a URI component; malformed escapes or invalid UTF-8 → InvalidUri. */
export function decodeUriComponentStrict(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch (cause) {
    throw new AzureError('InvalidUri', { cause });
  }
}

function hostname(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end === -1 ? h : h.slice(1, end);
  }
  const colon = h.lastIndexOf(':');
  // More than one colon without brackets: a bare IPv6 address.
  if (colon !== -1 && h.indexOf(':') === colon) return h.slice(0, colon);
  return h;
}

/** The account named by a host-style `Host`, or `undefined` when the host is path-style. */
export function accountFromHost(host: string | undefined, options: ParseAddressOptions = {}): string | undefined {
  if (host === undefined || host === '') return undefined;
  const name = hostname(host);
  if (name === '' || isIP(name) !== 0) return undefined;
  for (const suffix of options.hostSuffixes ?? []) {
    const s = suffix.toLowerCase();
    if (name.endsWith(s) && name.length > s.length && !name.slice(0, -s.length).includes('.')) {
      return name.slice(0, -s.length);
    }
  }
  const labels = name.split('.');
  if (labels.length >= 3 && labels[1] === 'blob' && labels[0] !== '') {
    // `account-secondary.blob…` addresses the secondary endpoint of `account`.
    return labels[0]!.replace(/-secondary$/, '');
  }
  return undefined;
}

/**
 * Splits `rawPath` (the request target's path, without the query) into account, container, blob.
 * Path-style requests without an account segment → InvalidUri.
 */
export function parseAddress(host: string | undefined, rawPath: string, options: ParseAddressOptions = {}): AzureAddress {
  if (!rawPath.startsWith('/')) throw new AzureError('InvalidUri', { cause: new Error(`path ${rawPath} is not absolute`) });
  let rest = rawPath.slice(1);
  let account = accountFromHost(host, options);
  const style: AddressingStyle = account === undefined ? 'path' : 'host';
  if (account === undefined) {
    const slash = rest.indexOf('/');
    const segment = slash === -1 ? rest : rest.slice(0, slash);
    account = decodeUriComponentStrict(segment);
    rest = slash === -1 ? '' : rest.slice(slash + 1);
    if (account === '') throw new AzureError('InvalidUri', { cause: new Error('path-style request without an account') });
  }
  if (rest === '') return { style, account, container: undefined, blob: undefined, rawPath };
  const slash = rest.indexOf('/');
  const container = decodeUriComponentStrict(slash === -1 ? rest : rest.slice(0, slash));
  if (container === '') throw new AzureError('InvalidUri', { cause: new Error('empty container name') });
  if (slash === -1 || slash === rest.length - 1) {
    // `/container` and `/container/` both address the container.
    return { style, account, container, blob: undefined, rawPath };
  }
  const blob = decodeUriComponentStrict(rest.slice(slash + 1));
  return { style, account, container, blob, rawPath };
}
