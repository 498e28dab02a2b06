import type { AppConfig } from '../config.js';
import { ALERT_SLA, ALERT_TIMER_KIND, alertTimerId } from './alerts/service.js';
import { alertCard } from './alerts/cards.js';
import type { Services } from './index.js';
import type { Timer } from './timers.js';

/**
 * The escalation of an alert nobody acknowledged, driven by the stored timer the alerts
 * service sets when an alert fires: at the response target the `alerts` subscribers are re-notified,
 * half a target later the alert is escalated, which pages the `escalations` subscribers. Each stage
 * is recorded in the audit log; escalations also count in the digest.
 */
export function alertEscalationHandler(services: Services, config: Pick<AppConfig, 'sla'>) {
  const now = services.deps.now;
  return async (timer: Timer): Promise<void> => {
    const id = String(timer.data.id);
    // Only a missing alert ends the escalation; a store error is thrown, so the timer runs again.
    const alert = await services.alerts.find(id);
    if (!alert || alert.ackedAt || alert.status !== 'firing') return;
    if (Number(timer.data.stage) === 1) {
      await services.toSubscribers(
        'alerts',
        alert.system,
        (c) => ({ ...alertCard(alert, c), text: c.t('ticket.sla_breach', { id: alert.id, severity: alert.severity }) }),
        undefined,
        `alr:${alert.id}:sla1`,
      );
      const respondMin = config.sla[ALERT_SLA[alert.severity]].respondMin;
      await services.timers.schedule({ id: alertTimerId(id), kind: ALERT_TIMER_KIND, dueAt: now() + (respondMin * 60_000) / 2, data: { id, stage: 2 } });
      await services.audit.record('system:timer', 'alert.sla_renotified', id);
    } else {
      await services.alerts.escalate(id, 'system:timer');
    }
  };
}
