// The S3 edge's XML writer: the shared writer (mesh) with S3's prolog
// (`<?xml version="1.0" encoding="UTF-8"?>`, no byte order mark) and every control character in
// text written as a reference (AWS documents `&#13;` / `&#10;` for object keys).
import { XmlWriter as MeshXmlWriter, type XmlWriterOptions } from '@zenko/mesh';

export { escapeXml, type XmlAttributes, type XmlScalar } from '@zenko/mesh';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

export class XmlWriter extends MeshXmlWriter {
  constructor(options: XmlWriterOptions = {}) {
    super({ encodingLabel: 'UTF-8', bom: false, literalWhitespaceInText: false, ...options });
  }
}
