// `npm start`: the whole mesh on one machine with embedded defaults.
import { ConfigError } from '../config.js';
import { SERVICE_NAMES, TOPOLOGY } from '../topology.js';
import { ZENKO_VERSION } from '../version.js';
import { Stack, loadStackConfig } from './stack.js';

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const err = (line: string): void => {
  process.stderr.write(`zenko: ${line}\n`);
};

let config;
try {
  config = loadStackConfig();
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

out(`zenko ${ZENKO_VERSION}: starting ${SERVICE_NAMES.length} services (data directory ${config.dataDir})`);
try {
  await stack.start();
} catch (e) {
  err((e as Error).message);
  stop(1);
}
if (!stopping) {
  const host = config.host;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
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
    out(`  ${name.padEnd(17)} ${`${shown}:${p.grpc}`.padEnd(18)} http://${shown}:${p.metrics}/metrics`);
  }
  out('');
  const accessKey = process.env['ZENKO_ACCESS_KEY'] || 'accessKey1';
  const secretKey = process.env['ZENKO_SECRET_KEY'] || 'verySecretKey1';
  out(`  S3 credentials     access key ${accessKey}, secret key ${secretKey} (account created at first start)`);
  out('  Azure account      devstoreaccount1 with the well-known development key (UseDevelopmentStorage=true)');
  if (accessKey === 'accessKey1' && secretKey === 'verySecretKey1' && !['127.0.0.1', 'localhost', '::1'].includes(host)) {
    err(
      `WARNING: the S3 and Azure edges listen on ${host} with the public development credentials; set ZENKO_ACCESS_KEY and ZENKO_SECRET_KEY`,
    );
  }
  out('');
  out(`  data directory     ${config.dataDir}`);
  out(`  logs               ${config.dataDir}/logs/<service>.log`);
  out(`  pids               ${stack.pids().join(' ')}`);
  out('');
  out('Press Ctrl-C to stop.');
}
