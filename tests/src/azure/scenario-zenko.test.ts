// The Azure scenario (scenario.ts) against Zenko: the whole stack on loopback.
import { after, before, describe } from 'node:test';
import { DEV_ACCOUNT, DEV_KEY, blobEndpoint } from '../support/azure.js';
import { startStack, type TestStack } from '../support/stack.js';
import { azureScenario, type AzureTarget } from './scenario.js';

let stack: TestStack;
let target: AzureTarget;

before(async () => {
  stack = await startStack();
  target = { kind: 'zenko', endpoint: blobEndpoint(stack), account: DEV_ACCOUNT, key: DEV_KEY };
});
after(async () => {
  await stack.stop();
});

describe('Azure scenario against Zenko', () => {
  azureScenario(() => target);
});
