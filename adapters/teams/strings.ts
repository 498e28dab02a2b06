import type { Locale } from '../../src/core/types.js';

/**
 * The few strings the Teams adapter shows on its own (everything else is rendered from what the
 * core returns). Shown as the short message Teams displays after an Adaptive Card button click.
 */
export const teamsStrings = {
  /** The click was received but the work outlasted Teams' invoke deadline; the card updates when done. */
  working: { en: 'Working on it…', 'zh-CN': '正在处理…' },
  /** The click was handled and there is no card to show instead. */
  done: { en: 'Done.', 'zh-CN': '已完成。' },
} satisfies Record<string, Record<Locale, string>>;

export type TeamsStringKey = keyof typeof teamsStrings;

export function teamsText(key: TeamsStringKey, locale: Locale): string {
  return teamsStrings[key][locale];
}
