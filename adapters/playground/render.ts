import { catalogues } from '../../src/core/i18n.js';
import type { Block, Card, OutboundMessage } from '../../src/core/types.js';
import { mentionSource, renderMarkdown, type MarkdownEmitter } from '../kit/markdown.js';
import { clickable, showableImage } from '../kit/links.js';

/** Pure renderer: card model → HTML for the playground. Buttons and forms carry data attributes the page's script sends back. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const html: MarkdownEmitter = {
  text: escapeHtml,
  bold: (inner) => `<strong>${inner}</strong>`,
  italic: (inner) => `<em>${inner}</em>`,
  code: (text) => `<code>${escapeHtml(text)}</code>`,
  codeBlock: (text) => `<pre>${escapeHtml(text.replace(/^\n/, ''))}</pre>`,
  link: (label, url) => `<a href="${escapeHtml(url)}" target="_blank" rel="noopener">${escapeHtml(label)}</a>`,
  mention: (platform, id) => escapeHtml(mentionSource(platform, id)),
  item: (m) => (m.ordered ? `${escapeHtml(m.marker)} ` : '• '),
  lineBreak: () => '<br>',
};

/** The shared markdown subset (adapters/kit/markdown.ts) as HTML; everything else escaped. */
export function markdownToHtml(md: string): string {
  return renderMarkdown(md, html);
}

function block(b: Block): string {
  switch (b.type) {
    case 'text':
      return `<div class="b-text">${markdownToHtml(b.text)}</div>`;
    case 'fields':
      return `<dl class="b-fields">${b.fields.map((f) => `<div><dt>${escapeHtml(f.label)}</dt><dd>${markdownToHtml(f.value)}</dd></div>`).join('')}</dl>`;
    case 'context':
      return `<div class="b-context">${markdownToHtml(b.text)}</div>`;
    case 'divider':
      return '<hr class="b-divider">';
    case 'image':
      return showableImage(b.url) ? `<img class="b-image" src="${escapeHtml(b.url)}" alt="${escapeHtml(b.alt)}">` : `<p>${escapeHtml(b.alt)}</p>`;
    case 'actions':
      return `<div class="b-actions">${clickable(b.buttons)
        .map((btn) =>
          btn.url
            ? `<a class="btn" href="${escapeHtml(btn.url)}" target="_blank" rel="noopener">${escapeHtml(btn.label)}</a>`
            : `<button class="btn ${btn.style ?? 'default'}" data-action="${escapeHtml(btn.actionId)}" data-value="${escapeHtml(btn.value ?? '')}">${escapeHtml(btn.label)}</button>`,
        )
        .join('')}</div>`;
    case 'form':
      return `<form class="b-form" data-form="${escapeHtml(b.formId)}">${b.inputs
        .map((i) => {
          const attrs = `name="${escapeHtml(i.id)}"${i.required ? ' required' : ''}${i.maxLength ? ` maxlength="${i.maxLength}"` : ''}`;
          const field =
            i.kind === 'select'
              ? `<select ${attrs}>${(i.options ?? []).map((o) => `<option value="${escapeHtml(o.value)}"${o.value === i.initial ? ' selected' : ''}>${escapeHtml(o.label)}</option>`).join('')}</select>`
              : i.kind === 'textarea'
                ? `<textarea ${attrs} placeholder="${escapeHtml(i.placeholder ?? '')}">${escapeHtml(i.initial ?? '')}</textarea>`
                : `<input type="text" ${attrs} placeholder="${escapeHtml(i.placeholder ?? '')}" value="${escapeHtml(i.initial ?? '')}">`;
          return `<label>${escapeHtml(i.label)}${field}</label>`;
        })
        .join('')}<button type="submit" class="btn primary">${escapeHtml(b.submitLabel)}</button></form>`;
  }
}

export function cardToHtml(card: Card): string {
  return `<div class="card tone-${card.tone ?? 'neutral'}">${card.title ? `<div class="card-title">${markdownToHtml(card.title)}</div>` : ''}${card.blocks.map(block).join('')}</div>`;
}

/** Every piece of text a card shows, in reading order. */
function cardStrings(card: Card): string[] {
  const out = card.title ? [card.title] : [];
  for (const b of card.blocks) {
    switch (b.type) {
      case 'text':
      case 'context':
        out.push(b.text);
        break;
      case 'fields':
        for (const f of b.fields) out.push(f.label, f.value);
        break;
      case 'image':
        out.push(b.alt);
        break;
      case 'actions':
        for (const btn of b.buttons) out.push(btn.label);
        break;
      case 'form':
        for (const i of b.inputs) out.push(i.label, ...(i.options ?? []).map((o) => o.label));
        out.push(b.submitLabel);
        break;
      case 'divider':
        break;
    }
  }
  return out;
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'word' });

/** The words of a text, lower-cased (Intl.Segmenter: also splits Chinese into words). */
function words(text: string): string[] {
  return [...segmenter.segment(text)].filter((s) => s.isWordLike).map((s) => s.segment.toLowerCase());
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The catalogue's `*summary` messages in every language, `{placeholders}` matching anything. */
const SUMMARY_PATTERNS: RegExp[] = Object.values(catalogues).flatMap((messages) =>
  Object.entries(messages)
    .filter(([key]) => key.endsWith('summary'))
    .map(([, template]) => new RegExp(`^${template.split(/\{\w+\}/).map(escapeRegExp).join('[\\s\\S]*?')}$`)),
);

/**
 * Whether a card's message text is only the card's own fallback summary, so the playground shows
 * the card alone (as Slack and Feishu do); otherwise the text is shown above the card (as Teams
 * does), because it says something the card does not ("Ticket SUP-1 filed…", "SUP-1 resolved…
 * the reporter has been told"). The rule, so it stays predictable:
 * 1. the text is one of the catalogue's `*summary` messages (`ticket.summary`, `alert.summary`,
 *    `digest.summary`…: the notification line a card builder writes from the card's own fields),
 *    in either language; or
 * 2. every word of the text already appears on the card (title, blocks, field labels and values,
 *    buttons) — a notice repeated as the card's first block, a survey's lead and question.
 */
export function textRepeatsCard(text: string, card: Card): boolean {
  const trimmed = text.trim();
  if (SUMMARY_PATTERNS.some((p) => p.test(trimmed))) return true;
  const onCard = new Set(words(cardStrings(card).join('\n')));
  return words(trimmed).every((w) => onCard.has(w));
}

export function messageToHtml(message: OutboundMessage): string {
  if (!message.card) return `<div class="plain">${markdownToHtml(message.text)}</div>`;
  const card = cardToHtml(message.card);
  return textRepeatsCard(message.text, message.card) ? card : `<div class="plain lead">${markdownToHtml(message.text)}</div>${card}`;
}
