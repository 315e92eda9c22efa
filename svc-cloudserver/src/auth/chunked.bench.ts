/**
 * Throughput of the aws-chunked decoder (not a test). Run:
 * node svc-cloudserver/dist/auth/chunked.bench.js [MiB]
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { AwsChunkedDecoder } from './chunked.js';
import { deriveSigningKey } from './signing-key-cache.js';
import type { ChunkSigningContext } from './types.js';

const mib = Number(process.argv[2] ?? 256);
const chunk = randomBytes(64 * 1024);
const count = (mib * 1024 * 1024) / chunk.length;
const ctx: ChunkSigningContext = {
  signingKey: deriveSigningKey('secret', '20240101', 'us-east-1', 's3'),
  amzDate: '20240101T000000Z',
  scope: '20240101/us-east-1/s3/aws4_request',
  seedSignature: '0'.repeat(64),
};
const EMPTY = createHash('sha256').digest('hex');
const chunkHash = createHash('sha256').update(chunk).digest('hex');

function* body(signed: boolean): Generator<Buffer> {
  let previous = ctx.seedSignature;
  const sign = (hash: string): string => {
    previous = createHmac('sha256', ctx.signingKey)
      .update(`AWS4-HMAC-SHA256-PAYLOAD\n${ctx.amzDate}\n${ctx.scope}\n${previous}\n${EMPTY}\n${hash}`)
      .digest('hex');
    return previous;
  };
  for (let i = 0; i < count; i++) {
    yield Buffer.from(`${chunk.length.toString(16)}${signed ? `;chunk-signature=${sign(chunkHash)}` : ''}\r\n`);
    yield chunk;
    yield Buffer.from('\r\n');
  }
  yield Buffer.from(signed ? `0;chunk-signature=${sign(EMPTY)}\r\n\r\n` : '0\r\n\r\n');
}

for (const signed of [false, true]) {
  const pieces = [...body(signed)]; // pre-built so that only decoding is measured
  const decoder = new AwsChunkedDecoder({
    signed,
    trailer: !signed,
    ...(signed ? { signing: ctx } : {}),
    decodedContentLength: count * chunk.length,
  });
  const start = process.hrtime.bigint();
  await pipeline(pieces, decoder, async (src: AsyncIterable<Buffer>) => {
    for await (const _ of src) {
      /* discard */
    }
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`aws-chunked ${signed ? 'signed  ' : 'unsigned'} ${(mib / seconds).toFixed(0).padStart(6)} MiB/s`);
}
