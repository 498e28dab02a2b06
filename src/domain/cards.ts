import type { Translate } from '../core/i18n.js';
import type { Card, Locale, Tone } from '../core/types.js';

/** Rendering context for domain cards. */
export interface CardContext {
  t: Translate;
  locale: Locale;
  timezone: string;
  now: number;
}

/** A ratio (0–1) as a whole percentage, `–` when unknown. */
export function percent(v: number | undefined): string {
  return v === undefined ? '–' : `${Math.round(v * 100)}%`;
}

/** A simple card with a title and text lines. */
export function noticeCard(title: string, text: string, tone: Tone = 'info'): Card {
  return { title, tone, blocks: [{ type: 'text', text }] };
}
