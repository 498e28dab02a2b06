import { describe, expect, it } from 'vitest';
import {
  activitySchema,
  commandText,
  conversationRefOf,
  conversationsToGreet,
  parseCommand,
  splitConversationId,
  targetConversationId,
  toInboundEvent,
  type TeamsActivity,
} from '../../adapters/teams/inbound.js';
import { fixture } from './fixtures.js';

const parse = (raw: Record<string, unknown>): TeamsActivity => activitySchema.parse(raw);
const NOW = 1_700_000_000_000;

function channelMessage(text: string, entities: unknown[]): TeamsActivity {
  const raw = fixture('message');
  raw.text = text;
  raw.entities = entities;
  raw.conversation = {
    isGroup: true,
    conversationType: 'channel',
    tenantId: 'tenant-1',
    id: '19:abc@thread.tacv2;messageid=1709287000000',
  };
  return parse(raw);
}

const botMention = { type: 'mention', text: '<at>Teams TestBot</at>', mentioned: { id: '28:c9e8c047-2a74-40a2-b28a-b162d5f5327c', name: 'Teams TestBot' } };

describe('Teams inbound mapping', () => {
  it('turns a personal chat message into a command with the user, tenant, locale and a stored reference', () => {
    const raw = fixture('message');
    raw.text = '/issue Login fails sev:S2 system:crm';
    const event = toInboundEvent(parse(raw), NOW);
    expect(event).toMatchObject({
      kind: 'command',
      command: 'issue',
      text: 'Login fails sev:S2 system:crm',
      actor: { platform: 'teams', id: '7faf8ab2-3d56-4244-b585-20c8a42ed2b8', displayName: 'Megan Bowen', locale: 'en-US' },
      conversation: { platform: 'teams', tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', direct: true },
      receivedAt: NOW,
    });
    expect(event!.conversation.native).toMatchObject({
      serviceUrl: 'https://smba.trafficmanager.net/amer/',
      channelId: 'msteams',
      bot: { id: '28:c9e8c047-2a74-40a2-b28a-b162d5f5327c' },
      conversation: { conversationType: 'personal' },
    });
    expect(JSON.parse(JSON.stringify(event!.conversation))).toEqual(event!.conversation);
  });

  it('strips the bot mention in a channel and keys the conversation by channel, not by post thread', () => {
    const event = toInboundEvent(channelMessage('<at>Teams TestBot</at> issue Printer on fire', [botMention]), NOW);
    expect(event).toMatchObject({ kind: 'command', command: 'issue', text: 'Printer on fire' });
    expect(event!.conversation).toMatchObject({ channelId: '19:abc@thread.tacv2', tenantId: 'tenant-1' });
    expect(event!.conversation.threadId).toBeUndefined();
    expect(event!.conversation.native).toMatchObject({ conversation: { id: '19:abc@thread.tacv2', conversationType: 'channel' } });
    expect(event!.conversation.direct).toBeUndefined();
  });

  it('writes other users\' mentions as <@teams:aadObjectId> and decodes HTML from the client', () => {
    const bob = { type: 'mention', text: '<at>Bob</at>', mentioned: { id: '29:bob', name: 'Bob', aadObjectId: 'aad-bob' } };
    const text = commandText(channelMessage('<p><at>Teams TestBot</at>&nbsp;aftercare role <at>Bob</at> engineer &amp; more</p>', [botMention, bob]));
    expect(text).toBe('aftercare role <@teams:aad-bob> engineer & more');
  });

  it('strips a leading bot mention even without its entity', () => {
    expect(commandText(channelMessage('<at>Aftercare</at> faq vpn', []))).toBe('faq vpn');
  });

  it('treats the slash as optional, lowercases the command and asks for help on empty text', () => {
    expect(parseCommand('/Issue  list open')).toEqual({ command: 'issue', text: 'list open' });
    expect(parseCommand('release-notes latest')).toEqual({ command: 'release-notes', text: 'latest' });
    expect(parseCommand('   ')).toEqual({ command: 'aftercare', text: 'help' });
    expect(parseCommand('hello there')).toEqual({ command: 'hello', text: 'there' });
  });

  it('maps an Action.Execute invoke on one of our buttons to an action on the card message', () => {
    const raw = fixture('invoke.adaptive_card_action_execute');
    raw.value = { action: { type: 'Action.Execute', verb: 'issue.ack', data: { aftercare: { actionId: 'issue.ack', value: 'SUP-1' } } }, trigger: 'manual' };
    expect(toInboundEvent(parse(raw), NOW)).toMatchObject({ kind: 'action', actionId: 'issue.ack', value: 'SUP-1', messageId: '1709287200000' });
  });

  it('maps an Action.Execute form submit to a submit with the input values', () => {
    const raw = fixture('invoke.adaptive_card_action_execute');
    raw.value = {
      action: { type: 'Action.Execute', verb: 'issue.create', data: { aftercare: { formId: 'issue.create' }, title: 'VPN down', severity: 'S1', count: 3 } },
      trigger: 'manual',
    };
    expect(toInboundEvent(parse(raw), NOW)).toMatchObject({
      kind: 'submit',
      formId: 'issue.create',
      values: { title: 'VPN down', severity: 'S1', count: '3' },
      messageId: '1709287200000',
    });
  });

  it('maps a legacy Action.Submit message carrying value to an action or a submit', () => {
    const raw = fixture('message.action_submit');
    raw.value = { aftercare: { actionId: 'survey.answer', value: 'SVY-1:5' } };
    expect(toInboundEvent(parse(raw), NOW)).toMatchObject({ kind: 'action', actionId: 'survey.answer', value: 'SVY-1:5', messageId: '1709287200000' });
    raw.value = { aftercare: { formId: 'issue.create' }, title: 'x' };
    expect(toInboundEvent(parse(raw), NOW)).toMatchObject({ kind: 'submit', formId: 'issue.create', values: { title: 'x' } });
  });

  it('ignores a card callback that is not ours and the bot\'s own messages', () => {
    expect(toInboundEvent(parse(fixture('message.action_submit')), NOW)).toBeUndefined();
    const own = fixture('message');
    own.from = { id: '28:c9e8c047-2a74-40a2-b28a-b162d5f5327c', name: 'Teams TestBot' };
    expect(toInboundEvent(parse(own), NOW)).toBeUndefined();
  });

  it('gives a redelivered activity the same id, and the same activity id in another conversation a different one', () => {
    const a = toInboundEvent(parse(fixture('message')), NOW)!;
    const b = toInboundEvent(parse(fixture('message')), NOW + 5000)!;
    const other = fixture('message');
    (other.conversation as { id: string }).id = 'a:another-chat';
    expect(a.id).toBe(b.id);
    expect(toInboundEvent(parse(other), NOW)!.id).not.toBe(a.id);
  });

  it('greets the channel the bot was added to, and a newly created channel', () => {
    const added = parse(fixture('conversation_update.members_added'));
    const refs = conversationsToGreet(added);
    expect(refs).toHaveLength(1);
    expect(refs[0]).toMatchObject({ platform: 'teams', channelId: '19:0b7f32667e064dd9b25d7969801541f4@thread.tacv2', tenantId: 'b28fdbfd-2b78-4f93-b0f8-8881793f0f8f' });

    const created = fixture('conversation_update.members_added');
    delete created.membersAdded;
    (created.channelData as Record<string, unknown>).eventType = 'channelCreated';
    (created.channelData as Record<string, unknown>).channel = { id: '19:new-channel@thread.tacv2', name: 'Support' };
    const greeted = conversationsToGreet(parse(created));
    expect(greeted.map((r) => r.channelId)).toEqual(['19:new-channel@thread.tacv2']);
    expect(greeted[0]!.native).toMatchObject({ conversation: { id: '19:new-channel@thread.tacv2', conversationType: 'channel' } });

    const someoneElse = fixture('conversation_update.members_added');
    someoneElse.membersAdded = [{ id: '29:someone' }];
    expect(conversationsToGreet(parse(someoneElse))).toEqual([]);
  });

  it('splits and rebuilds channel thread ids', () => {
    expect(splitConversationId('19:x@thread.tacv2;messageid=42')).toEqual({ channelId: '19:x@thread.tacv2', threadId: '42' });
    expect(targetConversationId({ channelId: '19:x@thread.tacv2', threadId: '42' })).toBe('19:x@thread.tacv2;messageid=42');
    expect(targetConversationId(conversationRefOf(parse(fixture('message'))))).toBe((fixture('message').conversation as { id: string }).id);
  });

  it('rejects activities missing what a reply needs', () => {
    const raw = fixture('message');
    delete raw.serviceUrl;
    expect(activitySchema.safeParse(raw).success).toBe(false);
    expect(activitySchema.safeParse({ type: 'message' }).success).toBe(false);
  });
});
