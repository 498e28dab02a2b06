import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/core/log.js';
import type { Reply } from '../../src/core/ports.js';
import type { ConversationRef, OutboundMessage, SentRef } from '../../src/core/types.js';
import { httpSendError, sendWithRetry } from '../kit/send-error.js';
import { renderMessage, renderModal, type ModalOrigin, type SlackMessage } from './render.js';
import { platformErrorCode, toSendError } from './web-api.js';

/** Where the answer to one inbound request goes. */
export interface ReplyTarget {
  conversation: ConversationRef;
  /** The Slack user who sent the command / clicked / submitted. */
  user: string;
  /** Slack's response_url for this request (slash commands, block_actions): works even where the bot is not a member. */
  responseUrl?: string;
  /** Reply in this thread (a mention inside a thread). */
  threadTs?: string;
  /** The message that carried the clicked button, to replace in place. */
  message?: { ts: string; channel: string; ephemeral: boolean };
  /** Slack's trigger_id (valid ~3 s) to open a modal. */
  triggerId?: string;
}

export interface ReplierOptions {
  client: webApi.WebClient;
  post(ref: ConversationRef, rendered: SlackMessage, ephemeralTo?: string): Promise<SentRef>;
  update(sent: SentRef, rendered: SlackMessage): Promise<void>;
  log: Logger;
  moreUrl?: string;
  /**
   * The durable outbox: a post Slack refuses for now (429, 5xx, timeout) is handed over, to be
   * paced and retried there, instead of being retried here and holding up the rest of the reply.
   */
  deliverLater?(conversation: ConversationRef, messages: OutboundMessage[]): Promise<void>;
  /** Attempts per send when Slack answers 429/5xx (the request was acked long ago: waiting is fine). */
  attempts?: number;
  fetch?: typeof fetch;
}

const RESPONSE_URL_TIMEOUT_MS = 10_000;
/** Errors that mean the bot cannot post in that conversation, while the response_url still can. */
const NOT_A_MEMBER = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action']);

/**
 * Shows the core's Reply to one inbound request, in order: the form first (its trigger_id is
 * about to expire), then the replacement of the clicked message, then the messages. Ephemeral
 * messages go through response_url when there is one (it also works in channels the bot is not
 * in), else chat.postEphemeral; channel messages through chat.postMessage, falling back to an
 * in-channel response_url where the bot is not a member. A post Slack refuses for now goes to the
 * outbox (paced, retried with Retry-After, never dropped); response_url calls, which the outbox
 * cannot make, are retried here a few times.
 */
export function createReplier(options: ReplierOptions) {
  const { client, log } = options;
  const fetchFn = options.fetch ?? globalThis.fetch;
  const attempts = options.attempts ?? 4;

  function withRetry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return sendWithRetry(fn, {
      attempts,
      classify: toSendError,
      maxDelayMs: 30_000,
      onRetry: (err, attempt, waitMs) => log.info('slack reply retried', { what, attempt, waitMs, reason: err.message }),
    });
  }

  async function respond(url: string, body: Record<string, unknown>): Promise<void> {
    const res = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(RESPONSE_URL_TIMEOUT_MS),
    });
    if (res.ok) return;
    throw httpSendError(`slack: response_url HTTP ${res.status}`, res.status, { headers: res.headers });
  }

  function render(message: OutboundMessage, locale: Reply['locale']): SlackMessage {
    return renderMessage(message, { locale, moreUrl: options.moreUrl });
  }

  async function showMessage(message: OutboundMessage, target: ReplyTarget, locale: Reply['locale']): Promise<void> {
    const rendered = render(message, locale);
    const ref: ConversationRef = target.threadTs ? { ...target.conversation, threadId: target.threadTs } : target.conversation;
    if (message.visibility === 'ephemeral') {
      const to = message.audience?.id ?? target.user;
      if (target.responseUrl && to === target.user) {
        await withRetry('response_url ephemeral', () => respond(target.responseUrl!, { response_type: 'ephemeral', replace_original: false, ...rendered }));
        return;
      }
      await postOrHandOver(ref, rendered, { ...message, audience: message.audience ?? { platform: 'slack', id: to } }, to);
      return;
    }
    try {
      await postOrHandOver(ref, rendered, message);
    } catch (e) {
      const code = platformErrorCode(e);
      if (!target.responseUrl || !code || !NOT_A_MEMBER.has(code)) throw e;
      await withRetry('response_url in_channel', () => respond(target.responseUrl!, { response_type: 'in_channel', replace_original: false, ...rendered }));
    }
  }

  async function postOrHandOver(ref: ConversationRef, rendered: SlackMessage, message: OutboundMessage, ephemeralTo?: string): Promise<void> {
    if (!options.deliverLater) {
      await withRetry(ephemeralTo ? 'chat.postEphemeral' : 'chat.postMessage', () => options.post(ref, rendered, ephemeralTo));
      return;
    }
    try {
      await options.post(ref, rendered, ephemeralTo);
    } catch (e) {
      const err = toSendError(e);
      if (!err.retryable) throw err;
      log.info('slack reply handed to the outbox', { reason: err.message });
      await options.deliverLater(ref, [message]);
    }
  }

  async function replace(message: OutboundMessage, target: ReplyTarget, locale: Reply['locale']): Promise<void> {
    const rendered = render(message, locale);
    if (target.message && target.responseUrl) {
      await withRetry('response_url replace', () => respond(target.responseUrl!, { replace_original: true, ...rendered, blocks: rendered.blocks ?? [] }));
      return;
    }
    if (target.message && !target.message.ephemeral) {
      const sent: SentRef = { conversation: target.conversation, messageId: target.message.ts, native: { channel: target.message.channel } };
      await withRetry('chat.update', () => options.update(sent, rendered));
      return;
    }
    // A submitted modal has no message to replace: show the outcome to its author.
    await showMessage({ ...message, visibility: 'ephemeral', audience: undefined }, { ...target, responseUrl: undefined }, locale);
  }

  async function openForm(form: NonNullable<Reply['openForm']>, target: ReplyTarget, locale: Reply['locale']): Promise<void> {
    if (target.triggerId) {
      const origin: ModalOrigin = {
        team: target.conversation.tenantId,
        channel: target.conversation.channelId,
        direct: target.conversation.direct,
        thread: target.threadTs,
      };
      try {
        await client.views.open({ trigger_id: target.triggerId, view: renderModal(form, origin, { locale, moreUrl: options.moreUrl }) });
        return;
      } catch (e) {
        log.warn('slack views.open failed; posting the form as a message', { error: toSendError(e).message });
      }
    }
    await showMessage({ text: form.title, card: form.card, visibility: 'ephemeral' }, target, locale);
  }

  return {
    /** Shows a Reply; throws the first failure after trying every part. */
    async show(reply: Reply, target: ReplyTarget): Promise<void> {
      const failures: unknown[] = [];
      const attempt = async (fn: () => Promise<void>) => {
        try {
          await fn();
        } catch (e) {
          failures.push(e);
        }
      };
      if (reply.openForm) await attempt(() => openForm(reply.openForm!, target, reply.locale));
      if (reply.replace) await attempt(() => replace(reply.replace!, target, reply.locale));
      for (const message of reply.messages) await attempt(() => showMessage(message, target, reply.locale));
      if (failures.length) throw failures[0];
    },
  };
}

export type Replier = ReturnType<typeof createReplier>;
