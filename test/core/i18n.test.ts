import { describe, expect, it } from 'vitest';
import { catalogues, normalizeLocale, translate } from '../../src/core/i18n.js';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('message catalogues', () => {
  it('have exactly the same keys in English and Simplified Chinese', () => {
    expect(Object.keys(catalogues['zh-CN']).sort()).toEqual(Object.keys(catalogues.en).sort());
  });

  it('use the same placeholders in both languages for every key', () => {
    for (const key of Object.keys(catalogues.en) as Array<keyof typeof catalogues.en>) {
      expect({ key, p: placeholders(catalogues['zh-CN'][key]) }).toEqual({ key, p: placeholders(catalogues.en[key]) });
    }
  });

  it('have no empty message and no untranslated Chinese copy of the English text', () => {
    for (const key of Object.keys(catalogues.en) as Array<keyof typeof catalogues.en>) {
      expect(catalogues.en[key].length).toBeGreaterThan(0);
      expect(catalogues['zh-CN'][key].length).toBeGreaterThan(0);
    }
    const same = (Object.keys(catalogues.en) as Array<keyof typeof catalogues.en>).filter(
      (k) => catalogues.en[k] === catalogues['zh-CN'][k] && /[a-z]{4,}/.test(catalogues.en[k].replace(/\{\w+\}/g, '')),
    );
    expect(same).toEqual([]);
  });

  it('fills placeholders and maps platform locales', () => {
    expect(translate('zh-CN', 'issue.acked', { id: 'SUP-3' })).toBe('已确认 SUP-3。');
    expect(normalizeLocale('zh_CN')).toBe('zh-CN');
    expect(normalizeLocale('en-GB')).toBe('en');
    expect(normalizeLocale('fr-FR')).toBeUndefined();
  });
});
