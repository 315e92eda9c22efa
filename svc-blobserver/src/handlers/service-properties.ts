// Get Blob Service Properties and Set Blob Service Properties (`?restype=service&comp=properties`):
// the storage account's logging, metrics, CORS rules, default service version, delete retention
// policy and static website settings, kept with the account (azure/service-properties.ts). A Set
// changes the elements it names and keeps the others; it answers 202 Accepted, as Azure does.
import { requireAccount } from '../azure/access.js';
import { drain, sendEmpty, sendXml, type AzureContext } from '../azure/context.js';
import type { AzureDeps, AzureHandler } from '../azure/deps.js';
import { SERVICE_PROPERTIES_ATTRIBUTE, applyServiceProperties, serviceProperties } from '../azure/service-properties.js';
import { AzureError } from '../errors/azure-errors.js';
import { readVerifiedBody } from '../azure/blob-state.js';
import { parseServiceProperties } from '../xml/request-bodies.js';
import { servicePropertiesXml, type ServiceProperties } from '../xml/responses.js';

/** The properties as stored now (not through the edge's short-lived account cache). */
async function currentProperties(ctx: AzureContext, deps: AzureDeps): Promise<ServiceProperties> {
  const { account } = await deps.accounts.getAccount({ account: requireAccount(ctx).accountId });
  return serviceProperties(account);
}

export const getBlobServiceProperties: AzureHandler = async (ctx, deps) => {
  await drain(ctx);
  sendXml(ctx, 200, servicePropertiesXml(await currentProperties(ctx, deps)));
};

export const setBlobServiceProperties: AzureHandler = async (ctx, deps) => {
  const account = requireAccount(ctx);
  const { body } = await readVerifiedBody(ctx.headers, ctx.req, 1024 * 1024);
  if (body.length === 0) throw new AzureError('InvalidXmlDocument');
  const update = parseServiceProperties(body);
  const next = applyServiceProperties(await currentProperties(ctx, deps), update);
  await deps.accounts.updateAccountAttributes({
    account: account.accountId,
    attributes: { [SERVICE_PROPERTIES_ATTRIBUTE]: JSON.stringify(next) },
  });
  ctx.forgetAccount?.();
  sendEmpty(ctx, 202);
};
