import { formatBytes, formatDuration, formatTime, type Translate } from '../core/i18n.js';
import type { Block, Card, Locale, OutboundMessage, Tone } from '../core/types.js';
import type { Alert } from './alerts/service.js';
import type { BackupHealth } from './backups/service.js';
import type { Digest, PeriodFigures } from './digest/service.js';
import { personLabel } from './directory/people.js';
import type { Release } from './releases/service.js';
import type { Survey, SurveyResults } from './surveys/service.js';
import type { Ticket } from './tickets/service.js';

/** Rendering context for domain cards. */
export interface CardContext {
  t: Translate;
  locale: Locale;
  timezone: string;
  now: number;
}

const sevTone: Record<string, Tone> = { S1: 'danger', S2: 'warning', S3: 'info', S4: 'neutral' };

export function ticketCard(ticket: Ticket, c: CardContext, options: { buttons?: boolean; timeline?: number } = {}): OutboundMessage {
  const { t } = c;
  const status = t(`ticket.status.${ticket.status}` as never);
  const fields = [
    { label: t('field.status'), value: status },
    { label: t('field.severity'), value: ticket.severity },
    { label: t('field.organisation'), value: ticket.org },
    { label: t('field.reporter'), value: personLabel(ticket.reporter, ticket.reporterName) },
  ];
  if (ticket.system) fields.push({ label: t('field.system'), value: ticket.system });
  if (ticket.assignee) fields.push({ label: t('field.assignee'), value: personLabel(ticket.assignee, assigneeName(ticket)) });
  if (ticket.status !== 'resolved') {
    fields.push({ label: t('field.respond_due'), value: formatTime(ticket.respondDueAt, c.timezone) });
    fields.push({ label: t('field.resolve_due'), value: formatTime(ticket.resolveDueAt, c.timezone) });
  }
  if (ticket.fixedIn) fields.push({ label: t('field.fixed_in'), value: ticket.fixedIn });
  if (ticket.cause) fields.push({ label: t('field.cause'), value: ticket.cause });
  const blocks: Block[] = [{ type: 'fields', fields }];
  if (ticket.description) blocks.splice(0, 0, { type: 'text', text: ticket.description });
  const entries = ticket.timeline.slice(-(options.timeline ?? 3));
  if (entries.length) {
    blocks.push({
      type: 'context',
      text: entries.map((e) => `${formatTime(e.at, c.timezone)} · ${personLabel(e.actor, e.actorName)} · ${t(`timeline.${e.kind}` as never)}${e.text ? `: ${e.text}` : ''}`).join('\n'),
    });
  }
  if (options.buttons !== false && ticket.status !== 'resolved') {
    const buttons = [];
    if (!ticket.ackedAt) buttons.push({ actionId: 'issue.ack', label: t('button.ack'), value: ticket.id, style: 'primary' as const });
    buttons.push({ actionId: 'issue.resolve', label: t('button.resolve'), value: ticket.id });
    buttons.push({ actionId: 'escalate.start', label: t('button.escalate'), value: ticket.id, style: 'danger' as const });
    blocks.push({ type: 'actions', buttons });
  }
  const title = `${ticket.id} · ${ticket.title}`;
  return {
    text: t('ticket.summary', { id: ticket.id, title: ticket.title, status, severity: ticket.severity }),
    card: { title, tone: ticket.status === 'resolved' ? 'success' : sevTone[ticket.severity], blocks },
  };
}

/** The assignee's name: stored with the assignment, or (tickets assigned before it was stored) from their own timeline entries. */
function assigneeName(ticket: Ticket): string | undefined {
  if (ticket.assigneeName) return ticket.assigneeName;
  return [...ticket.timeline].reverse().find((e) => e.actor === ticket.assignee && e.actorName)?.actorName;
}

export function alertCard(alert: Alert, c: CardContext): OutboundMessage {
  const { t } = c;
  const status = t(`alert.status.${alert.status}` as never);
  const blocks: Block[] = [];
  if (alert.description) blocks.push({ type: 'text', text: alert.description });
  blocks.push({
    type: 'fields',
    fields: [
      { label: t('field.status'), value: status },
      { label: t('field.severity'), value: alert.severity },
      { label: t('field.system'), value: alert.system },
      { label: t('field.count'), value: String(alert.count) },
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

export function surveyCard(survey: Survey, c: CardContext, ticketTitle?: string): OutboundMessage {
  const { t } = c;
  const question = survey.question.startsWith('survey.') ? t(survey.question as never) : survey.question;
  const lead = survey.ticketId ? t('survey.csat_lead', { id: survey.ticketId, title: ticketTitle ?? '' }) : undefined;
  const buttons = [];
  for (let s = survey.min; s <= survey.max; s++) buttons.push({ actionId: 'survey.answer', label: String(s), value: `${survey.id}:${s}` });
  const blocks: Block[] = [];
  if (lead) blocks.push({ type: 'text', text: lead });
  blocks.push({ type: 'text', text: `**${question}**` });
  blocks.push({ type: 'actions', buttons });
  blocks.push({ type: 'context', text: t('survey.scale', { min: survey.min, max: survey.max, id: survey.id }) });
  return { text: `${lead ? lead + ' ' : ''}${question} (${survey.id})`, card: { title: t('survey.title'), tone: 'info', blocks } };
}

export function surveyResultsCard(r: SurveyResults, c: CardContext): OutboundMessage {
  const { t } = c;
  const fields = [
    { label: t('field.responses'), value: String(r.responses) },
    { label: t('field.recipients'), value: String(r.recipients) },
  ];
  if (r.responseRate !== undefined) fields.push({ label: t('field.response_rate'), value: pct(r.responseRate) });
  if (r.average !== undefined) fields.push({ label: t('field.average'), value: r.average.toFixed(2) });
  if (r.nps !== undefined) fields.push({ label: 'NPS', value: String(r.nps) });
  const dist = Object.entries(r.distribution).map(([s, n]) => `${s}: ${'█'.repeat(Math.min(n, 20))} ${n}`).join('\n');
  return {
    text: t('survey.results_summary', { id: r.survey.id, responses: r.responses, average: r.average?.toFixed(2) ?? '–' }),
    card: { title: t('survey.results_title', { id: r.survey.id }), tone: 'info', blocks: [{ type: 'fields', fields }, { type: 'text', text: `\`\`\`\n${dist}\n\`\`\`` }] },
  };
}

export function releaseCard(r: Release, fixed: Ticket[], c: CardContext): OutboundMessage {
  const { t } = c;
  const blocks: Block[] = [{ type: 'context', text: t('release.date', { date: r.date }) }];
  if (r.notes) blocks.push({ type: 'text', text: r.notes });
  if (fixed.length || r.fixed.length) {
    const lines = fixed.length ? fixed.map((f) => `- ${f.id} ${f.title}`) : r.fixed.map((id) => `- ${id}`);
    blocks.push({ type: 'text', text: `**${t('release.fixed')}**\n${lines.join('\n')}` });
  }
  return { text: t('release.summary', { version: r.version, count: r.fixed.length }), card: { title: t('release.title', { version: r.version }), tone: 'success', blocks } };
}

export function backupCard(rows: BackupHealth[], c: CardContext): OutboundMessage {
  const { t } = c;
  if (rows.length === 0) return { text: t('backup.none') };
  const blocks: Block[] = [];
  for (const r of rows) {
    const icon = { ok: '✅', failed: '❌', stale: '⚠️', never: '❔' }[r.state];
    const fields = (['full', 'incremental', 'differential'] as const)
      .filter((type) => r.last[type])
      .map((type) => {
        const run = r.last[type]!;
        return {
          label: t(`backup.type.${type}` as never),
          value: `${run.status === 'success' ? '✅' : '❌'} ${formatDuration(c.now - run.finishedAt, c.locale)}${run.bytes !== undefined ? ` · ${formatBytes(run.bytes)}` : ''}`,
        };
      });
    fields.push({
      label: t('backup.restore_test'),
      value: r.lastRestoreTest ? `${r.lastRestoreTest.status === 'success' ? '✅' : '❌'} ${formatDuration(c.now - r.lastRestoreTest.finishedAt, c.locale)}` : t('backup.never'),
    });
    blocks.push({
      type: 'text',
      text: `${icon} **${r.system}** — ${t(`backup.state.${r.state}` as never)} · ${t('backup.age', {
        age: r.ageMs !== undefined ? formatDuration(r.ageMs, c.locale) : '–',
        rpo: r.rpoHours,
      })}`,
    });
    blocks.push({ type: 'fields', fields });
    blocks.push({ type: 'divider' });
  }
  blocks.pop();
  const bad = rows.filter((r) => r.state !== 'ok').length;
  return {
    text: t('backup.summary', { systems: rows.length, bad }),
    card: { title: t('backup.title'), tone: bad ? 'warning' : 'success', blocks },
  };
}

function pct(v: number | undefined): string {
  return v === undefined ? '–' : `${Math.round(v * 100)}%`;
}

function dur(ms: number | undefined, locale: Locale): string {
  return ms === undefined ? '–' : formatDuration(ms, locale);
}

function line(entries: Record<string, number> | Array<[string, number]>): string {
  const list = Array.isArray(entries) ? entries : Object.entries(entries).sort((a, b) => b[1] - a[1]);
  return list.length ? list.map(([k, v]) => `${k} ${v}`).join(', ') : '–';
}

export function digestCard(d: Digest, c: CardContext, chartUrl?: string): OutboundMessage {
  const { t, locale } = c;
  const cur: PeriodFigures = d.current;
  const prev: PeriodFigures = d.previous;
  const vs = (a: string, b: string) => `${a} (${t('digest.previous')} ${b})`;
  const blocks: Block[] = [
    { type: 'context', text: t('digest.range', { from: formatTime(cur.from, c.timezone).slice(0, 10), to: formatTime(cur.to - 1, c.timezone).slice(0, 10) }) },
    {
      type: 'fields',
      fields: [
        { label: t('digest.opened'), value: vs(String(cur.opened), String(prev.opened)) },
        { label: t('digest.resolved'), value: vs(String(cur.resolved), String(prev.resolved)) },
        { label: t('digest.backlog'), value: `${d.backlog.total} (${line(d.backlog.bySeverity)})` },
        { label: 'MTTA p50 / p90', value: vs(`${dur(cur.mttaP50, locale)} / ${dur(cur.mttaP90, locale)}`, dur(prev.mttaP50, locale)) },
        { label: 'MTTR p50 / p90', value: vs(`${dur(cur.mttrP50, locale)} / ${dur(cur.mttrP90, locale)}`, dur(prev.mttrP50, locale)) },
        { label: t('digest.sla'), value: vs(pct(cur.slaMet), pct(prev.slaMet)) },
        { label: 'CSAT', value: `${cur.csatAverage?.toFixed(2) ?? '–'} · ${t('digest.responses', { n: cur.csatResponses, sent: cur.csatSent })}` },
        { label: 'NPS', value: `${cur.npsScore ?? '–'} · ${t('digest.responses', { n: cur.npsResponses, sent: cur.npsSent })}` },
      ],
    },
    {
      type: 'text',
      text: [
        `**${t('digest.by_severity')}** ${line(cur.openedBySeverity)}`,
        `**${t('digest.by_org')}** ${line(cur.openedByOrg)}`,
        `**${t('digest.top_systems')}** ${line(cur.topSystems)}`,
        `**${t('digest.top_causes')}** ${line(cur.topCauses)}`,
        `**${t('digest.alerts')}** ${t('digest.alerts_line', { fired: cur.alertsFired, acked: cur.alertsAcked })} · ${t('digest.noisiest')} ${line(cur.noisiestRules)}`,
        `**${t('digest.backups')}** ${t('digest.backups_line', { ok: cur.backupsOk, failed: cur.backupsFailed, rok: cur.restoreOk, rfailed: cur.restoreFailed })}`,
      ].join('\n'),
    },
  ];
  if (cur.releases.length) {
    blocks.push({
      type: 'text',
      text: `**${t('digest.releases')}**\n${cur.releases.map((r) => `- ${r.version}: ${r.fixed.join(', ') || '–'}`).join('\n')}`,
    });
  }
  if (d.changes.length) {
    blocks.push({
      type: 'text',
      text: `**${t('digest.changes')}**\n${d.changes
        .map((ch) => `- ${t(`digest.metric.${ch.metric}` as never)}: ${fmtMetric(ch.metric, ch.from, locale)} → ${fmtMetric(ch.metric, ch.to, locale)}`)
        .join('\n')}`,
    });
  }
  if (chartUrl) blocks.push({ type: 'image', url: chartUrl, alt: t('digest.chart_alt') });
  return {
    text: t('digest.summary', { opened: cur.opened, resolved: cur.resolved, backlog: d.backlog.total, mttr: dur(cur.mttrP50, locale) }),
    card: { title: t(d.period === 'week' ? 'digest.title_week' : 'digest.title_month'), tone: 'info', blocks },
  };
}

function fmtMetric(metric: string, v: number, locale: Locale): string {
  if (metric.startsWith('mtt')) return formatDuration(v, locale);
  if (metric === 'slaMet') return pct(v);
  if (metric === 'csatAverage') return v.toFixed(2);
  return String(v);
}

/** A simple card with a title and text lines. */
export function noticeCard(title: string, text: string, tone: Tone = 'info'): Card {
  return { title, tone, blocks: [{ type: 'text', text }] };
}
