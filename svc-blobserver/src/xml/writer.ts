// The Azure edge's XML writer: the shared writer (mesh) with Azure's prolog (a byte order mark,
// then `<?xml version="1.0" encoding="utf-8"?>`) and literal LF/TAB in text (Azure's error
// messages carry line feeds).
import { XmlWriter as MeshXmlWriter, type XmlWriterOptions } from '@zenko/mesh';

export { BOM, escapeXml, escapeXmlText, type XmlAttributes, type XmlScalar } from '@zenko/mesh';

export const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';

export class XmlWriter extends MeshXmlWriter {
  constructor(options: XmlWriterOptions = {}) {
    const declaration = options.declaration ?? true;
    super({ encodingLabel: 'utf-8', bom: declaration, literalWhitespaceInText: true, ...options });
  }
}
