// The Azure edge's view of the shared XML parser (mesh): malformed bodies are InvalidXmlDocument,
// oversized ones RequestBodyTooLarge.
import { parseXml as parse, XmlElement, type ParseXmlOptions, type XmlErrors } from '@zenko/mesh';
import { AzureError } from '../errors/azure-errors.js';

export { XmlElement, type ParseXmlOptions };

const AZURE_XML_ERRORS: XmlErrors = {
  malformed: (detail, cause) => new AzureError('InvalidXmlDocument', { cause: cause ?? new Error(detail) }),
  tooLarge: (size, max) => new AzureError('RequestBodyTooLarge', { cause: new Error(`XML body of ${size} bytes > ${max}`) }),
};

/** Parses an Azure request body. Throws AzureError InvalidXmlDocument / RequestBodyTooLarge. */
export function parseXml(body: Uint8Array | string, options: ParseXmlOptions): XmlElement {
  return parse(body, { ...options, errors: AZURE_XML_ERRORS });
}
