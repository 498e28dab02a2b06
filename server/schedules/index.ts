import cron, { type RunCoordinator, type ScheduledTask } from 'node-cron';
import type { RunningApp } from '../app.js';
import type { AppConfig } from '../../src/config.js';
import { keys } from '../../src/core/keys.js';
import type { StateStore } from '../../src/core/store.js';
import { checkBackups } from '../../src/domain/backups/check.js';
import { sendDigest } from '../../src/domain/digest/send.js';
import { campaignTargets, sendSurveyCampaign } from '../../src/domain/surveys/campaign.js';

type Running = Pick<RunningApp, 'services' | 'log'>;

/** Crons of the checks; overridable for tests. */
export interface ScheduleOptions {
  backupCheckCron?: string;
  /** The reminder check (overdue improvement actions, missing postmortems); hourly by default. */
  reminderCron?: string;
}

/** How long a tick's claim is kept: longer than any replica's clock skew or restart, so a slot never runs twice. */
const SLOT_CLAIM_MS = 7 * 24 * 3600_000;

/**
 * node-cron's RunCoordinator backed by the store's atomic claim (`SET NX PX` on Redis, an upsert on
 * SQLite): with N replicas each tick (`<task name>:<slot time>`) is elected on exactly one of them.
 * The claim is kept after the run, so a replica whose clock lags cannot run the slot again.
 */
export function storeRunCoordinator(store: StateStore): RunCoordinator {
  return { shouldRun: (key, ttlMs) => store.claim(keys.cronRun(key), Math.max(ttlMs || 0, SLOT_CLAIM_MS)) };
}

/**
 * Starts the schedules (the weekly digest on AFTERCARE_DIGEST_CRON in AFTERCARE_TIMEZONE, survey
 * campaigns, the backup-staleness check, the hourly purge of expired rows) and registers the alert-escalation timer handler. SLA
 * timers are not a schedule: the app polls them every AFTERCARE_TIMER_POLL_MS.
 * Ticks don't overlap in a process and run once across replicas. Returns a stop function.
 */
export function startSchedules(running: Running, config: AppConfig, options: ScheduleOptions = {}): () => Promise<void> {
  const { services, log } = running;
  const coordinator = storeRunCoordinator(services.deps.store);
  const tasks: ScheduledTask[] = [];
  const add = (name: string, expression: string, run: (slot: string) => Promise<unknown>) => {
    const task = cron.schedule(
      expression,
      async (ctx) => {
        const slot = ctx.date.toISOString();
        // Only the replica elected for this slot gets here: one line per run, not per tick.
        log.info('schedule run', { task: name, slot, pid: process.pid });
        try {
          await run(slot);
        } catch (e) {
          log.error('scheduled task failed', { task: name, slot, error: e });
        }
      },
      { name, timezone: config.timezone, noOverlap: true, distributed: true, runCoordinator: coordinator, unref: true },
    );
    tasks.push(task);
  };
  add('digest', config.digestCron, (slot) => sendDigest(services, config, log, slot));
  if (config.surveyCron) {
    const template = config.surveyTemplate;
    add('survey-campaign', config.surveyCron, async () => {
      // Every customer organisation, in its channels; nothing to do while none has a channel.
      if ((await campaignTargets(services, {})).targets.length) await sendSurveyCampaign(services, template, {}, 'system:schedule');
    });
  }
  add('backup-check', options.backupCheckCron ?? '*/15 * * * *', () => checkBackups(services));
  // Every admin gets the list of role holders with Keep / Revoke.
  add('access-review', config.accessReviewCron, (slot) => services.accessReview.run(slot));
  // Overdue improvement actions and S1 tickets without a published postmortem remind their owner:
  // the check runs hourly, each reminder is keyed by its day, so it reaches its owner once a day.
  add('improvement-reminders', options.reminderCron ?? '7 * * * *', async () => {
    await services.improvements.remindOverdue();
    await services.postmortems.remindMissing();
  });
  // What has expired (remembered deliveries, claims, values past their TTL) is deleted hourly, so
  // the database grows with what is live, not with history.
  add('purge-expired', '23 * * * *', async () => {
    const purged = await services.deps.store.purgeExpired();
    if (purged) log.info('expired rows purged', { purged });
  });
  return async () => {
    for (const t of tasks) await t.destroy();
  };
}
