// The request id of the edge request being served, carried across async calls
// (AsyncLocalStorage) and across gRPC hops (the `zenko-request-id` metadata), so
// every log line of one request, in every service, has the same request_id.
import { AsyncLocalStorage } from 'node:async_hooks';

export const REQUEST_ID_METADATA = 'zenko-request-id';

const storage = new AsyncLocalStorage<string>();

export function currentRequestId(): string | undefined {
  return storage.getStore();
}

export function withRequestId<T>(requestId: string | undefined, fn: () => T): T {
  return requestId === undefined || requestId === '' ? fn() : storage.run(requestId, fn);
}

/** Runs `fn` outside any request (work done for several requests at once). */
export function withoutRequestId<T>(fn: () => T): T {
  return storage.exit(fn);
}
