// DeleteObjects: up to 1000 keys or versions in one request, each answered on its
// own (Deleted or Error, in request order; Quiet leaves out the successes).
import { S3Error } from '../errors/s3-errors.js';
import { readCheckedBody } from './put-object.js';
import { parseDeleteObjects, renderDeleteResult, type DeleteResultEntry } from '../config/delete-objects.js';
import { authorizedBucket } from '../s3/access.js';
import { sendXml } from '../s3/context.js';
import type { S3Handler } from '../s3/deps.js';
import { s3ErrorOf } from '../errors/reason-to-s3.js';
import { deleteOne } from './delete-object.js';

const CONCURRENCY = 16;

export const deleteObjects: S3Handler = async (ctx, deps) => {
  const bucket = await authorizedBucket(ctx, deps);
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
          const outcome = await deleteOne(ctx, deps, bucket, o.key, o.versionId ?? '');
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
