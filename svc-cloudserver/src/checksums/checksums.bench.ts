/**
 * Throughput of the streaming hashers (not a test: timing belongs in benchmarks).
 * Run: node svc-cloudserver/dist/checksums/checksums.bench.js [MiB]
 */
import { randomBytes } from 'node:crypto';
import { CHECKSUM_ALGORITHMS, createHasher } from './hasher.js';

const mib = Number(process.argv[2] ?? 256);
const chunk = randomBytes(64 * 1024);
const chunks = (mib * 1024 * 1024) / chunk.length;

for (const alg of [...CHECKSUM_ALGORITHMS, 'md5'] as const) {
  // warm-up
  const w = createHasher(alg);
  for (let i = 0; i < 64; i++) w.update(chunk);
  w.digest();
  const h = createHasher(alg);
  const start = process.hrtime.bigint();
  for (let i = 0; i < chunks; i++) h.update(chunk);
  h.digest();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`${alg.padEnd(10)} ${(mib / seconds).toFixed(0).padStart(6)} MiB/s`);
}
