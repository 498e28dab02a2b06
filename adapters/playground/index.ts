import express from 'express';
import { z } from 'zod';
import type { InboundPipeline } from '../../src/core/inbound.js';
import type { ChatAdapter, PlatformModule, Reply } from '../../src/core/ports.js';
import type { StateStore } from '../../src/core/store.js';
import type { ConversationRef, InboundEvent, OutboundMessage, SentRef } from '../../src/core/types.js';
import { cardToHtml, messageToHtml } from './render.js';
import { playgroundPage } from './page.js';

/** A message as the playground shows it. */
export interface PlaygroundMessage {
  id: string;
  channel: string;
  /** Bumped on every change, so a poll `since` the last seq sees edits too. */
  seq: number;
  /** Place in the feed: the seq of the first post. An edit in place keeps it (older rows: absent, use `seq`). */
  pos?: number;
  at: number;
  text: string;
  html: string;
  /** Set for ephemeral messages: only this user sees them. */
  audience?: string;
  author: 'bot' | string;
}

export interface PlaygroundOptions {
  inbound: InboundPipeline;
  store: StateStore;
  /** Grants the chosen role and language to the playground user (the playground is a dev tool). */
  setIdentity(user: string, role: string, lang: 'en' | 'zh-CN'): Promise<void>;
  now?: () => number;
}

const feedKey = (channel: string) => `idx:pg:feed:${channel}`;
const msgKey = (id: string) => `pg:msg:${id}`;

const eventSchema = z.object({
  user: z.string().regex(/^[\w.-]{1,40}$/),
  name: z.string().max(60).optional(),
  role: z.enum(['customer', 'engineer', 'manager', 'admin']),
  lang: z.enum(['en', 'zh-CN']),
  channel: z.string().regex(/^[\w.-]{1,60}$/),
  kind: z.enum(['command', 'action', 'submit']),
  text: z.string().max(4000).optional(),
  actionId: z.string().max(100).optional(),
  value: z.string().max(500).optional(),
  formId: z.string().max(100).optional(),
  values: z.record(z.string(), z.string().max(4000)).optional(),
  messageId: z.string().max(40).optional(),
});

/**
 * The local playground: a browser chat over the same core and card model. Its "platform" stores
 * messages per channel; the page polls the feed. Pushes reach it through the outbox like any other.
 */
export function createPlaygroundModule(options: PlaygroundOptions): PlatformModule {
  const { inbound, store } = options;
  const now = options.now ?? Date.now;

  /**
   * Stores a new message, or (with `id`) the new content of one already shown: an edit keeps the
   * message's place in the feed, its first post time and who may see it, as a platform's
   * in-place update does.
   */
  async function save(channel: string, message: OutboundMessage, id?: string, author = 'bot'): Promise<PlaygroundMessage> {
    const [seq, before] = await Promise.all([store.incr('seq:pg'), id ? store.get<PlaygroundMessage>(msgKey(id)) : undefined]);
    const audience = message.visibility === 'ephemeral' && message.audience ? `${message.audience.id}` : undefined;
    const msg: PlaygroundMessage = {
      id: id ?? `m${seq}`,
      channel,
      seq,
      pos: before ? (before.pos ?? before.seq) : seq,
      at: before?.at ?? now(),
      text: message.text,
      html: messageToHtml(message),
      audience: audience ?? before?.audience,
      author,
    };
    await store.set(msgKey(msg.id), msg);
    await store.zadd(feedKey(channel), msg.id, seq);
    return msg;
  }

  const adapter: ChatAdapter = {
    platform: 'playground',
    capabilities: { ephemeral: true, updateInPlace: true, modals: true, images: true },
    limits: { perConversationPerSecond: 5, perConversationBurst: 10, perAppPerSecond: 50 },
    async post(ref, message) {
      const msg = await save(ref.channelId, message);
      return { conversation: ref, messageId: msg.id };
    },
    async update(sent: SentRef, message) {
      await save(sent.conversation.channelId, message, sent.messageId);
    },
  };

  async function show(channel: string, reply: Reply, user: string, messageId?: string) {
    for (const m of reply.messages) await save(channel, m.visibility === 'ephemeral' ? { ...m, audience: { platform: 'playground', id: user } } : m);
    if (reply.replace && messageId) await save(channel, reply.replace, messageId);
  }

  return {
    adapter,
    mount(app) {
      app.get('/', (_req, res) => {
        res.type('html').send(playgroundPage());
      });
      app.post('/playground/event', express.json({ limit: '64kb' }), async (req, res) => {
        const parsed = eventSchema.safeParse(req.body);
        if (!parsed.success) {
          res.status(400).json({ error: 'invalid playground event', detail: parsed.error.issues[0]?.message, field: parsed.error.issues[0]?.path.join('.') });
          return;
        }
        const e = parsed.data;
        await options.setIdentity(`playground:${e.user}`, e.role, e.lang);
        const conversation: ConversationRef = { platform: 'playground', tenantId: 'local', channelId: e.channel, direct: e.channel.startsWith('dm-') };
        const base = {
          id: `${e.user}:${now()}:${Math.random().toString(36).slice(2, 8)}`,
          actor: { platform: 'playground' as const, id: e.user, displayName: e.name ?? e.user, locale: e.lang },
          conversation,
          receivedAt: now(),
        };
        let event: InboundEvent;
        if (e.kind === 'command') {
          const text = (e.text ?? '').trim();
          const m = /^\/?(\S+)\s*([\s\S]*)$/.exec(text);
          if (!m) {
            res.status(400).json({ error: 'type a command, e.g. /issue Login fails sev:S2' });
            return;
          }
          await save(e.channel, { text }, undefined, e.name ?? e.user);
          event = { ...base, kind: 'command', command: m[1]!.toLowerCase(), text: m[2] ?? '' };
        } else if (e.kind === 'action') {
          event = { ...base, kind: 'action', actionId: e.actionId ?? '', value: e.value, messageId: e.messageId };
        } else {
          event = { ...base, kind: 'submit', formId: e.formId ?? '', values: e.values ?? {}, messageId: e.messageId };
        }
        // The page waits for the reply: it is answered when the pipeline shows it.
        let answer!: (openForm?: string) => void;
        let fail!: (correlationId: string) => void;
        const shown = new Promise<string | undefined>((resolve, reject) => {
          answer = resolve;
          fail = (correlationId) => reject(Object.assign(new Error('the playground event failed'), { correlationId }));
        });
        const receipt = await inbound.receive(event, {
          async show(reply) {
            await show(e.channel, reply, e.user, e.messageId);
            answer(reply.openForm ? cardToHtml(reply.openForm.card) : undefined);
          },
          failed: fail,
        });
        if (receipt === 'duplicate') {
          res.json({ duplicate: true });
          return;
        }
        try {
          res.json({ ok: true, openForm: await shown });
        } catch (error) {
          res.status(500).json({ error: 'internal error', correlationId: (error as { correlationId?: string }).correlationId });
        }
      });
      app.get('/playground/feed', async (req, res) => {
        const channel = String(req.query.channel ?? '');
        const user = String(req.query.user ?? '');
        const since = Number(req.query.since ?? 0) || 0;
        if (!/^[\w.-]{1,60}$/.test(channel)) {
          res.status(400).json({ error: 'channel must be a playground channel name' });
          return;
        }
        const ids = await store.zrange(feedKey(channel), since + 1, Infinity, { limit: 200 });
        // The index is ordered by last change (so polls see edits); the page shows first-post order.
        const msgs = (await store.getMany<PlaygroundMessage>(ids.map((m) => msgKey(m.member))))
          .filter((m): m is PlaygroundMessage => m !== undefined && (!m.audience || m.audience === user))
          .sort((a, b) => (a.pos ?? a.seq) - (b.pos ?? b.seq));
        res.json({ messages: msgs, seq: ids.length ? ids[ids.length - 1]!.score : since });
      });
    },
  };
}
