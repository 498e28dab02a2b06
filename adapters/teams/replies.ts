import type { Logger } from '../../src/core/log.js';
import type { ConversationRef, OutboundMessage } from '../../src/core/types.js';
import { conversationRefOf, splitConversationId, type TeamsActivity } from './inbound.js';
import { toSendError } from './outbound.js';

/**
 * In-turn replies with a durable fallback.
 *
 * Each step of a Reply is tried once on the turn (the quick path while the connector is healthy).
 * When the connector answers 429/412/5xx or does not answer, that step and every later one go to
 * the outbox through `handOver` (PlatformContext.deliverLater), which paces per conversation,
 * retries honouring Retry-After and never drops: the turn is not held by in-place backoff, and one
 * throttled thread never stalls the others. Later steps follow the failed one into the outbox, so
 * the order of a Reply is kept.
 *
 * Limits:
 * - Only a failed step is handed over, so a message the connector accepted is never queued again.
 *   A timeout is the one ambiguous case (the connector may have taken the message before the
 *   deadline); it is handed over too, choosing "not lost" over "not doubled", as the outbox itself
 *   does for its own sends.
 * - The outbox only posts: a card update (`update` step) that cannot be made in the turn is posted
 *   as a new message with the new content, the outbox's own fallback for a failed in-place update.
 * - A non-retryable 4xx (bot removed, card refused) is logged and that step skipped; the outbox
 *   would only dead-letter it.
 */
export type ReplyStep =
  | { kind: 'send'; message: OutboundMessage }
  | { kind: 'update'; messageId: string; message: OutboundMessage };

export interface ReplyOutcome {
  /** Steps the connector accepted in the turn. */
  sent: number;
  /** Messages queued in the outbox. */
  handedOver: number;
  /** Steps refused for good (non-retryable). */
  skipped: number;
}

export interface ReplyRun {
  /** One attempt at a step on the turn; throws the connector's error. */
  attempt(step: ReplyStep): Promise<unknown>;
  /** Queues messages durably (deliverLater bound to the conversation). */
  handOver(messages: OutboundMessage[]): Promise<void>;
  log: Logger;
  /** What is being sent, for logs ("reply", "greeting"). */
  what: string;
}

/** Runs `steps` in order: each once in the turn, the rest handed to the outbox after the first retryable failure. */
export async function sendInTurnOrHandOver(steps: ReplyStep[], run: ReplyRun): Promise<ReplyOutcome> {
  const outcome: ReplyOutcome = { sent: 0, handedOver: 0, skipped: 0 };
  for (const [i, step] of steps.entries()) {
    try {
      await run.attempt(step);
      outcome.sent++;
    } catch (err) {
      const e = toSendError(err);
      if (!e.retryable) {
        run.log.error(`teams: connector refused a ${run.what}; skipped`, { status: e.status, step: step.kind, err: e.message });
        outcome.skipped++;
        continue;
      }
      const rest = steps.slice(i).map((s) => s.message);
      run.log.warn(`teams: connector unavailable for a ${run.what}; handed to the outbox`, {
        status: e.status,
        retryAfterMs: e.retryAfterMs,
        messages: rest.length,
      });
      await run.handOver(rest);
      outcome.handedOver = rest.length;
      return outcome;
    }
  }
  return outcome;
}

/**
 * Where a handed-over reply goes: the conversation of the activity, in the channel thread it was
 * posted in (the outbox posts to `<channel>;messageid=<root>`, which Teams shows as a thread reply,
 * like the in-turn reply would have been).
 */
export function replyTarget(activity: TeamsActivity): ConversationRef {
  const ref = conversationRefOf(activity);
  const { threadId } = splitConversationId(activity.conversation.id);
  return threadId ? { ...ref, threadId } : ref;
}
