// The S3 edge's view of the shared XML parser (mesh): malformed bodies are MalformedXML, oversized
// ones MaxMessageLengthExceeded.
import { parseXml as parse, XmlElement, type ParseXmlOptions, type XmlErrors } from '@zenko/mesh';
import { S3Error } from '../errors/s3-errors.js';

export { XmlElement, type ParseXmlOptions };

const S3_XML_ERRORS: XmlErrors = {
  malformed: (detail, cause) => new S3Error('MalformedXML', { cause: cause ?? new Error(detail) }),
  tooLarge: (size, max) => new S3Error('MaxMessageLengthExceeded', { cause: new Error(`XML body of ${size} bytes > ${max}`) }),
};

/** Parses an S3 request body. Throws S3Error MalformedXML / MaxMessageLengthExceeded. */
export function parseXml(body: Uint8Array | string, options: ParseXmlOptions): XmlElement {
  return parse(body, { ...options, errors: S3_XML_ERRORS });
}
