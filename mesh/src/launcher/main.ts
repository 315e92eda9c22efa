// `npm start`: the whole mesh on one machine with embedded defaults.
import { ConfigError } from '../config.js';
import { DataDirLockedError } from '../data-dir-lock.js';
import { exitWithParent, watchParent } from '../parent-watch.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_NAMES, TOPOLOGY, dialHost, isLoopbackHost } from '../topology.js';
import { ZENKO_VERSION } from '../version.js';
import { Stack, loadStackConfig } from './stack.js';

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const err = (line: string): void => {
  process.stderr.write(`zenko: ${line}\n`);
};
// Whoever read the output may be gone (a killed test process, a closed terminal): the services
// must still be stopped, not left behind by an unhandled EPIPE.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);

let config;
let withParent;
try {
  config = loadStackConfig();
  withParent = exitWithParent();
} catch (e) {
  if (e instanceof ConfigError) {
    err(e.message);
    process.exit(2);
  }
  throw e;
}

const stack = new Stack(config, { info: (l) => out(`zenko: ${l}`), error: err });
let stopping = false;
const stop = (code: number): void => {
  if (stopping) return;
  stopping = true;
  out('zenko: stopping every service...');
  stack.stop().then(
    () => {
      out('zenko: stopped');
      process.exit(code);
    },
    () => process.exit(1),
  );
};
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
// Asked for by the tests (not by `npm start`, which a shell may leave running in the background):
// the process that started this launcher is gone, however it died.
if (withParent) {
  watchParent(() => {
    err('parent process gone (stdin closed)');
    stop(0);
  });
}

// The account and its key pair are made at a data directory's first start (embedded metadata).
const firstStart = !existsSync(join(config.dataDir, 'metadata'));
out(`zenko ${ZENKO_VERSION}: starting ${SERVICE_NAMES.length} services (data directory ${config.dataDir})`);
try {
  await stack.start();
} catch (e) {
  err((e as Error).message);
  // A host this machine cannot listen on, a data directory in use: nothing was started; exit code 2.
  stop(e instanceof ConfigError || e instanceof DataDirLockedError ? 2 : 1);
}
if (!stopping) {
  const host = config.host;
  const shown = dialHost(host);
  const grpcShown = dialHost(config.grpcHost);
  out('');
  out('zenko: all services SERVING');
  out('');
  out(`  S3 endpoint        http://${shown}:${config.ports['svc-cloudserver'].edge ?? TOPOLOGY['svc-cloudserver'].edge?.port}`);
  out(
    `  Azure endpoint     http://${shown}:${config.ports['svc-blobserver'].edge ?? TOPOLOGY['svc-blobserver'].edge?.port}/devstoreaccount1`,
  );
  out('');
  out('  service           gRPC               metrics');
  for (const name of SERVICE_NAMES) {
    const p = config.ports[name];
    out(`  ${name.padEnd(17)} ${`${grpcShown}:${p.grpc}`.padEnd(18)} http://${shown}:${p.metrics}/metrics`);
  }
  out('');
  const { accessKey, secretKey } = config;
  const development = accessKey === 'accessKey1' && secretKey === 'verySecretKey1';
  // A secret of the operator's own is never echoed; the pair applies only where it was made.
  const secretShown = development ? `secret key ${secretKey}` : 'secret key from ZENKO_SECRET_KEY';
  out(
    firstStart
      ? `  S3 credentials     access key ${accessKey}, ${secretShown} (account "zenko", made now)`
      : `  S3 credentials     the keys of account "zenko" made at this data directory's first start (npm run zenko -- key list zenko)`,
  );
  out('  Azure account      devstoreaccount1 with the well-known development key (UseDevelopmentStorage=true)');
  out(
    config.grpcToken === ''
      ? '  gRPC calls         take no credentials (ZENKO_GRPC_TOKEN unset)'
      : '  gRPC calls         need the token of ZENKO_GRPC_TOKEN (zenko: set it; grpcurl: -H "authorization: Bearer $ZENKO_GRPC_TOKEN")',
  );
  if (!isLoopbackHost(host)) {
    err(
      `WARNING: the S3 and Azure edges listen on ${host}: the Azure development account (devstoreaccount1) has a public key${development ? ', and so do the default S3 credentials (set ZENKO_ACCESS_KEY and ZENKO_SECRET_KEY before the first start)' : ''}`,
    );
  }
  if (!isLoopbackHost(config.grpcHost) && config.grpcToken === '') {
    err(
      `WARNING: the gRPC servers listen on ${config.grpcHost} without authentication: whoever reaches their ports can read account secrets and run every admin operation; set ZENKO_GRPC_TOKEN, or keep that network private`,
    );
  }
  out('');
  out(`  data directory     ${config.dataDir}`);
  out(`  logs               ${config.dataDir}/logs/<service>.log`);
  out(`  pids               ${stack.pids().join(' ')}`);
  out('');
  out('Press Ctrl-C to stop.');
}
