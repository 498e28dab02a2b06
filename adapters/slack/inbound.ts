import { z } from 'zod';
import type { Actor, CommandEvent, ConversationRef, InboundEvent } from '../../src/core/types.js';
import { deliveryId } from '../kit/delivery-id.js';
import { baseActionId, decodeOrigin, FORM_SUBMIT_PREFIX } from './render.js';

/**
 * Slack payloads → the core's InboundEvent. Pure: no I/O, so every mapping is unit-tested with the
 * real payload shapes in test/fixtures/slack. Delivery ids are stable across Slack's redeliveries:
 * slash commands carry no id, so the hash of their trigger_id stands in; events use event_id;
 * interactions hash trigger_id + action_ts + action_id (or the view id for a submission).
 */

/** A slash command as Bolt parses the form body (every field a string). */
export const slashCommandSchema = z.object({
  command: z.string().min(2),
  text: z.string().default(''),
  team_id: z.string().min(1),
  enterprise_id: z.string().optional(),
  channel_id: z.string().min(1),
  channel_name: z.string().optional(),
  user_id: z.string().min(1),
  user_name: z.string().optional(),
  trigger_id: z.string().min(1),
  response_url: z.string().optional(),
});
export type SlashCommandBody = z.infer<typeof slashCommandSchema>;

/** The Events API envelope with a message-like event (app_mention, message.im). */
export const eventEnvelopeSchema = z.object({
  type: z.literal('event_callback'),
  team_id: z.string().min(1),
  event_id: z.string().min(1),
  /**
   * The installations this event is delivered for. In a Slack Connect channel the envelope's
   * `team_id` is the workspace that originated the channel (or the typist's), while
   * `authorizations[0].team_id` is ours (slackapi/bolt-js#687, java-slack-sdk#629).
   */
  authorizations: z.array(z.object({ team_id: z.string().nullish(), enterprise_id: z.string().nullish() }).passthrough()).nullish(),
  event: z.object({
    type: z.string(),
    subtype: z.string().optional(),
    user: z.string().optional(),
    bot_id: z.string().optional(),
    hidden: z.boolean().optional(),
    text: z.string().nullish().transform((t) => t ?? ''),
    files: z.array(z.object({ name: z.string().nullish(), mimetype: z.string().nullish(), filetype: z.string().nullish() }).passthrough()).nullish(),
    channel: z.string().min(1),
    channel_type: z.string().optional(),
    ts: z.string(),
    thread_ts: z.string().optional(),
  }),
});
export type EventEnvelope = z.infer<typeof eventEnvelopeSchema>;

const userSchema = z.object({ id: z.string().min(1), name: z.string().optional(), username: z.string().optional(), team_id: z.string().optional(), locale: z.string().optional() });
const stateValueSchema = z.object({
  type: z.string().optional(),
  value: z.string().nullish(),
  selected_option: z.object({ value: z.string() }).nullish(),
});
const stateSchema = z.object({ values: z.record(z.string(), z.record(z.string(), stateValueSchema)) });

/** A block_actions payload (buttons in messages, or inputs in a message form). */
export const blockActionsSchema = z.object({
  type: z.literal('block_actions'),
  trigger_id: z.string().min(1),
  user: userSchema,
  team: z.object({ id: z.string() }).nullish(),
  channel: z.object({ id: z.string(), name: z.string().optional() }).nullish(),
  container: z.object({ type: z.string(), message_ts: z.string().optional(), channel_id: z.string().optional(), is_ephemeral: z.boolean().optional(), thread_ts: z.string().optional() }).passthrough(),
  message: z.object({ ts: z.string(), thread_ts: z.string().optional() }).passthrough().optional(),
  response_url: z.string().optional(),
  state: stateSchema.optional(),
  actions: z
    .array(z.object({ action_id: z.string(), value: z.string().optional(), action_ts: z.string().optional(), type: z.string(), selected_option: z.object({ value: z.string() }).nullish() }))
    .min(1),
});
export type BlockActionsBody = z.infer<typeof blockActionsSchema>;

/** A view_submission payload (a modal's submit). */
export const viewSubmissionSchema = z.object({
  type: z.literal('view_submission'),
  trigger_id: z.string().optional(),
  user: userSchema,
  team: z.object({ id: z.string() }).nullish(),
  view: z.object({
    id: z.string(),
    hash: z.string().optional(),
    callback_id: z.string(),
    private_metadata: z.string().optional(),
    state: stateSchema,
    app_installed_team_id: z.string().optional(),
  }),
  response_urls: z.array(z.object({ response_url: z.string(), channel_id: z.string() })).optional(),
});
export type ViewSubmissionBody = z.infer<typeof viewSubmissionSchema>;

/**
 * Whether Slack's `<target|label>` is an auto-link of what the user typed: Slack links a typed
 * host name or address (`portal.acme.io`, `setup.py`, `www.x.com/a`) and labels it with the
 * typed text, adding a scheme to the target (operable/cog#121, #264).
 */
function isAutoLink(target: string, label: string): boolean {
  const bare = target.replace(/^[a-z][a-z0-9+.-]*:(\/\/)?/i, '');
  return label === target || label === bare || label === bare.replace(/\/$/, '');
}

/**
 * Slack's escaped text → what the user typed, as the core's command text: user mentions
 * `<@U1|bob>` become `<@slack:U1>`, channels `#name`, special mentions `@here`; an auto-linked
 * host name `<http://portal.acme.io|portal.acme.io>` the typed `portal.acme.io`, a typed URL
 * `<https://x.io/a>` its URL, a link with other words as its label the URL. `&amp;`, `&lt;`,
 * `&gt;` are unescaped last so a user's literal `<@x>` never turns into a mention.
 */
export function normalizeText(text: string): string {
  return text
    .replace(/<([^<>]+)>/g, (_, inner: string) => {
      const [target = '', label] = inner.split('|', 2);
      if (/^@[UW][A-Z0-9]+$/.test(target)) return `<@slack:${target.slice(1)}>`;
      if (target.startsWith('#')) return label ? `#${label}` : target;
      if (target.startsWith('!subteam^')) return label ?? '@group';
      if (target.startsWith('!')) return `@${target.slice(1).split('^')[0]}`;
      if (target.startsWith('mailto:')) return label ?? target.slice(7);
      if (label !== undefined && isAutoLink(target, label)) return label;
      return target;
    })
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * A channel id or name that Slack uses for direct messages: the user's IM with the bot, or a DM
 * between people that the bot is not in. A slash command or a click looks the same in both, so
 * this alone never makes a conversation `direct` (see `fromSlashCommand`).
 */
export function isDirectChannel(channelId: string, channelName?: string): boolean {
  return channelId.startsWith('D') || channelName === 'directmessage';
}

/**
 * The installation's workspace for an Events API envelope: `authorizations[0]` (the team, or the
 * Enterprise Grid org for an org-wide install), else `installed` (auth.test's team), else the
 * envelope's own `team_id` (a payload from before `authorizations` existed).
 */
export function installationTeam(body: Pick<EventEnvelope, 'team_id' | 'authorizations'>, installed?: string): string {
  const auth = body.authorizations?.[0];
  return auth?.team_id || auth?.enterprise_id || installed || body.team_id;
}

/**
 * Message subtypes that are not a person writing to the bot (edits, deletions, joins, topic
 * changes, other bots…). Everything else with a user is theirs: plain messages, `file_share`
 * (a message with files), `thread_broadcast`, `me_message` (docs.slack.dev/reference/events/message).
 */
const NOT_FROM_A_PERSON = new Set([
  'bot_message', 'message_changed', 'message_deleted', 'message_replied', 'channel_join', 'channel_leave', 'channel_topic',
  'channel_purpose', 'channel_name', 'channel_archive', 'channel_unarchive', 'channel_convert_to_private', 'channel_convert_to_public',
  'channel_posting_permissions', 'group_join', 'group_leave', 'group_topic', 'group_purpose', 'group_name', 'group_archive',
  'group_unarchive', 'file_comment', 'file_mention', 'pinned_item', 'unpinned_item', 'ekm_access_denied', 'reminder_add',
  'bot_add', 'bot_remove', 'huddle_thread', 'assistant_app_thread', 'tombstone', 'sh_room_created',
]);

function conversation(team: string, channel: string, direct: boolean): ConversationRef {
  const ref: ConversationRef = { platform: 'slack', tenantId: team, channelId: channel };
  if (direct) ref.direct = true;
  return ref;
}

function actor(id: string, name: string | undefined, locale: string | undefined): Actor {
  const a: Actor = { platform: 'slack', id };
  if (name) a.displayName = name;
  if (locale) a.locale = locale;
  return a;
}

/**
 * A slash command → CommandEvent. `botIm`: the caller knows the command's channel is the bot's own
 * IM with this user; only then is the conversation `direct`. A command typed in a DM between two
 * people carries the same `D…` id and `directmessage` name, and the bot can post nothing there.
 */
export function fromSlashCommand(body: SlashCommandBody, receivedAt: number, locale?: string, botIm = false, installedTeam?: string): CommandEvent {
  return {
    kind: 'command',
    id: `cmd:${deliveryId(body.trigger_id)}`,
    command: body.command.replace(/^\//, '').toLowerCase(),
    text: normalizeText(body.text).trim(),
    triggerId: body.trigger_id,
    actor: actor(body.user_id, body.user_name, locale),
    // The installation's team, never the typist's: in a Slack Connect channel a slash command
    // carries the workspace it was typed in (slackapi/bolt-js#1875).
    conversation: conversation(installedTeam ?? body.team_id, body.channel_id, botIm),
    receivedAt,
    raw: body,
  };
}

/**
 * An app_mention or a direct message → CommandEvent, or `undefined` for what is not a command to
 * us: bot messages (our own included), edits and other subtypes, messages in channels without a
 * mention. The leading mention of the bot and an optional leading slash are dropped; the first
 * word is the command (unknown names are passed on for the core to answer); nothing at all means help.
 * Slack sends events only from conversations the bot is in, so a DM here is the bot's own IM.
 */
export function fromMessageEvent(body: EventEnvelope, receivedAt: number, botUserId?: string, locale?: string, installedTeam?: string): CommandEvent | undefined {
  const ev = body.event;
  if (ev.bot_id || !ev.user || ev.hidden || (ev.subtype && NOT_FROM_A_PERSON.has(ev.subtype))) return undefined;
  if (botUserId && ev.user === botUserId) return undefined;
  const direct = ev.channel_type === 'im' || isDirectChannel(ev.channel);
  if (ev.type === 'message' && !direct) return undefined;
  if (ev.type !== 'message' && ev.type !== 'app_mention') return undefined;
  let text = ev.text.trim();
  const lead = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>[\s:,]*/.exec(text);
  if (lead && (ev.type === 'app_mention' || lead[1] === botUserId)) text = text.slice(lead[0].length);
  text = normalizeText(text).trim().replace(/^\//, '');
  const first = text.split(/\s+/)[0] ?? '';
  const files = (ev.files ?? []).map((f) => ({ ...(f.name ? { name: f.name } : {}), ...(f.mimetype ? { type: f.mimetype } : {}) }));
  // A file without words gets the core's hint (command left empty); words alone, help.
  const command = first === '' ? (files.length ? '' : 'aftercare') : first.toLowerCase();
  return {
    kind: 'command',
    id: `ev:${body.event_id}`,
    command,
    text: first === '' ? (files.length ? '' : 'help') : text.slice(first.length).trim(),
    actor: actor(ev.user, undefined, locale),
    // A mention inside a thread: later notices about what it filed go to that thread too.
    conversation: { ...conversation(installationTeam(body, installedTeam), ev.channel, direct), ...(ev.thread_ts ? { replyTo: ev.thread_ts } : {}) },
    ...(files.length ? { attachments: files } : {}),
    receivedAt,
    raw: body,
  };
}

function valuesOf(state: z.infer<typeof stateSchema> | undefined): Record<string, string> {
  const values: Record<string, string> = {};
  for (const byAction of Object.values(state?.values ?? {})) {
    for (const [actionId, v] of Object.entries(byAction)) {
      const value = v.selected_option?.value ?? v.value;
      if (value !== undefined && value !== null) values[actionId] = value;
    }
  }
  return values;
}

/** Where a block_actions payload came from: team, channel, message. */
function interactionConversation(body: BlockActionsBody, botIm: boolean, installedTeam?: string): ConversationRef {
  const team = installedTeam ?? body.team?.id ?? body.user.team_id ?? '';
  const channel = body.channel?.id ?? body.container.channel_id ?? '';
  return conversation(team, channel, botIm);
}

/**
 * A button click → ActionEvent; the submit button of a form inside a message → SubmitEvent with
 * the values typed into that message's inputs. Link buttons and plain input changes map to
 * `undefined` (acked, nothing to do). `botIm` as for `fromSlashCommand`: a click in a DM is in the
 * bot's own IM only when the caller knows it (a card answered through a response_url can sit in a
 * DM between two people).
 */
export function fromBlockActions(body: BlockActionsBody, receivedAt: number, locale?: string, botIm = false, installedTeam?: string): InboundEvent | undefined {
  const action = body.actions[0]!;
  const id = `act:${deliveryId(body.trigger_id, action.action_ts, action.action_id)}`;
  const messageId = body.container.message_ts ?? body.message?.ts;
  const base = {
    id,
    actor: actor(body.user.id, body.user.username ?? body.user.name, locale ?? body.user.locale),
    conversation: interactionConversation(body, botIm, installedTeam),
    receivedAt,
    raw: body,
  };
  if (action.action_id.startsWith(FORM_SUBMIT_PREFIX)) {
    const formId = action.action_id.slice(FORM_SUBMIT_PREFIX.length);
    return { ...base, kind: 'submit', formId, values: valuesOf(body.state), ...(messageId ? { messageId } : {}) };
  }
  if (action.type !== 'button' || action.value === undefined) return undefined;
  return { ...base, kind: 'action', actionId: baseActionId(action.action_id), value: action.value, ...(messageId ? { messageId } : {}) };
}

/**
 * A modal submission → SubmitEvent. The conversation comes from the modal's private_metadata
 * (written when it was opened); without it, the user's direct conversation with the bot.
 */
export function fromViewSubmission(body: ViewSubmissionBody, receivedAt: number, locale?: string, installedTeam?: string): InboundEvent {
  const origin = decodeOrigin(body.view.private_metadata);
  const team = installedTeam ?? body.view.app_installed_team_id ?? origin?.team ?? body.team?.id ?? body.user.team_id ?? '';
  return {
    kind: 'submit',
    id: `view:${deliveryId(body.trigger_id, body.view.id, body.view.hash)}`,
    formId: body.view.callback_id,
    values: valuesOf(body.view.state),
    actor: actor(body.user.id, body.user.username ?? body.user.name, locale ?? body.user.locale),
    conversation: origin ? conversation(team, origin.channel, origin.direct ?? false) : conversation(team, body.user.id, true),
    receivedAt,
    raw: body,
  };
}
