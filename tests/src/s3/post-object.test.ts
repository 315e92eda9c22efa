// Browser form uploads (PostObject) with a policy signed by the AWS SDK's own
// createPresignedPost, sent as multipart/form-data with fetch.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHmac } from 'node:crypto';
import { CreateBucketCommand, GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { ACCESS_KEY, SECRET_KEY, s3Client, s3Error } from '../support/s3.js';
import { startStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let s3: S3Client;

before(async () => {
  stack = await startStack();
  s3 = s3Client(stack);
  await s3.send(new CreateBucketCommand({ Bucket: 'forms' }));
});
after(async () => {
  s3.destroy();
  await stack.stop();
});

async function post(url: string, fields: Record<string, string>, file: Blob, filename = 'photo.jpg'): Promise<Response> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', file, filename);
  return fetch(url, { method: 'POST', body: form });
}

const code = async (res: Response): Promise<string | undefined> => /<Code>([^<]+)<\/Code>/.exec(await res.text())?.[1];

describe('PostObject', () => {
  it('uploads a file under a policy with conditions and ${filename}', async () => {
    const { url, fields } = await createPresignedPost(s3, {
      Bucket: 'forms',
      Key: 'uploads/${filename}',
      Conditions: [['starts-with', '$key', 'uploads/'], ['content-length-range', 1, 1024], { 'Content-Type': 'image/jpeg' }],
      Fields: { 'Content-Type': 'image/jpeg' },
      Expires: 300,
    });
    const res = await post(url.replace(/\/$/, '') + (url.includes('/forms') ? '' : '/forms'), fields, new Blob(['jpeg bytes']));
    assert.equal(res.status, 204, await res.clone().text());
    const got = await s3.send(new GetObjectCommand({ Bucket: 'forms', Key: 'uploads/photo.jpg' }));
    assert.equal(await got.Body?.transformToString(), 'jpeg bytes');
    assert.equal(got.ContentType, 'image/jpeg');
  });

  it('refuses what the policy does not allow, leaving nothing', async () => {
    const { url, fields } = await createPresignedPost(s3, {
      Bucket: 'forms',
      Key: 'small/${filename}',
      Conditions: [['content-length-range', 1, 10]],
      Expires: 300,
    });
    const target = url.replace(/\/$/, '') + (url.includes('/forms') ? '' : '/forms');
    const tooBig = await post(target, fields, new Blob(['x'.repeat(100)]), 'big.bin');
    assert.equal(tooBig.status, 400);
    assert.equal(await code(tooBig), 'EntityTooLarge');
    assert.equal((await s3Error(s3.send(new HeadObjectCommand({ Bucket: 'forms', Key: 'small/big.bin' })))).status, 404);

    const extra = await post(target, { ...fields, 'x-amz-meta-unlisted': 'x' }, new Blob(['ok']), 'a.bin');
    assert.equal(extra.status, 403);
    assert.equal(await code(extra), 'AccessDenied');

    const tampered = await post(target, { ...fields, 'X-Amz-Signature': '0'.repeat(64) }, new Blob(['ok']), 'b.bin');
    assert.equal(await code(tampered), 'SignatureDoesNotMatch');

    const expired = await createPresignedPost(s3, { Bucket: 'forms', Key: 'late', Expires: -60 });
    const late = await post(target, expired.fields, new Blob(['ok']));
    assert.equal(late.status, 403);
    assert.equal(await code(late), 'AccessDenied');
  });

  it('answers 201 with a PostResponse when asked', async () => {
    const { url, fields } = await createPresignedPost(s3, {
      Bucket: 'forms',
      Key: 'created',
      Conditions: [{ success_action_status: '201' }],
      Fields: { success_action_status: '201' },
      Expires: 300,
    });
    const res = await post(url.replace(/\/$/, '') + (url.includes('/forms') ? '' : '/forms'), fields, new Blob(['body']));
    assert.equal(res.status, 201);
    const xml = await res.text();
    assert.match(xml, /<PostResponse/);
    assert.match(xml, /<Key>created<\/Key>/);
    assert.ok(xml.includes(`<Location>${stack.s3}/forms/created</Location>`), xml);
    assert.equal(res.headers.get('location'), `${stack.s3}/forms/created`);
  });

  it('fields become header values: UTF-8 sent back as sent, control characters, bad names and oversized fields refused; a redirect that is no URL is ignored', async () => {
    const { url, fields } = await createPresignedPost(s3, {
      Bucket: 'forms',
      Key: 'hdr/${filename}',
      Conditions: [
        ['starts-with', '$key', 'hdr/'],
        ['starts-with', '$Content-Disposition', ''],
        ['starts-with', '$x-amz-meta-name', ''],
        ['starts-with', '$x-amz-meta-a b', ''],
        ['starts-with', '$success_action_redirect', ''],
      ],
      Expires: 300,
    });
    const target = url.replace(/\/$/, '') + (url.includes('/forms') ? '' : '/forms');
    const latin1ToUtf8 = (v: string | undefined): string | undefined => (v === undefined ? v : Buffer.from(v, 'latin1').toString('utf8'));
    const disposition = 'attachment; filename="☃ é.txt"';
    const ok = await post(
      target,
      { ...fields, 'Content-Disposition': disposition, 'x-amz-meta-name': 'Zoë ☃' },
      new Blob(['u']),
      'utf8.txt',
    );
    assert.equal(ok.status, 204, await ok.clone().text());
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'forms', Key: 'hdr/utf8.txt' }));
    assert.equal(latin1ToUtf8(head.ContentDisposition), disposition);
    assert.equal(latin1ToUtf8(head.Metadata?.['name']), 'Zoë ☃');

    const refusals: [Record<string, string>, string, string][] = [
      [{ 'Content-Disposition': 'inline\r\nX-Injected: 1' }, 'crlf.txt', 'InvalidArgument'],
      [{ 'x-amz-meta-a b': 'v' }, 'name.txt', 'InvalidArgument'],
      [{ 'x-amz-meta-name': 'x'.repeat(30_000) }, 'long.txt', 'MaxPostPreDataLengthExceededError'],
    ];
    for (const [extra, filename, expected] of refusals) {
      const res = await post(target, { ...fields, ...extra }, new Blob(['x']), filename);
      assert.deepEqual([res.status, await code(res)], [400, expected], filename);
      assert.equal((await s3Error(s3.send(new HeadObjectCommand({ Bucket: 'forms', Key: `hdr/${filename}` })))).status, 404, filename);
    }

    const redirected = await post(target, { ...fields, success_action_redirect: 'not a url' }, new Blob(['r']), 'redirect.txt');
    assert.equal(redirected.status, 204, 'stored, and told so');
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'forms', Key: 'hdr/redirect.txt' }))).Body?.transformToString(), 'r');
  });

  it('takes a SigV2-signed policy (what older SDKs send) and a tag set as XML', async () => {
    const policy = Buffer.from(
      JSON.stringify({
        expiration: new Date(Date.now() + 300_000).toISOString(),
        conditions: [{ bucket: 'forms' }, ['starts-with', '$key', 'v2/'], ['starts-with', '$tagging', '']],
      }),
    ).toString('base64');
    const fields = {
      key: 'v2/form',
      AWSAccessKeyId: ACCESS_KEY,
      policy,
      signature: createHmac('sha1', SECRET_KEY).update(policy).digest('base64'),
      tagging: '<Tagging><TagSet><Tag><Key>origin</Key><Value>form</Value></Tag></TagSet></Tagging>',
    };
    const res = await post(`${stack.s3}/forms`, fields, new Blob(['v2 body']));
    assert.equal(res.status, 204, await res.clone().text());
    assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket: 'forms', Key: 'v2/form' }))).TagSet, [
      { Key: 'origin', Value: 'form' },
    ]);
    const forged = await post(
      `${stack.s3}/forms`,
      { ...fields, key: 'v2/forged', signature: createHmac('sha1', 'wrong').update(policy).digest('base64') },
      new Blob(['x']),
    );
    assert.deepEqual([forged.status, await code(forged)], [403, 'SignatureDoesNotMatch']);
  });
});
