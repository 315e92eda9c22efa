// The Blob service properties of a storage account (Get/Set Blob Service Properties), kept as one
// JSON sub-document, `azure-blob-service-properties`, of the account's attributes
// (AccountService.UpdateAccountAttributes): logging, hour and minute metrics, CORS rules, default
// service version, delete retention policy and static website settings. Only CORS changes what
// this edge does (azure/cors.ts); the others are stored and returned as Azure would.
import { AzureError } from '../errors/azure-errors.js';
import type { XmlElement } from '../xml/parser.js';
import type { ServicePropertiesUpdate } from '../xml/request-bodies.js';
import type { LoggingSettings, MetricsSettings, ServiceProperties } from '../xml/responses.js';
import type { StorageAccount } from './storage-accounts.js';

export const SERVICE_PROPERTIES_ATTRIBUTE = 'azure-blob-service-properties';

/** What a storage account that never set its properties answers. */
export const DEFAULT_SERVICE_PROPERTIES: ServiceProperties = {
  logging: { version: '1.0', delete: false, read: false, write: false, retentionPolicy: { enabled: false } },
  hourMetrics: { version: '1.0', enabled: false, retentionPolicy: { enabled: false } },
  minuteMetrics: { version: '1.0', enabled: false, retentionPolicy: { enabled: false } },
  cors: [],
  deleteRetentionPolicy: { enabled: false },
  staticWebsite: { enabled: false },
};

export function serviceProperties(account: Pick<StorageAccount, 'attributes'> | undefined): ServiceProperties {
  const stored = account?.attributes[SERVICE_PROPERTIES_ATTRIBUTE];
  if (stored === undefined || stored === '') return DEFAULT_SERVICE_PROPERTIES;
  return { ...DEFAULT_SERVICE_PROPERTIES, ...(JSON.parse(stored) as Partial<ServiceProperties>) };
}

function invalidNode(name: string, value: string): AzureError {
  return new AzureError('InvalidXmlNodeValue', { fields: { XmlNodeName: name, XmlNodeValue: value } });
}

function bool(element: XmlElement, name: string, required = true): boolean | undefined {
  const value = element.textOf(name)?.trim();
  if (value === undefined) {
    if (required) throw new AzureError('InvalidXmlDocument', { cause: new Error(`<${element.name}> lacks <${name}>`) });
    return undefined;
  }
  if (value !== 'true' && value !== 'false') throw invalidNode(name, value);
  return value === 'true';
}

function retention(element: XmlElement): { enabled: boolean; days?: number } {
  const policy = element.one('RetentionPolicy');
  if (policy === undefined) throw new AzureError('InvalidXmlDocument', { cause: new Error(`<${element.name}> lacks <RetentionPolicy>`) });
  const enabled = bool(policy, 'Enabled')!;
  if (!enabled) return { enabled };
  const raw = policy.textOf('Days')?.trim() ?? '';
  const days = /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
  if (!(days >= 1 && days <= 365)) throw invalidNode('Days', raw);
  return { enabled, days };
}

function version(element: XmlElement): string {
  const value = element.textOf('Version')?.trim();
  if (value === undefined || value === '')
    throw new AzureError('InvalidXmlDocument', { cause: new Error(`<${element.name}> lacks <Version>`) });
  return value;
}

function logging(element: XmlElement): LoggingSettings {
  return {
    version: version(element),
    delete: bool(element, 'Delete')!,
    read: bool(element, 'Read')!,
    write: bool(element, 'Write')!,
    retentionPolicy: retention(element),
  };
}

function metrics(element: XmlElement): MetricsSettings {
  const enabled = bool(element, 'Enabled')!;
  const includeApis = bool(element, 'IncludeAPIs', false);
  // Azure: IncludeAPIs is required when metrics are enabled, and not allowed otherwise.
  if (enabled && includeApis === undefined) throw new AzureError('InvalidXmlDocument', { cause: new Error('IncludeAPIs missing') });
  return {
    version: version(element),
    enabled,
    ...(enabled ? { includeApis: includeApis! } : {}),
    retentionPolicy: retention(element),
  };
}

/** The properties after a Set Blob Service Properties request: elements it leaves out keep their value. */
export function applyServiceProperties(current: ServiceProperties, update: ServicePropertiesUpdate): ServiceProperties {
  return {
    logging: update.logging === undefined ? current.logging : logging(update.logging),
    hourMetrics: update.hourMetrics === undefined ? current.hourMetrics : metrics(update.hourMetrics),
    minuteMetrics: update.minuteMetrics === undefined ? current.minuteMetrics : metrics(update.minuteMetrics),
    cors: update.cors ?? current.cors,
    defaultServiceVersion: update.defaultServiceVersion ?? current.defaultServiceVersion,
    deleteRetentionPolicy: update.deleteRetentionPolicy ?? current.deleteRetentionPolicy,
    staticWebsite: update.staticWebsite ?? current.staticWebsite,
  };
}
