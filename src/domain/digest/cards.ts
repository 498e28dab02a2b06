import { formatDuration, formatTime, storedKey, type Translate } from '../../core/i18n.js';
import type { Block, Locale, OutboundMessage } from '../../core/types.js';
import { percent, type CardContext } from '../cards.js';
import type { Digest, PeriodFigures } from './service.js';

function dur(ms: number | undefined, locale: Locale): string {
  return ms === undefined ? '–' : formatDuration(ms, locale);
}

function line(entries: Record<string, number> | Array<[string, number]>): string {
  const list = Array.isArray(entries) ? entries : Object.entries(entries).sort((a, b) => b[1] - a[1]);
  return list.length ? list.map(([k, v]) => `${k} ${v}`).join(', ') : '–';
}

/** The digest chart drawn in each language: its stored image id and public URL. */
export type DigestCharts = Partial<Record<Locale, { id: string; url: string }>>;

/** The digest card, in the reader's language, with the chart drawn in that language when there is one. */
export function digestCard(d: Digest, c: CardContext, charts: DigestCharts = {}): OutboundMessage {
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
        { label: t('digest.sla'), value: vs(percent(cur.slaMet), percent(prev.slaMet)) },
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
  // Training held, attendance and ratings, with a topic when one system's user errors recur.
  const training = [t('digest.training_line', { held: cur.trainingsHeld, attendees: cur.trainingAttendees, rating: cur.trainingRating?.toFixed(1) ?? '–' })];
  if (cur.trainingSuggestion) training.push(t('digest.training_suggest', { system: cur.trainingSuggestion.system, count: cur.trainingSuggestion.count }));
  blocks.push({ type: 'text', text: `**${t('digest.training')}** ${training.join('\n')}\n${t('digest.docs_line', { stale: cur.docsStale, reviewed: cur.docsReviewed, approved: cur.uatApproved, rejected: cur.uatRejected })}` });
  if (d.improvements) {
    const imp = d.improvements;
    const lines = [`**${t('digest.improvements')}** ${t('digest.improvements_line', { opened: imp.opened, closed: imp.closed, overdue: imp.overdue })}`];
    for (const e of imp.effects) {
      const a = e.action;
      const effect = a.system
        ? t('digest.improve_effect_sys', { cause: a.cause ?? '', system: a.system, before: e.before, after: e.after })
        : t('digest.improve_effect', { cause: a.cause ?? '', before: e.before, after: e.after });
      lines.push(`- ${a.id} ${a.title}: ${effect}${e.complete ? '' : ` ${t('digest.improve_so_far')}`}`);
    }
    blocks.push({ type: 'text', text: lines.join('\n') });
  }
  if (d.changes.length) {
    blocks.push({
      type: 'text',
      text: `**${t('digest.changes')}**\n${d.changes
        .map((ch) => `- ${metricLabel(t, ch.metric)}: ${fmtMetric(ch.metric, ch.from, locale)} → ${fmtMetric(ch.metric, ch.to, locale)}`)
        .join('\n')}`,
    });
  }
  const chart = charts[locale];
  if (chart) blocks.push({ type: 'image', url: chart.url, imageId: chart.id, alt: t('digest.chart_alt') });
  return {
    text: t('digest.summary', { opened: cur.opened, resolved: cur.resolved, backlog: d.backlog.total, mttr: dur(cur.mttrP50, locale) }),
    card: { title: t(d.period === 'week' ? 'digest.title_week' : 'digest.title_month'), tone: 'info', blocks },
  };
}

/** A metric's label (`digest.metric.<name>`); a metric the catalogue does not name shows as itself. */
function metricLabel(t: Translate, metric: string): string {
  const key = storedKey(`digest.metric.${metric}`, 'digest.metric');
  return key ? t(key) : metric;
}

function fmtMetric(metric: string, v: number, locale: Locale): string {
  if (metric.startsWith('mtt')) return formatDuration(v, locale);
  if (metric === 'slaMet') return percent(v);
  if (metric === 'csatAverage') return v.toFixed(2);
  return String(v);
}
