// One typed configuration schema per service. Values come from the environment,
// then from an optional JSON file (ZENKO_CONFIG_FILE, keyed by the same variable
// names), then from defaults. A bad value stops the service with a message that
// names the setting.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`invalid configuration: ${setting}: ${message}`);
  }
}

export interface Setting<T> {
  readonly env: string;
  readonly description: string;
  readonly default: T | undefined;
  readonly parse: (raw: string) => T;
}

function setting<T>(env: string, description: string, def: T | undefined, parse: (raw: string) => T): Setting<T> {
  return { env, description, default: def, parse };
}

export const str = (env: string, description: string, def?: string): Setting<string> => setting(env, description, def, (raw) => raw);

export const int = (env: string, description: string, def?: number, min = 0, max = Number.MAX_SAFE_INTEGER): Setting<number> =>
  setting(env, description, def, (raw) => {
    if (!/^-?\d+$/.test(raw.trim())) throw new Error(`expected an integer, got ${JSON.stringify(raw)}`);
    const n = Number(raw);
    if (n < min || n > max) throw new Error(`expected an integer between ${min} and ${max}, got ${n}`);
    return n;
  });

export const port = (env: string, description: string, def?: number): Setting<number> => {
  const base = int(env, description, def, 0, 65535);
  return base;
};

export const bool = (env: string, description: string, def?: boolean): Setting<boolean> =>
  setting(env, description, def, (raw) => {
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    throw new Error(`expected true or false, got ${JSON.stringify(raw)}`);
  });

export const oneOf = <const T extends string>(env: string, description: string, values: readonly T[], def?: T): Setting<T> =>
  setting(env, description, def, (raw) => {
    if (!(values as readonly string[]).includes(raw)) {
      throw new Error(`expected one of ${values.join(', ')}, got ${JSON.stringify(raw)}`);
    }
    return raw as T;
  });

/** host:port, e.g. 127.0.0.1:9010. */
export const address = (env: string, description: string, def?: string): Setting<string> =>
  setting(env, description, def, (raw) => {
    const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(raw.trim());
    if (!m || Number(m[2]) > 65535) throw new Error(`expected host:port, got ${JSON.stringify(raw)}`);
    return raw.trim();
  });

/** A DNS host name: dot-separated labels of letters, digits and inner hyphens (RFC 1123). */
const HOST_NAME = /^(?=.{1,253}\.?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/**
 * A host to listen on or reach: an IP address (IPv6 with or without brackets, kept without) or a
 * host name. Whether it resolves, and to an address of this machine, is checked where it is bound.
 */
export const host = (env: string, description: string, def?: string): Setting<string> =>
  setting(env, description, def, (raw) => {
    const v = raw.trim();
    const ip = /^\[(.+)\]$/.exec(v)?.[1] ?? v;
    if (isIP(ip) !== 0) return ip;
    if (HOST_NAME.test(v)) return v;
    throw new Error(`expected a host name or an IP address, got ${JSON.stringify(raw)}`);
  });

/** A MongoDB connection string (`mongodb://` or `mongodb+srv://`), or empty for none. */
export const mongoUrl = (env: string, description: string, def?: string): Setting<string> =>
  setting(env, description, def, (raw) => {
    if (raw !== '' && !/^mongodb(\+srv)?:\/\/[^/\s]+/.test(raw))
      throw new Error('expected a mongodb:// or mongodb+srv:// connection string');
    return raw;
  });

/**
 * A shared secret, or empty for none: `minChars` to `maxChars` printable ASCII characters without
 * spaces (it travels in a header). Its errors never echo it.
 */
export const secretToken = (env: string, description: string, minChars: number, maxChars = 1024): Setting<string> =>
  setting(env, description, '', (raw) => {
    if (raw === '') return raw;
    if (!/^[\x21-\x7e]*$/.test(raw)) throw new Error('expected printable ASCII characters without spaces or line breaks');
    if (raw.length < minChars || raw.length > maxChars) {
      throw new Error(`expected ${minChars} to ${maxChars} characters, got ${raw.length}`);
    }
    return raw;
  });

export const url = (env: string, description: string, def?: string): Setting<string> =>
  setting(env, description, def, (raw) => {
    try {
      return new URL(raw).toString();
    } catch {
      throw new Error(`expected a URL, got ${JSON.stringify(raw)}`);
    }
  });

export type Schema = Record<string, Setting<unknown>>;
export type ConfigOf<S extends Schema> = {
  [K in keyof S]: S[K] extends Setting<infer T> ? T : never;
};

export interface ConfigSource {
  env?: NodeJS.ProcessEnv;
}

/** Reads the optional JSON file named by ZENKO_CONFIG_FILE. */
function readFile(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const path = env['ZENKO_CONFIG_FILE'];
  if (path === undefined || path === '') return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('ZENKO_CONFIG_FILE', `cannot read ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError('ZENKO_CONFIG_FILE', `${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('ZENKO_CONFIG_FILE', `${path} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

export function loadConfig<S extends Schema>(schema: S, source: ConfigSource = {}): ConfigOf<S> {
  const env = source.env ?? process.env;
  const file = readFile(env);
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(schema)) {
    const fromEnv = env[s.env];
    const fromFile = file[s.env];
    if (fromFile !== undefined && fromFile !== null && !['string', 'number', 'boolean'].includes(typeof fromFile)) {
      throw new ConfigError(s.env, 'expected a string, number or boolean in the config file');
    }
    const raw =
      fromEnv !== undefined && fromEnv !== ''
        ? fromEnv
        : fromFile === undefined || fromFile === null
          ? undefined
          : `${fromFile as string | number | boolean}`;
    if (raw === undefined) {
      if (s.default === undefined) throw new ConfigError(s.env, 'required but not set');
      out[key] = s.default;
      continue;
    }
    try {
      out[key] = s.parse(raw);
    } catch (err) {
      throw new ConfigError(s.env, (err as Error).message);
    }
  }
  return out as ConfigOf<S>;
}
