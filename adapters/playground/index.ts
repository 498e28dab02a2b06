import express from 'express';
import type { InboundPipeline } from '../../src/core/inbound.js';
import type { PlatformModule, Reply } from '../../src/core/ports.js';
import type { StateStore } from '../../src/core/store.js';
import { createPlaygroundAdapter, createPlaygroundFeed } from './feed.js';
import { authorOf, fromPlaygroundEvent, isBotAuthored, PLAYGROUND_BOT, playgroundEventSchema } from './inbound.js';
import { playgroundPage } from './page.js';
import { cardToHtml } from './render.js';

export type { PlaygroundMessage } from './feed.js';

export interface PlaygroundOptions {
  inbound: InboundPipeline;
  store: StateStore;
  /** Grants the chosen role and language to the playground user (the playground is a dev tool). */
  setIdentity(user: string, role: string, lang: 'en' | 'zh-CN'): Promise<void>;
  now?: () => number;
}

/**
 * The local playground: a browser chat over the same core and card model. Its "platform" stores
 * messages per channel; the page polls the feed. Pushes reach it through the outbox like any other.
 */
export function createPlaygroundModule(options: PlaygroundOptions): PlatformModule {
  const { inbound, store } = options;
  const now = options.now ?? Date.now;

  const feed = createPlaygroundFeed(store, now);
  const { save } = feed;
  const adapter = createPlaygroundAdapter(feed);

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
        const parsed = playgroundEventSchema.safeParse(req.body);
        if (!parsed.success) {
          res.status(400).json({ error: 'invalid playground event', detail: parsed.error.issues[0]?.message, field: parsed.error.issues[0]?.path.join('.') });
          return;
        }
        const e = parsed.data;
        const event = fromPlaygroundEvent(e, now(), Math.random().toString(36).slice(2, 8));
        if (!event) {
          const error = isBotAuthored(e) ? `"${PLAYGROUND_BOT}" is the playground bot’s own name: play someone else` : 'type a command, e.g. /issue Login fails sev:S2';
          res.status(400).json({ error });
          return;
        }
        await options.setIdentity(`playground:${e.user}`, e.role, e.lang);
        if (event.kind === 'command') await save(e.channel, { text: (e.text ?? '').trim() }, undefined, authorOf(e));
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
        res.json(await feed.read(channel, user, since));
      });
    },
  };
}
