import { randomUUID } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import PQueue from 'p-queue';
import type { Core } from './dispatcher.js';
import { newCorrelationId, withCorrelation } from './correlation.js';
import { forDelivery } from './effects.js';
import { keys } from './keys.js';
import type { Logger } from './log.js';
import type { Reply } from './ports.js';
import type { StateStore } from './store.js';
import type { ConversationRef, InboundEvent, OutboundMessage } from './types.js';

/** How long a delivery id is remembered: Feishu redelivers for ~7 h, Slack and Teams for minutes. */
const DEDUPE_TTL_MS = 48 * 3600_000;
/** Deliveries processed at once. The work is store calls and CPU on one event loop: a few suffice. */
const CONCURRENCY = 8;
/** A replica that has not renewed its heartbeat for this long is gone; its pending deliveries are orphans. */
const HEARTBEAT_TTL_MS = 15_000;
/** How long one replica holds an orphan it resumes before another may try. */
const RESUME_LEASE_MS = 60_000;

/**
 * How an adapter shows the result of a delivery it received. `prepare` runs after the ack and
 * before the command (e.g. asking the platform for the user's locale); `show` puts the reply where
 * the request came from (response_url, a turn, a card callback's answer).
 */
export interface Responder {
  prepare?(event: InboundEvent): Promise<void>;
  show(reply: Reply): Promise<void>;
  /** The run failed unexpectedly (logged with this correlation id); the event stays in the inbox. */
  failed?(correlationId: string): void;
}

/** What `receive` did: the delivery is stored and queued, or it was seen before and nothing was done. */
export type Receipt = 'accepted' | 'duplicate';

/**
 * The one inbound path every adapter uses: durable before ack, processed at least once, effects
 * idempotent per delivery.
 *
 * 1. `receive` writes the event to the inbox in one atomic store step (dedupe claim + event);
 *    the adapter answers the platform when it resolves (a rejection means "not stored": answer
 *    5xx so the platform retries).
 * 2. The event is processed on a bounded queue: the command runs under the delivery's effect
 *    scope (see effects.ts), the reply is shown, then the event leaves the inbox.
 * 3. An event still in the inbox that nobody is processing — its process died, or its run failed
 *    — is processed again by `resume`, its reply sent through the outbox. Because every effect is
 *    keyed by the delivery, the second run finds what the first one made.
 */
export interface InboundPipeline {
  receive(event: InboundEvent, responder: Responder): Promise<Receipt>;
  /** Processes inbox events nobody is working on; returns how many it started. Runs on every poll. */
  resume(): Promise<number>;
  /** Resolves when nothing is queued or running (tests, shutdown). */
  drain(): Promise<void>;
  /** Takes nothing more; waits up to `timeoutMs` for running work. What is left stays in the inbox. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface InboundOptions {
  core: Pick<Core, 'process'>;
  store: StateStore;
  log: Logger;
  now: () => number;
  /** Where the replies of resumed deliveries go: the outbox. */
  deliverLater(conversation: ConversationRef, messages: OutboundMessage[]): Promise<void>;
  metric?(name: string, labels?: Record<string, string>, by?: number): void;
  concurrency?: number;
}

/** What the inbox holds for a delivery: the event (without `raw`) and the replica that took it. */
interface Stored {
  owner: string;
  event: InboundEvent;
}

export function createInboundPipeline(options: InboundOptions): InboundPipeline {
  const { core, store, log, now } = options;
  const metric = options.metric ?? (() => undefined);
  const queue = new PQueue({ concurrency: options.concurrency ?? CONCURRENCY });
  const self = randomUUID();
  /** Deliveries queued or running here: never resumed by anyone while this replica lives. */
  const mine = new Set<string>();
  let stopped = false;

  const inboxId = (event: InboundEvent) => `${event.conversation.platform}:${event.kind}:${event.id}`;

  function enqueue(id: string, event: InboundEvent, responder: Responder): void {
    mine.add(id);
    // Every line this run logs, and every push it queues, carries the delivery id and this id.
    const correlationId = newCorrelationId();
    void queue
      .add(() =>
        withCorrelation(
          id,
          async () => {
            // Each delivery starts on a turn of its own: with a synchronous store a command runs
            // without yielding, and back-to-back jobs would otherwise keep waiting requests unread.
            await setImmediate();
            if (stopped) return;
            await responder.prepare?.(event);
            await forDelivery(id, async () => {
              const reply = await core.process(event);
              await responder.show(reply);
            });
            await store.inboxRemove(id);
          },
          correlationId,
        ),
      )
      .catch((e: unknown) => {
        log.error('inbound delivery failed; it stays in the inbox and is resumed', { correlationId, deliveryId: id, error: e });
        responder.failed?.(correlationId);
      })
      .finally(() => mine.delete(id));
  }

  /** Whether a pending entry of another replica is an orphan: its replica's heartbeat is gone. */
  async function ownerGone(owner: string): Promise<boolean> {
    if (owner === self) return true;
    // One process per SQLite file: every other owner is a process that has ended.
    if (store.kind === 'sqlite') return true;
    return (await store.get(keys.instance(owner))) === undefined;
  }

  return {
    async receive(event, responder) {
      const id = inboxId(event);
      const { raw: _raw, ...kept } = event;
      const stored: Stored = { owner: self, event: kept };
      if (!(await store.inboxAdd({ id, event: stored, receivedAt: event.receivedAt }, DEDUPE_TTL_MS))) {
        metric('aftercare_inbound_duplicates_total', { platform: event.conversation.platform });
        log.info('duplicate delivery ignored', { deliveryId: event.id, platform: event.conversation.platform });
        return 'duplicate';
      }
      metric('aftercare_inbound_total', { platform: event.conversation.platform, kind: event.kind });
      enqueue(id, event, responder);
      return 'accepted';
    },
    async resume() {
      if (stopped) return 0;
      if (store.kind !== 'sqlite') await store.set(keys.instance(self), now(), HEARTBEAT_TTL_MS);
      let started = 0;
      for (const entry of await store.inboxPending(200)) {
        if (mine.has(entry.id)) continue;
        const { owner, event } = entry.event as Stored;
        if (!(await ownerGone(owner))) continue;
        if (!(await store.claim(keys.lock(`inbox:${entry.id}`), RESUME_LEASE_MS, self))) continue;
        log.warn('resuming an inbound event nobody finished', { deliveryId: event.id });
        enqueue(entry.id, event, {
          show: async (reply) => {
            const out = [...(reply.replace ? [reply.replace] : []), ...(reply.openForm ? [{ text: reply.openForm.title, card: reply.openForm.card }] : []), ...reply.messages];
            if (out.length) await options.deliverLater(event.conversation, out);
          },
        });
        started++;
      }
      return started;
    },
    async drain() {
      await queue.onIdle();
    },
    async stop(timeoutMs = 10_000) {
      stopped = true;
      queue.clear();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([queue.onIdle(), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
    },
  };
}
