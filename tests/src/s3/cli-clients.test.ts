// Stock S3 command-line clients against a real stack: the AWS CLI, rclone and s3cmd
// each make a bucket, upload a 50 MiB file in parts, list, sync a folder of 200
// small files up and back down, compare checksums and delete everything; curl
// downloads and uploads through presigned URLs. Every client runs with its own
// HOME, config file and a minimal environment, so nothing leaks from the machine
// (e.g. AWS_CA_BUNDLE, ~/.aws, ~/.config/rclone). What the clients leave behind
// is checked with the SDK, independently of the client under test.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { requireBinary } from '../support/binaries.js';
import { ACCESS_KEY, SECRET_KEY, s3Client, s3Error } from '../support/s3.js';
import { startStack, type TestStack } from '../support/stack.js';

const INSTALL = 'apt-get install -y awscli rclone s3cmd curl';
const aws = requireBinary('aws', INSTALL);
const rclone = requireBinary('rclone', INSTALL);
const s3cmd = requireBinary('s3cmd', INSTALL);
const curl = requireBinary('curl', INSTALL);

const MiB = 1024 * 1024;
const BIG_SIZE = 50 * MiB;
const SMALL_COUNT = 200;
/** Names clients and the edge must agree on: spaces, reserved and non-ASCII characters, nesting. */
const AWKWARD_NAMES = [
  'a b.txt',
  'plus+sign.txt',
  'pct%20literal.txt',
  'ü-ñ-日本.txt',
  'tilde~x.txt',
  'eq=amp&.txt',
  'paren(1).txt',
  "quote'.txt",
  'comma,semi;.txt',
  'sub dir/déjà/vu.txt',
  'empty.txt',
];
const CLIENT_TIMEOUT_MS = 180_000;
const SCENARIO_TIMEOUT_MS = 600_000;

let stack: TestStack;
let s3: S3Client;
let work: string;
let bigFile: string;
let smallDir: string;
let smallDigests: Map<string, string>;

before(async () => {
  if (![aws, rclone, s3cmd, curl].some((b) => b.ok)) return; // every suite is skipped
  work = mkdtempSync(join(tmpdir(), 'zenko-cli-'));
  bigFile = join(work, 'big.bin');
  writeFileSync(bigFile, randomBytes(BIG_SIZE));
  smallDir = join(work, 'small');
  const names = [...AWKWARD_NAMES];
  for (let i = 0; names.length < SMALL_COUNT; i++)
    names.push(`${['', 'nested/', 'nested/deeper/'][i % 3]}f${String(i).padStart(3, '0')}.bin`);
  for (const name of names) {
    const path = join(smallDir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, name === 'empty.txt' ? Buffer.alloc(0) : randomBytes(randomInt(1, 4097)));
  }
  smallDigests = treeDigests(smallDir);
  assert.equal(smallDigests.size, SMALL_COUNT);
  stack = await startStack();
  s3 = s3Client(stack);
});

after(async () => {
  s3?.destroy();
  await stack?.stop();
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

// --- helpers -------------------------------------------------------------------

interface RunResult {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a binary (no shell) to completion or the timeout; never rejects. */
function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string, timeout = CLIENT_TIMEOUT_MS): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env, cwd, timeout, killSignal: 'SIGKILL', maxBuffer: 64 * MiB, encoding: 'utf8' },
      (err: (Error & { code?: unknown; signal?: unknown }) | null, stdout, stderr) => {
        if (err === null) return resolve({ code: 0, signal: null, stdout, stderr });
        const code = typeof err.code === 'number' ? err.code : null;
        const signal = typeof err.signal === 'string' ? err.signal : null;
        resolve({ code, signal, stdout, stderr: code === null && signal === null ? `${stderr}\n${err.message}` : stderr });
      },
    );
  });
}

function tail(s: string, max = 6000): string {
  return s.length > max ? `…${s.slice(-max)}` : s;
}

/** Asserts a clean exit; the message carries the command, its stderr and stdout. */
function assertSuccess(r: RunResult, what: string): void {
  assert.equal(
    r.code,
    0,
    `${what}: exit code ${r.code}${r.signal === null ? '' : ` (killed by ${r.signal})`}\n--- stderr ---\n${tail(r.stderr)}\n--- stdout ---\n${tail(r.stdout)}`,
  );
}

/** A minimal environment: nothing from the machine but PATH. */
function isolatedEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const tmp = join(home, 'tmp');
  mkdirSync(tmp, { recursive: true });
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, TMPDIR: tmp, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', TZ: 'UTC', ...extra };
}

function sha256(b: Buffer | Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** sha256 of every file under `dir`, by '/'-separated relative path. */
function treeDigests(dir: string, prefix = '', out = new Map<string, string>()): Map<string, string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = `${prefix}${entry.name}`;
    if (entry.isDirectory()) treeDigests(join(dir, entry.name), `${rel}/`, out);
    else out.set(rel, sha256(readFileSync(join(dir, entry.name))));
  }
  return out;
}

function assertSameTree(actualDir: string, what: string): void {
  const actual = treeDigests(actualDir);
  const missing = [...smallDigests.keys()].filter((k) => !actual.has(k));
  const extra = [...actual.keys()].filter((k) => !smallDigests.has(k));
  const differ = [...smallDigests].filter(([k, v]) => actual.has(k) && actual.get(k) !== v).map(([k]) => k);
  assert.deepEqual({ missing, extra, differ }, { missing: [], extra: [], differ: [] }, `${what}: downloaded tree differs`);
}

async function listKeys(bucket: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    for (const o of page.Contents ?? []) keys.push(o.Key!);
  }
  return keys.sort();
}

async function assertUploadedTree(bucket: string, prefix: string): Promise<void> {
  assert.deepEqual(await listKeys(bucket, prefix), [...smallDigests.keys()].map((k) => `${prefix}${k}`).sort());
}

/** The 50 MiB object exists and was assembled from `parts` parts (multipart ETag `"<md5>-<parts>"`). */
async function assertMultipartObject(bucket: string, key: string, parts: number): Promise<void> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  assert.equal(head.ContentLength, BIG_SIZE);
  assert.match(head.ETag ?? '', new RegExp(`^"[0-9a-f]{32}-${parts}"$`), `ETag ${head.ETag} is not a ${parts}-part multipart ETag`);
}

function assertSameFile(actual: string, expected: string): void {
  assert.equal(sha256(readFileSync(actual)), sha256(readFileSync(expected)), `${actual} differs from ${expected}`);
}

async function assertBucketGone(bucket: string): Promise<void> {
  assert.equal((await s3Error(s3.send(new HeadBucketCommand({ Bucket: bucket })))).status, 404);
}

/** A fresh HOME and working directory for one client. */
function clientDirs(name: string): { home: string; dir: string } {
  const dir = join(work, name);
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  return { home, dir };
}

// --- AWS CLI -------------------------------------------------------------------

describe('AWS CLI', { skip: aws.skip, timeout: SCENARIO_TIMEOUT_MS }, () => {
  const bucket = 'cli-aws';
  let home: string;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const cli = (...args: string[]): Promise<RunResult> => run(aws.path!, ['--endpoint-url', stack.s3, ...args], env, dir);

  before(() => {
    ({ home, dir } = clientDirs('aws'));
    env = isolatedEnv(home, {
      AWS_ACCESS_KEY_ID: ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: SECRET_KEY,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: join(home, '.aws', 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
      AWS_PAGER: '',
      AWS_MAX_ATTEMPTS: '1',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
  });

  it('reports its version and takes path-style addressing from its own config file', async (t) => {
    const version = await run(aws.path!, ['--version'], env, dir);
    assertSuccess(version, 'aws --version');
    t.diagnostic(`${aws.path}: ${version.stdout.trim() || version.stderr.trim()}`);
    assertSuccess(await run(aws.path!, ['configure', 'set', 'default.s3.addressing_style', 'path'], env, dir), 'aws configure set');
    assert.match(readFileSync(join(home, '.aws', 'config'), 'utf8'), /addressing_style = path/);
  });

  it('s3 mb', async () => {
    const r = await cli('s3', 'mb', `s3://${bucket}`);
    assertSuccess(r, 'aws s3 mb');
    assert.match(r.stdout, new RegExp(`make_bucket: ${bucket}`));
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  });

  it('s3 cp uploads 50 MiB in 8 MiB parts (the default threshold and chunk size)', async () => {
    assertSuccess(await cli('s3', 'cp', '--only-show-errors', bigFile, `s3://${bucket}/big.bin`), 'aws s3 cp (upload)');
    await assertMultipartObject(bucket, 'big.bin', 7);
  });

  it('s3 ls', async () => {
    const r = await cli('s3', 'ls', `s3://${bucket}/`);
    assertSuccess(r, 'aws s3 ls');
    assert.match(r.stdout, new RegExp(`\\s${BIG_SIZE} big\\.bin$`, 'm'));
  });

  it('s3 sync uploads 200 small files, and a second sync has nothing to do', async () => {
    assertSuccess(await cli('s3', 'sync', '--only-show-errors', smallDir, `s3://${bucket}/small/`), 'aws s3 sync (up)');
    await assertUploadedTree(bucket, 'small/');
    const again = await cli('s3', 'sync', '--dryrun', smallDir, `s3://${bucket}/small/`);
    assertSuccess(again, 'aws s3 sync --dryrun (up)');
    assert.equal(again.stdout, '', 'a second sync would upload again');
  });

  it('s3 sync downloads them (listing in pages of 64), checksums match, and a second sync has nothing to do', async () => {
    const down = join(dir, 'down');
    assertSuccess(await cli('s3', 'sync', '--only-show-errors', '--page-size', '64', `s3://${bucket}/small/`, down), 'aws s3 sync (down)');
    assertSameTree(down, 'aws s3 sync');
    const again = await cli('s3', 'sync', '--dryrun', '--page-size', '64', `s3://${bucket}/small/`, down);
    assertSuccess(again, 'aws s3 sync --dryrun (down)');
    assert.equal(again.stdout, '', 'a second sync would download again');
  });

  it('s3 cp downloads the 50 MiB file intact', async () => {
    const out = join(dir, 'big.down');
    assertSuccess(await cli('s3', 'cp', '--only-show-errors', `s3://${bucket}/big.bin`, out), 'aws s3 cp (download)');
    assertSameFile(out, bigFile);
  });

  it('s3api head-object, list-objects-v2 (paged) and get-bucket-location', async () => {
    const head = await cli('s3api', 'head-object', '--bucket', bucket, '--key', 'big.bin', '--output', 'json');
    assertSuccess(head, 'aws s3api head-object');
    const meta = JSON.parse(head.stdout) as { ContentLength: number; ETag: string };
    assert.equal(meta.ContentLength, BIG_SIZE);
    assert.match(meta.ETag, /-7"$/);

    const list = await cli('s3api', 'list-objects-v2', '--bucket', bucket, '--prefix', 'small/', '--page-size', '50', '--output', 'json');
    assertSuccess(list, 'aws s3api list-objects-v2');
    const keys = (JSON.parse(list.stdout) as { Contents: { Key: string }[] }).Contents.map((c) => c.Key).sort();
    assert.deepEqual(keys, [...smallDigests.keys()].map((k) => `small/${k}`).sort());

    const loc = await cli('s3api', 'get-bucket-location', '--bucket', bucket, '--output', 'json');
    assertSuccess(loc, 'aws s3api get-bucket-location');
    assert.equal((JSON.parse(loc.stdout) as { LocationConstraint: string | null }).LocationConstraint ?? '', '');
  });

  it('s3 rm --recursive empties the bucket', async () => {
    assertSuccess(await cli('s3', 'rm', '--only-show-errors', '--recursive', `s3://${bucket}/`), 'aws s3 rm --recursive');
    assert.deepEqual(await listKeys(bucket), []);
  });

  it('s3 rb', async () => {
    assertSuccess(await cli('s3', 'rb', `s3://${bucket}`), 'aws s3 rb');
    await assertBucketGone(bucket);
  });
});

// --- rclone --------------------------------------------------------------------

describe('rclone', { skip: rclone.skip, timeout: SCENARIO_TIMEOUT_MS }, () => {
  const bucket = 'cli-rclone';
  const remote = `zenko:${bucket}`;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let config: string;
  const cli = (...args: string[]): Promise<RunResult> =>
    run(
      rclone.path!,
      ['--config', config, '--retries', '1', '--low-level-retries', '1', '--contimeout', '10s', '--timeout', '60s', ...args],
      env,
      dir,
    );

  before(() => {
    let home: string;
    ({ home, dir } = clientDirs('rclone'));
    env = isolatedEnv(home);
    config = join(home, '.config', 'rclone', 'rclone.conf');
    mkdirSync(dirname(config), { recursive: true });
    // list_chunk 64: listings of the 200 files take several pages.
    writeFileSync(
      config,
      [
        '[zenko]',
        'type = s3',
        'provider = Other',
        'env_auth = false',
        `access_key_id = ${ACCESS_KEY}`,
        `secret_access_key = ${SECRET_KEY}`,
        'region = us-east-1',
        `endpoint = ${stack.s3}`,
        'force_path_style = true',
        'list_chunk = 64',
        '',
      ].join('\n'),
    );
  });

  it('reports its version', async (t) => {
    const version = await cli('version');
    assertSuccess(version, 'rclone version');
    t.diagnostic(`${rclone.path}: ${version.stdout.split('\n')[0]}`);
  });

  it('mkdir', async () => {
    assertSuccess(await cli('mkdir', remote), 'rclone mkdir');
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  });

  it('copy uploads 50 MiB in 8 MiB parts', async () => {
    assertSuccess(await cli('copy', '--s3-upload-cutoff', '8M', '--s3-chunk-size', '8M', bigFile, `${remote}/`), 'rclone copy (upload)');
    await assertMultipartObject(bucket, 'big.bin', 7);
    // A multipart ETag is not an MD5: rclone keeps the file's MD5 in user metadata
    // (X-Amz-Meta-Md5chksum, sent with CreateMultipartUpload) and reads it back.
    const md5 = await cli('md5sum', `${remote}/big.bin`);
    assertSuccess(md5, 'rclone md5sum');
    assert.equal(md5.stdout.trim(), `${createHash('md5').update(readFileSync(bigFile)).digest('hex')}  big.bin`);
  });

  it('ls', async () => {
    const r = await cli('ls', remote);
    assertSuccess(r, 'rclone ls');
    assert.match(r.stdout, new RegExp(`^\\s*${BIG_SIZE} big\\.bin$`, 'm'));
  });

  it('sync uploads 200 small files', async () => {
    assertSuccess(await cli('sync', smallDir, `${remote}/small`), 'rclone sync (up)');
    await assertUploadedTree(bucket, 'small/');
  });

  it('sync downloads them, checksums match, and check agrees', async () => {
    const down = join(dir, 'down');
    assertSuccess(await cli('sync', `${remote}/small`, down), 'rclone sync (down)');
    assertSameTree(down, 'rclone sync');
    assertSuccess(await cli('check', smallDir, `${remote}/small`), 'rclone check');
  });

  it('copyto downloads the 50 MiB file intact', async () => {
    const out = join(dir, 'big.down');
    assertSuccess(await cli('copyto', `${remote}/big.bin`, out), 'rclone copyto (download)');
    assertSameFile(out, bigFile);
  });

  it('purge removes every object and the bucket', async () => {
    assertSuccess(await cli('purge', remote), 'rclone purge');
    await assertBucketGone(bucket);
  });
});

// --- s3cmd ---------------------------------------------------------------------

describe('s3cmd', { skip: s3cmd.skip, timeout: SCENARIO_TIMEOUT_MS }, () => {
  const bucket = 'cli-s3cmd';
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let config: string;
  const cli = (...args: string[]): Promise<RunResult> => run(s3cmd.path!, ['--config', config, ...args], env, dir);

  before(() => {
    let home: string;
    ({ home, dir } = clientDirs('s3cmd'));
    env = isolatedEnv(home);
    config = join(home, '.s3cfg');
    const host = new URL(stack.s3).host;
    writeFileSync(
      config,
      [
        '[default]',
        `access_key = ${ACCESS_KEY}`,
        `secret_key = ${SECRET_KEY}`,
        `host_base = ${host}`,
        `host_bucket = ${host}`,
        'use_https = False',
        'signature_v2 = False',
        'bucket_location = us-east-1',
        'multipart_chunk_size_mb = 15',
        'progress_meter = False',
        '',
      ].join('\n'),
    );
  });

  it('reports its version', async (t) => {
    const version = await cli('--version');
    assertSuccess(version, 's3cmd --version');
    t.diagnostic(`${s3cmd.path}: ${version.stdout.trim()}`);
  });

  it('mb', async () => {
    assertSuccess(await cli('mb', `s3://${bucket}`), 's3cmd mb');
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  });

  it('put uploads 50 MiB in 15 MiB parts', async () => {
    assertSuccess(await cli('put', '--multipart-chunk-size-mb=15', bigFile, `s3://${bucket}/big.bin`), 's3cmd put');
    await assertMultipartObject(bucket, 'big.bin', 4);
  });

  it('ls', async () => {
    const r = await cli('ls', `s3://${bucket}`);
    assertSuccess(r, 's3cmd ls');
    assert.match(r.stdout, new RegExp(`\\s${BIG_SIZE}\\s+s3://${bucket}/big\\.bin$`, 'm'));
  });

  it('sync uploads 200 small files', async () => {
    assertSuccess(await cli('sync', `${smallDir}/`, `s3://${bucket}/small/`), 's3cmd sync (up)');
    await assertUploadedTree(bucket, 'small/');
  });

  it('sync downloads them and checksums match', async () => {
    const down = join(dir, 'down');
    assertSuccess(await cli('sync', `s3://${bucket}/small/`, `${down}/`), 's3cmd sync (down)');
    assertSameTree(down, 's3cmd sync');
  });

  it('get downloads the 50 MiB file intact', async () => {
    const out = join(dir, 'big.down');
    assertSuccess(await cli('get', `s3://${bucket}/big.bin`, out), 's3cmd get');
    assertSameFile(out, bigFile);
  });

  it('del --recursive --force empties the bucket (multi-object delete)', async () => {
    assertSuccess(await cli('del', '--recursive', '--force', `s3://${bucket}`), 's3cmd del --recursive --force');
    assert.deepEqual(await listKeys(bucket), []);
  });

  it('rb', async () => {
    assertSuccess(await cli('rb', `s3://${bucket}`), 's3cmd rb');
    await assertBucketGone(bucket);
  });
});

// --- curl with presigned URLs ---------------------------------------------------

describe('curl with presigned URLs', { skip: curl.skip, timeout: SCENARIO_TIMEOUT_MS }, () => {
  const bucket = 'cli-curl';
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let payload: string;
  const key = 'presigned/a b+ü.bin';

  /** curl never fails on HTTP errors here: the status and body are asserted. */
  const fetchWithCurl = async (url: string, out: string, ...args: string[]): Promise<{ status: string; body: string }> => {
    const r = await run(
      curl.path!,
      ['--silent', '--show-error', '--max-time', '120', '--output', out, '--write-out', '%{http_code}', ...args, url],
      env,
      dir,
    );
    assertSuccess(r, 'curl');
    let body = '';
    try {
      body = readFileSync(out, 'utf8');
    } catch {
      // no body
    }
    return { status: r.stdout, body };
  };

  before(async () => {
    let home: string;
    ({ home, dir } = clientDirs('curl'));
    env = isolatedEnv(home);
    payload = join(dir, 'payload.bin');
    writeFileSync(payload, randomBytes(3 * MiB + 17));
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  it('reports its version', async (t) => {
    const version = await run(curl.path!, ['--version'], env, dir);
    assertSuccess(version, 'curl --version');
    t.diagnostic(`${curl.path}: ${version.stdout.split('\n')[0]}`);
  });

  it('GET through a presigned URL', async () => {
    const body = readFileSync(payload);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 300 });
    const out = join(dir, 'got.bin');
    const r = await fetchWithCurl(url, out);
    assert.equal(r.status, '200', r.body);
    assertSameFile(out, payload);
  });

  it('PUT through a presigned URL', async () => {
    // Presign without the SDK's default checksum: at signing time there is no body,
    // so the default (WHEN_SUPPORTED) would sign the CRC32 of an empty payload into
    // the URL (aws-sdk-js-v3 #6994); WHEN_REQUIRED is what presigning code uses.
    const signer = new S3Client({
      endpoint: stack.s3,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    try {
      const url = await getSignedUrl(signer, new PutObjectCommand({ Bucket: bucket, Key: 'presigned/put.bin' }), { expiresIn: 300 });
      const r = await fetchWithCurl(url, join(dir, 'put-response'), '--upload-file', payload);
      assert.equal(r.status, '200', r.body);
    } finally {
      signer.destroy();
    }
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'presigned/put.bin' }));
    assert.equal(sha256(await got.Body!.transformToByteArray()), sha256(readFileSync(payload)));
  });

  it('a tampered presigned URL is refused with SignatureDoesNotMatch', async () => {
    const url = new URL(await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 300 }));
    const sig = url.searchParams.get('X-Amz-Signature')!;
    url.searchParams.set('X-Amz-Signature', `${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`);
    const r = await fetchWithCurl(url.toString(), join(dir, 'tampered'));
    assert.equal(r.status, '403');
    assert.match(r.body, /<Code>SignatureDoesNotMatch<\/Code>/);
  });
});
