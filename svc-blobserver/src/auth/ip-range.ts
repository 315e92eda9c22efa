/**
 * SAS `sip`: one IPv4 address (`168.1.5.65`) or an inclusive range (`168.1.5.60-168.1.5.70`).
 * Clients connecting over IPv6 with an IPv4-mapped address (`::ffff:168.1.5.65`) match as IPv4.
 */
import { isIPv4 } from 'node:net';

function toNumber(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

function parseRange(range: string): [number, number] | undefined {
  const parts = range.split('-');
  if (parts.length > 2 || !parts.every((p) => isIPv4(p))) return undefined;
  const low = toNumber(parts[0]!);
  const high = toNumber(parts[1] ?? parts[0]!);
  return low <= high ? [low, high] : undefined;
}

/** True when `range` is a valid `sip` value. */
export function isIpRange(range: string): boolean {
  return parseRange(range) !== undefined;
}

/** True when `ip` lies in `range`; false for IPv6 clients and invalid input. */
export function inIpRange(ip: string, range: string): boolean {
  const bounds = parseRange(range);
  const v4 = ip.toLowerCase().startsWith('::ffff:') ? ip.slice(7) : ip;
  if (bounds === undefined || !isIPv4(v4)) return false;
  const n = toNumber(v4);
  return n >= bounds[0] && n <= bounds[1];
}
