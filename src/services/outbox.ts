import { randomUUID } from 'node:crypto';
import { effectKey } from '../core/effects.js';
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
/** One sender run per conversation stops after this long (and is started again), well inside its lease. */
const RUN_MS = 15_000;
/** Waits for a pacing token up to this long are slept; longer ones park the conversation. */
const SLEEP_MAX_MS = 2_000;
/** Due conversations started per tick. */
const TICK_CONVERSATIONS = 200;
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

  /** This process's name on conversation leases, so a replica never releases another's. */
  const owner = randomUUID();
  /** Conversations another replica is sending for, skipped here until the time given. */
  const foreign = new Map<string, number>();

  /** Stores and queues a push. With `effect`, a second call for the same effect stores the same item again (no double). */
  async function enqueue(item: Omit<OutboxItem, 'id' | 'attempts' | 'createdAt'>, effect?: string): Promise<string> {
    const seq = await store.nextId('seq:outbox', effect);
    const id = String(seq).padStart(12, '0');
    const convKey = conversationKey(item.conversation);
    const full: OutboxItem = { ...item, id, attempts: 0, createdAt: now() };
    await store.set(keys.outboxItem(id), full);
    // Queue first, then mark the conversation due (a conversation parked for later keeps its time).
    await store.zadd(keys.outboxQueue(convKey), id, seq);
    await store.zadd(keys.outboxConversations(), convKey, now(), { onlyNew: true });
    metric('aftercare_outbox_enqueued_total', { platform: item.conversation.platform });
    // A conversation being sent here picks the new push up itself.
    if (!busy.has(convKey)) kick();
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

  /** Pacing sleeps in progress; `stop()` cuts them short. */
  const naps = new Set<() => void>();
  function nap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        naps.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      naps.add(wake);
    });
  }

  /** Parks a conversation: its queue is not looked at before `at`. */
  async function park(convKey: string, at: number) {
    await store.zadd(keys.outboxConversations(), convKey, at);
  }

  async function finish(convKey: string, item: OutboxItem) {
    await store.zrem(keys.outboxQueue(convKey), item.id);
    await store.delete(keys.outboxItem(item.id));
  }

  async function deliver(item: OutboxItem, adapter: ChatAdapter): Promise<void> {
    const convKey = conversationKey(item.conversation);
    if (item.kind === 'post') {
      const sent = await adapter.post(item.conversation, item.message!, { idempotencyKey: `outbox:${item.id}:${item.createdAt}` });
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
    const fresh = await adapter.post(item.conversation, message, { idempotencyKey: `outbox:${item.id}:${item.createdAt}` });
    await store.set(keys.sentCard(cardKey, convKey), fresh);
  }

  /**
   * Sends one conversation's queue in order, under a lease so that one replica at a time sends for
   * it. Returns after the queue is empty, when the conversation must wait (pacing, Retry-After,
   * backoff: it is parked until then), or after RUN_MS so the lease never outlives the work.
   */
  async function processConversation(convKey: string): Promise<void> {
    const lease = keys.outboxLease(convKey);
    if (!(await store.claim(lease, LEASE_MS, owner))) {
      foreign.set(convKey, now() + 1000);
      return;
    }
    const started = now();
    try {
      for (;;) {
        const head = await store.zrange(keys.outboxQueue(convKey), -Infinity, Infinity, { limit: 10 });
        if (head.length === 0) {
          // Done: take the conversation off the due list, unless a push arrived meanwhile.
          await store.zrem(keys.outboxConversations(), convKey);
          if ((await store.zcard(keys.outboxQueue(convKey))) > 0) await park(convKey, now());
          return;
        }
        const items = await store.getMany<OutboxItem>(head.map((h) => keys.outboxItem(h.member)));
        for (const [i, item] of items.entries()) {
          if (!item) {
            await store.zrem(keys.outboxQueue(convKey), head[i]!.member);
            continue;
          }
          if (!running) return;
          if (now() - started > RUN_MS) {
            await park(convKey, now());
            return;
          }
          if (!(await sendOne(convKey, item))) return;
        }
      }
    } finally {
      await store.release(lease, owner);
    }
  }

  /** Paces and sends one push. False when the conversation has to wait (it has been parked). */
  async function sendOne(convKey: string, item: OutboxItem): Promise<boolean> {
    const adapter = adapters.get(item.conversation.platform);
    if (!adapter) {
      await park(convKey, now() + 60_000);
      log.warn('no adapter for a queued push; will retry', { platform: item.conversation.platform, id: item.id });
      return false;
    }
    const waitFor = () =>
      Math.max(
        take(`c:${convKey}`, adapter.limits.perConversationPerSecond, adapter.limits.perConversationBurst),
        take(`p:${adapter.platform}:${item.conversation.tenantId}`, adapter.limits.perAppPerSecond, Math.max(1, adapter.limits.perAppPerSecond)),
      );
    let wait = waitFor();
    // A short wait is slept here (this conversation is busy; others keep flowing), then the token is taken.
    while (wait > 0 && wait <= SLEEP_MAX_MS && running) {
      await nap(wait);
      wait = waitFor();
    }
    // Stopping: the push stays queued for the next start.
    if (!running) return false;
    if (wait > SLEEP_MAX_MS) {
      // A long block (Retry-After): park the conversation, its queue keeps its order.
      await park(convKey, now() + wait);
      return false;
    }
    try {
      await deliver(item, adapter);
      await finish(convKey, item);
      metric('aftercare_outbox_sent_total', { platform: adapter.platform });
      return true;
    } catch (e) {
      const retryable = e instanceof SendError ? e.retryable : true;
      const attempts = item.attempts + 1;
      if (!retryable || attempts >= maxAttempts) {
        await store.set(keys.outboxItem(item.id), { ...item, attempts, failedAt: now(), error: String(e) });
        await store.zrem(keys.outboxQueue(convKey), item.id);
        await store.zadd('idx:outbox:dead', item.id, now());
        metric('aftercare_outbox_dead_total', { platform: adapter.platform });
        log.error('push dropped to the dead-letter list', { id: item.id, attempts, error: e });
        return true;
      }
      const retryAfter = e instanceof SendError ? e.retryAfterMs : undefined;
      const backoff = retryAfter ?? Math.min(60_000, 250 * 2 ** item.attempts) * (0.75 + Math.random() * 0.5);
      if (retryAfter) block(`c:${convKey}`, retryAfter);
      await store.set(keys.outboxItem(item.id), { ...item, attempts });
      await park(convKey, now() + backoff);
      metric('aftercare_outbox_retries_total', { platform: adapter.platform });
      log.warn('push failed; retrying', { id: item.id, attempts, backoffMs: Math.round(backoff), error: e });
      return false;
    }
  }

  /** Starts a sender for every due conversation not already being sent. Cost: the due conversations, not the queued pushes. */
  async function tick(): Promise<void> {
    const due = await store.zrange(keys.outboxConversations(), -Infinity, now(), { limit: TICK_CONVERSATIONS });
    for (const { member: convKey } of due) {
      if (busy.has(convKey) || (foreign.get(convKey) ?? 0) > now()) continue;
      foreign.delete(convKey);
      busy.add(convKey);
      const run = processConversation(convKey)
        .catch((e: unknown) => log.error('outbox conversation failed', { conversation: convKey, error: e }))
        .finally(() => {
          busy.delete(convKey);
          inflight.delete(run);
          kick();
        });
      inflight.add(run);
    }
    if (due.length === TICK_CONVERSATIONS) again = true;
  }

  function kick() {
    if (!running) return;
    if (ticking) {
      again = true;
      return;
    }
    ticking = tick()
      .catch((e: unknown) => log.error('outbox tick failed', { error: e }))
      .finally(() => {
        ticking = undefined;
        if (again) {
          again = false;
          setImmediate(kick);
        }
      });
  }


  return {
    register(adapter: ChatAdapter) {
      adapters.set(adapter.platform, adapter);
    },
    adapter(platform: Platform) {
      return adapters.get(platform);
    },
    /**
     * Queues a new message. With `idempotencyKey` (by default the delivery's effect key, when a
     * delivery is being processed), a second call with the same key does nothing. The push is
     * marked queued only after it is stored: a run that died in between stores it again under the
     * same id, which replaces the first copy.
     */
    async post(conversation: ConversationRef, message: OutboundMessage, idempotencyKey?: string, cardKey?: string): Promise<boolean> {
      const key = idempotencyKey ?? effectKey('push');
      if (key && (await store.get(keys.outboxIdem(key))) !== undefined) return false;
      await enqueue({ kind: 'post', conversation, message, cardKey }, key && `push:${key}`);
      if (key) await store.set(keys.outboxIdem(key), 1, IDEM_TTL_MS);
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
    /** Pushes waiting to be sent (reads one count per conversation with a queue). */
    async pending(): Promise<number> {
      const conversations = await store.zrange(keys.outboxConversations(), -Infinity, Infinity, { limit: 10_000 });
      let n = 0;
      for (const { member } of conversations) n += await store.zcard(keys.outboxQueue(member));
      return n;
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
      for (const wake of [...naps]) wake();
      if (timer) clearInterval(timer);
      await ticking;
      await Promise.all([...inflight]);
    },
    /** Resolves when nothing is due (tests and graceful shutdown). */
    async drain(timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while ((await store.zcard(keys.outboxConversations())) > 0 || inflight.size > 0) {
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
