import { describe, expect, it } from 'vitest';
import { messageToHtml, textRepeatsCard } from '../../adapters/playground/render.js';
import { translator } from '../../src/core/i18n.js';
import type { Card, Locale } from '../../src/core/types.js';
import { type CardContext } from '../../src/domain/cards.js';
import { releaseCard } from '../../src/domain/releases/cards.js';
import { surveyCard } from '../../src/domain/surveys/cards.js';
import type { Release } from '../../src/domain/releases/service.js';
import type { Survey } from '../../src/domain/surveys/service.js';

const ctx = (locale: Locale): CardContext => ({ t: translator(locale), locale, timezone: 'UTC', now: Date.UTC(2026, 10, 24) });

const ticket: Card = {
  title: 'SUP-7 · Login fails',
  tone: 'warning',
  blocks: [
    { type: 'fields', fields: [{ label: 'Status', value: 'Open' }, { label: 'Severity', value: 'S2' }] },
    { type: 'actions', buttons: [{ actionId: 'issue.ack', label: 'Ack', value: 'SUP-7' }] },
  ],
};

const release: Release = { version: '1.4.2', date: '2026-11-24', notes: 'Faster export.', fixed: ['SUP-7'], createdAt: 0 };
const survey: Survey = { id: 'SVY-3', kind: 'csat', template: 'csat', question: 'survey.csat_question', min: 1, max: 5, ticketId: 'SUP-7', createdAt: 0, createdBy: 'x', recipients: 1 };

describe('playground rendering of a message with text and a card', () => {
  it('shows a reply’s own text above the card', () => {
    for (const locale of ['en', 'zh-CN'] as const) {
      const text = ctx(locale).t('issue.filed', { id: 'SUP-7', title: 'Login fails' });
      expect(textRepeatsCard(text, ticket)).toBe(false);
      const html = messageToHtml({ text, card: ticket });
      expect(html.startsWith('<div class="plain lead">')).toBe(true);
      expect(html.indexOf('SUP-7')).toBeLessThan(html.indexOf('<div class="card'));
    }
  });

  it('shows only the card when the text is the catalogue’s summary of it, in either language', () => {
    for (const locale of ['en', 'zh-CN'] as const) {
      const t = ctx(locale).t;
      expect(textRepeatsCard(t('ticket.summary', { id: 'SUP-7', title: 'Login fails', status: t('ticket.status.open'), severity: 'S2' }), ticket)).toBe(true);
      // "is out", "fixed tickets": words the release card does not show, still its summary line.
      const msg = releaseCard(release, [], ctx(locale));
      expect(textRepeatsCard(msg.text, msg.card!)).toBe(true);
      expect(messageToHtml(msg).startsWith('<div class="card')).toBe(true);
    }
  });

  it('shows only the card when every word of the text is already on it', () => {
    for (const locale of ['en', 'zh-CN'] as const) {
      const msg = surveyCard(survey, ctx(locale), 'Login fails');
      expect(textRepeatsCard(msg.text, msg.card!)).toBe(true);
    }
    const notice = '🔺 SUP-7 was escalated to S1 by Bob. Reason: customer down';
    expect(textRepeatsCard(notice, { ...ticket, blocks: [{ type: 'text', text: notice }, ...ticket.blocks] })).toBe(true);
    expect(textRepeatsCard('SUP-7 was escalated to S1 by Bob.', ticket)).toBe(false);
  });

  it('escapes the text shown above a card and renders its markdown', () => {
    const html = messageToHtml({ text: '**Heads up** <script>x</script>', card: ticket });
    expect(html).toContain('<strong>Heads up</strong> &lt;script&gt;x&lt;/script&gt;');
    expect(html).not.toContain('<script>');
  });

  it('renders a message without a card as its text alone', () => {
    expect(messageToHtml({ text: 'SUP-7 acknowledged.' })).toBe('<div class="plain">SUP-7 acknowledged.</div>');
  });
});
