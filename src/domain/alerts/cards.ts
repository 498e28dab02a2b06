import { formatTime } from '../../core/i18n.js';
import type { Block, OutboundMessage, Tone } from '../../core/types.js';
import type { CardContext } from '../cards.js';
import type { Alert } from './service.js';

export function alertCard(alert: Alert, c: CardContext): OutboundMessage {
  const { t } = c;
  const status = t(`alert.status.${alert.status}`);
  const blocks: Block[] = [];
  if (alert.description) blocks.push({ type: 'text', text: alert.description });
  // A group the source showed only in part (Alertmanager max_alerts) says so: its count includes them.
  if (alert.hidden && alert.status !== 'resolved') blocks.push({ type: 'context', text: t('alert.hidden', { count: alert.hidden }) });
  blocks.push({
    type: 'fields',
    fields: [
      { label: t('field.status'), value: status },
      { label: t('field.severity'), value: alert.severity },
      { label: t('field.system'), value: alert.system },
      { label: t('field.count'), value: alert.firing !== undefined && alert.status !== 'resolved' ? `${alert.count} · ${t('alert.members', { firing: alert.firing, resolved: Math.max(0, alert.count - alert.firing - (alert.hidden ?? 0)) })}` : String(alert.count) },
      ...(alert.ackedBy && alert.status === 'acknowledged' ? [{ label: t('alert.status.acknowledged'), value: t('alert.acked_by', { who: alert.ackedBy }) }] : []),
      { label: t('field.first_seen'), value: formatTime(alert.firstAt, c.timezone) },
      ...(alert.ticketId ? [{ label: t('field.ticket'), value: alert.ticketId }] : []),
    ],
  });
  if (alert.status !== 'resolved') {
    blocks.push({
      type: 'actions',
      buttons: [
        ...(alert.status === 'firing' ? [{ actionId: 'issue.ack-alert', label: t('button.ack'), value: alert.id, style: 'primary' as const }] : []),
        { actionId: 'escalate.start', label: t('button.escalate'), value: alert.id, style: 'danger' as const },
        { actionId: 'issue.resolve-alert', label: t('button.resolve'), value: alert.id },
        ...(alert.ticketId ? [] : [{ actionId: 'issue.from-alert', label: t('button.open_ticket'), value: alert.id }]),
        ...(alert.url ? [{ actionId: 'link.source', label: t('button.source'), url: alert.url }] : []),
      ],
    });
  }
  const tone: Tone = alert.status === 'resolved' ? 'success' : alert.severity === 'critical' ? 'danger' : alert.severity === 'warning' ? 'warning' : 'info';
  return {
    text: t('alert.summary', { id: alert.id, title: alert.title, status, system: alert.system, count: alert.count }),
    card: { title: `${alert.id} · ${alert.title}`, tone, blocks },
  };
}
