import type { Logger } from '../core/log.js';
import type { StateStore } from '../core/store.js';
import type { AppConfig } from '../config.js';
import { createOutbox, type Outbox } from '../delivery/outbox.js';
import { createAlerts } from './alerts/service.js';
import { createAuditLog } from './audit/service.js';
import { createBackups } from './backups/service.js';
import type { ServiceDeps } from './deps.js';
import { createDigest } from './digest/service.js';
import { createDirectory, TOPICS, type Directory, type Topic } from './directory/service.js';
import { conversationKey } from '../core/ports.js';
import type { ConversationRef } from '../core/types.js';
import { createEscalation, respondTimerId } from './escalation.js';
import { createFaq } from './faq/service.js';
import { createNotify, type Notify } from './notify.js';
import { createReleases } from './releases/service.js';
import { createSurveys } from './surveys/service.js';
import { createTickets } from './tickets/service.js';
import { createTimers, type Timer } from './timers.js';
import { createSlaContracts } from './sla/service.js';
import { createOrgPeople } from './directory/org-people.js';
import { createDocs, type Docs } from './docs/service.js';
import { createReleaseValidation } from './releases/validation.js';
import { createTraining } from './training/service.js';
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
  const sla = createSlaContracts(deps, audit);

  // The registry is built after notify (it pushes through it); ticket cards read its links when they are built.
  let docs!: Docs; // eslint-disable-line prefer-const -- assigned once the services it needs exist
  const notify = createNotify({ config: options.config, store: options.store, directory, outbox, surveys, sla, now, docLinks: (system) => docs.links(system) });
  const metric = options.metric ?? (() => undefined);
  const escalation = createEscalation({ config: options.config, sla, timers, audit, notify, now, log: options.log, metric });
  const direct = createDirectNotices(directory, notify);
  const improvements = createImprovements(deps, audit, direct);
  const tickets = createTickets(deps, audit, {
    writes: (ticket, change, kinds) => [...escalation.ticketWrites(ticket, change, kinds), ...postmortems.ticketWrites(ticket, change)],
    changed: (ticket, change, by, step) => notify.ticketChanged(ticket, change, by, step),
  }, sla);
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
  wireRefusals(outbox, directory, notify, options.config);
  const postmortems = createPostmortems(deps, audit, { tickets, alerts, improvements, notify, direct });
  const security = createSecurity(deps, audit, { directory, direct, notify, timers });
  const releases = createReleases(deps, audit);
  const orgPeople = createOrgPeople(deps, audit);
  docs = createDocs(deps, audit, { timers, notify, directory });
  const training = createTraining(deps, audit, { timers, notify, directory, orgs: orgPeople });
  const validation = createReleaseValidation(deps, audit, tickets, orgPeople);

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
    sla,
    faq: createFaq(deps, audit),
    digest: createDigest(deps, releases, improvements),
    orgPeople,
    validation,
    docs,
    training,
    timers,
    improvements,
    postmortems,
    security,
    accessReview: createAccessReview(deps, audit, directory, direct),
    exports: createAuditExports(deps, audit),
    direct,
    /** Handles a due stored timer: each policy acts on its own kinds (response timers, document reviews, training reminders, security plan deadlines). */
    async onTimer(timer: Timer): Promise<void> {
      if (timer.kind === STEP_TIMER) return security.onTimer(timer);
      await escalation.onTimer(timer);
      await docs.onTimer(timer);
      await training.onTimer(timer);
    },
    cardContext: notify.cardContext,
    messageFor: notify.messageFor,
    toConversation: notify.toConversation,
    toSubscribers: notify.toSubscribers,
    /** Shows a ticket's or alert's live card in a conversation (see notify.ts). */
    showLive: notify.showLive,
  };
}
export type Services = ReturnType<typeof createServices>;

/**
 * What happens when a platform refuses a push for good: a personal notice goes to the person's
 * direct conversation with the bot (the one they used, else one the platform can open from their
 * id); a subscription's conversation is marked broken and the deployment's admins on that
 * platform (AFTERCARE_ADMINS) are told once, in their direct conversation.
 */
function wireRefusals(outbox: Outbox, directory: Directory, notify: Notify, config: AppConfig): void {
  async function directConversation(person: string, like: ConversationRef): Promise<ConversationRef | undefined> {
    const known = await directory.directConversation(person);
    if (known) return known;
    const prefix = `${like.platform}:`;
    if (!person.startsWith(prefix)) return undefined;
    return outbox.adapter(like.platform)?.directTo?.(person.slice(prefix.length), like);
  }
  outbox.onRefusal({
    directConversation,
    async subscriptionBroken(conversation, topic, error) {
      if (!(TOPICS as readonly string[]).includes(topic)) return;
      if (!(await directory.markBroken(conversation, topic as Topic, error))) return;
      const convKey = conversationKey(conversation);
      for (const admin of config.admins.filter((a) => a.startsWith(`${conversation.platform}:`))) {
        const dm = await directConversation(admin, conversation);
        if (!dm) continue;
        const locale = await directory.preferredLocale(admin);
        await notify.toConversation(
          dm,
          (c) => ({ text: c.t('destination.broken', { conversation: conversation.channelId, error, topic }) }),
          { idempotencyKey: `broken:${convKey}:${topic}:${admin}:${Date.now()}`, ...(locale ? { locale } : {}) },
        );
      }
    },
  });
}
