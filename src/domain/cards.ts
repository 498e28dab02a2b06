import type { Translate } from '../core/i18n.js';
import type { Card, Locale, Tone } from '../core/types.js';

/** Rendering context for domain cards. */
export interface CardContext {
  t: Translate;
  locale: Locale;
  /** IANA zone times are shown in: the reader's (a customer organisation's contract zone), else the deployment's. */
  timezone: string;
  now: number;
  /**
   * Whether everyone who reads this copy is staff (engineer or above): only then do internal notes
   * show. Absent = not known to be staff, so nothing internal is shown.
   */
  staff?: boolean;
}

/** Who reads a copy of a card: staff only or not, and their time zone (see CardContext). */
export interface Reader {
  staff: boolean;
  timezone?: string;
}

/** A ratio (0–1) as a whole percentage, `–` when unknown. */
export function percent(v: number | undefined): string {
  return v === undefined ? '–' : `${Math.round(v * 100)}%`;
}

/** A simple card with a title and text lines. */
export function noticeCard(title: string, text: string, tone: Tone = 'info'): Card {
  return { title, tone, blocks: [{ type: 'text', text }] };
}
