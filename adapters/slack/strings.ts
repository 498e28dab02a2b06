import type { Locale } from '../../src/core/types.js';

/**
 * The few strings the Slack adapter shows on its own (everything else comes rendered from the core).
 * Kept here, in both supported languages, so the core catalogue stays platform-free.
 */
export const slackStrings = {
  truncated: { en: 'Message shortened to fit Slack.', 'zh-CN': '消息过长，已截断以适应 Slack。' },
  readMore: { en: 'Open the full text', 'zh-CN': '查看全文' },
  cancel: { en: 'Cancel', 'zh-CN': '取消' },
  working: { en: 'Working on it…', 'zh-CN': '正在处理…' },
  formTitle: { en: 'Aftercare', 'zh-CN': 'Aftercare' },
} as const satisfies Record<string, Record<Locale, string>>;

/** The string `key` in `locale`. */
export function slackText(key: keyof typeof slackStrings, locale: Locale): string {
  return slackStrings[key][locale];
}
