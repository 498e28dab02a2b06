import type { App } from '@slack/bolt';
import type { Logger } from '../../src/core/log.js';
import type { CoreApi } from '../../src/core/ports.js';
import type { InboundEvent } from '../../src/core/types.js';
import {
  blockActionsSchema,
  eventEnvelopeSchema,
  fromBlockActions,
  fromMessageEvent,
  fromSlashCommand,
  fromViewSubmission,
  slashCommandSchema,
  viewSubmissionSchema,
} from './inbound.js';
import type { LocaleCache } from './locale.js';
import type { Replier, ReplyTarget } from './reply.js';
import type { WorkQueue } from '../../src/core/work-queue.js';

/**
 * If the store has not claimed a delivery by then (a burst of hundreds of commands queues on one
 * store connection), ack anyway and finish the claim in the background: Slack shows the user an
 * error at 3 s, and a late claim still dedupes.
 */
export const ACK_DEADLINE_MS = 1500;

export interface ListenerDeps {
  core: CoreApi;
  log: Logger;
  locales: LocaleCache;
  replier: Replier;
  work: WorkQueue;
  /** The bot's own user id once auth.test has told us (to ignore our own messages and strip our mention). */
  botUserId(): string | undefined;
  metric(name: string, labels?: Record<string, string>, by?: number): void;
  now(): number;
}

type Ack = (response?: undefined) => Promise<void>;

/**
 * Bolt listeners for every inbound kind. Each one: map the payload (zod-checked) to an
 * InboundEvent, claim it durably with `core.accept` (dedupe + inbox), ack, and only then — off the
 * ack path, in the work queue — resolve the user's locale, run `core.process` and show the reply.
 * The receiver runs with processBeforeResponse, so the HTTP answer leaves when the listener
 * returns: right after the claim.
 */
export function registerListeners(bolt: App, deps: ListenerDeps): void {
  const { core, log, locales, replier, work, metric, now } = deps;

  async function intake(event: InboundEvent, ack: Ack | undefined, target: ReplyTarget): Promise<void> {
    metric('aftercare_slack_requests_total', { kind: event.kind });
    const run = async () => {
      if (!event.actor.locale) {
        const locale = await locales.resolve(event.actor.id);
        if (locale) event.actor.locale = locale;
      }
      const reply = await core.process(event);
      await replier.show(reply, target);
    };
    const acceptance = core.accept(event);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), ACK_DEADLINE_MS);
    });
    const outcome = await Promise.race([acceptance, late]).finally(() => clearTimeout(timer));
    if (ack) await ack();
    if (outcome === 'late') {
      log.warn('slack: delivery claim slower than the ack deadline; acked first', { deliveryId: event.id });
      work.push(event.id, async () => {
        if (await acceptance) await run();
      });
      return;
    }
    if (!outcome) return;
    work.push(event.id, run);
  }

  bolt.command(/.*/, async ({ body, ack }) => {
    const parsed = slashCommandSchema.safeParse(body);
    if (!parsed.success) {
      log.warn('slack: malformed slash command ignored', { issue: parsed.error.issues[0]?.message });
      await ack();
      return;
    }
    const cmd = parsed.data;
    const event = fromSlashCommand(cmd, now(), locales.known(cmd.user_id));
    await intake(event, ack, { conversation: event.conversation, user: cmd.user_id, responseUrl: cmd.response_url, triggerId: cmd.trigger_id });
  });

  bolt.event(/^(app_mention|message)$/, async ({ body }) => {
    const parsed = eventEnvelopeSchema.safeParse(body);
    if (!parsed.success) return;
    const ev = parsed.data.event;
    const event = fromMessageEvent(parsed.data, now(), deps.botUserId(), ev.user ? locales.known(ev.user) : undefined);
    if (!event) return;
    await intake(event, undefined, { conversation: event.conversation, user: event.actor.id, threadTs: ev.thread_ts });
  });

  bolt.action(/.*/, async ({ body, ack }) => {
    const parsed = blockActionsSchema.safeParse(body);
    if (!parsed.success) {
      await ack();
      return;
    }
    const b = parsed.data;
    const event = fromBlockActions(b, now(), locales.known(b.user.id));
    if (!event) {
      await ack();
      return;
    }
    const ts = b.container.message_ts ?? b.message?.ts;
    const channel = b.container.channel_id ?? b.channel?.id;
    await intake(event, ack, {
      conversation: event.conversation,
      user: b.user.id,
      responseUrl: b.response_url,
      triggerId: b.trigger_id,
      threadTs: b.container.thread_ts ?? b.message?.thread_ts,
      message: ts && channel ? { ts, channel, ephemeral: b.container.is_ephemeral === true } : undefined,
    });
  });

  bolt.view(/.*/, async ({ body, ack }) => {
    const parsed = viewSubmissionSchema.safeParse(body);
    if (!parsed.success) {
      await ack();
      return;
    }
    const event = fromViewSubmission(parsed.data, now(), locales.known(parsed.data.user.id));
    await intake(event, ack, { conversation: event.conversation, user: parsed.data.user.id });
  });
}
