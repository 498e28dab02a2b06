import type { ConnectorCall } from './fake-connector.js';

/** People and places of the Teams wire tests, shaped like the activities Teams sends. */
export const BOT = { id: '28:c9e8c047-2a74-40a2-b28a-b162d5f5327c', name: 'Aftercare' };
export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export interface TeamsUser {
  id: string;
  name: string;
  aadObjectId: string;
}
export const ADMIN: TeamsUser = { id: '29:admin', name: 'Adele Vance', aadObjectId: 'aad-admin' };
export const ENGINEER: TeamsUser = { id: '29:eve', name: 'Eve Engineer', aadObjectId: 'aad-eve' };
export const CUSTOMER: TeamsUser = { id: '29:megan', name: 'Megan Bowen', aadObjectId: 'aad-megan' };
export const ENG_CHANNEL = '19:eng-channel@thread.tacv2';
export const ACME_CHANNEL = '19:acme-support@thread.tacv2';

let seq = 0;
const nextId = () => String(1709287000000 + ++seq * 1000);

function envelope(serviceUrl: string, from: TeamsUser, conversationId: string, conversationType: 'channel' | 'personal' | 'groupChat') {
  return {
    id: nextId(),
    timestamp: new Date().toISOString(),
    serviceUrl,
    channelId: 'msteams',
    from,
    recipient: BOT,
    conversation: { id: conversationId, conversationType, tenantId: TENANT, ...(conversationType === 'personal' ? {} : { isGroup: true }) },
    channelData: { tenant: { id: TENANT }, ...(conversationType === 'channel' ? { channel: { id: conversationId.split(';')[0] } } : {}) },
    locale: 'en-US',
  };
}

/**
 * A message @mentioning the bot in a channel (a new root post: `;messageid=` thread), or sent in
 * a 1:1 chat. `mentions` are other users mentioned as `<at>Name</at>` in `text`.
 */
export function commandMessage(serviceUrl: string, from: TeamsUser, channel: string, text: string, mentions: TeamsUser[] = []) {
  const personal = channel.startsWith('a:');
  const env = envelope(serviceUrl, from, personal ? channel : `${channel};messageid=${String(1709286000000 + seq)}`, personal ? 'personal' : 'channel');
  const botAt = `<at>${BOT.name}</at>`;
  return {
    ...env,
    type: 'message',
    textFormat: 'plain',
    text: personal ? text : `${botAt} ${text}`,
    entities: [
      ...(personal ? [] : [{ type: 'mention', text: botAt, mentioned: BOT }]),
      ...mentions.map((u) => ({ type: 'mention', text: `<at>${u.name}</at>`, mentioned: { id: u.id, name: u.name, aadObjectId: u.aadObjectId } })),
      { type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Web' },
    ],
  };
}

/** The conversationUpdate Teams sends when the bot is added to a team (its General channel). */
export function botAddedToTeam(serviceUrl: string, by: TeamsUser, channel: string) {
  const env = envelope(serviceUrl, by, channel, 'channel');
  return {
    ...env,
    id: `f:${env.id}`,
    type: 'conversationUpdate',
    membersAdded: [{ id: BOT.id }],
    channelData: { ...env.channelData, eventType: 'teamMemberAdded', team: { id: channel, name: 'Ops' } },
  };
}

/** Finds the Action.Execute for `actionId` in a card the fake connector received. */
export function findAction(call: ConnectorCall, actionId: string): { verb: string; data: Record<string, unknown> } | undefined {
  const card = (call.body.attachments as Array<{ content: { body: unknown[] } }> | undefined)?.[0]?.content;
  if (!card) return undefined;
  const stack: unknown[] = [...card.body];
  while (stack.length) {
    const el = stack.pop() as { type?: string; actions?: unknown[]; items?: unknown[]; verb?: string; data?: Record<string, unknown> };
    if (el?.type === 'Action.Execute' && el.verb === actionId) return { verb: el.verb, data: el.data ?? {} };
    stack.push(...(el?.actions ?? []), ...(el?.items ?? []));
  }
  return undefined;
}

/** The `adaptiveCard/action` invoke Teams sends when `from` clicks a button of the card message `messageId`. */
export function cardClick(serviceUrl: string, from: TeamsUser, conversationId: string, messageId: string, action: { verb: string; data: Record<string, unknown> }) {
  const personal = conversationId.startsWith('a:');
  return {
    ...envelope(serviceUrl, from, conversationId, personal ? 'personal' : 'channel'),
    id: `f:${nextId()}`,
    type: 'invoke',
    name: 'adaptiveCard/action',
    replyToId: messageId,
    value: { action: { type: 'Action.Execute', id: action.verb, verb: action.verb, data: action.data }, trigger: 'manual' },
  };
}

/** Text of a connector call (plain message text, or the card message's summary). */
export function textOf(call: ConnectorCall): string {
  return String(call.body.text ?? call.body.summary ?? '');
}
