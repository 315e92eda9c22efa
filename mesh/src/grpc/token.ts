// The mesh's optional shared token (ZENKO_GRPC_TOKEN). Set, every gRPC server refuses a call
// whose metadata lacks `authorization: Bearer <token>` (UNAUTHENTICATED, reason UNAUTHENTICATED,
// details naming the setting), and every client of this package sends it. The health service is
// exempt: Kubernetes gRPC probes and load balancers send no headers, and it tells nothing secret.
// Server reflection is not: grpcurl sends the header to both (`-H 'authorization: Bearer …'`).
// Unset, nothing is checked nor sent. The token proves the caller knows it, nothing more: it
// travels in clear text over the plaintext channels, so it guards a private network against its
// other hosts, not against someone who can read its traffic (a service mesh's mTLS does that).
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  ServerInterceptingCall,
  type Metadata,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  type ServerMethodDefinition,
} from '@grpc/grpc-js';
import { loadConfig } from '../config.js';
import { MeshError } from '../errors.js';
import { grpcTokenSetting } from '../topology.js';
import { splitPath } from './types.js';

export const GRPC_TOKEN_SETTING = grpcTokenSetting().env;
export const AUTHORIZATION_METADATA = 'authorization';
const SCHEME = 'bearer ';

/** The services a call to needs no token (`grpc.health.v1.Health`: probes cannot send one). */
export const TOKEN_EXEMPT_SERVICES: readonly string[] = ['grpc.health.v1.Health'];

let cached: { key: string; token: string | undefined } | undefined;

/**
 * The token this process's clients send: ZENKO_GRPC_TOKEN from the environment or ZENKO_CONFIG_FILE
 * (undefined when unset). An invalid one is a ConfigError naming the setting.
 */
export function grpcToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const key = `${env[GRPC_TOKEN_SETTING] ?? ''}\0${env['ZENKO_CONFIG_FILE'] ?? ''}`;
  if (env === process.env && cached?.key === key) return cached.token;
  const token = loadConfig({ token: grpcTokenSetting() }, { env }).token || undefined;
  if (env === process.env) cached = { key, token };
  return token;
}

/** The metadata value that carries a token. */
export function bearer(token: string): string {
  return `Bearer ${token}`;
}

/** What a call's metadata showed: the token, no `authorization`, one that is not `Bearer <token>`, another token. */
export type TokenCheck = 'ok' | 'missing' | 'malformed' | 'wrong';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** A check of a call's metadata against `token`, in constant time (equal-length digests compared). */
export function tokenCheck(token: string): (metadata: Metadata) => TokenCheck {
  const expected = digest(token);
  return (metadata) => {
    const values = metadata.get(AUTHORIZATION_METADATA);
    if (values.length === 0) return 'missing';
    const value = values[0];
    if (values.length > 1 || typeof value !== 'string' || value.slice(0, SCHEME.length).toLowerCase() !== SCHEME) return 'malformed';
    const presented = value.slice(SCHEME.length).trim();
    if (presented === '') return 'malformed';
    return timingSafeEqual(digest(presented), expected) ? 'ok' : 'wrong';
  };
}

const REFUSAL: Record<Exclude<TokenCheck, 'ok'>, string> = {
  missing: `this server requires a token: the call has no 'authorization: Bearer <token>' metadata (set ${GRPC_TOKEN_SETTING})`,
  malformed: `the call's 'authorization' metadata is not 'Bearer <token>' (set ${GRPC_TOKEN_SETTING})`,
  wrong: `the call's token is not this server's (${GRPC_TOKEN_SETTING} differs)`,
};

/** The error a call refused for its token fails with; details: `setting` and `problem` (missing, malformed, wrong). */
export function tokenError(check: Exclude<TokenCheck, 'ok'>): MeshError {
  return new MeshError('UNAUTHENTICATED', REFUSAL[check], { details: { setting: GRPC_TOKEN_SETTING, problem: check } });
}

/**
 * A call this process made refused for its token: the mesh is misconfigured (its processes have
 * different ZENKO_GRPC_TOKEN values), not the end user's request; the edges answer it as their own failure.
 */
export function isTokenRefusal(err: unknown): boolean {
  return err instanceof MeshError && err.reason === 'UNAUTHENTICATED' && err.details['setting'] === GRPC_TOKEN_SETTING;
}

/** A call refused: its method, the peer that made it, and why. */
export interface Refusal {
  readonly method: ServerMethodDefinition<unknown, unknown>;
  readonly peer: string;
  readonly check: Exclude<TokenCheck, 'ok'>;
}

/**
 * A server interceptor that answers a call without the token UNAUTHENTICATED before its handler
 * runs (the handler starts on the call's metadata, which is not passed on). `refused` sees each.
 */
export function tokenInterceptor(token: string, refused: (refusal: Refusal) => void): ServerInterceptor {
  const check = tokenCheck(token);
  return (method: ServerMethodDefinition<unknown, unknown>, call: ServerInterceptingCallInterface) => {
    if (TOKEN_EXEMPT_SERVICES.includes(splitPath(method.path)[0])) return new ServerInterceptingCall(call);
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, passOn) => {
            const result = check(metadata);
            if (result === 'ok') return passOn(metadata);
            refused({ method, peer: call.getPeer(), check: result });
            call.sendStatus(tokenError(result).toStatus());
          },
        }),
    });
  };
}
