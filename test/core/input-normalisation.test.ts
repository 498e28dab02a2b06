import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeySyntaxError, normalizeInput, pairKeys, parseText } from '../../src/core/args.js';
import { vocabulary } from '../../src/core/catalogue.js';
import { createStandardHarness, type Harness } from '../helpers/harness.js';
import { mulberry32 } from '../helpers/seeded.js';

/**
 * Every key any verb declares, written the ways keyboards write it: ASCII, a Chinese IME's
 * full-width colon, full-width letters and digits, smart quotes, a space after the colon,
 * U+3000 and NBSP between words. The parser must read the value the user wrote, or refuse the
 * token by name: never leave the key out (which would make it a default).
 */

/** ASCII → full-width (U+FF01–U+FF5E), as an IME in full-width mode types it. */
const fullWidth = (s: string) => [...s].map((c) => (c >= '!' && c <= '~' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join('');

const everyKey = [...new Set(vocabulary.flatMap((c) => c.verbs.flatMap((v) => pairKeys(v.usage))))];
const sampleValue: Record<string, string> = {
  org: 'acme', sev: 'S1', system: 'crm', 'fixed-in': '1.4.3', cause: 'config', systems: 'crm,erp',
  force: 'yes', reason: 'hotfix', owner: 'bob', review: '30', url: 'https://docs.example.com/crm',
  s1: '15m/4h', s2: '1h/1d', s3: '4h/3d', s4: '1d/10d', hours: 'Mon-Fri', tz: 'Asia/Shanghai',
  holidays: '2026-12-25', from: 'SUP-1', to: '2026-12-31', type: 'technical', due: '2026-12-31',
};

/** The ways one `key:value` is written; each yields the same value after normalisation. */
function variants(key: string, value: string): Array<{ name: string; text: string; value: string }> {
  return [
    { name: 'ascii', text: `${key}:${value}`, value },
    { name: 'full-width colon', text: `${key}：${value}`, value },
    { name: 'all full-width', text: fullWidth(`${key}:${value}`), value },
    { name: 'upper-case key', text: `${key.toUpperCase()}:${value}`, value },
    { name: 'space after colon', text: `${key}: ${value}`, value },
    { name: 'space after full-width colon', text: `${key}： ${value}`, value },
    { name: 'space before colon', text: `${key} :${value}`, value },
    { name: 'small colon (U+FE55)', text: `${key}\uFE55${value}`, value },
    { name: 'smart quotes', text: `${key}:“${value} prod”`, value: `${value} prod` },
    { name: 'full-width colon, smart quotes', text: `${key}：“${value} prod”`, value: `${value} prod` },
    { name: 'ASCII quotes', text: `${key}:"${value} prod"`, value: `${value} prod` },
    { name: 'corner brackets', text: `${key}：「${value} prod」`, value: `${value} prod` },
    { name: 'single smart quotes', text: `${key}:‘${value} prod’`, value: `${value} prod` },
  ];
}

const spaces = [' ', '\u3000', '\u00a0', '\u202f'];

describe('command text normalisation (property)', () => {
  it('declares the keys this test walks', () => {
    expect(everyKey).toEqual(expect.arrayContaining(['sev', 'system', 'fixed-in', 'cause']));
    for (const key of everyKey) expect(sampleValue[key], `a sample value for ${key}`).toBeDefined();
  });

  it('reads every key in every variant, wherever it stands and whatever spaces surround it, and never drops it', () => {
    const random = mulberry32(14);
    let checked = 0;
    for (const key of everyKey) {
      for (const v of variants(key, sampleValue[key]!)) {
        for (let round = 0; round < 6; round++) {
          const gap = spaces[Math.floor(random() * spaces.length)]!;
          const words = ['登录页面报', '500', '错误', 'Login', 'fails'].slice(0, 1 + Math.floor(random() * 5));
          const at = Math.floor(random() * (words.length + 1));
          const tokens = [...words.slice(0, at), v.text, ...words.slice(at)];
          const text = tokens.join(gap);
          const parsed = parseText(text, everyKey);
          expect({ text, key, value: parsed.pairs[key] }, v.name).toEqual({ text, key, value: normalizeInput(v.value) });
          // The words are the rest, as typed (after normalisation), none of them the key.
          expect(parsed.words.map((w) => w.toLowerCase())).not.toContain(key);
          expect(parsed.words).toEqual(words.map(normalizeInput));
          checked++;
        }
      }
    }
    expect(checked).toBe(everyKey.length * 13 * 6);
  });

  it('refuses a key written with another separator, naming the token, instead of defaulting', () => {
    for (const key of everyKey) {
      for (const sep of ['=', ';', '∶', '꞉', '˸', '＝', '；', '，', '→']) {
        const token = `${key}${sep}${sampleValue[key]}`;
        let thrown: unknown;
        try {
          parseText(`Login fails ${token}`, everyKey);
        } catch (e) {
          thrown = e;
        }
        expect(thrown, token).toBeInstanceOf(KeySyntaxError);
        expect((thrown as KeySyntaxError).key).toBe(key);
      }
      expect(() => parseText(`Login fails ${key}:`, everyKey)).toThrow(KeySyntaxError);
    }
  });

  it('leaves text that only resembles a key alone', () => {
    expect(parseText('Error: 500 on https://x.example/a system-wide (severity) systems(s) sev, again', ['sev', 'system'])).toEqual({
      words: ['Error:', '500', 'on', 'https://x.example/a', 'system-wide', '(severity)', 'systems(s)', 'sev,', 'again'],
      pairs: {},
    });
    // A quote that never closes does not swallow the keys after it.
    expect(parseText('Button "Save broken sev:S1 system：crm', ['sev', 'system'])).toEqual({ words: ['Button', '"Save', 'broken'], pairs: { sev: 'S1', system: 'crm' } });
    // Quotes the user typed in the words stay.
    expect(parseText('Button “Save” and "Cancel" both fail', ['sev']).words).toEqual(['Button', '“Save”', 'and', '"Cancel"', 'both', 'fail']);
  });
});

describe('command text normalisation through the dispatcher', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createStandardHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('files `／issue　登录页面报 500 错误 sev：S1 system：crm` as S1 on crm, with the keys out of the title', async () => {
    const reply = await h.run('alice', 'support-acme', '／issue\u3000登录页面报 500 错误 sev：S1 system：crm');
    expect(reply.messages[0]!.text).toContain('SUP-1');
    const ticket = await h.services.tickets.find('SUP-1');
    expect(ticket).toMatchObject({ severity: 'S1', system: 'crm', title: '登录页面报 500 错误' });
  });

  it('answers a mistyped separator with an error naming it, in the user’s language, and files nothing', async () => {
    const en = await h.run('alice', 'support-acme', '/issue Login fails sev=S1');
    expect(en.messages[0]!.text).toContain('“sev=S1”');
    expect(en.messages[0]!.text).toContain('sev:<value>');
    const zh = await h.run('alice', 'support-acme', '/issue 登录失败 sev∶S1', 'zh-CN');
    expect(zh.messages[0]!.text).toContain('“sev∶S1”');
    expect(zh.messages[0]!.text).toMatch(/未做任何操作/);
    expect((await h.services.tickets.list({ status: 'all' })).total).toBe(0);
  });
});
