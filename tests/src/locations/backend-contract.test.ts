// The backend contract (svc-cloudserver's data/backend-contract.ts, the one the local types pass)
// on the cloud location types against real targets: `aws_s3` on a second, independent stack's S3
// edge, `azure` on Azurite. Both with and without bucketMatch.
import { after, before } from 'node:test';
import { CreateBucketCommand, ListMultipartUploadsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { AzureBackend, S3Backend, backendContract, type DataBackend } from '@zenko/svc-cloudserver';
import { DEV_ACCOUNT, DEV_KEY } from '../support/azure.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { s3Client } from '../support/s3.js';
import { startStack, startTogether, type TestStack } from '../support/stack.js';

let target: TestStack;
let direct: S3Client;
let azurite: Azurite;
const opened: DataBackend[] = [];

before(async () => {
  [target, azurite] = await startTogether(startStack(), startAzurite());
  direct = s3Client(target);
  for (const bucket of ['contract-plain', 'contract-match']) await direct.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const container of ['contract-plain', 'contract-match']) await azurite.client().getContainerClient(container).create();
});

after(async () => {
  await Promise.all(opened.map((b) => b.close()));
  direct?.destroy();
  await Promise.all([target?.stop(), azurite?.stop()]);
});

const hint = { bucket: 'zbucket', key: 'dir/object.bin' };

for (const bucketMatch of [false, true]) {
  const name = bucketMatch ? 'contract-match' : 'contract-plain';
  const prefix = bucketMatch ? hint.key : `${hint.bucket}/${hint.key}`;

  backendContract(
    `aws_s3 (bucketMatch=${bucketMatch})`,
    async () => {
      const b = new S3Backend('contract-s3', {
        type: 'aws_s3',
        endpoint: target.s3,
        region: 'us-east-1',
        https: false,
        pathStyle: true,
        bucket: name,
        mpuBucket: '',
        bucketMatch,
        serverSideEncryption: false,
        accessKey: 'accessKey1',
        secretKey: 'verySecretKey1',
      });
      opened.push(b);
      return b;
    },
    {
      generatedKeys: false,
      composes: true,
      hint,
      visibleLeftovers: async () => {
        const objects = await direct.send(new ListObjectsV2Command({ Bucket: name, Prefix: `${prefix}.midway` }));
        const uploads = await direct.send(new ListMultipartUploadsCommand({ Bucket: name }));
        return [...(objects.Contents ?? []).map((o) => o.Key ?? ''), ...(uploads.Uploads ?? []).map((u) => `upload ${u.Key ?? ''}`)];
      },
    },
  );

  backendContract(
    `azure (bucketMatch=${bucketMatch})`,
    async () => {
      const b = new AzureBackend('contract-azure', {
        endpoint: azurite.endpoint,
        accountName: DEV_ACCOUNT,
        accountKey: DEV_KEY,
        sasToken: '',
        container: name,
        bucketMatch,
        https: false,
      });
      opened.push(b);
      return b;
    },
    {
      generatedKeys: false,
      composes: true,
      hint,
      visibleLeftovers: async () => {
        const names: string[] = [];
        for await (const blob of azurite
          .client()
          .getContainerClient(name)
          .listBlobsFlat({ prefix: `${prefix}.midway` })) {
          names.push(blob.name);
        }
        return names;
      },
    },
  );
}
