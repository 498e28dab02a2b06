import { effectKey } from '../../core/effects.js';
import { AppError } from '../../core/errors.js';
import { keys } from '../../core/keys.js';
import type { Write } from '../../core/store.js';
import type { ConversationRef } from '../../core/types.js';
import type { AuditLog } from '../audit/service.js';
import { count, emptyTally, tallyWrites } from '../digest/figures.js';
import { withLock, type ServiceDeps } from '../deps.js';
import type { Directory } from '../directory/service.js';
import type { Notify } from '../notify.js';
import type { Timer, Timers } from '../timers.js';
import { docReviewCard } from './cards.js';

/** The kinds of document a delivered system has. */
export const DOC_KINDS = ['design', 'dev', 'test', 'manual', 'runbook', 'training'] as const;
export type DocKind = (typeof DOC_KINDS)[number];

/** Kinds whose readers act on them in production: flagged when their system ships, linked from ticket cards and release notes. */
export const OPERATIONAL_KINDS: readonly DocKind[] = ['manual', 'runbook'];

export interface Doc {
  /** `DOC-<n>`. */
  id: string;
  system: string;
  kind: DocKind;
  /** http(s) only. */
  url: string;
  /** `platform:id` of who keeps it current. */
  owner: string;
  ownerName?: string;
  /** Days between reviews; none = no review reminders. */
  reviewDays?: number;
  addedBy: string;
  addedAt: number;
  /** Last review (the day it was added counts as one). */
  reviewedAt: number;
  status: 'current' | 'needs-update' | 'retired';
  /** Set when a release of its system shipped after its last review. */
  stale?: { release: string; at: number };
  /** Where it was registered: the review card's fallback when the owner has no direct chat with the bot. */
  addedIn: ConversationRef;
}

/** A link a ticket card or release note shows. */
export interface DocLink {
  id: string;
  kind: DocKind;
  url: string;
}

export const DOC_REVIEW_TIMER = 'doc-review';
const DAY = 86_400_000;
const docTimerId = (id: string) => `doc:${id}:review`;

export interface DocsDeps {
  timers: Timers;
  notify: Pick<Notify, 'toConversation'>;
  directory: Pick<Directory, 'directConversation' | 'userLocale'>;
}

/**
 * The documentation registry: each delivered system's documents with their owner and review
 * cycle. A review falls due as a stored timer (once across replicas, see timers.ts) and the owner
 * gets a card; a release of the system flags its manuals and runbooks not reviewed since the
 * previous release of that system.
 */
export function createDocs(deps: ServiceDeps, audit: AuditLog, more: DocsDeps) {
  const { store, now } = deps;
  const { timers, notify, directory } = more;

  async function load(id: string): Promise<Doc> {
    const d = await store.get<Doc>(keys.doc(id));
    if (!d) throw new AppError('not_found', 'error.doc_not_found', { id });
    return d;
  }

  function reviewTimer(d: Doc): Timer | undefined {
    if (!d.reviewDays || d.status === 'retired') return undefined;
    return { id: docTimerId(d.id), kind: DOC_REVIEW_TIMER, dueAt: d.reviewedAt + d.reviewDays * DAY, data: { id: d.id, reviewedAt: d.reviewedAt } };
  }

  /**
   * Applies `fn` to a document under its lock and stores it with its audit entry, its review timer
   * moved (or removed) and `extra` writes, in one batch applied once per delivery.
   */
  async function mutate(by: string, action: string, id: string, fn: (d: Doc) => void, extra: Write[] = []): Promise<Doc> {
    const effect = effectKey('doc-change');
    return withLock(store, `doc:${id}`, async () => {
      const d = await load(id);
      const before = { status: d.status, reviewedAt: d.reviewedAt };
      fn(d);
      const timer = reviewTimer(d);
      const applied = await store.batch(
        [
          { op: 'set', key: keys.doc(d.id), value: d },
          ...(timer ? timers.scheduleWrites(timer) : timers.cancelWrites(docTimerId(d.id))),
          ...audit.entry(by, action, d.id, before, { status: d.status, reviewedAt: d.reviewedAt }),
          ...extra,
        ],
        { once: effect },
      );
      return applied ? d : load(id);
    });
  }

  async function ofSystem(system: string): Promise<Doc[]> {
    const ids = await store.zrange(keys.docsBySystem(system), -Infinity, Infinity);
    return (await store.getMany<Doc>(ids.map((m) => keys.doc(m.member)))).filter((d): d is Doc => d !== undefined);
  }

  /** Posts the review card to the document's owner (their direct chat, else where it was registered), once per `idempotencyKey`. */
  async function askOwner(d: Doc, idempotencyKey: string): Promise<void> {
    const direct = await directory.directConversation(d.owner);
    // In their own chat the owner reads their language; where the document was registered, the channel's.
    const locale = direct ? await directory.userLocale(d.owner) : undefined;
    await notify.toConversation(direct ?? d.addedIn, (c) => docReviewCard(d, c), { idempotencyKey, locale });
  }

  return {
    get: load,

    /** Registers a document. Idempotent per delivery (a re-run gets the same DOC id and stores nothing twice). */
    async add(by: string, input: { system: string; kind: DocKind; url: string; owner: string; ownerName?: string; reviewDays?: number; addedIn: ConversationRef }): Promise<Doc> {
      const effect = effectKey('doc');
      const id = `DOC-${await store.nextId(keys.seq('DOC'), effect)}`;
      const at = now();
      const d: Doc = { id, ...input, addedBy: by, addedAt: at, reviewedAt: at, status: 'current' };
      const timer = reviewTimer(d);
      await store.batch(
        [
          { op: 'set', key: keys.doc(id), value: d },
          { op: 'zadd', key: keys.docsBySystem(d.system), member: id, score: at },
          { op: 'zadd', key: keys.docSystems(), member: d.system, score: at, onlyNew: true },
          ...(timer ? timers.scheduleWrites(timer) : []),
          ...audit.entry(by, 'doc.added', id, undefined, { system: d.system, kind: d.kind, url: d.url, owner: d.owner }),
        ],
        { once: effect && keys.effectStep(effect, 'add') },
      );
      return (await store.get<Doc>(keys.doc(id))) ?? d;
    },

    /** Marks a document reviewed now: current again, next review counted from today. */
    async reviewed(by: string, id: string): Promise<Doc> {
      const tally = emptyTally();
      count(tally.day, 'docs:reviewed');
      return mutate(
        by,
        'doc.reviewed',
        id,
        (doc) => {
          if (doc.status === 'retired') throw new AppError('conflict', 'error.doc_retired', { id });
          doc.reviewedAt = now();
          doc.status = 'current';
          delete doc.stale;
        },
        tallyWrites(tally, now()),
      );
    },

    /** The owner says it needs an update: it stays listed, marked, and the review reminder waits for the next review. */
    async needsUpdate(by: string, id: string): Promise<Doc> {
      return mutate(by, 'doc.needs_update', id, (doc) => {
        if (doc.status === 'retired') throw new AppError('conflict', 'error.doc_retired', { id });
        doc.status = 'needs-update';
      });
    },

    async retire(by: string, id: string): Promise<Doc> {
      return mutate(by, 'doc.retired', id, (doc) => {
        doc.status = 'retired';
      });
    },

    /** A system's documents that are not retired, oldest first. */
    async list(system: string): Promise<Doc[]> {
      return (await ofSystem(system)).filter((d) => d.status !== 'retired');
    },

    /** Every system with a registered document. */
    async systems(): Promise<string[]> {
      return (await store.zrange(keys.docSystems(), -Infinity, Infinity)).map((m) => m.member);
    },

    /** The system's current manual and runbook (the newest of each kind not retired). */
    async links(system: string | undefined): Promise<DocLink[]> {
      if (!system) return [];
      const docs = (await ofSystem(system)).filter((d) => d.status !== 'retired' && OPERATIONAL_KINDS.includes(d.kind));
      const out: DocLink[] = [];
      for (const kind of OPERATIONAL_KINDS) {
        const newest = docs.filter((d) => d.kind === kind).at(-1);
        if (newest) out.push({ id: newest.id, kind, url: newest.url });
      }
      return out;
    },

    /**
     * A release of `system` shipped: its manuals and runbooks last reviewed before `since` (the
     * previous release of that system) may be stale; each is flagged and its owner asked to review
     * it, once per release.
     */
    async flagStale(system: string, release: string, since: number): Promise<Doc[]> {
      const flagged: Doc[] = [];
      for (const doc of await ofSystem(system)) {
        if (doc.status === 'retired' || !OPERATIONAL_KINDS.includes(doc.kind) || doc.reviewedAt >= since || doc.stale?.release === release) continue;
        const d = await mutate('system:release', 'doc.flagged_stale', doc.id, (x) => {
          x.stale = { release, at: now() };
        });
        const tally = emptyTally();
        count(tally.day, 'docs:stale');
        await store.batch(tallyWrites(tally, now()), { once: keys.docFlagged(d.id, release) });
        await askOwner(d, `doc:${d.id}:stale:${release}`);
        flagged.push(d);
      }
      return flagged;
    },

    askOwner,

    /** Handles a due review timer: the owner gets the card, unless the document was reviewed or retired since. */
    async onTimer(timer: Timer): Promise<void> {
      if (timer.kind !== DOC_REVIEW_TIMER) return;
      const d = await store.get<Doc>(keys.doc(String(timer.data.id)));
      if (!d || d.status === 'retired' || d.reviewedAt !== Number(timer.data.reviewedAt)) return;
      await askOwner(d, `doc:${d.id}:review:${timer.dueAt}`);
      await audit.record('system:timer', 'doc.review_due', d.id);
    },
  };
}
export type Docs = ReturnType<typeof createDocs>;
