/**
 * A sender that never gives up, as monitoring tools and chat platforms retry: every item is
 * attempted until `attempt` resolves true, with at most `width` attempts in flight; an item that
 * was not accepted goes to the back of the queue. Resolves once every item was accepted.
 */
export function sendUntilAccepted<T>(items: readonly T[], width: number, attempt: (item: T) => Promise<boolean>): Promise<void> {
  const waiting = [...items];
  let inFlight = 0;
  return new Promise<void>((done) => {
    const pump = () => {
      if (waiting.length === 0 && inFlight === 0) return done();
      while (inFlight < width && waiting.length) {
        const item = waiting.shift()!;
        inFlight++;
        void attempt(item).then((accepted) => {
          inFlight--;
          if (!accepted) waiting.push(item);
          pump();
        });
      }
    };
    pump();
  });
}
