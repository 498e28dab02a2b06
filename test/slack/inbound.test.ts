import { describe, expect, it } from 'vitest';
import {
  blockActionsSchema,
  eventEnvelopeSchema,
  fromBlockActions,
  fromMessageEvent,
  fromSlashCommand,
  fromViewSubmission,
  isDirectChannel,
  normalizeText,
  slashCommandSchema,
  viewSubmissionSchema,
} from '../../adapters/slack/inbound.js';
import { encodeOrigin, FORM_SUBMIT_PREFIX } from '../../adapters/slack/render.js';
import { payload } from './fixtures.js';

const at = 1_700_000_000_000;

describe('Slack inbound mapping', () => {
  it('maps a real slash command to a command event keyed by its trigger_id', () => {
    const body = slashCommandSchema.parse({ ...payload<Record<string, string>>('slash_command'), command: '/issue', text: 'Login fails sev:S2 system:crm' });
    const event = fromSlashCommand(body, at, 'zh-CN');
    expect(event).toMatchObject({
      kind: 'command',
      command: 'issue',
      text: 'Login fails sev:S2 system:crm',
      triggerId: body.trigger_id,
      actor: { platform: 'slack', id: 'U2CERLKJA', displayName: 'roadrunner', locale: 'zh-CN' },
      conversation: { platform: 'slack', tenantId: 'T1DC2JH3J', channelId: 'G8PSS9T3V' },
      receivedAt: at,
    });
    expect(event.conversation.direct).toBeUndefined();
    expect(fromSlashCommand(body, at + 5).id).toBe(event.id);
    expect(fromSlashCommand({ ...body, trigger_id: 'other' }, at).id).not.toBe(event.id);
  });

  it('marks a slash command typed in a DM as direct only when the DM is known to be the bot’s own', () => {
    const body = slashCommandSchema.parse({ ...payload<Record<string, string>>('slash_command'), channel_id: 'D123', channel_name: 'directmessage' });
    // A DM between two people looks exactly the same; the bot is not in it.
    expect(isDirectChannel(body.channel_id, body.channel_name)).toBe(true);
    expect(fromSlashCommand(body, at).conversation.direct).toBeUndefined();
    expect(fromSlashCommand(body, at, undefined, true).conversation).toEqual({ platform: 'slack', tenantId: 'T1DC2JH3J', channelId: 'D123', direct: true });
  });

  it('marks a click in a DM as direct only when the DM is known to be the bot’s own', () => {
    const body = payload<Record<string, unknown> & { actions: Array<Record<string, unknown>> }>('block_actions');
    body.actions[0]!.action_id = 'issue.ack';
    body.channel = { id: 'D777', name: 'directmessage' };
    body.container = { type: 'message', message_ts: '1.2', channel_id: 'D777', is_ephemeral: false };
    expect(fromBlockActions(blockActionsSchema.parse(body), at)!.conversation.direct).toBeUndefined();
    expect(fromBlockActions(blockActionsSchema.parse(body), at, undefined, true)!.conversation).toMatchObject({ channelId: 'D777', direct: true });
  });

  it('normalizes escaped Slack text: user mentions, channels, links and entities', () => {
    expect(normalizeText('role <@U123|bob> engineer')).toBe('role <@slack:U123> engineer');
    expect(normalizeText('assign SUP-1 <@W99>')).toBe('assign SUP-1 <@slack:W99>');
    expect(normalizeText('see <#C1|ops> and <https://x.example/a?b=1&amp;c=2|x.example> <!here>')).toBe('see #ops and https://x.example/a?b=1&c=2 @here');
    expect(normalizeText('a &lt;b&gt; &amp;&amp; c')).toBe('a <b> && c');
    expect(normalizeText('&lt;@U1&gt;')).toBe('<@U1>');
  });

  it('maps an app_mention to the command after the mention, keyed by event_id', () => {
    const body = payload<Record<string, unknown> & { event: Record<string, unknown> }>('app_mention');
    body.event.text = '<@U0LAN0Z89> issue Printer on fire sev:S1';
    const event = fromMessageEvent(eventEnvelopeSchema.parse(body), at)!;
    expect(event).toMatchObject({
      kind: 'command',
      id: 'ev:Ev123ABC456',
      command: 'issue',
      text: 'Printer on fire sev:S1',
      actor: { platform: 'slack', id: 'U061F7AUR' },
      conversation: { platform: 'slack', tenantId: 'T123ABC456', channelId: 'C123ABC456' },
    });
  });

  it('accepts an optional slash and passes unknown command names on for the core to answer', () => {
    const body = payload<Record<string, unknown> & { event: Record<string, unknown> }>('app_mention');
    body.event.text = '<@U0LAN0Z89> /FAQ how do I reset?';
    expect(fromMessageEvent(eventEnvelopeSchema.parse(body), at)).toMatchObject({ command: 'faq', text: 'how do I reset?' });
    body.event.text = '<@U0LAN0Z89> is it everything a river should be?';
    expect(fromMessageEvent(eventEnvelopeSchema.parse(body), at)).toMatchObject({ command: 'is', text: 'it everything a river should be?' });
  });

  it('answers a bare mention with help', () => {
    const body = payload<Record<string, unknown> & { event: Record<string, unknown> }>('app_mention');
    body.event.text = '<@U0LAN0Z89>';
    expect(fromMessageEvent(eventEnvelopeSchema.parse(body), at)).toMatchObject({ command: 'aftercare', text: 'help' });
  });

  it('takes direct messages as commands and ignores bots, edits and channel chatter', () => {
    const dm = {
      type: 'event_callback',
      team_id: 'T1',
      event_id: 'Ev2',
      event: { type: 'message', channel_type: 'im', channel: 'D1', user: 'U1', text: 'backup-status crm', ts: '1.2' },
    };
    expect(fromMessageEvent(eventEnvelopeSchema.parse(dm), at)).toMatchObject({ command: 'backup-status', text: 'crm', conversation: { channelId: 'D1', direct: true } });
    const bot = structuredClone(dm);
    Object.assign(bot.event, { bot_id: 'B1' });
    expect(fromMessageEvent(eventEnvelopeSchema.parse(bot), at)).toBeUndefined();
    const edit = structuredClone(dm);
    Object.assign(edit.event, { subtype: 'message_changed' });
    expect(fromMessageEvent(eventEnvelopeSchema.parse(edit), at)).toBeUndefined();
    const own = structuredClone(dm);
    expect(fromMessageEvent(eventEnvelopeSchema.parse(own), at, 'U1')).toBeUndefined();
    const channel = structuredClone(dm);
    Object.assign(channel.event, { channel_type: 'channel', channel: 'C1' });
    expect(fromMessageEvent(eventEnvelopeSchema.parse(channel), at)).toBeUndefined();
  });

  it('maps a button click to an action with the clicked message, stable across redelivery', () => {
    const body = payload<Record<string, unknown> & { actions: Array<Record<string, unknown>> }>('block_actions');
    body.actions[0]!.action_id = 'survey.answer~3';
    body.actions[0]!.value = 'SVY-1:4';
    const parsed = blockActionsSchema.parse(body);
    const event = fromBlockActions(parsed, at);
    expect(event).toMatchObject({
      kind: 'action',
      actionId: 'survey.answer',
      value: 'SVY-1:4',
      messageId: '111.222',
      actor: { platform: 'slack', id: 'W111', displayName: 'primary-owner' },
      conversation: { platform: 'slack', tenantId: 'T111', channelId: 'C111' },
    });
    expect(fromBlockActions(blockActionsSchema.parse(structuredClone(body)), at + 1)!.id).toBe(event!.id);
  });

  it('maps the submit button of a form inside a message to a submission with the typed values', () => {
    const body = payload<Record<string, unknown> & { actions: Array<Record<string, unknown>> }>('block_actions');
    body.actions[0]!.action_id = `${FORM_SUBMIT_PREFIX}issue.create`;
    body.actions[0]!.value = 'issue.create';
    body.state = {
      values: {
        title: { title: { type: 'plain_text_input', value: 'VPN down' } },
        severity: { severity: { type: 'static_select', selected_option: { value: 'S1', text: { type: 'plain_text', text: 'S1' } } } },
        description: { description: { type: 'plain_text_input', value: null } },
      },
    };
    expect(fromBlockActions(blockActionsSchema.parse(body), at)).toMatchObject({ kind: 'submit', formId: 'issue.create', values: { title: 'VPN down', severity: 'S1' } });
  });

  it('ignores clicks on link buttons', () => {
    const body = payload<Record<string, unknown> & { actions: Array<Record<string, unknown>> }>('block_actions');
    delete body.actions[0]!.value;
    expect(fromBlockActions(blockActionsSchema.parse(body), at)).toBeUndefined();
  });

  it('maps a modal submission to its form, values and the conversation it was opened from', () => {
    const body = payload<Record<string, unknown> & { view: Record<string, unknown> }>('view_submission');
    body.view.callback_id = 'issue.create';
    body.view.private_metadata = encodeOrigin({ team: 'T111', channel: 'C777' });
    const event = fromViewSubmission(viewSubmissionSchema.parse(body), at);
    expect(event).toMatchObject({ kind: 'submit', formId: 'issue.create', values: { maBWU: 'test' }, conversation: { tenantId: 'T111', channelId: 'C777' } });
  });

  it('answers a modal without our metadata in the user’s direct conversation', () => {
    const event = fromViewSubmission(viewSubmissionSchema.parse(payload('view_submission')), at);
    expect(event.conversation).toEqual({ platform: 'slack', tenantId: 'T111', channelId: 'W111', direct: true });
  });
});
