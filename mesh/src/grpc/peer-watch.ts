// A peer that takes connections but answers nothing (a stopped process, SIGSTOP; a wedged event
// loop) would hold every call to it until that call's deadline: 30 s each, one after the other for
// a request that makes several calls, and again for every request. The kernel still accepts
// connections for such a process, so nothing fails fast, and grpc-js has no connect timeout.
//
// So, per peer address in this process: when a call has waited PROBE_AFTER_MS, the peer's health
// service is asked, with PROBE_TIMEOUT_MS to answer. Any answer (even NOT_SERVING, even an error
// status) means the peer is alive and merely slow: nothing changes. No answer means it is hung:
// the calls that were waiting fail UNAVAILABLE, and so does every new call, at once, until a probe
// (one a second) is answered again. A peer that refuses connections (restarting) is left to the
// channel (UNAVAILABLE, retries of idempotent methods), as before.
import { status as Status, Metadata, type ServiceError } from '@grpc/grpc-js';
import { healthProber } from './health.js';

export const PROBE_AFTER_MS = 5_000;
export const PROBE_TIMEOUT_MS = 5_000;
const TICK_MS = 1_000;

export interface Waiting {
  readonly startedMs: number;
  /** Fails the call with `err` (cancels it; its callback reports `err`). */
  readonly fail: (err: ServiceError) => void;
}

/** The failure a call to a hung peer gets, as grpc-js would report an UNAVAILABLE. */
function hungError(address: string): ServiceError {
  const details = `${address} does not answer: its health check got no answer within ${PROBE_TIMEOUT_MS} ms (process stopped or hung?)`;
  return Object.assign(new Error(`${Status.UNAVAILABLE} UNAVAILABLE: ${details}`), {
    code: Status.UNAVAILABLE,
    details,
    metadata: new Metadata(),
  });
}

export class PeerWatch {
  readonly #waiting = new Set<Waiting>();
  #hung = false;
  #probing = false;
  #lastAnswerMs = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #prober: ReturnType<typeof healthProber> | undefined;

  constructor(readonly address: string) {}

  /** The error a new call fails with at once, while the peer is known hung. */
  refusal(): ServiceError | undefined {
    return this.#hung ? hungError(this.address) : undefined;
  }

  /** A call started waiting for the peer; `done` when it ends. */
  wait(fail: (err: ServiceError) => void): { done(): void } {
    const w: Waiting = { startedMs: performance.now(), fail };
    this.#waiting.add(w);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#tick(), TICK_MS);
      this.#timer.unref();
    }
    return { done: () => this.#waiting.delete(w) };
  }

  #tick(): void {
    if (this.#probing) return;
    if (!this.#hung && this.#waiting.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      this.#prober?.close();
      this.#prober = undefined;
      return;
    }
    const now = performance.now();
    // Sets keep insertion order: the first is the call waiting longest.
    const oldest = this.#waiting.values().next().value;
    const due = oldest !== undefined && now - oldest.startedMs >= PROBE_AFTER_MS && now - this.#lastAnswerMs >= PROBE_AFTER_MS;
    if (this.#hung || due) void this.#probe();
  }

  async #probe(): Promise<void> {
    this.#probing = true;
    const sentMs = performance.now();
    this.#prober ??= healthProber(this.address);
    const outcome = await this.#prober.probe(PROBE_TIMEOUT_MS);
    this.#probing = false;
    if (outcome === 'answered') {
      this.#hung = false;
      this.#lastAnswerMs = performance.now();
      return;
    }
    if (outcome === 'unreachable') return;
    this.#hung = true;
    for (const w of this.#waiting) {
      if (w.startedMs <= sentMs) {
        this.#waiting.delete(w);
        w.fail(hungError(this.address));
      }
    }
  }
}

const PEERS = new Map<string, PeerWatch>();

/** The one watch of a peer address in this process (every client of that address shares it). */
export function peerWatch(address: string): PeerWatch {
  let watch = PEERS.get(address);
  if (watch === undefined) {
    watch = new PeerWatch(address);
    PEERS.set(address, watch);
  }
  return watch;
}
