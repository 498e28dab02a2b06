import type { Locale } from '../../src/core/types.js';

/** The few words the Feishu adapter says itself (everything else comes from the core's catalogue). */
export const strings = {
  working: { en: 'Working on it…', 'zh-CN': '正在处理…' },
} satisfies Record<string, Record<Locale, string>>;

/** A toast in both languages: Feishu shows the one matching the reader's client. */
export function bilingualToast(key: keyof typeof strings, type: 'info' | 'success' | 'error' | 'warning', locale: Locale) {
  const s = strings[key];
  return { type, content: s[locale], i18n: { zh_cn: s['zh-CN'], en_us: s.en } };
}
