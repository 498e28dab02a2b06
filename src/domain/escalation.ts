import type { Write } from '../core/store.js';
import type { Logger } from '../core/log.js';
import type { AppConfig } from '../config.js';
import type { Alert, AlertSeverity, Alerts } from './alerts/service.js';
import type { AuditLog } from './audit/service.js';
import type { Notify } from './notify.js';
import type { Severity, Ticket, TicketChange, Tickets } from './tickets/service.js';
import type { Timer, Timers } from './timers.js';
import { addBusinessTime, type SlaContract } from './sla/calendar.js';
import type { SlaContracts } from './sla/service.js';

/**
 * The one escalation policy, for tickets and alerts alike (SLA response and resolution targets):
 * - a subject not acknowledged by its response target re-notifies its subscribers (`tickets` or
 *   `alerts`) once, then, half a target later, is escalated: a ticket's severity goes up one step
 *   and the `escalations` subscribers are paged;
 * - the response timer is stored (src/domain/timers.ts), so a restart or a second replica neither
 *   loses nor doubles it, and it stops when the subject is acknowledged or resolved;
 * - a ticket whose severity changes gets the response and resolution targets of its new severity;
 * - a ticket not resolved by its resolution target re-notifies the `tickets` subscribers and pages
 *   the `escalations` subscribers once (its own stored timer);
 * - a ticket waiting on the customer has no running timer: both clocks are paused, and its due
 *   times move out by the (business) time it waited when the customer answers;
 * - tickets count in their organisation's contract (src/domain/sla): business hours, zone, holidays.
 * Each stage is in the audit log; escalations count in the digest.
 */

/** An alert's response target is that of the ticket severity its own severity maps to. */
export const ALERT_SLA: Record<AlertSeverity, Severity> = { critical: 'S1', warning: 'S2', info: 'S3' };

/** What a response timer is about. */
export type Subject = 'ticket' | 'alert';

/** The kind of every response timer. */
export const RESPOND_TIMER = 'respond';

/** A subject's one response timer id: `<subject>:<id>:respond`. */
export const respondTimerId = (subject: Subject, id: string) => `${subject}:${id}:respond`;

/** The kind of a ticket's resolution timer. */
export const RESOLVE_TIMER = 'resolve';

/** A ticket's one resolution timer id: `ticket:<id>:resolve`. */
export const resolveTimerId = (id: string) => `ticket:${id}:resolve`;

/** Timeline entries after which a ticket's targets may have moved, so its timers are set again. */
const RETARGETED: ReadonlySet<TicketChange> = new Set(['created', 'escalated', 'auto-escalated', 'severity', 'resumed', 'reopened', 'acknowledged']);

const MINUTE = 60_000;

/** The stored timer of stage `stage` of a subject's response target, due at `dueAt` (epoch ms). */
export function respondTimer(subject: Subject, id: string, dueAt: number, stage: 1 | 2 = 1): Timer {
  return { id: respondTimerId(subject, id), kind: RESPOND_TIMER, dueAt, data: { subject, id, stage } };
}

/**
 * Response and resolution targets (epoch ms) of a ticket of `severity` opened at `createdAt` under
 * `contract`: each target's minutes of counted time (business time when the contract has hours)
 * after creation, plus `pausedMs` of counted time spent waiting on the customer.
 */
export function targetsOf(contract: SlaContract, severity: Severity, createdAt: number, pausedMs = 0): { respondDueAt: number; resolveDueAt: number } {
  const sla = contract.targets[severity];
  return {
    respondDueAt: addBusinessTime(contract, createdAt, sla.respondMin * MINUTE + pausedMs),
    resolveDueAt: addBusinessTime(contract, createdAt, sla.resolveMin * MINUTE + pausedMs),
  };
}

export interface EscalationDeps {
  config: Pick<AppConfig, 'sla'>;
  /** Organisations' contracts: a ticket's stage-2 delay counts in its organisation's business time. */
  sla: Pick<SlaContracts, 'contractOf'>;
  timers: Timers;
  audit: AuditLog;
  notify: Notify;
  now: () => number;
  log: Logger;
  metric(name: string, labels?: Record<string, string>, by?: number): void;
}

/**
 * The policy's moving parts. Tickets and alerts are given later (`attach`): their services take
 * the policy's timer writes when they are built.
 */
export function createEscalation(deps: EscalationDeps) {
  const { config, sla, timers, audit, notify, now, log, metric } = deps;

  /** One line and one count per escalation step. */
  const breached = (subject: Subject, id: string, stage: 'renotified' | 'escalated' | 'resolution') => {
    metric('aftercare_sla_breaches_total', { subject, stage });
    log.info(stage === 'resolution' ? 'resolution target missed' : 'response target missed', { subject, id, stage });
  };
  let subjects: { tickets: Tickets; alerts: Alerts } | undefined;

  /** Re-notifies a subject's subscribers at its response target (stage 1) with a short message pointing to its live card, and sets stage 2. */
  async function renotify(subject: Subject, item: Ticket | Alert, severity: Severity, build: Parameters<Notify['toSubscribers']>[2]): Promise<void> {
    await notify.toSubscribers(subject === 'ticket' ? 'tickets' : 'alerts', item.system, build, undefined, `${subject === 'ticket' ? 'tkt' : 'alr'}:${item.id}:sla1`, 'org' in item ? item.org : undefined);
    // Half a response target later, in the organisation's business time for a ticket.
    const contract = 'org' in item ? await sla.contractOf(item.org) : undefined;
    const half = ((contract?.targets ?? config.sla)[severity].respondMin * MINUTE) / 2;
    await timers.schedule(respondTimer(subject, item.id, contract ? addBusinessTime(contract, now(), half) : now() + half, 2));
    await audit.record('system:timer', `${subject}.sla_renotified`, item.id);
  }

  /** A ticket's resolution target passed: the engineers' channel and the escalation channel hear it once. */
  async function resolutionMissed(tickets: Tickets, timer: Timer): Promise<void> {
    const ticket = await tickets.find(String(timer.data.id));
    // Moved (severity, a wait) or finished since the timer was set: the timer of its new target counts.
    if (!ticket || ticket.status === 'resolved' || ticket.status === 'waiting' || ticket.resolveDueAt > now()) return;
    const build: Parameters<Notify['toSubscribers']>[2] = (c) => ({ text: `${c.t('ticket.resolve_breach', { id: ticket.id, severity: ticket.severity })}\n${c.t('live.see_card')}` });
    await notify.toSubscribers('tickets', ticket.system, build, undefined, `tkt:${ticket.id}:resolve:${timer.dueAt}`);
    await notify.toSubscribers('escalations', ticket.system, build, undefined, `tkt:${ticket.id}:resolve:${timer.dueAt}:page`);
    await audit.record('system:timer', 'ticket.sla_resolution_missed', ticket.id);
    breached('ticket', ticket.id, 'resolution');
  }

  return {
    attach(services: { tickets: Tickets; alerts: Alerts }): void {
      subjects = services;
    },

    /**
     * Timer writes stored with a ticket change (`kinds`: the timeline entries it added). Both timers
     * are gone while the ticket waits on the customer or once it is resolved; the response timer is
     * gone once acknowledged; both are set again at the ticket's current due times whenever those
     * may have moved (created, severity changed, the customer answered, reopened).
     */
    ticketWrites(ticket: Ticket, change: TicketChange, kinds: readonly TicketChange[] = [change]): Write[] {
      const respondId = respondTimerId('ticket', ticket.id);
      if (ticket.status === 'resolved' || ticket.status === 'waiting') {
        return change === 'waiting' || change === 'resolved' ? [...timers.cancelWrites(respondId), ...timers.cancelWrites(resolveTimerId(ticket.id))] : [];
      }
      if (!kinds.some((k) => RETARGETED.has(k))) return [];
      const writes: Write[] = [];
      if (ticket.ackedAt) writes.push(...timers.cancelWrites(respondId));
      // An automatic escalation is the response timer's own last stage: it does not start again.
      else if (change !== 'auto-escalated' && change !== 'acknowledged') {
        // A person raised the severity before anyone answered: the new, earlier target counts.
        writes.push(...timers.scheduleWrites(respondTimer('ticket', ticket.id, Math.max(now(), ticket.respondDueAt))));
      }
      // A resolution target already missed was told when it was missed (or shows on the card).
      if (change !== 'acknowledged' && ticket.resolveDueAt > now()) {
        writes.push(...timers.scheduleWrites({ id: resolveTimerId(ticket.id), kind: RESOLVE_TIMER, dueAt: ticket.resolveDueAt, data: { subject: 'ticket', id: ticket.id } }));
      }
      return writes;
    },

    /** The response timer of a new alert. */
    alertTimer(alert: Alert): Timer {
      return respondTimer('alert', alert.id, alert.firstAt + config.sla[ALERT_SLA[alert.severity]].respondMin * MINUTE);
    },

    /** Handles a due response timer (see timers.poll). Only a missing subject ends it; store errors are thrown so it runs again. */
    async onTimer(timer: Timer): Promise<void> {
      if (!subjects) return;
      if (timer.kind === RESOLVE_TIMER) return resolutionMissed(subjects.tickets, timer);
      if (timer.kind !== RESPOND_TIMER) return;
      const id = String(timer.data.id);
      const stage = Number(timer.data.stage);
      if (timer.data.subject === 'alert') {
        const alert = await subjects.alerts.find(id);
        if (!alert || alert.ackedAt || alert.status !== 'firing') return;
        if (stage === 2) {
          await subjects.alerts.escalate(id, 'system:timer');
          breached('alert', id, 'escalated');
          return;
        }
        await renotify('alert', alert, ALERT_SLA[alert.severity], (c) => ({ text: `${c.t('ticket.sla_breach', { id: alert.id, severity: alert.severity })}\n${c.t('live.see_card')}` }));
        breached('alert', id, 'renotified');
        return;
      }
      const ticket = await subjects.tickets.find(id);
      if (!ticket || ticket.ackedAt || ticket.status === 'resolved' || ticket.status === 'waiting') return;
      if (stage === 2) {
        await subjects.tickets.escalate(ticket.id, 'system:timer', 'SLA', true);
        breached('ticket', ticket.id, 'escalated');
        return;
      }
      await renotify('ticket', ticket, ticket.severity, (c) => ({ text: `${c.t('ticket.sla_breach', { id: ticket.id, severity: ticket.severity })}\n${c.t('live.see_card')}` }));
      breached('ticket', ticket.id, 'renotified');
    },
  };
}
export type Escalation = ReturnType<typeof createEscalation>;
