// Azurite's blob service (the npm `azurite` package) as a child process on a free
// loopback port with a temporary directory: a real Azure Blob target for the
// `azure` location type.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { DEV_ACCOUNT, DEV_KEY } from './azure.js';

export interface Azurite {
  /** Blob service URL of the development account (`http://127.0.0.1:<port>/devstoreaccount1`). */
  readonly endpoint: string;
  /** The Azurite process (for tests that stop, silence or kill the target). */
  readonly pid: number;
  client(): BlobServiceClient;
  stop(): Promise<void>;
}

export interface AzuriteOptions {
  /** `--loose` (ignore unsupported headers and parameters); default true. */
  readonly loose?: boolean;
}

export async function startAzurite(timeoutMs = 30_000, options: AzuriteOptions = {}): Promise<Azurite> {
  const dir = mkdtempSync(join(tmpdir(), 'zenko-azurite-'));
  const main = createRequire(import.meta.url).resolve('azurite/dist/src/blob/main.js');
  const child = spawn(
    process.execPath,
    [
      main,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--location',
      dir,
      ...(options.loose === false ? [] : ['--loose']),
      '--skipApiVersionCheck',
      '--disableProductStyleUrl',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`azurite did not listen within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (c: Buffer): void => {
      output += c.toString();
      const m = /successfully listens on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!.replace(/\/+$/, ''));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`azurite exited with ${code}:\n${output}`));
    });
  });
  const endpoint = `${url}/${DEV_ACCOUNT}`;
  return {
    endpoint,
    pid: child.pid!,
    client: () => new BlobServiceClient(endpoint, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY), { retryOptions: { maxTries: 1 } }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
