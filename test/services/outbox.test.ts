import { describe, expect, it } from 'vitest';
import { SendError, type ChatAdapter } from '../../src/core/ports.js';
import type { ConversationRef, OutboundMessage, SentRef } from '../../src/core/types.js';
import { createOutbox } from '../../src/delivery/outbox.js';
import { openStore } from '../../src/state/store.js';
import type { StateStore } from '../../src/core/store.js';
import { memoryLogger, tempSqliteUrl } from '../helpers/env.js';

const conv = (channelId: string): ConversationRef => ({ platform: 'slack', tenantId: 'T1', channelId });

function recordingAdapter(fail: (n: number, msg: OutboundMessage) => SendError | undefined = () => undefined, perSecond = 100) {
  const calls: Array<{ op: 'post' | 'update'; channel: string; text: string; at: number }> = [];
  let n = 0;
  const adapter: ChatAdapter = {
    platform: 'slack',
    capabilities: { ephemeral: true, updateInPlace: true, modals: true, images: true },
    limits: { perConversationPerSecond: perSecond, perConversationBurst: 1, perAppPerSecond: 1000 },
    async post(ref, message): Promise<SentRef> {
      const err = fail(++n, message);
      if (err) throw err;
      calls.push({ op: 'post', channel: ref.channelId, text: message.text, at: Date.now() });
      return { conversation: ref, messageId: `ts${n}` };
    },
    async update(sent, message) {
      calls.push({ op: 'update', channel: sent.conversation.channelId, text: message.text, at: Date.now() });
    },
  };
  return { adapter, calls };
}

describe('the outbox', () => {
  it('retries a rate-limited send after Retry-After and delivers it exactly once', async () => {
    const store = await openStore(tempSqliteUrl('ob1'));
    const { adapter, calls } = recordingAdapter((n) => (n <= 2 ? new SendError('ratelimited', true, 50, 429) : undefined));
    const outbox = createOutbox({ store, log: memoryLogger(), pollMs: 20 });
    outbox.register(adapter);
    outbox.start();
    await outbox.post(conv('C1'), { text: 'hello' });
    await outbox.drain();
    expect(calls.map((c) => c.text)).toEqual(['hello']);
    await outbox.stop();
    await store.close();
  });

  it('sends once per idempotency key', async () => {
    const store = await openStore(tempSqliteUrl('ob2'));
    const { adapter, calls } = recordingAdapter();
    const outbox = createOutbox({ store, log: memoryLogger(), pollMs: 20 });
    outbox.register(adapter);
    outbox.start();
    expect(await outbox.post(conv('C1'), { text: 'a' }, 'key-1')).toBe(true);
    expect(await outbox.post(conv('C1'), { text: 'a again' }, 'key-1')).toBe(false);
    await outbox.drain();
    expect(calls.map((c) => c.text)).toEqual(['a']);
    await outbox.stop();
    await store.close();
  });

  it('paces one conversation to its declared rate while others flow', async () => {
    const store = await openStore(tempSqliteUrl('ob3'));
    const { adapter, calls } = recordingAdapter(undefined, 10);
    const outbox = createOutbox({ store, log: memoryLogger(), pollMs: 10 });
    outbox.register(adapter);
    outbox.start();
    for (let i = 0; i < 5; i++) await outbox.post(conv('busy'), { text: `b${i}` });
    await outbox.post(conv('quiet'), { text: 'q' });
    await outbox.drain();
    const busy = calls.filter((c) => c.channel === 'busy');
    expect(busy.map((c) => c.text)).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
    expect(busy.at(-1)!.at - busy[0]!.at).toBeGreaterThanOrEqual(350);
    expect(calls.find((c) => c.channel === 'quiet')!.at).toBeLessThan(busy.at(-1)!.at);
    await outbox.stop();
    await store.close();
  });

  it('sends a burst at the per-second rate while the per-minute budget lasts, then at the minute’s pace', async () => {
    const store = await openStore(tempSqliteUrl('ob-minute'));
    const { adapter, calls } = recordingAdapter(undefined, 1000);
    // Feishu's shape: a high per-second peak and a tighter per-minute quota (here 60/min: 60 at once, then 1/s).
    const limited: ChatAdapter = { ...adapter, limits: { perConversationPerSecond: 1000, perConversationBurst: 1000, perAppPerSecond: 1000, perAppPerMinute: 60 } };
    const outbox = createOutbox({ store, log: memoryLogger(), pollMs: 10 });
    outbox.register(limited);
    outbox.start();
    for (let i = 0; i < 61; i++) await outbox.post(conv(`c${i}`), { text: `m${i}` });
    await outbox.drain();
    const times = calls.map((c) => c.at).sort((a, b) => a - b);
    expect(times).toHaveLength(61);
    // The first 60 leave at once; the last waits for the minute's budget to refill.
    expect(times[59]! - times[0]!).toBeLessThan(500);
    expect(times[60]! - times[0]!).toBeGreaterThanOrEqual(900);
    await outbox.stop();
    await store.close();
  });

  it('coalesces a storm of updates to one card into a post and few updates with the latest content', async () => {
    const store = await openStore(tempSqliteUrl('ob4'));
    const { adapter, calls } = recordingAdapter(undefined, 5);
    const outbox = createOutbox({ store, log: memoryLogger(), pollMs: 10 });
    outbox.register(adapter);
    outbox.start();
    for (let i = 1; i <= 300; i++) await outbox.upsert(conv('alerts'), 'alert:ALR-1', { text: `count ${i}` });
    await outbox.drain();
    expect(calls[0]!.op).toBe('post');
    expect(calls.length).toBeLessThan(20);
    expect(calls.at(-1)!.text).toBe('count 300');
    await outbox.stop();
    await store.close();
  });

  it('resumes queued pushes after a restart', async () => {
    const url = tempSqliteUrl('ob5');
    const store1 = await openStore(url);
    const first = createOutbox({ store: store1, log: memoryLogger() });
    await first.post(conv('C1'), { text: 'queued before the crash' });
    await store1.close();
    const store2 = await openStore(url);
    const { adapter, calls } = recordingAdapter();
    const second = createOutbox({ store: store2, log: memoryLogger(), pollMs: 10 });
    second.register(adapter);
    second.start();
    await second.drain();
    expect(calls.map((c) => c.text)).toEqual(['queued before the crash']);
    await second.stop();
    await store2.close();
  });

  it('moves a push the platform rejects for good to the dead letters and logs it', async () => {
    const store = await openStore(tempSqliteUrl('ob6'));
    const log = memoryLogger();
    const { adapter, calls } = recordingAdapter(() => new SendError('channel_not_found', false, undefined, 404));
    const outbox = createOutbox({ store, log, pollMs: 10 });
    outbox.register(adapter);
    outbox.start();
    await outbox.post(conv('gone'), { text: 'x' });
    await outbox.drain();
    expect(calls).toHaveLength(0);
    expect(await store.zcard('idx:outbox:dead')).toBe(1);
    expect(log.lines.some((l) => l.level === 'error' && String(l.msg).includes('dead-letter'))).toBe(true);
    await outbox.stop();
    await store.close();
  });
  it('reads only the due conversations, not every queued push, while one conversation has a backlog', async () => {
    const raw = await openStore(tempSqliteUrl('ob7'));
    let itemsRead = 0;
    const store: StateStore = {
      ...raw,
      async getMany<T>(keys: string[]) {
        itemsRead += keys.length;
        return raw.getMany<T>(keys);
      },
    };
    // One push a second in 'busy': a backlog of 300 builds up behind the first.
    const { adapter, calls } = recordingAdapter(undefined, 1);
    const outbox = createOutbox({ store, log: memoryLogger(), pollMs: 10 });
    outbox.register(adapter);
    outbox.start();
    for (let i = 0; i < 300; i++) await outbox.post(conv('busy'), { text: `b${i}` });
    itemsRead = 0;
    for (let i = 0; i < 20; i++) await outbox.post(conv(`quiet${i}`), { text: `q${i}` });
    const deadline = Date.now() + 3000;
    while (calls.filter((c) => c.channel.startsWith('quiet')).length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(calls.filter((c) => c.channel.startsWith('quiet'))).toHaveLength(20);
    // Each quiet push is read once (plus the busy queue's head, 10 at a time): far from 300 per tick.
    expect(itemsRead).toBeLessThan(100);
    expect(await outbox.pending()).toBeGreaterThan(250);
    await outbox.stop();
    await raw.close();
  });

  it('stops promptly while a conversation waits for its pacing, and sends the rest after a restart', async () => {
    const url = tempSqliteUrl('ob9');
    const store = await openStore(url);
    const first = recordingAdapter(undefined, 0.5);
    const outbox = createOutbox({ store, log: memoryLogger(), pollMs: 10 });
    outbox.register(first.adapter);
    outbox.start();
    for (let i = 0; i < 3; i++) await outbox.post(conv('slow'), { text: `s${i}` });
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await outbox.stop();
    expect(Date.now() - started).toBeLessThan(1500);
    expect(first.calls.map((c) => c.text)).toEqual(['s0']);
    const second = recordingAdapter();
    const again = createOutbox({ store, log: memoryLogger(), pollMs: 10 });
    again.register(second.adapter);
    again.start();
    await again.drain();
    expect(second.calls.map((c) => c.text)).toEqual(['s1', 's2']);
    await again.stop();
    await store.close();
  });
  it('gives every attempt of one push the same idempotency key, and different pushes different keys', async () => {
    const store = await openStore(tempSqliteUrl('ob10'));
    const keysSeen: Array<string | undefined> = [];
    let n = 0;
    const adapter: ChatAdapter = {
      ...recordingAdapter().adapter,
      async post(ref, _message, options): Promise<SentRef> {
        keysSeen.push(options?.idempotencyKey);
        if (++n === 1) throw new SendError('timeout', true, 20);
        return { conversation: ref, messageId: `m${n}` };
      },
    };
    const outbox = createOutbox({ store, log: memoryLogger(), pollMs: 10 });
    outbox.register(adapter);
    outbox.start();
    await outbox.post(conv('C1'), { text: 'first' });
    await outbox.drain();
    await outbox.post(conv('C1'), { text: 'second' });
    await outbox.drain();
    expect(keysSeen).toHaveLength(3);
    expect(keysSeen[0]).toBeTruthy();
    expect(keysSeen[1]).toBe(keysSeen[0]);
    expect(keysSeen[2]).not.toBe(keysSeen[0]);
    await outbox.stop();
    await store.close();
  });
});
