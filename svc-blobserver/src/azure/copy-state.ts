// The copy properties of a blob that was the destination of Copy Blob or Copy Blob From URL
// (x-ms-copy-id, -source, -status, -progress, -completion-time), kept as the JSON sub-document
// `azure-copy` of the version's `attributes`. Copies complete before the edge answers, so the
// status is always `success`. Put Blob, Put Block List and Set Blob Properties clear them, as
// Azure does.
import { formatRfc1123 } from '../protocol/dates.js';

export const COPY_ATTRIBUTE = 'azure-copy';

export interface CopyProperties {
  readonly id: string;
  /** The source URL, without its SAS signature. */
  readonly source: string;
  readonly status: 'success';
  /** Bytes copied. */
  readonly bytes: number;
  /** ms since the epoch. */
  readonly completedAt: number;
}

export function copyProperties(attributes: Readonly<Record<string, string>>): CopyProperties | undefined {
  const value = attributes[COPY_ATTRIBUTE];
  if (value === undefined || value === '') return undefined;
  return JSON.parse(value) as CopyProperties;
}

/** The x-ms-copy-* headers of Get Blob / Get Blob Properties. */
export function copyHeaders(attributes: Readonly<Record<string, string>>): Record<string, string> {
  const copy = copyProperties(attributes);
  if (copy === undefined) return {};
  return {
    'x-ms-copy-id': copy.id,
    'x-ms-copy-source': copy.source,
    'x-ms-copy-status': copy.status,
    'x-ms-copy-progress': `${copy.bytes}/${copy.bytes}`,
    'x-ms-copy-completion-time': formatRfc1123(copy.completedAt),
  };
}

/** The source URL as the copy properties show it: the SAS signature is left out. */
export function redactedSource(url: URL): string {
  const out = new URL(url.href);
  out.searchParams.delete('sig');
  return out.href;
}
