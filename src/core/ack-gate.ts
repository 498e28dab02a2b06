/**
 * Counts the platform requests being answered right now, so that background work with no deadline
 * of its own (pushes from the outbox) can wait for a moment without any: an ack has 3 seconds at
 * most and should take milliseconds; a push can leave a few milliseconds later.
 */
export interface AckGate {
  enter(): void;
  leave(): void;
  /** Resolves when no request is being answered, or after `maxWaitMs` (a steady stream never starves the work). */
  idle(maxWaitMs: number): Promise<void>;
  readonly busy: boolean;
}

export function createAckGate(): AckGate {
  let inFlight = 0;
  let waiters: Array<() => void> = [];
  return {
    enter() {
      inFlight++;
    },
    leave() {
      inFlight = Math.max(0, inFlight - 1);
      if (inFlight > 0 || waiters.length === 0) return;
      const ready = waiters;
      waiters = [];
      // After the response has gone out: the next turn.
      setImmediate(() => ready.forEach((w) => w()));
    },
    idle(maxWaitMs) {
      if (inFlight === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, maxWaitMs);
        function done() {
          clearTimeout(timer);
          waiters = waiters.filter((w) => w !== done);
          resolve();
        }
        waiters.push(done);
      });
    },
    get busy() {
      return inFlight > 0;
    },
  };
}
