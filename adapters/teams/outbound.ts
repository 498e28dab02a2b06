import type { CloudAdapter, ConversationReference, TurnContext } from 'botbuilder';
import { z } from 'zod';
import { SendError, type AdapterCapabilities, type ChatAdapter, type PacingLimits } from '../../src/core/ports.js';
import type { ConversationRef, OutboundMessage, SentRef } from '../../src/core/types.js';
import { httpAnswerOf, httpSendError, unansweredSendError } from '../kit/send-error.js';
import { targetConversationId, type StoredReference } from './inbound.js';
import { toTeamsActivity, type TeamsMessage } from './render.js';

/**
 * The outbound half: posts and updates through `CloudAdapter.continueConversationAsync` with the
 * ConversationReference stored when the bot last heard from a conversation. No retries here: a
 * failure becomes a SendError the outbox retries (429/412/5xx/timeouts, honouring Retry-After).
 */

/**
 * Teams throttles per conversation (thread) at about 7 messages/1 s, 60/30 s and 1,800/hour, and
 * per app per tenant at 30 requests/s. 0.5/s sustained with a burst of 5 stays inside all three
 * per-conversation windows (5 + 15 in 30 s; 1,805 in an hour); 30/s is the per-app-per-tenant figure.
 */
export const TEAMS_LIMITS: PacingLimits = { perConversationPerSecond: 0.5, perConversationBurst: 5, perAppPerSecond: 30 };

export const TEAMS_CAPABILITIES: AdapterCapabilities = { ephemeral: false, updateInPlace: true, modals: false, images: true };

const storedReference = z.object({
  serviceUrl: z.string().url(),
  channelId: z.string().min(1),
  bot: z.object({ id: z.string().min(1), name: z.string().optional() }),
  conversation: z.looseObject({ id: z.string().min(1), conversationType: z.string().optional(), tenantId: z.string().optional() }),
  locale: z.string().optional(),
});

/** The Bot Framework reference for a ConversationRef (channel or thread it names, without an activity id). */
export function referenceFor(ref: ConversationRef): Partial<ConversationReference> {
  const parsed = storedReference.safeParse(ref.native);
  if (!parsed.success) throw new SendError(`no stored Teams reference for ${ref.channelId}`, false, undefined, undefined, { code: 'refused' });
  const native = parsed.data as StoredReference;
  return {
    serviceUrl: native.serviceUrl,
    channelId: native.channelId,
    bot: native.bot as ConversationReference['bot'],
    conversation: { ...native.conversation, id: targetConversationId(ref), isGroup: native.conversation.isGroup ?? !ref.direct } as ConversationReference['conversation'],
    ...(native.locale ? { locale: native.locale } : {}),
  };
}

/** The Bot Connector answers 412 when a conversation is busy: transient, like 429 and 5xx (Teams "Rate limiting for bots"). */
const ALSO_RETRYABLE = [412];

/** Classifies a connector failure: retryable for 408/412/429/5xx and network errors, not for other 4xx. */
export function toSendError(err: unknown): SendError {
  if (err instanceof SendError) return err;
  const http = httpAnswerOf(err);
  const e = (err ?? {}) as { code?: unknown; message?: unknown };
  const message = `Teams connector: ${http?.status ?? e.code ?? 'error'} ${typeof e.message === 'string' ? e.message : String(err)}`.slice(0, 500);
  if (!http) return unansweredSendError(message, err);
  return httpSendError(message, http.status, { headers: http.headers, alsoRetryable: ALSO_RETRYABLE, cause: err });
}

/** Sends on a continuation turn as a new message (sendToConversation), not as a reply to a made-up id. */
async function sendNew(ctx: TurnContext, activity: TeamsMessage): Promise<string> {
  ctx.onSendActivities(async (_c, activities, next) => {
    for (const a of activities) delete a.replyToId;
    return next();
  });
  const response = await ctx.sendActivity(activity);
  return response?.id ?? '';
}

/** The ChatAdapter the outbox uses for Teams. `appId` is '' in local-test mode. */
export function createTeamsChatAdapter(adapter: CloudAdapter, appId: string): ChatAdapter {
  return {
    platform: 'teams',
    capabilities: TEAMS_CAPABILITIES,
    limits: TEAMS_LIMITS,
    async post(ref: ConversationRef, message: OutboundMessage): Promise<SentRef> {
      const reference = referenceFor(ref);
      const activity = toTeamsActivity(message);
      let messageId = '';
      try {
        await adapter.continueConversationAsync(appId, reference, async (ctx) => {
          messageId = await sendNew(ctx, activity);
        });
      } catch (err) {
        throw toSendError(err);
      }
      return { conversation: ref, messageId, native: { conversationId: reference.conversation?.id } };
    },
    async update(sent: SentRef, message: OutboundMessage): Promise<void> {
      const reference = referenceFor(sent.conversation);
      const activity = toTeamsActivity(message);
      try {
        await adapter.continueConversationAsync(appId, reference, async (ctx) => {
          await ctx.updateActivity({ ...activity, id: sent.messageId });
        });
      } catch (err) {
        throw toSendError(err);
      }
    },
  };
}
