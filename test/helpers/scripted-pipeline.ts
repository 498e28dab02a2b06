import type { InboundPipeline } from '../../src/core/inbound.js';
import type { Reply } from '../../src/core/ports.js';
import type { InboundEvent } from '../../src/core/types.js';

/** What adapter tests script in place of the store and the product: accepting (dedupe) and processing. */
export interface ScriptedSteps {
  accept(event: InboundEvent): Promise<boolean>;
  process(event: InboundEvent): Promise<Reply>;
}

/**
 * The inbound pipeline's contract over scripted steps, for adapter tests that pin down timing
 * (acks before slow work, slow or failing stores): `receive` resolves after `accept`, then
 * prepare → process → show run in the background. The real pipeline runs in the wire tests.
 */
export function scriptedPipeline(steps: ScriptedSteps): InboundPipeline {
  const running = new Set<Promise<void>>();
  return {
    async receive(event, responder) {
      if (!(await steps.accept(event))) return 'duplicate';
      const job: Promise<void> = (async () => {
        await responder.prepare?.(event);
        await responder.show(await steps.process(event));
      })()
        .catch(() => responder.failed?.('scripted'))
        .finally(() => running.delete(job));
      running.add(job);
      return 'accepted';
    },
    resume: async () => 0,
    async drain() {
      while (running.size) await Promise.all([...running]);
    },
    async stop() {
      await this.drain();
    },
  };
}
