import type { Block, OutboundMessage } from '../../core/types.js';
import type { CardContext } from '../cards.js';
import type { Ticket } from '../tickets/service.js';
import type { Release } from './service.js';

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
