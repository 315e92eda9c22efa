/**
 * Collects a request body with a byte cap and parses it as XML. The cap is enforced while
 * reading, so an oversized body is rejected after `maxBytes + 1` bytes, not after buffering it.
 */
import { AzureError } from '../errors/azure-errors.js';
import { parseXml, type ParseXmlOptions, type XmlElement } from './parser.js';

/** Reads at most `maxBytes`; more → RequestBodyTooLarge. Stops consuming `source` on error. */
export async function readBody(source: AsyncIterable<Uint8Array | string>, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of source) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    total += buf.length;
    if (total > maxBytes) {
      throw new AzureError('RequestBodyTooLarge', { cause: new Error(`request body exceeds ${maxBytes} bytes`) });
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, total);
}

/**
 * Reads and parses an XML request body. An empty body → InvalidXmlDocument (what Azure answers,
 * e.g. for Put Block List with no body); junk → InvalidXmlDocument.
 */
export async function readXmlBody(source: AsyncIterable<Uint8Array | string>, options: ParseXmlOptions): Promise<XmlElement> {
  const body = await readBody(source, options.maxBytes);
  if (body.length === 0) throw new AzureError('InvalidXmlDocument', { cause: new Error('empty request body') });
  return parseXml(body, options);
}
