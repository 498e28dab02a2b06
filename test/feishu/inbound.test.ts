import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mapCardAction, mapMenuEvent, mapMessageEvent, messageText, splitCommand } from '../../adapters/feishu/inbound.js';

type Payload = { header: Record<string, unknown>; event: Record<string, unknown> };
const fixture = (name: string): Payload =>
  (JSON.parse(readFileSync(new URL(`../fixtures/feishu/${name}`, import.meta.url), 'utf8')) as { payload: Payload }).payload;
/** What the SDK's dispatcher hands a handler: header and event flattened into one object. */
const flat = (p: Payload) => ({ schema: '2.0', ...p.header, ...p.event });

const BOT = 'ou_bot000000000000000000000000000';
const USER = 'ou_84aad35d084aa403a838cf73ee18467';
const options = { botOpenId: BOT, locale: 'zh-CN', now: () => 1_700_000_000_000 };

function messageEvent(text: string, chatType: 'group' | 'p2p', mentions: Array<{ key: string; open_id: string; name: string }> = []) {
  const p = fixture('im.message.receive_v1.json');
  const message = p.event.message as Record<string, unknown>;
  return flat({
    header: p.header,
    event: {
      ...p.event,
      message: {
        ...message,
        chat_type: chatType,
        content: JSON.stringify({ text }),
        mentions: mentions.map((m) => ({ key: m.key, id: { open_id: m.open_id, union_id: 'on_x', user_id: '' }, name: m.name, tenant_key: 't' })),
      },
    },
  });
}

describe('Feishu inbound mapping', () => {
  it('turns a group message that @mentions the bot into a command with the mention stripped', () => {
    const event = mapMessageEvent(messageEvent('@_user_1 /issue Login fails sev:S2', 'group', [{ key: '@_user_1', open_id: BOT, name: 'aftercare' }]), options);
    expect(event).toMatchObject({
      kind: 'command',
      id: '5e3702a84e847582be8db7fb73283c02',
      command: 'issue',
      text: 'Login fails sev:S2',
      actor: { platform: 'feishu', id: USER, locale: 'zh-CN' },
      conversation: { platform: 'feishu', tenantId: '2ca1d211f64f6438', channelId: 'oc_5ce6d572455d361153b7xx51da133945', direct: false },
      receivedAt: 1_700_000_000_000,
    });
  });

  it('ignores group messages that do not mention the bot', () => {
    expect(mapMessageEvent(messageEvent('@_user_1 hello', 'group', [{ key: '@_user_1', open_id: USER, name: 'Tom' }]), options)).toBeUndefined();
    expect(mapMessageEvent(messageEvent('issue hello', 'group'), options)).toBeUndefined();
  });

  it('takes direct messages without a mention, slash optional', () => {
    expect(mapMessageEvent(messageEvent('faq vpn', 'p2p'), options)).toMatchObject({ command: 'faq', text: 'vpn', conversation: { direct: true } });
    expect(mapMessageEvent(messageEvent('／escalate SUP-1 customer waiting', 'p2p'), options)).toMatchObject({ command: 'escalate', text: 'SUP-1 customer waiting' });
  });

  it('normalizes other user mentions to <@feishu:open_id>, longest placeholder first', () => {
    const mentions = [
      { key: '@_user_1', open_id: BOT, name: 'aftercare' },
      { key: '@_user_10', open_id: 'ou_ten', name: 'Ten' },
      { key: '@_user_2', open_id: 'ou_two', name: 'Two' },
    ];
    const event = mapMessageEvent(messageEvent('@_user_1 aftercare role @_user_10 engineer @_user_2', 'group', mentions), options);
    expect(event).toMatchObject({ command: 'aftercare', text: 'role <@feishu:ou_ten> engineer <@feishu:ou_two>' });
  });

  it('without the bot’s open_id, treats a leading mention as the bot', () => {
    const event = mapMessageEvent(
      messageEvent('@_user_1 aftercare role @_user_2 admin', 'group', [
        { key: '@_user_1', open_id: 'ou_unknown_bot', name: 'aftercare' },
        { key: '@_user_2', open_id: 'ou_two', name: 'Two' },
      ]),
      { ...options, botOpenId: undefined },
    );
    expect(event).toMatchObject({ command: 'aftercare', text: 'role <@feishu:ou_two> admin' });
  });

  it('answers a bare mention with help and ignores messages from apps', () => {
    expect(mapMessageEvent(messageEvent('@_user_1', 'group', [{ key: '@_user_1', open_id: BOT, name: 'a' }]), options)).toMatchObject({
      command: 'aftercare',
      text: 'help',
    });
    const fromApp = messageEvent('issue x', 'p2p');
    (fromApp as unknown as { sender: { sender_type: string } }).sender.sender_type = 'app';
    expect(mapMessageEvent(fromApp, options)).toBeUndefined();
  });

  it('reads the text of rich-text (post) messages', () => {
    const post = { zh_cn: { title: '', content: [[{ tag: 'text', text: 'issue 登录失败 ' }, { tag: 'text', text: 'sev:S1' }]] } };
    expect(messageText('post', JSON.stringify(post))).toBe('issue 登录失败 sev:S1');
    expect(messageText('image', '{"image_key":"x"}')).toBeUndefined();
    expect(splitCommand('  ')).toEqual({ command: 'aftercare', rest: 'help' });
  });

  it('maps a button click to an action with the message it came from', () => {
    const p = fixture('card.action.trigger.json');
    const event = mapCardAction(flat({ ...p, event: { ...p.event, action: { tag: 'button', value: { a: 'issue.ack', v: 'SUP-1' } } } }), options);
    expect(event).toMatchObject({
      kind: 'action',
      id: 'f7984f25108f8137722bb63c*****',
      actionId: 'issue.ack',
      value: 'SUP-1',
      messageId: 'om_574d639e4a44e4dd646eaf628e2*****',
      actor: { platform: 'feishu', id: 'ou_3c14f3a59eaf2825dbe25359f15*****' },
      conversation: { channelId: 'oc_e4d2605ca917e695f54f11aaf56*****', tenantId: '2df73991750*****' },
    });
  });

  it('maps a form submit to the form id and string values (multi-selects joined)', () => {
    const p = fixture('card.action.trigger.json');
    const action = { ...(p.event.action as Record<string, unknown>), value: { f: 'issue.create' } };
    const event = mapCardAction(flat({ ...p, event: { ...p.event, action } }), options);
    expect(event).toMatchObject({
      kind: 'submit',
      formId: 'issue.create',
      values: { 'field name1': 'selectDemo1,selectDemo2', 'field name2': 'value2', Input_lf4fmxwfrd9: '1234' },
    });
  });

  it('ignores callbacks from cards it did not render', () => {
    const p = fixture('card.action.trigger.json');
    expect(mapCardAction(flat({ ...p, event: { ...p.event, action: { tag: 'button', value: { key: 'value' } } } }), options)).toBeUndefined();
  });

  it('maps a bot menu click to the command named by its event key, answered to the user', () => {
    const event = mapMenuEvent(
      { schema: '2.0', event_id: 'e1', tenant_key: 't1', event_type: 'application.bot.menu_v6', operator: { operator_name: 'Tom', operator_id: { open_id: USER, union_id: 'on', user_id: 'u' } }, event_key: 'backup-status', timestamp: 1 },
      options,
    );
    expect(event).toMatchObject({ command: 'backup-status', text: '', conversation: { channelId: USER, direct: true, native: { receiveIdType: 'open_id' } } });
  });
});
