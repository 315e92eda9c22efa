// `npm run bench [section...]` — sections: mesh, metadata (BENCH_METADATA_KEYS sets the
// large bucket's size, default 1,000,000), s3 (the stack against the s3rver package;
// BENCH_BIG_BYTES sets the size of the memory section's transfers, default 2 GiB), azure
// (the stack's Azure edge against the azurite package), locations (64 MiB through the S3
// edge on file, aws_s3 and azure locations against the same transfer straight to the target).
// BENCH_SECONDS sets the length of each measurement (default 3).
import { setFlagsFromString } from 'node:v8';
import { V8_FLAGS } from '@zenko/mesh';
import { azureBench } from './azure-bench.js';
import { locationsBench } from './locations-bench.js';
import { meshBench } from './mesh-bench.js';
import { metadataBench } from './metadata-bench.js';
import { s3Bench } from './s3-bench.js';

const SECTIONS: Record<string, (seconds: number) => Promise<void>> = {
  mesh: meshBench,
  metadata: metadataBench,
  s3: s3Bench,
  azure: azureBench,
  locations: locationsBench,
};

// The clients run under the services' V8 flags (mesh/src/service.ts). With allocation-site
// pretenuring, a client that had uploaded 64 MiB bodies allocated its download's socket buffers in
// the old generation and ran a full collection every few MiB: Get Blob 64 MiB fell from about
// 1,500 to 550 MiB/s against Zenko and from 790 to 450 against Azurite, in the same process.
setFlagsFromString(V8_FLAGS);

const seconds = Number(process.env['BENCH_SECONDS'] ?? 3);
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(w in SECTIONS));
if (unknown.length > 0) {
  process.stderr.write(`unknown bench section(s): ${unknown.join(', ')}; known: ${Object.keys(SECTIONS).join(', ')}\n`);
  process.exit(2);
}
process.stdout.write(`# Zenko benchmarks (${new Date().toISOString()}, ${seconds}s per measurement)\n`);
for (const name of wanted.length > 0 ? wanted : Object.keys(SECTIONS)) await SECTIONS[name]!(seconds);
