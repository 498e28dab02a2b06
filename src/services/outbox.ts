import { keys } from '../core/keys.js';
import type { Logger } from '../core/log.js';
import { conversationKey, SendError, type ChatAdapter } from '../core/ports.js';
import type { StateStore } from '../core/store.js';
import type { ConversationRef, OutboundMessage, Platform, SentRef } from '../core/types.js';

/** A stored push. Ids sort in creation order, so one conversation's pushes keep their order. */
export interface OutboxItem {
  id: string;
  kind: 'post' | 'upsert';
  conversation: ConversationRef;
  /** For `post`. For `upsert` the latest content is read at send time, so a storm of updates coalesces. */
  message?: OutboundMessage;
  cardKey?: string;
  attempts: number;
  createdAt: number;
}

export interface OutboxOptions {
  store: StateStore;
  log: Logger;
  now?: () => number;
  metric?(name: string, labels?: Record<string, string>, by?: number): void;
  /** Poll interval when idle, ms. New items are picked up at once in this process. */
  pollMs?: number;
  /** Attempts before an item becomes a dead letter. */
  maxAttempts?: number;
}

const LEASE_MS = 60_000;
const IDEM_TTL_MS = 30 * 24 * 3600_000;

interface Bucket {
  tokens: number;
  at: number;
  blockedUntil: number;
}

/**
 * The durable outbox. Every push is stored before it is sent, paced per conversation and per app
 * with the limits the adapter declares, retried with backoff on retryable errors (honouring
 * Retry-After), sent at most once per idempotency key, and resumed after a restart.
 */
export function createOutbox(options: OutboxOptions) {
  const { store, log } = options;
  const now = options.now ?? Date.now;
  const metric = options.metric ?? (() => undefined);
  const pollMs = options.pollMs ?? 200;
  const maxAttempts = options.maxAttempts ?? 12;
  const adapters = new Map<Platform, ChatAdapter>();
  const buckets = new Map<string, Bucket>();
  const busy = new Set<string>();
  const inflight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let ticking: Promise<void> | undefined;
  let again = false;

  async function enqueue(item: Omit<OutboxItem, 'id' | 'attempts' | 'createdAt'>): Promise<string> {
    const seq = await store.incr('seq:outbox');
    const id = String(seq).padStart(12, '0');
    const full: OutboxItem = { ...item, id, attempts: 0, createdAt: now() };
    await store.set(keys.outboxItem(id), full);
    await store.zadd(keys.outboxDue(), id, now());
    metric('aftercare_outbox_enqueued_total', { platform: item.conversation.platform });
    kick();
    return id;
  }

  function take(bucketKey: string, perSecond: number, burst: number): number {
    const t = now();
    const b = buckets.get(bucketKey) ?? { tokens: burst, at: t, blockedUntil: 0 };
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * perSecond);
    b.at = t;
    buckets.set(bucketKey, b);
    if (b.blockedUntil > t) return b.blockedUntil - t;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) / perSecond) * 1000);
  }

  function block(bucketKey: string, ms: number) {
    const b = buckets.get(bucketKey);
    if (b) b.blockedUntil = Math.max(b.blockedUntil, now() + ms);
  }

  async function reschedule(item: OutboxItem, at: number) {
    await store.zadd(keys.outboxDue(), item.id, at);
  }

  async function finish(item: OutboxItem) {
    await store.zrem(keys.outboxDue(), item.id);
    await store.delete(keys.outboxItem(item.id));
  }

  async function deliver(item: OutboxItem, adapter: ChatAdapter): Promise<void> {
    const convKey = conversationKey(item.conversation);
    if (item.kind === 'post') {
      const sent = await adapter.post(item.conversation, item.message!);
      if (item.cardKey) await store.set(keys.sentCard(item.cardKey, convKey), sent);
      return;
    }
    const cardKey = item.cardKey!;
    await store.release(`card:queued:${cardKey}:${convKey}`);
    const message = await store.get<OutboundMessage>(`card:content:${cardKey}:${convKey}`);
    if (!message) return;
    const sent = await store.get<SentRef>(keys.sentCard(cardKey, convKey));
    if (sent && adapter.capabilities.updateInPlace) {
      try {
        await adapter.update(sent, message);
        return;
      } catch (e) {
        if (e instanceof SendError && e.retryable) throw e;
        log.warn('in-place update failed; posting a new message', { cardKey, error: e });
      }
    }
    const fresh = await adapter.post(item.conversation, message);
    await store.set(keys.sentCard(cardKey, convKey), fresh);
  }

  async function processConversation(convKey: string, items: OutboxItem[]): Promise<void> {
    for (const item of items) {
      const adapter = adapters.get(item.conversation.platform);
      if (!adapter) {
        await reschedule(item, now() + 60_000);
        log.warn('no adapter for a queued push; will retry', { platform: item.conversation.platform, id: item.id });
        continue;
      }
      const waitFor = () =>
        Math.max(
          take(`c:${convKey}`, adapter.limits.perConversationPerSecond, adapter.limits.perConversationBurst),
          take(`p:${adapter.platform}:${item.conversation.tenantId}`, adapter.limits.perAppPerSecond, Math.max(1, adapter.limits.perAppPerSecond)),
        );
      let wait = waitFor();
      // A short wait is slept here (this conversation is marked busy; others keep flowing), then the token is taken.
      while (wait > 0 && wait <= 2_000) {
        await new Promise((r) => setTimeout(r, wait));
        wait = waitFor();
      }
      if (wait > 2_000) {
        // A long block (Retry-After): park the rest of the conversation, each in its own later slot, in order.
        const gap = 1000 / adapter.limits.perConversationPerSecond;
        const rest = items.slice(items.indexOf(item));
        for (let k = 0; k < rest.length; k++) await reschedule(rest[k]!, now() + wait + k * gap);
        return;
      }
      const lease = keys.outboxLease(item.id);
      if (!(await store.claim(lease, LEASE_MS))) continue;
      try {
        await deliver(item, adapter);
        await finish(item);
        metric('aftercare_outbox_sent_total', { platform: adapter.platform });
      } catch (e) {
        const retryable = e instanceof SendError ? e.retryable : true;
        const attempts = item.attempts + 1;
        if (!retryable || attempts >= maxAttempts) {
          await store.set(keys.outboxItem(item.id), { ...item, attempts, failedAt: now(), error: String(e) });
          await store.zrem(keys.outboxDue(), item.id);
          await store.zadd('idx:outbox:dead', item.id, now());
          metric('aftercare_outbox_dead_total', { platform: adapter.platform });
          log.error('push dropped to the dead-letter list', { id: item.id, attempts, error: e });
        } else {
          const retryAfter = e instanceof SendError ? e.retryAfterMs : undefined;
          const backoff = retryAfter ?? Math.min(60_000, 250 * 2 ** item.attempts) * (0.75 + Math.random() * 0.5);
          if (retryAfter) block(`c:${convKey}`, retryAfter);
          await store.set(keys.outboxItem(item.id), { ...item, attempts });
          for (const rest of items.slice(items.indexOf(item))) await reschedule(rest, now() + backoff);
          metric('aftercare_outbox_retries_total', { platform: adapter.platform });
          log.warn('push failed; retrying', { id: item.id, attempts, backoffMs: Math.round(backoff), error: e });
        }
        return;
      } finally {
        await store.release(lease);
      }
    }
  }

  async function tick(): Promise<void> {
    const due = await store.zrange(keys.outboxDue(), -Infinity, now(), { limit: 500 });
    if (due.length === 0) return;
    const items = (await store.getMany<OutboxItem>(due.map((d) => keys.outboxItem(d.member)))).filter(
      (i): i is OutboxItem => i !== undefined,
    );
    const groups = new Map<string, OutboxItem[]>();
    for (const item of items) {
      const k = conversationKey(item.conversation);
      if (busy.has(k)) continue;
      groups.set(k, [...(groups.get(k) ?? []), item]);
    }
    for (const [k, list] of groups) {
      busy.add(k);
      const run = processConversation(k, list)
        .catch((e: unknown) => log.error('outbox conversation failed', { conversation: k, error: e }))
        .finally(() => {
          busy.delete(k);
          inflight.delete(run);
          kick();
        });
      inflight.add(run);
    }
  }

  function kick() {
    if (!running) return;
    if (ticking) {
      again = true;
      return;
    }
    ticking = tick()
      .catch((e: unknown) => log.error('outbox tick failed', { error: e }))
      .finally(async () => {
        ticking = undefined;
        if (again) {
          again = false;
          kick();
          return;
        }
        const next = await store.zrange(keys.outboxDue(), -Infinity, Infinity, { limit: 1 }).catch(() => []);
        if (next.length > 0 && next[0]!.score <= now()) setImmediate(kick);
      });
  }

  return {
    register(adapter: ChatAdapter) {
      adapters.set(adapter.platform, adapter);
    },
    adapter(platform: Platform) {
      return adapters.get(platform);
    },
    /** Queues a new message. With `idempotencyKey`, a second call with the same key does nothing. */
    async post(conversation: ConversationRef, message: OutboundMessage, idempotencyKey?: string, cardKey?: string): Promise<boolean> {
      if (idempotencyKey && !(await store.claim(keys.outboxIdem(idempotencyKey), IDEM_TTL_MS))) return false;
      await enqueue({ kind: 'post', conversation, message, cardKey });
      return true;
    },
    /**
     * Shows `message` as the card `cardKey` in `conversation`: posted the first time, updated in
     * place afterwards. Rapid updates coalesce into one send of the latest content.
     */
    async upsert(conversation: ConversationRef, cardKey: string, message: OutboundMessage): Promise<void> {
      const convKey = conversationKey(conversation);
      await store.set(`card:content:${cardKey}:${convKey}`, message);
      if (await store.claim(`card:queued:${cardKey}:${convKey}`, 10 * 60_000)) {
        await enqueue({ kind: 'upsert', conversation, cardKey });
      }
    },
    /** Where a card was posted in a conversation, if it was. */
    async sentRef(cardKey: string, conversation: ConversationRef): Promise<SentRef | undefined> {
      return store.get<SentRef>(keys.sentCard(cardKey, conversationKey(conversation)));
    },
    async pending(): Promise<number> {
      return store.zcard(keys.outboxDue());
    },
    start() {
      if (running) return;
      running = true;
      timer = setInterval(kick, pollMs);
      timer.unref();
      kick();
    },
    async stop() {
      running = false;
      if (timer) clearInterval(timer);
      await ticking;
      await Promise.all([...inflight]);
    },
    /** Resolves when nothing is due (tests and graceful shutdown). */
    async drain(timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while ((await store.zcard(keys.outboxDue())) > 0 || inflight.size > 0) {
        if (Date.now() > deadline) throw new Error('outbox did not drain');
        kick();
        await new Promise((r) => setTimeout(r, 20));
      }
      await ticking;
      await Promise.all([...inflight]);
    },
  };
}
export type Outbox = ReturnType<typeof createOutbox>;
