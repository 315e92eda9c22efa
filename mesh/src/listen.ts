// Where a process listens. A host this machine cannot listen on (a name that does not resolve,
// an address that is not one of its own) is a configuration error found before anything starts;
// a listener that fails later says which address and why, for runService to name the setting.
import { createServer, type Server } from 'node:net';
import { ConfigError } from './config.js';

/** Failures that come from the host, not the port: the host setting is the one to change. */
const HOST_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EADDRNOTAVAIL', 'EAFNOSUPPORT']);

const DESCRIPTIONS: Record<string, string> = {
  ENOTFOUND: 'the name does not resolve',
  EAI_AGAIN: 'the name does not resolve (DNS did not answer)',
  EAI_FAIL: 'the name does not resolve',
  EAI_NONAME: 'the name does not resolve',
  EADDRNOTAVAIL: 'not an address of this machine',
  EAFNOSUPPORT: 'address family not supported on this machine',
  EADDRINUSE: 'the port is in use by another process',
  EACCES: 'permission denied (ports below 1024 need privileges)',
};

/** `host:port`, IPv6 in brackets. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** A system error code in an error or its message (grpc-js reports bind failures as text only). */
function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  const message = err instanceof Error ? err.message : String(err);
  if (/Name resolution failed/i.test(message)) return 'ENOTFOUND';
  return /\b(E[A-Z_]{3,})\b/.exec(message)?.[1] ?? 'UNKNOWN';
}

/** A listener that could not be set up: which one, where, and the system's code. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  readonly code: string;
  constructor(
    readonly what: 'grpc' | 'metrics' | 'edge',
    readonly host: string,
    readonly port: number,
    cause: unknown,
  ) {
    const code = codeOf(cause);
    super(
      `cannot listen on ${hostPort(host, port)}: ${DESCRIPTIONS[code] ?? (cause instanceof Error ? cause.message : String(cause))} (${code})`,
      {
        cause,
      },
    );
    this.code = code;
  }

  /** Whether the host is at fault (else the port). */
  get hostProblem(): boolean {
    return HOST_CODES.has(this.code);
  }
}

/** `server.listen(port, host)`; a failure is a ListenError. */
export function listen(server: Server, what: ListenError['what'], host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (err: Error): void => reject(new ListenError(what, host, port, err));
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
}

/** Why this machine cannot listen on `host` (tried on a port of the system's choosing), or undefined when it can. */
export function bindProblem(host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (err) => {
      const code = codeOf(err);
      resolve(`cannot listen on ${host}: ${DESCRIPTIONS[code] ?? err.message} (${code})`);
    });
    probe.listen(0, host, () => probe.close(() => resolve(undefined)));
  });
}

/** Throws a ConfigError naming the first setting whose host this machine cannot listen on. */
export async function checkListenHosts(hosts: readonly { setting: string; host: string }[]): Promise<void> {
  const problems = await Promise.all(hosts.map((h) => bindProblem(h.host)));
  const i = problems.findIndex((p) => p !== undefined);
  if (i >= 0) throw new ConfigError(hosts[i]!.setting, problems[i]!);
}
