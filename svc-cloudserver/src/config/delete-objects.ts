/**
 * DeleteObjects: the `<Delete>` request body and the `<DeleteResult>` response.
 *
 * 1 to 1000 `<Object>` entries (none or more → MalformedXML, as AWS). `Quiet` makes the result list
 * only errors. Each object may carry the conditional-delete fields AWS added (ETag,
 * LastModifiedTime, Size); the handler checks them.
 */
import type { XmlElement } from '../xml/parser.js';
import { S3_XMLNS, XmlWriter } from '../xml/writer.js';
import { booleanText, container, integerText, malformed, optionalText, parseIsoDate, requiredText, rootElement } from './xml-input.js';

export const MAX_DELETE_OBJECTS = 1000;

export interface ObjectToDelete {
  readonly key: string;
  readonly versionId?: string;
  /** Delete only if the current ETag matches (quotes removed). */
  readonly etag?: string;
  /** Delete only if last modified at this time (ISO 8601). */
  readonly lastModifiedTime?: string;
  /** Delete only if the object has this size. */
  readonly size?: number;
}

export interface DeleteRequest {
  readonly quiet: boolean;
  readonly objects: ObjectToDelete[];
}

const OBJECT_FIELDS = ['Key', 'VersionId', 'ETag', 'LastModifiedTime', 'Size'];

/** Parses the DeleteObjects body (MalformedXML on any schema violation). */
export function parseDeleteObjects(input: XmlElement | Uint8Array | string): DeleteRequest {
  const root = container(rootElement(input, 'Delete', 2 * 1024 * 1024), ['Quiet', 'Object']);
  const quiet = booleanText(root, 'Quiet') ?? false;
  const elements = root.all('Object');
  if (elements.length === 0) throw malformed('no <Object> in <Delete>');
  if (elements.length > MAX_DELETE_OBJECTS) throw malformed(`more than ${MAX_DELETE_OBJECTS} objects in <Delete>`);
  const objects = elements.map((o): ObjectToDelete => {
    container(o, OBJECT_FIELDS);
    const key = requiredText(o, 'Key');
    const versionId = optionalText(o, 'VersionId');
    const etag = optionalText(o, 'ETag')?.trim();
    const lastModified = optionalText(o, 'LastModifiedTime');
    const size = integerText(o, 'Size', { min: 0 }, () => malformed('negative <Size>'));
    let lastModifiedTime: string | undefined;
    if (lastModified !== undefined) {
      const d = parseIsoDate(lastModified);
      if (d === undefined) throw malformed('invalid <LastModifiedTime>');
      lastModifiedTime = d.toISOString();
    }
    return {
      key,
      ...(versionId === undefined ? {} : { versionId }),
      ...(etag === undefined ? {} : { etag: unquote(etag) }),
      ...(lastModifiedTime === undefined ? {} : { lastModifiedTime }),
      ...(size === undefined ? {} : { size }),
    };
  });
  return { quiet, objects };
}

function unquote(etag: string): string {
  return etag.length >= 2 && etag.startsWith('"') && etag.endsWith('"') ? etag.slice(1, -1) : etag;
}

/** One entry of the result, in request order. */
export type DeleteResultEntry =
  | {
      readonly kind: 'deleted';
      readonly key: string;
      readonly versionId?: string;
      /** True when the delete created a delete marker or removed one. */
      readonly deleteMarker?: boolean;
      readonly deleteMarkerVersionId?: string;
    }
  | {
      readonly kind: 'error';
      readonly key: string;
      readonly versionId?: string;
      readonly code: string;
      readonly message: string;
    };

/** The DeleteObjects response body; with `quiet`, successful deletions are left out. */
export function renderDeleteResult(entries: readonly DeleteResultEntry[], quiet: boolean): string {
  const w = new XmlWriter();
  w.open('DeleteResult', { xmlns: S3_XMLNS });
  for (const e of entries) {
    switch (e.kind) {
      case 'deleted':
        if (quiet) break;
        w.open('Deleted').leaf('Key', e.key).optionalLeaf('VersionId', e.versionId);
        if (e.deleteMarker === true) w.leaf('DeleteMarker', true);
        w.optionalLeaf('DeleteMarkerVersionId', e.deleteMarkerVersionId).close();
        break;
      case 'error':
        w.open('Error').leaf('Key', e.key).optionalLeaf('VersionId', e.versionId).leaf('Code', e.code).leaf('Message', e.message).close();
        break;
    }
  }
  return w.close().end();
}
