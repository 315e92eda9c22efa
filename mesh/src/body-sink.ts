// Sending a response body chunk by chunk from reused buffers. A chunk handed to
// `res.write` stays referenced until the socket has taken it, so a reader that reuses its
// buffers must wait for the write's callback before filling the same buffer again; a
// fresh buffer per chunk instead (what stream pipelines do) makes a 64 MiB download
// allocate 64 MiB of external memory that only a full garbage collection gives back.
import type { ServerResponse } from 'node:http';

/** Receives bytes in order; the chunk's memory may be reused once the promise resolves. */
export type ChunkSink = (chunk: Uint8Array) => Promise<void>;

/**
 * A sink writing to `res`: `begin` runs before the first chunk (send the status and headers
 * there, so a read that fails before its first byte can still answer an error). Each promise
 * resolves once the socket has taken the chunk, and rejects if the connection closes first.
 */
export function responseSink(res: ServerResponse, begin: () => void): ChunkSink {
  let begun = false;
  return (chunk) =>
    new Promise<void>((resolve, reject) => {
      // The status line and headers leave in one write with the first chunk (corked), not in
      // a write of their own: one system call (and one wake-up of the client) fewer per response.
      const first = !begun;
      if (first) {
        begun = true;
        res.cork();
        begin();
      }
      if (res.destroyed) {
        if (first) res.uncork();
        reject(new Error('the connection closed before the body was sent'));
        return;
      }
      // A write to a socket that is being destroyed may never call back: the close settles it.
      const onClose = (): void => reject(new Error('the connection closed before the body was sent'));
      res.once('close', onClose);
      res.write(chunk, (err) => {
        res.off('close', onClose);
        if (err) reject(err);
        else resolve();
      });
      if (first) res.uncork();
    });
}

/** Chunks of a fresh-chunk source that may be in the sink at once. */
const IN_FLIGHT = 4;

/**
 * Sends every chunk of `source` to `sink` in order. The source's chunks are fresh (never reused,
 * a stream from a cloud SDK or gRPC), so the next one goes out before the sink is done with the
 * last: up to IN_FLIGHT at once, which keeps the socket busy without buffering more.
 */
export async function sinkAll(source: AsyncIterable<Uint8Array>, sink: ChunkSink): Promise<void> {
  const pending: Promise<void>[] = [];
  let failed: { error: unknown } | undefined;
  try {
    for await (const chunk of source) {
      // Once the sink has failed, nothing more goes to it.
      if (failed) throw failed.error;
      const sent = sink(chunk);
      sent.catch((error: unknown) => void (failed ??= { error })); // also awaited below: never unhandled
      pending.push(sent);
      if (pending.length >= IN_FLIGHT) await pending.shift();
    }
    for (const sent of pending.splice(0)) await sent;
  } finally {
    await Promise.allSettled(pending);
  }
}
