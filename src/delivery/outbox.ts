import { randomUUID } from 'node:crypto';
import { currentCorrelation, newCorrelationId } from '../core/correlation.js';
import { effectKey, outsideDelivery } from '../core/effects.js';
import { declareCapabilities } from '../core/capabilities.js';
import { keys } from '../core/keys.js';
import type { Logger } from '../core/log.js';
import { conversationKey, SendError, type ChatAdapter, type DestinationCheck } from '../core/ports.js';
import type { StateStore, Write } from '../core/store.js';
import type { ConversationRef, OutboundMessage, Platform, SentRef } from '../core/types.js';

/** A permanent refusal by the platform (not the app's credentials, which no other conversation would take either). */
function isRefusal(e: unknown): boolean {
  return e instanceof SendError && !e.retryable && e.code !== 'auth';
}

function meta(m: PushMeta): PushMeta {
  return { ...(m.person ? { person: m.person } : {}), ...(m.topic ? { topic: m.topic } : {}) };
}

/** A stored push. Ids sort in creation order, so one conversation's pushes keep their order. */
export interface OutboxItem {
  id: string;
  kind: 'post' | 'upsert';
  conversation: ConversationRef;
  /** For `post`. For `upsert` the latest content is read at send time, so a storm of updates coalesces. */
  message?: OutboundMessage;
  cardKey?: string;
  /**
   * A notice meant for one person (a user key): when the conversation refuses it for good, it
   * goes to that person's direct conversation with the bot instead.
   */
  person?: string;
  /** The subscription topic this push serves: a permanent refusal marks that subscription broken. */
  topic?: string;
  attempts: number;
  createdAt: number;
  /** The delivery and correlation id of the work that queued the push, for its log lines. */
  deliveryId?: string;
  correlationId?: string;
}

/**
 * What the outbox asks the domain when a platform refuses a push for good (the directory answers:
 * it knows people's direct conversations and the subscriptions).
 */
export interface RefusalHandlers {
  /** The person's direct conversation with the bot, if one is known or can be made (`like`: the refused conversation). */
  directConversation(person: string, like: ConversationRef): Promise<ConversationRef | undefined>;
  /** `conversation` refused a push of subscription `topic` for good (`error`: the platform's words). */
  subscriptionBroken(conversation: ConversationRef, topic: string, error: string): Promise<void>;
}

/** Extra facts about a push that decide what happens when it is refused. */
export interface PushMeta {
  person?: string;
  topic?: string;
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
/** Pushes read from a conversation's queue at a time. */
const HEAD = 10;
/** A card's "update queued" mark outlives any queue wait; the push frees it when it reads the content. */
const QUEUED_MARK_MS = 10 * 60_000;

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

  let refusals: RefusalHandlers | undefined;

  /** This process's name on conversation leases, so a replica never releases another's. */
  const owner = randomUUID();
  /** Conversations that got a push after their sender's last read: started again when it ends. */
  const dueAgain = new Set<string>();
  /** Conversations another replica is sending for, skipped here until the time given. */
  const foreign = new Map<string, number>();

  /**
   * Position of a new push in its conversation's queue: microseconds of the wall clock, kept
   * strictly increasing in this process, so one conversation's pushes leave in the order they
   * were made (replicas order theirs by their clocks).
   */
  let lastOrder = 0;
  const nextOrder = () => (lastOrder = Math.max(lastOrder + 1, Date.now() * 1000));

  /** The writes that store a push and queue it; the conversation is marked due unless it already is (a parked one keeps its time). */
  function enqueueWrites(item: Omit<OutboxItem, 'id' | 'attempts' | 'createdAt'>): Write[] {
    const order = nextOrder();
    const id = `${order}-${owner.slice(0, 8)}`;
    const convKey = conversationKey(item.conversation);
    const full: OutboxItem = { ...item, id, attempts: 0, createdAt: now(), ...currentCorrelation() };
    return [
      { op: 'set', key: keys.outboxItem(id), value: full },
      { op: 'zadd', key: keys.outboxQueue(convKey), member: id, score: order },
      { op: 'zadd', key: keys.outboxConversations(), member: convKey, score: now(), onlyNew: true },
    ];
  }

  /** After a push was queued: a conversation being sent here picks it up itself, others need a tick. */
  function queued(conversation: ConversationRef): void {
    metric('aftercare_outbox_enqueued_total', { platform: conversation.platform });
    if (!busy.has(conversationKey(conversation))) kick();
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

  /**
   * Sends one push; resolves with the writes that record it as sent (where a card now is).
   * An upsert frees its card's "queued" mark before reading the content, so an update made
   * during the send queues another push instead of being lost.
   */
  async function deliver(item: OutboxItem, adapter: ChatAdapter): Promise<Write[]> {
    const convKey = conversationKey(item.conversation);
    const idempotencyKey = `outbox:${item.id}:${item.createdAt}`;
    if (item.kind === 'post') {
      const sent = await adapter.post(item.conversation, item.message!, { idempotencyKey });
      return item.cardKey ? [{ op: 'set', key: keys.sentCard(item.cardKey, convKey), value: sent }] : [];
    }
    const cardKey = item.cardKey!;
    await store.release(keys.cardQueued(cardKey, convKey));
    const [message, sent] = await store.getMany<unknown>([keys.cardContent(cardKey, convKey), keys.sentCard(cardKey, convKey)]);
    if (!message) return [];
    if (sent && adapter.capabilities.updateInPlace) {
      try {
        await adapter.update(sent as SentRef, message as OutboundMessage);
        return [];
      } catch (e) {
        if (e instanceof SendError && e.retryable) throw e;
        log.warn('in-place update failed; posting a new message', { cardKey, error: e });
      }
    }
    const fresh = await adapter.post(item.conversation, message as OutboundMessage, { idempotencyKey });
    return [{ op: 'set', key: keys.sentCard(cardKey, convKey), value: fresh }];
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
    let released = false;
    try {
      for (;;) {
        const head = await store.zrange(keys.outboxQueue(convKey), -Infinity, Infinity, { limit: HEAD });
        const items = head.length ? await store.getMany<OutboxItem>(head.map((h) => keys.outboxItem(h.member))) : [];
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
        if (head.length === HEAD) continue;
        // Done: off the due list and the lease freed in one step; a push that arrived meanwhile
        // puts the conversation back.
        await store.batch([
          { op: 'zrem', key: keys.outboxConversations(), member: convKey },
          { op: 'release', key: lease, owner },
        ]);
        released = true;
        if ((await store.zcard(keys.outboxQueue(convKey))) > 0) {
          await park(convKey, now());
          dueAgain.add(convKey);
        }
        return;
      }
    } finally {
      if (!released) await store.release(lease, owner);
    }
  }

  /** Paces and sends one push. False when the conversation has to wait (it has been parked). */
  async function sendOne(convKey: string, item: OutboxItem): Promise<boolean> {
    // The push's lines carry the ids of the work that queued it (a pino child logger).
    const log = options.log.child({ deliveryId: item.deliveryId, correlationId: item.correlationId ?? newCorrelationId() });
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
        adapter.limits.perAppPerMinute ? take(`m:${adapter.platform}:${item.conversation.tenantId}`, adapter.limits.perAppPerMinute / 60, adapter.limits.perAppPerMinute) : 0,
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
      const sent = await deliver(item, adapter);
      await store.batch([{ op: 'zrem', key: keys.outboxQueue(convKey), member: item.id }, { op: 'delete', key: keys.outboxItem(item.id) }, ...sent]);
      metric('aftercare_outbox_sent_total', { platform: adapter.platform });
      log.info('push sent', { id: item.id, platform: adapter.platform, conversation: convKey, attempts: item.attempts + 1 });
      return true;
    } catch (e) {
      const retryable = e instanceof SendError ? e.retryable : true;
      const attempts = item.attempts + 1;
      if (!retryable && (await rerouted(convKey, item, e))) return true;
      if (!retryable || attempts >= maxAttempts) {
        if (!retryable && item.topic && refusals && isRefusal(e)) {
          await refusals.subscriptionBroken(item.conversation, item.topic, e instanceof Error ? e.message : String(e));
        }
        await store.batch([
          { op: 'set', key: keys.outboxItem(item.id), value: { ...item, attempts, failedAt: now(), error: String(e) } },
          { op: 'zrem', key: keys.outboxQueue(convKey), member: item.id },
          { op: 'zadd', key: keys.outboxDead(), member: item.id, score: now() },
          // Dead letters by platform, for the metrics, without reading the list.
          { op: 'hincr', key: keys.outboxDeadByPlatform(), by: { [adapter.platform]: 1 } },
        ]);
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

  /**
   * A personal notice the conversation refused for good goes to the person's direct conversation
   * with the bot: queued there once (keyed by this push), and taken off this queue. False when
   * there is nowhere else to send it.
   */
  async function rerouted(convKey: string, item: OutboxItem, e: unknown): Promise<boolean> {
    if (!item.person || !refusals || !isRefusal(e) || item.conversation.direct) return false;
    const direct = await refusals.directConversation(item.person, item.conversation);
    if (!direct || conversationKey(direct) === convKey) return false;
    const message = item.message ?? (item.cardKey ? await store.get<OutboundMessage>(keys.cardContent(item.cardKey, convKey)) : undefined);
    if (!message) return false;
    const writes = enqueueWrites({ kind: 'post', conversation: direct, message });
    await store.batch(writes, { once: keys.outboxIdem(`reroute:${item.id}`), onceTtlMs: IDEM_TTL_MS });
    await store.batch([{ op: 'zrem', key: keys.outboxQueue(convKey), member: item.id }, { op: 'delete', key: keys.outboxItem(item.id) }]);
    metric('aftercare_outbox_rerouted_total', { platform: item.conversation.platform });
    log.warn('personal notice refused by its conversation; sent to the person’s direct conversation instead', { id: item.id, conversation: convKey, error: e });
    queued(direct);
    return true;
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
          // A push that arrived for it while it was busy was left to it; it is due again now.
          if (dueAgain.delete(convKey)) kick();
        });
      inflight.add(run);
    }
    if (due.length === TICK_CONVERSATIONS) again = true;
  }

  /**
   * Starts a tick on the next turn of the event loop: the pushes a command queues in one go (a card
   * update, a notice, a survey) are then sent in one run of their conversation's sender, not one
   * run each while the command is still being processed.
   */
  let kickPending = false;
  function kick() {
    if (!running || kickPending) return;
    kickPending = true;
    setImmediate(() => {
      kickPending = false;
      startTick();
    });
  }

  function startTick() {
    if (!running) return;
    if (ticking) {
      again = true;
      return;
    }
    // A push queued by a delivery starts the sender, which is not part of that delivery.
    ticking = outsideDelivery(tick)
      .catch((e: unknown) => log.error('outbox tick failed', { error: e }))
      .finally(() => {
        ticking = undefined;
        if (again) {
          again = false;
          kick();
        }
      });
  }

  return {
    register(adapter: ChatAdapter) {
      adapters.set(adapter.platform, adapter);
      declareCapabilities(adapter.platform, adapter.capabilities);
    },
    adapter(platform: Platform) {
      return adapters.get(platform);
    },
    /** Who decides where a refused personal notice goes and which subscription a refusal breaks. */
    onRefusal(handlers: RefusalHandlers) {
      refusals = handlers;
    },
    /** Whether the bot can post in `conversation` (its adapter's check; reachable when it has none). */
    async checkDestination(conversation: ConversationRef): Promise<DestinationCheck> {
      const adapter = adapters.get(conversation.platform);
      if (!adapter?.checkDestination) return { ok: true };
      return adapter.checkDestination(conversation);
    },
    /**
     * Queues a new message. With `idempotencyKey` (by default the delivery's effect key, when a
     * delivery is being processed), a second call with the same key does nothing. The push is
     * marked queued only after it is stored: a run that died in between stores it again under the
     * same id, which replaces the first copy.
     */
    async post(conversation: ConversationRef, message: OutboundMessage, idempotencyKey?: string, cardKey?: string, pushMeta: PushMeta = {}): Promise<boolean> {
      return this.postAll([{ conversation, message, cardKey, ...pushMeta }], idempotencyKey);
    },
    /**
     * Queues several messages (to one or more conversations) as one unit, with `alongside` — the
     * writes of what the messages show (a survey they ask) — in the same batch: all or nothing,
     * once per idempotency key (by default the delivery's effect key).
     */
    async postAll(messages: Array<{ conversation: ConversationRef; message: OutboundMessage; cardKey?: string } & PushMeta>, idempotencyKey?: string, alongside: Write[] = []): Promise<boolean> {
      const key = idempotencyKey ?? effectKey('push');
      const writes = messages.flatMap((m) => enqueueWrites({ kind: 'post', conversation: m.conversation, message: m.message, cardKey: m.cardKey, ...meta(m) }));
      if (!(await store.batch([...alongside, ...writes], key ? { once: keys.outboxIdem(key), onceTtlMs: IDEM_TTL_MS } : {}))) return false;
      for (const m of messages) queued(m.conversation);
      return true;
    },
    /**
     * Shows `message` as the card `cardKey` in `conversation`: posted the first time, updated in
     * place afterwards. Rapid updates coalesce into one send of the latest content.
     */
    async upsert(conversation: ConversationRef, cardKey: string, message: OutboundMessage, pushMeta: PushMeta = {}): Promise<void> {
      const convKey = conversationKey(conversation);
      const content: Write = { op: 'set', key: keys.cardContent(cardKey, convKey), value: message };
      // Not queued yet: store the content and queue the push together. Queued: the push will read this content.
      const fresh = await store.batch(enqueueWrites({ kind: 'upsert', conversation, cardKey, ...meta(pushMeta) }), { always: [content], once: keys.cardQueued(cardKey, convKey), onceTtlMs: QUEUED_MARK_MS });
      if (fresh) queued(conversation);
    },
    /** Where a card was posted in a conversation, if it was. */
    async sentRef(cardKey: string, conversation: ConversationRef): Promise<SentRef | undefined> {
      return store.get<SentRef>(keys.sentCard(cardKey, conversationKey(conversation)));
    },
    /** Pushes waiting to be sent (reads one count per conversation with a queue). */
    async pending(): Promise<number> {
      return Object.values(await this.backlog()).reduce((a, b) => a + b, 0);
    },
    /** Pushes waiting to be sent, by platform (0 for each platform registered here; one count per conversation with a queue). */
    async backlog(): Promise<Record<string, number>> {
      const conversations = await store.zrange(keys.outboxConversations(), -Infinity, Infinity, { limit: 10_000 });
      const out: Record<string, number> = Object.fromEntries([...adapters.keys()].map((p) => [p, 0]));
      for (const { member } of conversations) {
        const platform = member.split(':')[0]!;
        out[platform] = (out[platform] ?? 0) + (await store.zcard(keys.outboxQueue(member)));
      }
      return out;
    },
    /** Pushes given up on (dead letters) so far, by platform (0 for each platform registered here). */
    async deadLetters(): Promise<Record<string, number>> {
      return { ...Object.fromEntries([...adapters.keys()].map((p) => [p, 0])), ...(await store.hgetall(keys.outboxDeadByPlatform())) };
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
