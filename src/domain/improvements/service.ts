import { effectKey } from '../../core/effects.js';
import { AppError } from '../../core/errors.js';
import { keys } from '../../core/keys.js';
import type { Write } from '../../core/store.js';
import type { OutboundMessage } from '../../core/types.js';
import type { AuditLog } from '../audit/service.js';
import { endOfLocalDay, localDay } from '../calendar.js';
import type { CardContext } from '../cards.js';
import type { ServiceDeps } from '../deps.js';
import type { DirectNotices } from '../direct.js';
import { causeFields, count, emptyTally, mondayOf, tallyWrites, weeksFrom } from '../digest/figures.js';
import { reminderMessage } from './cards.js';

export const ACTION_TYPES = ['technical', 'process', 'management'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

/** An improvement action `IMP-n`: a change meant to stop a root cause from recurring. */
export interface ImprovementAction {
  id: string;
  title: string;
  type: ActionType;
  /** `platform:id`; reminders go to the owner, else to whoever created the action. */
  owner?: string;
  ownerName?: string;
  /** Due date `YYYY-MM-DD` (in AFTERCARE_TIMEZONE); overdue once that day has passed. */
  due?: string;
  cause?: string;
  /** The system whose tickets the effect counts (from the `from:` ticket, or given). */
  system?: string;
  /** The ticket or alert it came from (`SUP-n`, `ALR-n`). */
  from?: string;
  org?: string;
  status: 'open' | 'done';
  createdAt: number;
  createdBy: string;
  closedAt?: number;
  closedBy?: string;
}

export interface NewAction {
  title: string;
  type?: ActionType;
  owner?: string;
  ownerName?: string;
  due?: string;
  cause?: string;
  system?: string;
  from?: string;
  org?: string;
}

/** An action's effect: tickets with its cause (on its system, when set) in the four weeks before its closure and the four from it. */
export interface ActionEffect {
  action: ImprovementAction;
  before: number;
  after: number;
  /** False while the four weeks after closure have not all passed. */
  complete: boolean;
}

const WEEK = 7 * 86_400_000;
/** Weeks compared on each side of an action's closure. */
export const EFFECT_WEEKS = 4;

/**
 * Improvement actions: create, close, list; the daily reminder of overdue ones; the figures of the
 * digest's improvement section and the effect of each closed action, read from per-week aggregates
 * (a fixed number of hashes per action, however many tickets there are).
 */
export function createImprovements(deps: ServiceDeps, audit: AuditLog, direct: DirectNotices) {
  const { store, now, config } = deps;

  async function load(id: string): Promise<ImprovementAction> {
    const a = await store.get<ImprovementAction>(keys.improvement(id));
    if (!a) throw new AppError('not_found', 'error.improvement_not_found', { id });
    return a;
  }

  return {
    get: load,

    /** Creates an action. Idempotent per delivery: a re-run returns the action the first run stored. */
    async add(by: string, input: NewAction): Promise<ImprovementAction> {
      if (input.cause !== undefined && !config.causes.includes(input.cause)) {
        throw new AppError('invalid_argument', 'error.unknown_cause', { cause: input.cause, causes: config.causes.join(', ') });
      }
      const effect = effectKey('improvement');
      const id = `IMP-${await store.nextId(keys.seq('IMP'), effect)}`;
      const at = now();
      const action: ImprovementAction = { ...input, id, type: input.type ?? 'technical', status: 'open', createdAt: at, createdBy: by };
      const tally = emptyTally();
      count(tally.day, 'improve:opened');
      const writes: Write[] = [
        { op: 'set', key: keys.improvement(id), value: action },
        { op: 'zadd', key: keys.improvementsAll(), member: id, score: at },
        { op: 'zadd', key: keys.improvementsOpen(), member: id, score: at },
        ...tallyWrites(tally, at),
        ...audit.entry(by, 'improvement.created', id, undefined, action, input.org),
      ];
      if (action.due) writes.push({ op: 'zadd', key: keys.improvementsDue(), member: id, score: endOfLocalDay(action.due, config.timezone) });
      if (action.from) writes.push({ op: 'zadd', key: keys.improvementsFrom(action.from), member: id, score: at });
      const applied = await store.batch(writes, { once: effect && keys.effectStep(effect, 'create') });
      return applied ? action : load(id);
    },

    /** Closes an action (its effect is measured from now). Closing a closed one is refused. */
    async done(by: string, id: string): Promise<ImprovementAction> {
      const action = await load(id);
      if (action.status === 'done') throw new AppError('conflict', 'error.improvement_done', { id });
      const at = now();
      const closed: ImprovementAction = { ...action, status: 'done', closedAt: at, closedBy: by };
      const tally = emptyTally();
      count(tally.day, 'improve:closed');
      // Closed once, whichever replica or double click gets there first; the delivery that closed it
      // finds it closed by itself when it runs again.
      const applied = await store.batch(
        [
          { op: 'set', key: keys.improvement(id), value: closed },
          { op: 'zrem', key: keys.improvementsOpen(), member: id },
          { op: 'zrem', key: keys.improvementsDue(), member: id },
          { op: 'zadd', key: keys.improvementsClosed(), member: id, score: at },
          ...tallyWrites(tally, at),
          ...audit.entry(by, 'improvement.done', id, { status: 'open' }, { status: 'done' }, action.org),
        ],
        { once: keys.effectStep(keys.improvement(id), 'done') },
      );
      if (applied) return closed;
      const now2 = await load(id);
      if (now2.closedBy === by) return now2;
      throw new AppError('conflict', 'error.improvement_done', { id });
    },

    /** Newest first: open actions, or all of them. */
    async list(scope: 'open' | 'all', limit = 20): Promise<{ actions: ImprovementAction[]; total: number }> {
      const index = scope === 'open' ? keys.improvementsOpen() : keys.improvementsAll();
      const [total, ids] = await Promise.all([store.zcard(index), store.zrange(index, -Infinity, Infinity, { reverse: true, limit })]);
      const actions = (await store.getMany<ImprovementAction>(ids.map((m) => keys.improvement(m.member)))).filter((a): a is ImprovementAction => a !== undefined);
      return { actions, total };
    },

    /** Actions created from a ticket or alert. */
    async fromSource(id: string): Promise<ImprovementAction[]> {
      const ids = await store.zrange(keys.improvementsFrom(id), -Infinity, Infinity);
      return (await store.getMany<ImprovementAction>(ids.map((m) => keys.improvement(m.member)))).filter((a): a is ImprovementAction => a !== undefined);
    },

    /** Open actions whose due day has passed, most overdue first. */
    async overdue(limit = 500): Promise<ImprovementAction[]> {
      const ids = await store.zrange(keys.improvementsDue(), -Infinity, now(), { limit });
      return (await store.getMany<ImprovementAction>(ids.map((m) => keys.improvement(m.member)))).filter((a): a is ImprovementAction => a?.status === 'open');
    },

    /**
     * Reminds the owner of every overdue action, once per calendar day (AFTERCARE_TIMEZONE) across
     * replicas: the push's idempotency key is the action and the day. Returns how many were queued
     * by this call.
     */
    async remindOverdue(): Promise<number> {
      const today = localDay(now(), config.timezone);
      let sent = 0;
      for (const action of await this.overdue()) {
        const to = action.owner ?? action.createdBy;
        const build = (c: CardContext): OutboundMessage => reminderMessage(action, c);
        if (await direct.toUser(to, build, { idempotencyKey: `imp:${action.id}:remind:${today}` })) sent++;
        else deps.log.warn('overdue action owner has no direct conversation with the bot', { action: action.id, owner: to });
      }
      return sent;
    },

    /** How many open actions are overdue now. */
    async overdueCount(): Promise<number> {
      return (await store.zrange(keys.improvementsDue(), -Infinity, now(), { limit: 10_000 })).length;
    },

    /**
     * The effect of each action closed within the last `2 × EFFECT_WEEKS` weeks that names a cause:
     * tickets with its cause (and system) opened in the four weeks before the week of closure
     * against the week of closure and the three after. Weeks run Monday to Monday (UTC). Reads at
     * most eight week hashes per distinct closing week.
     */
    async effects(limit = 20): Promise<ActionEffect[]> {
      const at = now();
      const ids = await store.zrange(keys.improvementsClosed(), at - 2 * EFFECT_WEEKS * WEEK, at, { reverse: true, limit });
      const actions = (await store.getMany<ImprovementAction>(ids.map((m) => keys.improvement(m.member)))).filter((a): a is ImprovementAction => a?.cause !== undefined && a.closedAt !== undefined);
      const weeks = new Map<string, Promise<Record<string, number>>>();
      const week = (monday: string) => {
        if (!weeks.has(monday)) weeks.set(monday, store.hgetall(keys.aggWeek(monday)));
        return weeks.get(monday)!;
      };
      const thisWeek = mondayOf(at);
      return Promise.all(
        actions.map(async (action) => {
          const closedWeek = mondayOf(action.closedAt!);
          const field = causeFields(action.cause!, action.system).at(-1)!;
          const sum = async (from: number, to: number) => {
            let n = 0;
            for (let i = from; i < to; i++) n += (await week(weeksFrom(closedWeek, i)))[field] ?? 0;
            return n;
          };
          const [before, after] = await Promise.all([sum(-EFFECT_WEEKS, 0), sum(0, EFFECT_WEEKS)]);
          return { action, before, after, complete: weeksFrom(closedWeek, EFFECT_WEEKS) <= thisWeek };
        }),
      );
    },
  };
}
export type Improvements = ReturnType<typeof createImprovements>;
