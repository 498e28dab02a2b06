import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';
import { effectKey } from '../../core/effects.js';
import { AppError } from '../../core/errors.js';
import { keys } from '../../core/keys.js';
import { conversationKey } from '../../core/ports.js';
import type { ConversationRef, Locale } from '../../core/types.js';
import { personLabel } from '../directory/people.js';
import type { AuditLog } from '../audit/service.js';
import { count, emptyTally, tallyWrites } from '../digest/figures.js';
import { withLock, type ServiceDeps } from '../deps.js';
import type { Directory } from '../directory/service.js';
import type { OrgPeople } from '../directory/org-people.js';
import type { Notify } from '../notify.js';
import type { Timer, Timers } from '../timers.js';
import { invitationCard, ratingCard, reminderMessage } from './cards.js';

dayjs.extend(utc);
dayjs.extend(timezone);

export const TRAINING_MODES = ['online', 'onsite', 'video'] as const;
export type TrainingMode = (typeof TRAINING_MODES)[number];

/** An attendee's answer to the invitation, and where to reach them. */
export interface Attendance {
  response: 'attend' | 'decline';
  name?: string;
  at: number;
  /** Where they answered: reminders go to their direct chat with the bot, else here. */
  conversation: ConversationRef;
}

export interface TrainingSession {
  /** `TRN-<n>`. */
  id: string;
  org: string;
  /** Start (epoch ms). */
  at: number;
  topic: string;
  mode: TrainingMode;
  url?: string;
  createdBy: string;
  createdAt: number;
  attendees: Record<string, Attendance>;
  /** 1–5 per attendee, after the session. */
  ratings: Record<string, number>;
  /** Set when the session is over (its rating requests went out). */
  held?: boolean;
}

export const TRAINING_TIMER = 'training';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/**
 * How long a session is taken to last before its attendees are asked to rate it. Sessions have no
 * end time in the command's grammar; an hour is the common length of a customer training.
 */
export const SESSION_MS = 60 * MINUTE;

/** The stored timers of a session: reminders a day and 15 minutes before, and the rating request after it. */
const STEPS = [
  { step: 'remind-day', offset: -DAY },
  { step: 'remind-15m', offset: -15 * MINUTE },
  { step: 'rate', offset: SESSION_MS },
] as const;
export type TrainingStep = (typeof STEPS)[number]['step'];

/**
 * Reads `YYYY-MM-DD HH:mm` as a wall-clock time in `zone` (IANA): epoch ms, or undefined for a
 * date that does not exist (2026-02-30) or a malformed one. Time-zone arithmetic is dayjs's.
 */
export function parseLocalTime(date: string, time: string, zone: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !/^\d{1,2}:\d{2}$/.test(time)) return undefined;
  const hhmm = time.padStart(5, '0');
  const d = dayjs.tz(`${date}T${hhmm}:00`, zone);
  if (!d.isValid() || d.format('YYYY-MM-DD HH:mm') !== `${date} ${hhmm}`) return undefined;
  return d.valueOf();
}

export interface TrainingDeps {
  timers: Timers;
  notify: Pick<Notify, 'toConversation'>;
  directory: Pick<Directory, 'directConversation' | 'userLocale'>;
  orgs: Pick<OrgPeople, 'conversations'>;
}

/**
 * Customer training: sessions per organisation, invitations with Attend / Cannot attend in the
 * organisation's channels, reminders and the rating request as stored timers (once across
 * replicas), attendance and ratings counted in the digest.
 */
export function createTraining(deps: ServiceDeps, audit: AuditLog, more: TrainingDeps) {
  const { store, now } = deps;
  const { timers, notify, directory, orgs } = more;

  async function load(id: string): Promise<TrainingSession> {
    const s = await store.get<TrainingSession>(keys.training(id));
    if (!s) throw new AppError('not_found', 'error.training_not_found', { id });
    return s;
  }

  /** The invitation card in every conversation of the session's organisation, updated in place. */
  async function showInvitation(s: TrainingSession): Promise<void> {
    for (const conv of await orgs.conversations(s.org)) {
      await notify.toConversation(conv, (c) => invitationCard(s, c), { cardKey: `training:${s.id}` });
    }
  }

  async function change(by: string, action: string, id: string, fn: (s: TrainingSession) => unknown): Promise<TrainingSession> {
    return withLock(store, `training:${id}`, async () => {
      const s = await load(id);
      const after = fn(s);
      await store.batch([{ op: 'set', key: keys.training(id), value: s }, ...audit.entry(by, action, id, undefined, after)]);
      return s;
    });
  }

  const attending = (s: TrainingSession) => Object.entries(s.attendees).filter(([, a]) => a.response === 'attend');

  /**
   * Where the attendees hear from us: each in their direct chat with the bot (in their language)
   * when there is one; the others in the conversation where they answered, one message per
   * conversation naming them (a channel does not get the same reminder once per person).
   */
  async function audiences(s: TrainingSession): Promise<Array<{ key: string; conversation: ConversationRef; locale?: Locale; names?: string[] }>> {
    const out: Array<{ key: string; conversation: ConversationRef; locale?: Locale; names?: string[] }> = [];
    const shared = new Map<string, { key: string; conversation: ConversationRef; names: string[] }>();
    for (const [user, a] of attending(s)) {
      const direct = await directory.directConversation(user);
      if (direct) {
        out.push({ key: user, conversation: direct, locale: await directory.userLocale(user) });
        continue;
      }
      const key = conversationKey(a.conversation);
      const group = shared.get(key) ?? { key, conversation: a.conversation, names: [] };
      group.names.push(personLabel(user, a.name));
      shared.set(key, group);
    }
    return [...out, ...shared.values()];
  }

  return {
    get: load,

    /** Schedules a session and posts its invitation. Idempotent per delivery. */
    async schedule(by: string, input: { org: string; at: number; topic: string; mode: TrainingMode; url?: string }): Promise<TrainingSession> {
      if (input.at <= now()) throw new AppError('invalid_argument', 'error.training_in_past');
      const effect = effectKey('training');
      const id = `TRN-${await store.nextId(keys.seq('TRN'), effect)}`;
      const s: TrainingSession = { id, ...input, createdBy: by, createdAt: now(), attendees: {}, ratings: {} };
      const timerWrites = STEPS.filter(({ offset }) => input.at + offset > now()).flatMap(({ step, offset }) =>
        timers.scheduleWrites({ id: `training:${id}:${step}`, kind: TRAINING_TIMER, dueAt: input.at + offset, data: { id, step } }),
      );
      await store.batch(
        [
          { op: 'set', key: keys.training(id), value: s },
          { op: 'zadd', key: keys.trainingsByOrg(s.org), member: id, score: s.at },
          { op: 'zadd', key: keys.trainingsAll(), member: id, score: s.at },
          ...timerWrites,
          ...audit.entry(by, 'training.scheduled', id, undefined, { org: s.org, at: new Date(s.at).toISOString(), topic: s.topic }),
        ],
        { once: effect && keys.effectStep(effect, 'schedule') },
      );
      const stored = await load(id);
      await showInvitation(stored);
      return stored;
    },

    /** Attend / Cannot attend. Only people of the session's organisation (or staff) may answer; the invitation shows the new count. */
    async respond(by: string, byName: string | undefined, id: string, response: Attendance['response'], conversation: ConversationRef): Promise<TrainingSession> {
      const s = await change(by, `training.${response}`, id, (x) => {
        if (x.held) throw new AppError('conflict', 'error.training_over', { id });
        x.attendees[by] = { response, name: byName, at: now(), conversation };
        return { response };
      });
      await showInvitation(s);
      return s;
    },

    /** An attendee's 1–5 rating after the session; one per attendee. */
    async rate(by: string, id: string, score: number): Promise<TrainingSession> {
      if (!Number.isInteger(score) || score < 1 || score > 5) throw new AppError('invalid_argument', 'error.training_score');
      return change(by, 'training.rated', id, (x) => {
        if (x.attendees[by]?.response !== 'attend') throw new AppError('forbidden', 'error.training_not_attendee', { id });
        if (x.ratings[by] !== undefined) throw new AppError('conflict', 'error.training_already_rated', { id });
        x.ratings[by] = score;
        return { score };
      }).then(async (s) => {
        const tally = emptyTally();
        count(tally.day, 'training:rating:sum', score);
        count(tally.day, 'training:rating:n');
        await store.batch(tallyWrites(tally, now()), { once: keys.trainingCounted(id, `rating:${by}`) });
        return s;
      });
    },

    /** Sessions of one organisation (or every one), soonest last. */
    async list(org?: string, limit = 20): Promise<TrainingSession[]> {
      const ids = await store.zrange(org ? keys.trainingsByOrg(org) : keys.trainingsAll(), -Infinity, Infinity, { reverse: true, limit });
      return (await store.getMany<TrainingSession>(ids.map((m) => keys.training(m.member)))).filter((s): s is TrainingSession => s !== undefined).reverse();
    },

    /** Handles a due session timer: reminders to attendees, or (after it) the rating request and the digest's counts. */
    async onTimer(timer: Timer): Promise<void> {
      if (timer.kind !== TRAINING_TIMER) return;
      const s = await store.get<TrainingSession>(keys.training(String(timer.data.id)));
      if (!s) return;
      const step = String(timer.data.step) as TrainingStep;
      if (step === 'rate') {
        const held = await change('system:timer', 'training.held', s.id, (x) => {
          x.held = true;
          return { attendees: attending(x).length };
        });
        const tally = emptyTally();
        count(tally.day, 'training:held');
        count(tally.day, 'training:attendees', attending(held).length);
        await store.batch(tallyWrites(tally, s.at), { once: keys.trainingCounted(s.id, 'held') });
        for (const to of await audiences(held)) {
          await notify.toConversation(to.conversation, (c) => ratingCard(held, c, to.names), { idempotencyKey: `trn:${s.id}:rate:${to.key}`, locale: to.locale });
        }
        await showInvitation(held);
        return;
      }
      for (const to of await audiences(s)) {
        await notify.toConversation(to.conversation, (c) => reminderMessage(s, step, c, to.names), { idempotencyKey: `trn:${s.id}:${step}:${to.key}`, locale: to.locale });
      }
    },
  };
}
export type Training = ReturnType<typeof createTraining>;
