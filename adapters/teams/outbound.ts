import type { CloudAdapter, ConversationReference, TurnContext } from 'botbuilder';
import { z } from 'zod';
import { SendError, type AdapterCapabilities, type ChatAdapter, type PacingLimits } from '../../src/core/ports.js';
import type { ConversationRef, OutboundMessage, SentRef } from '../../src/core/types.js';
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
  if (!parsed.success) throw new SendError(`no stored Teams reference for ${ref.channelId}`, false);
  const native = parsed.data as StoredReference;
  return {
    serviceUrl: native.serviceUrl,
    channelId: native.channelId,
    bot: native.bot as ConversationReference['bot'],
    conversation: { ...native.conversation, id: targetConversationId(ref), isGroup: native.conversation.isGroup ?? !ref.direct } as ConversationReference['conversation'],
    ...(native.locale ? { locale: native.locale } : {}),
  };
}

const RETRYABLE = new Set([408, 412, 429, 500, 502, 503, 504]);

interface HttpErrorLike {
  statusCode?: number;
  status?: number;
  code?: string;
  message?: string;
  response?: { status?: number; headers?: { get?(name: string): string | undefined } | Record<string, string> };
}

/** Retry-After as ms: seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Classifies a connector failure: retryable for 408/412/429/5xx and network errors, not for other 4xx. */
export function toSendError(err: unknown): SendError {
  if (err instanceof SendError) return err;
  const e = (err ?? {}) as HttpErrorLike;
  const status = e.statusCode ?? e.response?.status ?? e.status;
  const headers = e.response?.headers;
  const retryAfter =
    headers && typeof (headers as { get?: unknown }).get === 'function'
      ? (headers as { get(n: string): string | undefined }).get('retry-after')
      : (headers as Record<string, string> | undefined)?.['retry-after'];
  const message = `Teams connector: ${status ?? e.code ?? 'error'} ${e.message ?? String(err)}`.slice(0, 500);
  if (typeof status !== 'number') return new SendError(message, true);
  return new SendError(message, RETRYABLE.has(status), parseRetryAfter(retryAfter), status);
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
