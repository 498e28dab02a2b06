import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { buildEncryptedRequest } from '../../adapters/feishu/crypto.js';
import { FAKE_BOT_OPEN_ID } from './fake-open-api.js';

/**
 * Feishu v2 deliveries built from the recorded fixture shapes, with fresh ids, sent the way Feishu
 * sends them: AES-256-CBC encrypted body, signed headers, compact JSON.
 */
type Payload = { schema: string; header: Record<string, unknown>; event: Record<string, unknown> };
const fixture = (name: string): Payload =>
  (JSON.parse(readFileSync(new URL(`../fixtures/feishu/${name}`, import.meta.url), 'utf8')) as { payload: Payload }).payload;

export const APP_ID = 'cli_9f5343c580712544';
export const TENANT = '2ca1d211f64f6438';
export const VERIFICATION_TOKEN = 'rvaYgkND1GOiu5MM0E1rncYC6PLtF7JV';
export const ENCRYPT_KEY = 'aftercare-test-encrypt-key';

export interface FeishuUser {
  openId: string;
  name: string;
}

const eventId = () => randomBytes(16).toString('hex');

/**
 * `im.message.receive_v1`: in a group, the text starts with the bot's @mention placeholder;
 * `mentions` become `@_user_2…` placeholders in order.
 */
export function messageEvent(from: FeishuUser, chatId: string, chatType: 'group' | 'p2p', text: string, mentions: FeishuUser[] = [], id = eventId()): Payload {
  const base = fixture('im.message.receive_v1.json');
  const allMentions = chatType === 'group' ? [{ openId: FAKE_BOT_OPEN_ID, name: 'aftercare' }, ...mentions] : mentions;
  let body = text;
  mentions.forEach((m, i) => {
    body = body.replace(`@${m.name}`, `@_user_${chatType === 'group' ? i + 2 : i + 1}`);
  });
  if (chatType === 'group') body = `@_user_1 ${body}`;
  return {
    schema: '2.0',
    header: { ...base.header, event_id: id, token: VERIFICATION_TOKEN, app_id: APP_ID, tenant_key: TENANT, create_time: String(Date.now()) },
    event: {
      sender: { sender_id: { open_id: from.openId, union_id: `on_${from.openId}`, user_id: from.name.toLowerCase() }, sender_type: 'user', tenant_key: TENANT },
      message: {
        message_id: `om_${eventId()}`,
        create_time: String(Date.now()),
        chat_id: chatId,
        chat_type: chatType,
        message_type: 'text',
        content: JSON.stringify({ text: body }),
        mentions: allMentions.map((m, i) => ({
          key: `@_user_${i + 1}`,
          id: { open_id: m.openId, union_id: `on_${m.openId}`, user_id: '' },
          name: m.name,
          tenant_key: TENANT,
        })),
      },
    },
  };
}

/** `card.action.trigger` for a click on a button (value as rendered) or a form submit. */
export function cardAction(
  from: FeishuUser,
  chatId: string,
  messageId: string,
  value: Record<string, unknown>,
  formValue?: Record<string, unknown>,
): Payload {
  const base = fixture('card.action.trigger.json');
  return {
    schema: '2.0',
    header: { ...base.header, event_id: eventId(), token: VERIFICATION_TOKEN, app_id: APP_ID, tenant_key: TENANT, create_time: String(Date.now() * 1000) },
    event: {
      operator: { tenant_key: TENANT, user_id: from.name.toLowerCase(), open_id: from.openId, union_id: `on_${from.openId}` },
      token: `c-${eventId()}`,
      action: { value, tag: 'button', ...(formValue ? { form_value: formValue, name: 'submit' } : {}) },
      host: 'im_message',
      context: { open_message_id: messageId, open_chat_id: chatId },
    },
  };
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  ms: number;
}

/** POSTs a payload to aftercare encrypted and signed as Feishu does (or as given in `raw`). */
export async function deliver(baseUrl: string, path: string, payload: unknown, key = ENCRYPT_KEY): Promise<Answer> {
  const { body, headers } = buildEncryptedRequest(key, payload);
  return post(baseUrl, path, body, headers);
}

export async function post(baseUrl: string, path: string, body: string, headers: Record<string, string>): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(`${baseUrl}${path}`, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, ms: performance.now() - started };
}

/** The callback value of the first button with `actionId` in a rendered card. */
export function buttonValue(card: unknown, actionId: string): { a: string; v?: string } | undefined {
  let found: { a: string; v?: string } | undefined;
  const walk = (node: unknown): void => {
    if (found || !node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    const o = node as Record<string, unknown>;
    if (o.type === 'callback' && o.value && typeof o.value === 'object' && (o.value as { a?: unknown }).a === actionId) {
      found = o.value as { a: string; v?: string };
      return;
    }
    Object.values(o).forEach(walk);
  };
  walk(card);
  return found;
}

/** Waits until `check` returns a value. */
export async function until<T>(check: () => T | undefined | false, what: string, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
