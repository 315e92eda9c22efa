// DeleteObjects: up to 1000 keys or versions in one request, each answered on its
// own (Deleted or Error, in request order; Quiet leaves out the successes). As in S3, each
// key is authorized on its own (s3:DeleteObject, or s3:DeleteObjectVersion for a version), so a
// policy on a key prefix applies: a refused key is an AccessDenied entry.
import { S3Error } from '../errors/s3-errors.js';
import { readCheckedBody } from './put-object.js';
import { parseDeleteObjects, renderDeleteResult, type DeleteResultEntry } from '../config/delete-objects.js';
import { loadBucket } from '../s3/access.js';
import { authorize } from '../s3/authorize.js';
import { sendXml } from '../s3/context.js';
import type { S3Handler } from '../s3/deps.js';
import { s3ErrorOf } from '../errors/reason-to-s3.js';
import { deleteOne } from './delete-object.js';

const CONCURRENCY = 16;

export const deleteObjects: S3Handler = async (ctx, deps) => {
  const bucket = await loadBucket(ctx, deps);
  const request = parseDeleteObjects(await readCheckedBody(ctx, 2 * 1024 * 1024, true));
  const entries: DeleteResultEntry[] = new Array<DeleteResultEntry>(request.objects.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, request.objects.length) }, async () => {
      while (next < request.objects.length) {
        const i = next++;
        const o = request.objects[i]!;
        try {
          if (Buffer.byteLength(o.key) > 1024) throw new S3Error('KeyTooLongError');
          if (authorize(ctx, bucket, 'DeleteObject', o.key, o.versionId !== undefined && o.versionId !== '') !== 'granted')
            throw new S3Error('AccessDenied');
          const outcome = await deleteOne(ctx, deps, bucket, o.key, o.versionId ?? '', o.etag ?? '');
          entries[i] = {
            kind: 'deleted',
            key: o.key,
            ...(o.versionId ? { versionId: o.versionId } : {}),
            ...(outcome.deleteMarker ? { deleteMarker: true } : {}),
            ...(outcome.deleteMarker && outcome.versionId ? { deleteMarkerVersionId: outcome.versionId } : {}),
          };
        } catch (err) {
          const e = s3ErrorOf(err);
          if (e.code === 'InternalError') deps.logger.error({ err }, 'DeleteObjects entry failed');
          entries[i] = { kind: 'error', key: o.key, ...(o.versionId ? { versionId: o.versionId } : {}), code: e.code, message: e.message };
        }
      }
    }),
  );
  sendXml(ctx, 200, renderDeleteResult(entries, request.quiet));
};
