import type { App, webApi } from '@slack/bolt';
import type { Logger } from '../../src/core/log.js';
import type { InboundPipeline } from '../../src/core/inbound.js';
import type { Reply } from '../../src/core/ports.js';
import type { InboundEvent } from '../../src/core/types.js';
import {
  blockActionsSchema,
  eventEnvelopeSchema,
  fromBlockActions,
  fromMessageEvent,
  fromSlashCommand,
  fromViewSubmission,
  isDirectChannel,
  slashCommandSchema,
  viewSubmissionSchema,
} from './inbound.js';
import type { LocaleCache } from './locale.js';
import type { Replier, ReplyTarget } from './reply.js';
import { toSendError } from './web-api.js';

/**
 * If the store has not claimed a delivery by then (a slow Redis, or a burst of hundreds of commands
 * waiting for the event loop), ack anyway and finish the claim in the background: Slack shows the user an
 * error at 3 s, and a late claim still dedupes.
 */
export const ACK_DEADLINE_MS = 1500;

export interface ListenerDeps {
  inbound: InboundPipeline;
  log: Logger;
  locales: LocaleCache;
  replier: Replier;
  /** The bot's own user id once auth.test has told us (to ignore our own messages and strip our mention). */
  botUserId(): string | undefined;
  /**
   * The workspace (or Enterprise Grid org) the app is installed in, from auth.test: every
   * conversation is keyed under it, whatever team a payload names (Slack Connect).
   */
  installedTeam(): string | undefined;
  metric(name: string, labels?: Record<string, string>, by?: number): void;
  now(): number;
}

type Ack = (response?: undefined) => Promise<void>;

/** Users whose bot IM is remembered; past it the oldest are forgotten (and asked again if needed). */
const BOT_IM_CACHE_SIZE = 10_000;

/**
 * Which `D…` channel is the bot's own IM with each user. A slash command or a click looks the same
 * in that IM and in a DM between two people the bot is not in (`D…`, `directmessage`), and the bot
 * can post only in the first. Message events come only from the bot's own IMs, so they teach it;
 * otherwise conversations.open (scope im:write, already granted; `prevent_creation`, so nothing is
 * opened) names the bot's IM with that user, once per user. When the call fails the DM counts as
 * not ours: the reply then goes through the response_url, which works in every conversation.
 */
function createBotIms(log: Logger) {
  const ims = new Map<string, string>();
  const key = (team: string, user: string) => `${team}:${user}`;
  const remember = (team: string, user: string, channel: string) => {
    ims.delete(key(team, user));
    ims.set(key(team, user), channel);
    if (ims.size > BOT_IM_CACHE_SIZE) ims.delete(ims.keys().next().value!);
  };
  /** `true`/`false` when the user's bot IM is known, `undefined` when Slack has to be asked. */
  const known = (team: string, user: string, channel: string): boolean | undefined => {
    const im = ims.get(key(team, user));
    return im === undefined ? undefined : im === channel;
  };
  return {
    learn: remember,
    known,
    async resolve(client: webApi.WebClient, team: string, user: string, channel: string): Promise<boolean> {
      const already = known(team, user, channel);
      if (already !== undefined) return already;
      try {
        const res = await client.conversations.open({ users: user, prevent_creation: true });
        const im = res.channel?.id;
        if (im) remember(team, user, im);
        return im === channel;
      } catch (e) {
        log.info('slack: could not tell whether a DM is the bot’s own; answering through the response_url', { error: toSendError(e).message });
        return false;
      }
    },
  };
}

/**
 * A reply to a command or click in a DM between people: the bot is not a member and was not
 * invited, so chat.postMessage / chat.postEphemeral would fail there. Everything goes back
 * through the request's response_url (which works in any conversation), seen only by the person
 * who asked — Slack's own default for command answers — and a `replace` without a clicked message
 * to replace becomes one more such message.
 */
function privateReply(reply: Reply, target: ReplyTarget): Reply {
  const replace = target.message ? reply.replace : undefined;
  const shown = [...(reply.replace && !replace ? [reply.replace] : []), ...reply.messages];
  return { ...reply, replace, messages: shown.map((m) => ({ ...m, visibility: 'ephemeral' as const, audience: undefined })) };
}

/**
 * Where the answers to a request from a DM between people go when it has no response_url (a
 * modal opened there, then submitted): the user's own DM with the bot, which chat.postMessage
 * opens when given the user id.
 */
function botImTarget(target: ReplyTarget): ReplyTarget {
  return { ...target, responseUrl: undefined, threadTs: undefined, message: undefined, conversation: { platform: 'slack', tenantId: target.conversation.tenantId, channelId: target.user, direct: true } };
}

/** What `intake` learns after the ack about a request from a DM. */
type DmCheck = () => Promise<boolean>;

/**
 * Bolt listeners for every inbound kind. Each one maps the payload (zod-checked) to an
 * InboundEvent, hands it to the inbound pipeline (durable, deduped) and acks; the pipeline then
 * resolves the user's locale, runs the command and shows the reply. The receiver runs with
 * processBeforeResponse, so the HTTP answer leaves when the listener returns: right after the
 * event is stored.
 */
export function registerListeners(bolt: App, deps: ListenerDeps): void {
  const { inbound, log, locales, replier, metric, now } = deps;
  const botIms = createBotIms(log);

  /**
   * `dm`: the request came from a DM not yet known to be the bot's own IM; after the ack it is
   * checked, and if it is not ours the reply is kept out of that conversation (see privateReply).
   */
  async function intake(event: InboundEvent, ack: Ack | undefined, target: ReplyTarget, dm?: DmCheck): Promise<void> {
    metric('aftercare_slack_requests_total', { kind: event.kind });
    let ours = true;
    const receipt = inbound.receive(event, {
      async prepare() {
        ours = dm ? await dm() : true;
        if (dm && ours) event.conversation.direct = true;
        if (!event.actor.locale) {
          const locale = await locales.resolve(event.actor.id);
          if (locale) event.actor.locale = locale;
        }
      },
      async show(reply) {
        if (ours) await replier.show(reply, target);
        else if (target.responseUrl) await replier.show(privateReply(reply, target), target);
        else await replier.show(reply, botImTarget(target));
      },
    });
    // A store slower than the deadline (a slow Redis, a burst of hundreds of commands) must not
    // cost the user Slack's "operation_timeout": ack anyway; the event is processed once stored.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), ACK_DEADLINE_MS);
    });
    const outcome = await Promise.race([receipt, late]).finally(() => clearTimeout(timer));
    if (outcome === 'late') {
      log.warn('slack: storing the delivery took longer than the ack deadline; acked first', { deliveryId: event.id });
      receipt.catch((e: unknown) => log.error('slack: a delivery acked late could not be stored', { deliveryId: event.id, error: e }));
    }
    if (ack) await ack();
  }

  /**
   * Whether a request from `channel` is in the bot's own IM with `user`: `true`/`false` when known
   * now, else a check to run after the ack. Outside DMs there is nothing to check.
   */
  function dmCheck(client: webApi.WebClient, team: string, user: string, channel: string, channelName?: string): { botIm: boolean; check?: DmCheck } {
    if (!isDirectChannel(channel, channelName)) return { botIm: false };
    const known = botIms.known(team, user, channel);
    if (known === true) return { botIm: true };
    return { botIm: false, check: known === false ? async () => false : () => botIms.resolve(client, team, user, channel) };
  }

  bolt.command(/.*/, async ({ body, ack, client }) => {
    const parsed = slashCommandSchema.safeParse(body);
    if (!parsed.success) {
      log.warn('slack: malformed slash command ignored', { issue: parsed.error.issues[0]?.message });
      await ack();
      return;
    }
    const cmd = parsed.data;
    const team = deps.installedTeam() ?? cmd.team_id;
    const dm = dmCheck(client, team, cmd.user_id, cmd.channel_id, cmd.channel_name);
    const event = fromSlashCommand(cmd, now(), locales.known(cmd.user_id), dm.botIm, team);
    await intake(event, ack, { conversation: event.conversation, user: cmd.user_id, responseUrl: cmd.response_url, triggerId: cmd.trigger_id }, dm.check);
  });

  bolt.event(/^(app_mention|message)$/, async ({ body }) => {
    const parsed = eventEnvelopeSchema.safeParse(body);
    if (!parsed.success) return;
    const ev = parsed.data.event;
    const event = fromMessageEvent(parsed.data, now(), deps.botUserId(), ev.user ? locales.known(ev.user) : undefined, deps.installedTeam());
    if (!event) return;
    if (event.conversation.direct) botIms.learn(event.conversation.tenantId, event.actor.id, event.conversation.channelId);
    await intake(event, undefined, { conversation: event.conversation, user: event.actor.id, threadTs: ev.thread_ts });
  });

  bolt.action(/.*/, async ({ body, ack, client }) => {
    const parsed = blockActionsSchema.safeParse(body);
    if (!parsed.success) {
      await ack();
      return;
    }
    const b = parsed.data;
    const channel = b.channel?.id ?? b.container.channel_id ?? '';
    const team = deps.installedTeam() ?? b.team?.id ?? b.user.team_id ?? '';
    const dm = dmCheck(client, team, b.user.id, channel, b.channel?.name);
    const event = fromBlockActions(b, now(), locales.known(b.user.id), dm.botIm, team);
    if (!event) {
      await ack();
      return;
    }
    const ts = b.container.message_ts ?? b.message?.ts;
    const messageChannel = b.container.channel_id ?? b.channel?.id;
    await intake(
      event,
      ack,
      {
        conversation: event.conversation,
        user: b.user.id,
        responseUrl: b.response_url,
        triggerId: b.trigger_id,
        threadTs: b.container.thread_ts ?? b.message?.thread_ts,
        message: ts && messageChannel ? { ts, channel: messageChannel, ephemeral: b.container.is_ephemeral === true } : undefined,
      },
      dm.check,
    );
  });

  bolt.view(/.*/, async ({ body, ack }) => {
    const parsed = viewSubmissionSchema.safeParse(body);
    if (!parsed.success) {
      await ack();
      return;
    }
    const event = fromViewSubmission(parsed.data, now(), locales.known(parsed.data.user.id), deps.installedTeam());
    // A modal opened from a DM between people (its origin says so: not direct) is answered in the user's own IM with the bot.
    const fromOtherDm = isDirectChannel(event.conversation.channelId) && !event.conversation.direct && event.conversation.channelId !== parsed.data.user.id;
    await intake(event, ack, { conversation: event.conversation, user: parsed.data.user.id }, fromOtherDm ? async () => false : undefined);
  });
}
