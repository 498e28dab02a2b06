import { formatTime } from '../../core/i18n.js';
import type { Block, OutboundMessage } from '../../core/types.js';
import type { CardContext } from '../cards.js';
import { personLabel } from '../directory/people.js';
import type { Doc, DocLink } from './service.js';

/** `[manual](url) · [runbook](url)` in the reader's language; empty when there are none. */
export function docLinksLine(links: DocLink[], c: CardContext): string {
  return links.map((l) => `[${c.t(`docs.kind.${l.kind}`)}](${l.url})`).join(' · ');
}

/** The owner's review card: Reviewed / Needs update. Says why it came (due, or a release since). */
export function docReviewCard(d: Doc, c: CardContext): OutboundMessage {
  const { t } = c;
  const kind = t(`docs.kind.${d.kind}`);
  const why = d.stale ? t('docs.review_stale', { id: d.id, kind, system: d.system, version: d.stale.release }) : t('docs.review_due', { id: d.id, kind, system: d.system });
  const blocks: Block[] = [
    { type: 'text', text: `${why}\n[${d.url}](${d.url})` },
    { type: 'context', text: t('docs.last_reviewed', { date: formatTime(d.reviewedAt, c.timezone).slice(0, 10) }) },
    {
      type: 'actions',
      buttons: [
        { actionId: 'docs.reviewed', label: t('docs.button_reviewed'), value: d.id, style: 'primary' },
        { actionId: 'docs.outdated', label: t('docs.button_needs_update'), value: d.id },
      ],
    },
  ];
  return { text: why, card: { title: t('docs.review_title', { id: d.id, kind, system: d.system }), tone: 'warning', blocks } };
}

/** One line per document: kind, link, owner, review state. */
export function docLine(d: Doc, c: CardContext): string {
  const { t } = c;
  const state = d.status === 'needs-update' ? t('docs.state_needs_update') : d.stale ? t('docs.state_stale', { version: d.stale.release }) : t('docs.state_current');
  const review = d.reviewDays ? ` · ${t('docs.review_every', { days: d.reviewDays })}` : '';
  return `- **${d.id}** ${t(`docs.kind.${d.kind}`)}: [${d.url}](${d.url}) — ${personLabel(d.owner, d.ownerName)} · ${state}${review}`;
}

/** The registry of some systems' documents. */
export function docsListCard(bySystem: Array<[string, Doc[]]>, c: CardContext): OutboundMessage {
  const { t } = c;
  const blocks: Block[] = bySystem.map(([system, docs]) => ({ type: 'text', text: `**${system}**\n${docs.length ? docs.map((d) => docLine(d, c)).join('\n') : t('docs.none_for_system')}` }));
  const total = bySystem.reduce((n, [, d]) => n + d.length, 0);
  return { text: t('docs.list_summary', { count: total }), card: { title: t('docs.list_title'), blocks: blocks.length ? blocks : [{ type: 'text', text: t('docs.none') }] } };
}
