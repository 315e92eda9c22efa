// The same Azure scenario (scenario.ts) against Azurite, Microsoft's emulator, started here in
// strict mode: passing it shows the scenario encodes Azure's behaviour rather than Zenko's.
import { after, before, describe } from 'node:test';
import { DEV_ACCOUNT, DEV_KEY } from '../support/azure.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { azureScenario, type AzureTarget } from './scenario.js';

let azurite: Azurite;
let target: AzureTarget;

before(async () => {
  azurite = await startAzurite(30_000, { loose: false });
  target = { kind: 'azurite', endpoint: azurite.endpoint, account: DEV_ACCOUNT, key: DEV_KEY };
});
after(async () => {
  await azurite.stop();
});

describe('Azure scenario against Azurite', () => {
  azureScenario(() => target);
});
