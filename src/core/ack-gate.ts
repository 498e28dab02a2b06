/**
 * Counts the platform requests being answered right now, so that background work with no deadline
 * of its own (pushes from the outbox, commands being processed) can wait for a moment without any:
 * an ack has 3 seconds at most and should take milliseconds; a push can leave a few milliseconds
 * later.
 *
 * "Quiet" starts a short grace after the last answer has been written (2 ms by default): the
 * machine's CPUs go to delivering that answer first — the kernel's network stack, and the
 * platform's side when it runs nearby — before the work that the answer released starts.
 */
export interface AckGate {
  enter(): void;
  leave(): void;
  /** Resolves once quiet, or after `maxWaitMs` (a steady stream never starves the work). */
  idle(maxWaitMs: number): Promise<void>;
  /** A request is being answered, or one was answered less than the grace ago. */
  readonly busy: boolean;
}

export interface AckGateOptions {
  graceMs?: number;
}

/** How long after an answer background work waits, by default. */
export const ACK_GRACE_MS = 2;

export function createAckGate(options: AckGateOptions = {}): AckGate {
  const graceMs = options.graceMs ?? ACK_GRACE_MS;
  let inFlight = 0;
  let lastLeave = -Infinity;
  let waiters: Array<() => void> = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  /** Milliseconds until quiet: 0 when quiet now, Infinity while a request is in flight. */
  const untilQuiet = () => (inFlight > 0 ? Infinity : Math.max(0, lastLeave + graceMs - performance.now()));
  const wake = () => {
    timer = undefined;
    const wait = untilQuiet();
    // A request came in meanwhile: its leave() arms the timer again.
    if (wait === Infinity) return;
    if (wait > 0) {
      timer = setTimeout(wake, wait);
      return;
    }
    const ready = waiters;
    waiters = [];
    for (const w of ready) w();
  };
  const arm = () => {
    if (!timer && waiters.length > 0 && inFlight === 0) timer = setTimeout(wake, untilQuiet());
  };

  return {
    enter() {
      inFlight++;
    },
    leave() {
      inFlight = Math.max(0, inFlight - 1);
      lastLeave = performance.now();
      arm();
    },
    idle(maxWaitMs) {
      if (untilQuiet() === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const cap = setTimeout(done, maxWaitMs);
        function done() {
          clearTimeout(cap);
          waiters = waiters.filter((w) => w !== done);
          resolve();
        }
        waiters.push(done);
        arm();
      });
    },
    get busy() {
      return untilQuiet() > 0;
    },
  };
}
