import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaygroundMessage } from '../../adapters/playground/index.js';
import { startApp, type RunningApp } from '../../server/app.js';
import { loadConfig } from '../../src/config.js';
import { memoryLogger, tempSqliteUrl } from '../helpers/env.js';

/**
 * The playground's feed over HTTP on the real app (temp SQLite): what a page sees when it loads a
 * channel (`since=0`, as after a reload) and when it polls for changes.
 */

let app: RunningApp;

beforeAll(async () => {
  app = await startApp(loadConfig({ PORT: '0', HOST: '127.0.0.1', AFTERCARE_STORE: tempSqliteUrl('pg-feed'), AFTERCARE_PLAYGROUND: 'on' }), { log: memoryLogger() });
});

afterAll(async () => {
  await app?.stop();
});

const people = {
  alice: { user: 'alice', role: 'customer', lang: 'en' },
  bob: { user: 'bob', role: 'engineer', lang: 'en' },
} as const;

async function send(who: keyof typeof people, channel: string, event: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${app.url}/playground/event`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...people[who], channel, ...event }),
  });
  expect(res.status).toBe(200);
  await app.outbox.drain();
}

async function feed(channel: string, user: string, since = 0): Promise<{ messages: PlaygroundMessage[]; seq: number }> {
  const res = await fetch(`${app.url}/playground/feed?channel=${channel}&user=${user}&since=${since}`);
  return (await res.json()) as { messages: PlaygroundMessage[]; seq: number };
}

const ticketCardIn = (messages: PlaygroundMessage[], id: string) => messages.find((m) => m.author === 'bot' && m.html.includes(`${id} · `) && m.text.startsWith(`${id} [`));

describe('the playground feed', () => {
  it('keeps a card edited in place (Ack) at its first place when the channel is loaded again', async () => {
    await send('alice', 'support-acme', { kind: 'command', text: '/issue Printer on fire sev:S2' });
    const pushed = ticketCardIn((await feed('engineering', 'bob')).messages, 'SUP-1')!;
    expect(pushed.html).toContain('data-action="issue.ack"');
    await send('bob', 'engineering', { kind: 'command', text: '/issue list' });
    await send('bob', 'engineering', { kind: 'action', actionId: 'issue.ack', value: 'SUP-1', messageId: pushed.id });

    const { messages } = await feed('engineering', 'bob');
    const edited = messages.find((m) => m.id === pushed.id)!;
    expect(edited.html).not.toContain('data-action="issue.ack"');
    expect(edited.html).toContain('Acknowledged');
    const order = messages.map((m) => m.id);
    const later = messages.find((m) => m.text === '/issue list')!;
    expect(order.indexOf(pushed.id)).toBeLessThan(order.indexOf(later.id));
    expect(edited.pos).toBe(pushed.pos);
    expect(edited.at).toBe(pushed.at);
    expect(messages.map((m) => m.pos)).toEqual([...messages.map((m) => m.pos)].sort((a, b) => a! - b!));
  });

  it('still hands an edit to a page polling since what it has seen', async () => {
    const first = await feed('engineering', 'bob');
    const card = ticketCardIn(first.messages, 'SUP-1')!;
    await send('bob', 'engineering', { kind: 'command', text: '/issue assign SUP-1 me' });
    const next = await feed('engineering', 'bob', first.seq);
    const edited = next.messages.find((m) => m.id === card.id);
    expect(edited?.html).toContain('bob');
    expect(edited?.pos).toBe(card.pos);
    expect(next.seq).toBeGreaterThan(first.seq);
  });

  it('shows a reply’s own text above its card, and a pushed card without its summary line', async () => {
    await send('alice', 'support-acme', { kind: 'command', text: '/issue Scanner offline sev:S3' });
    // The reply is its own text; the ticket's live card follows in the same conversation, once.
    const messages = (await feed('support-acme', 'alice')).messages;
    const reply = messages.find((m) => m.author === 'bot' && m.text.includes('Ticket SUP-2 filed'))!;
    expect(reply.html).toContain('Ticket SUP-2 filed');
    expect(messages.filter((m) => m.author === 'bot' && m.html.includes('SUP-2 · Scanner offline'))).toHaveLength(1);

    const pushed = ticketCardIn((await feed('engineering', 'bob')).messages, 'SUP-2')!;
    expect(pushed.text).toBe('SUP-2 [S3] Scanner offline — Open');
    expect(pushed.html.startsWith('<div class="card')).toBe(true);
  });

  it('keeps a private message private when it is edited in place', async () => {
    const card = ticketCardIn((await feed('engineering', 'bob')).messages, 'SUP-2')!;
    await send('bob', 'engineering', { kind: 'action', actionId: 'escalate.start', value: 'SUP-2', messageId: card.id });
    const question = (await feed('engineering', 'bob')).messages.find((m) => m.audience === 'bob' && m.html.includes('data-action="escalate.confirm"'))!;
    expect((await feed('engineering', 'carol')).messages.map((m) => m.id)).not.toContain(question.id);

    await send('bob', 'engineering', { kind: 'action', actionId: 'escalate.confirm', value: 'SUP-2', messageId: question.id });
    const answered = (await feed('engineering', 'bob')).messages.find((m) => m.id === question.id)!;
    expect(answered.html).not.toContain('data-action="escalate.confirm"');
    expect(answered.audience).toBe('bob');
    expect((await feed('engineering', 'carol')).messages.map((m) => m.id)).not.toContain(question.id);
  });
});
