import type { Logger } from '../core/log.js';
import type { StateStore } from '../core/store.js';
import type { AppConfig } from '../config.js';
import { createOutbox, type Outbox } from '../delivery/outbox.js';
import { createAlerts } from './alerts/service.js';
import { createAuditLog } from './audit/service.js';
import { createBackups } from './backups/service.js';
import type { ServiceDeps } from './deps.js';
import { createDigest } from './digest/service.js';
import { createDirectory } from './directory/service.js';
import { createEscalation, respondTimerId } from './escalation.js';
import { createFaq } from './faq/service.js';
import { createNotify } from './notify.js';
import { createReleases } from './releases/service.js';
import { createSurveys } from './surveys/service.js';
import { createTickets } from './tickets/service.js';
import { createTimers, type Timer } from './timers.js';
import { createAuditExports } from './audit/export.js';
import { createDirectNotices } from './direct.js';
import { createAccessReview } from './directory/access-review.js';
import { createImprovements } from './improvements/service.js';
import { createPostmortems } from './postmortems/service.js';
import { createSecurity, STEP_TIMER } from './security/service.js';

export interface ServicesOptions {
  store: StateStore;
  config: AppConfig;
  log: Logger;
  now?: () => number;
  outbox?: Outbox;
  metric?(name: string, labels?: Record<string, string>, by?: number): void;
}

/**
 * Builds every domain service and wires their change hooks: who hears about a change is decided
 * in notify.ts, the SLA response timers and escalation in escalation.ts.
 */
export function createServices(options: ServicesOptions) {
  const now = options.now ?? Date.now;
  const deps: ServiceDeps = { store: options.store, config: options.config, log: options.log, now };
  const outbox = options.outbox ?? createOutbox({ store: options.store, log: options.log, now, metric: options.metric });
  const audit = createAuditLog(deps);
  const directory = createDirectory(deps, audit);
  const timers = createTimers(deps);
  const surveys = createSurveys(deps, audit);

  const notify = createNotify({ config: options.config, directory, outbox, surveys, now });
  const metric = options.metric ?? (() => undefined);
  const escalation = createEscalation({ config: options.config, timers, audit, notify, now, log: options.log, metric });
  const direct = createDirectNotices(directory, notify);
  const improvements = createImprovements(deps, audit, direct);
  const tickets = createTickets(deps, audit, {
    writes: (ticket, change) => [...escalation.ticketWrites(ticket, change), ...postmortems.ticketWrites(ticket, change)],
    changed: (ticket, change, by, step) => notify.ticketChanged(ticket, change, by, step),
  });
  const alerts = createAlerts(deps, audit, {
    changed: (alert, change, by) => {
      metric('aftercare_alerts_total', { change });
      return notify.alertChanged(alert, change, by);
    },
    respondTimer: {
      start: (alert) => timers.schedule(escalation.alertTimer(alert)),
      stop: (id) => timers.cancel(respondTimerId('alert', id)),
    },
  });
  escalation.attach({ tickets, alerts });
  const postmortems = createPostmortems(deps, audit, { tickets, alerts, improvements, notify, direct });
  const security = createSecurity(deps, audit, { directory, direct, notify, timers });
  const releases = createReleases(deps, audit);

  return {
    deps,
    outbox,
    audit,
    directory,
    tickets,
    alerts,
    releases,
    backups: createBackups(deps, audit),
    surveys,
    faq: createFaq(deps, audit),
    digest: createDigest(deps, releases, improvements),
    timers,
    improvements,
    postmortems,
    security,
    accessReview: createAccessReview(deps, audit, directory, direct),
    exports: createAuditExports(deps, audit),
    direct,
    /** Handles a due stored timer: security plan deadlines, else the escalation policy's response timers. */
    onTimer: (timer: Timer) => (timer.kind === STEP_TIMER ? security.onTimer(timer) : escalation.onTimer(timer)),
    cardContext: notify.cardContext,
    messageFor: notify.messageFor,
    toConversation: notify.toConversation,
    toSubscribers: notify.toSubscribers,
  };
}
export type Services = ReturnType<typeof createServices>;
