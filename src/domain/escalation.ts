import type { Write } from '../core/store.js';
import type { Logger } from '../core/log.js';
import type { AppConfig } from '../config.js';
import { alertCard } from './alerts/cards.js';
import type { Alert, AlertSeverity, Alerts } from './alerts/service.js';
import type { AuditLog } from './audit/service.js';
import type { Notify } from './notify.js';
import { ticketCard } from './tickets/cards.js';
import type { Severity, Ticket, TicketChange, Tickets } from './tickets/service.js';
import type { Timer, Timers } from './timers.js';

/**
 * The one escalation policy, for tickets and alerts alike (SLA response targets):
 * - a subject not acknowledged by its response target re-notifies its subscribers (`tickets` or
 *   `alerts`) once, then, half a target later, is escalated: a ticket's severity goes up one step
 *   and the `escalations` subscribers are paged;
 * - the response timer is stored (src/domain/timers.ts), so a restart or a second replica neither
 *   loses nor doubles it, and it stops when the subject is acknowledged or resolved;
 * - a ticket whose severity changes gets the response and resolution targets of its new severity.
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

const MINUTE = 60_000;

/** The stored timer of stage `stage` of a subject's response target, due at `dueAt` (epoch ms). */
export function respondTimer(subject: Subject, id: string, dueAt: number, stage: 1 | 2 = 1): Timer {
  return { id: respondTimerId(subject, id), kind: RESPOND_TIMER, dueAt, data: { subject, id, stage } };
}

/** Response and resolution targets (epoch ms) of a ticket of `severity` opened at `createdAt`. */
export function targetsOf(config: Pick<AppConfig, 'sla'>, severity: Severity, createdAt: number): { respondDueAt: number; resolveDueAt: number } {
  const sla = config.sla[severity];
  return { respondDueAt: createdAt + sla.respondMin * MINUTE, resolveDueAt: createdAt + sla.resolveMin * MINUTE };
}

export interface EscalationDeps {
  config: Pick<AppConfig, 'sla'>;
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
  const { config, timers, audit, notify, now, log, metric } = deps;

  /** One line and one count per escalation step. */
  const breached = (subject: Subject, id: string, stage: 'renotified' | 'escalated') => {
    metric('aftercare_sla_breaches_total', { subject, stage });
    log.info('response target missed', { subject, id, stage });
  };
  let subjects: { tickets: Tickets; alerts: Alerts } | undefined;

  /** Re-notifies a subject's subscribers at its response target (stage 1) and sets stage 2. */
  async function renotify(subject: Subject, item: Ticket | Alert, severity: Severity, build: Parameters<Notify['toSubscribers']>[2]): Promise<void> {
    await notify.toSubscribers(subject === 'ticket' ? 'tickets' : 'alerts', item.system, build, undefined, `${subject === 'ticket' ? 'tkt' : 'alr'}:${item.id}:sla1`, 'org' in item ? item.org : undefined);
    const respondMin = config.sla[severity].respondMin;
    await timers.schedule(respondTimer(subject, item.id, now() + (respondMin * MINUTE) / 2, 2));
    await audit.record('system:timer', `${subject}.sla_renotified`, item.id);
  }

  return {
    attach(services: { tickets: Tickets; alerts: Alerts }): void {
      subjects = services;
    },

    /** Timer writes stored with a ticket change: set at creation, moved when the severity changes, gone once acknowledged or resolved. */
    ticketWrites(ticket: Ticket, change: TicketChange): Write[] {
      if (change === 'created') return timers.scheduleWrites(respondTimer('ticket', ticket.id, ticket.respondDueAt));
      if (change === 'acknowledged' || change === 'resolved') return timers.cancelWrites(respondTimerId('ticket', ticket.id));
      // A person raised the severity before anyone answered: the new, earlier target counts.
      if (change === 'escalated' && !ticket.ackedAt) return timers.scheduleWrites(respondTimer('ticket', ticket.id, Math.max(now(), ticket.respondDueAt)));
      return [];
    },

    /** The response timer of a new alert. */
    alertTimer(alert: Alert): Timer {
      return respondTimer('alert', alert.id, alert.firstAt + config.sla[ALERT_SLA[alert.severity]].respondMin * MINUTE);
    },

    /** Handles a due response timer (see timers.poll). Only a missing subject ends it; store errors are thrown so it runs again. */
    async onTimer(timer: Timer): Promise<void> {
      if (timer.kind !== RESPOND_TIMER || !subjects) return;
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
        await renotify('alert', alert, ALERT_SLA[alert.severity], (c) => ({ ...alertCard(alert, c), text: c.t('ticket.sla_breach', { id: alert.id, severity: alert.severity }) }));
        breached('alert', id, 'renotified');
        return;
      }
      const ticket = await subjects.tickets.find(id);
      if (!ticket || ticket.ackedAt || ticket.status === 'resolved') return;
      if (stage === 2) {
        await subjects.tickets.escalate(ticket.id, 'system:timer', 'SLA', true);
        breached('ticket', ticket.id, 'escalated');
        return;
      }
      await renotify('ticket', ticket, ticket.severity, (c) => ({ ...ticketCard(ticket, c), text: c.t('ticket.sla_breach', { id: ticket.id, severity: ticket.severity }) }));
      breached('ticket', ticket.id, 'renotified');
    },
  };
}
export type Escalation = ReturnType<typeof createEscalation>;
