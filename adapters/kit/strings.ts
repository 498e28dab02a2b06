import type { Locale } from '../../src/core/types.js';

/**
 * The few words adapters show on their own, in both supported languages (everything else comes
 * rendered from the core's catalogues, src/core/messages). Kept apart so the core stays free of
 * platform wording: a toast while a click is still being worked on, a modal's cancel button…
 */
export const adapterStrings = {
  /** A click was received but the work outlasted the platform's answer deadline; the card updates when done. */
  working: { en: 'Working on it…', 'zh-CN': '正在处理…' },
  /** A click was handled and there is no card to show instead. */
  done: { en: 'Done.', 'zh-CN': '已完成。' },
  /** Slack: a message cut to fit its block limits. */
  truncated: { en: 'Message shortened to fit Slack.', 'zh-CN': '消息过长，已截断以适应 Slack。' },
  readMore: { en: 'Open the full text', 'zh-CN': '查看全文' },
  cancel: { en: 'Cancel', 'zh-CN': '取消' },
  formTitle: { en: 'Aftercare', 'zh-CN': 'Aftercare' },
} as const satisfies Record<string, Record<Locale, string>>;

export type AdapterStringKey = keyof typeof adapterStrings;

/** The string `key` in `locale`. */
export function adapterText(key: AdapterStringKey, locale: Locale): string {
  return adapterStrings[key][locale];
}

/** A Feishu toast in both languages: the reader's client shows the one matching its language. */
export function bilingualToast(key: AdapterStringKey, type: 'info' | 'success' | 'error' | 'warning', locale: Locale) {
  const s = adapterStrings[key];
  return { type, content: s[locale], i18n: { zh_cn: s['zh-CN'], en_us: s.en } };
}
