import { en, type MessageKey } from './messages/en.js';
import { zhCN } from './messages/zh-CN.js';
import type { Locale } from './types.js';

export type { MessageKey };

/** A placeholder's value: numbers are shown as `String(n)`. */
export type ParamValue = string | number;
/** Placeholder values when the key is only known at run time (a coded error carries its own). */
export type Params = Record<string, ParamValue | undefined>;

/** The `{name}` placeholders of a message template: `'{id} filed: {title}'` → `'id' | 'title'`. */
export type PlaceholdersIn<T extends string> = T extends `${string}{${infer P}}${infer Rest}` ? P | PlaceholdersIn<Rest> : never;

/** The placeholders of a key, read from the English catalogue (the Chinese one must match; a test checks). */
export type PlaceholdersOf<K extends MessageKey> = PlaceholdersIn<(typeof en)[K]>;

/** Exactly the placeholders of `K`, each required. */
export type ParamsOf<K extends MessageKey> = { [P in PlaceholdersOf<K>]: ParamValue };

/** What follows the key in `t(key, …)`: nothing for a message without placeholders, else an object naming every placeholder. */
export type ParamsArgs<K extends MessageKey> = [PlaceholdersOf<K>] extends [never] ? [] : [params: ParamsOf<K>];

/** Keys whose message takes no placeholder. */
export type PlainKey = { [K in MessageKey]: [PlaceholdersOf<K>] extends [never] ? K : never }[MessageKey];

/** Keys of one family: `KeysUnder<'ticket.status'>` = `'ticket.status.open' | …`. */
export type KeysUnder<P extends string> = Extract<MessageKey, `${P}.${string}`>;

/** Translates a key into the reader's language; placeholders are type-checked against the catalogue. */
export type Translate = <K extends MessageKey>(key: K, ...params: ParamsArgs<K>) => string;

/** Every catalogue, by locale. A test checks both have the same keys and placeholders. */
export const catalogues: Record<Locale, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };

/** Maps a platform locale (`en-US`, `zh_CN`, `zh-Hans`, `zh`) to a supported one; `undefined` when unknown. */
export function normalizeLocale(input: string | undefined): Locale | undefined {
  if (!input) return undefined;
  const v = input.trim().toLowerCase().replace('_', '-');
  if (v.startsWith('zh')) return 'zh-CN';
  if (v.startsWith('en')) return 'en';
  return undefined;
}

export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(en, key);
}

/**
 * A key named by data rather than code (a built-in survey's question, a digest metric's name):
 * the key when the catalogue has it under `prefix` and it takes no placeholders (data carries
 * none), else `undefined`.
 */
export function storedKey<P extends string>(key: string, prefix: P): Extract<KeysUnder<P>, PlainKey> | undefined {
  return isStoredKey(key, prefix) ? key : undefined;
}

function isStoredKey<P extends string>(key: string, prefix: P): key is Extract<KeysUnder<P>, PlainKey> {
  return key.startsWith(`${prefix}.`) && isMessageKey(key) && !/\{\w+\}/.test(en[key]);
}

/** Looks up and fills `{name}` placeholders. An unknown key is a programming error and throws. */
export function translate<K extends MessageKey>(locale: Locale, key: K, ...params: ParamsArgs<K>): string;
export function translate(locale: Locale, key: MessageKey, params?: Params): string {
  return fill(locale, key, params);
}

/**
 * Like `translate` for a key chosen at run time with params checked where the key was chosen
 * (a coded error's key and params): the catalogue fills what it names and ignores the rest.
 */
export function translateLoose(locale: Locale, key: MessageKey, params: Params = {}): string {
  return fill(locale, key, params);
}

function fill(locale: Locale, key: string, params: Params = {}): string {
  const template = (catalogues[locale] as Record<string, string>)[key] ?? (catalogues.en as Record<string, string>)[key];
  if (template === undefined) throw new Error(`Unknown message key: ${key}`);
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = params[name];
    return v === undefined ? '' : String(v);
  });
}

export function translator(locale: Locale): Translate {
  return (key, ...params) => translate(locale, key, ...params);
}

/** Formats a duration in ms as `3d 4h`, `2h 5m`, `45s` (units are the same in both languages' UI). */
export function formatDuration(ms: number, locale: Locale): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const u = locale === 'zh-CN' ? { d: '天', h: '小时', m: '分', s: '秒' } : { d: 'd', h: 'h', m: 'm', s: 's' };
  if (d > 0) return `${d}${u.d} ${h}${u.h}`;
  if (h > 0) return `${h}${u.h} ${m}${u.m}`;
  if (m > 0) return `${m}${u.m}`;
  return `${s}${u.s}`;
}

/** A date-time in the deployment's zone, e.g. `2026-11-24 16:05`. */
const timeFormats = new Map<string, Intl.DateTimeFormat>();

export function formatTime(epochMs: number, timeZone: string): string {
  let format = timeFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
    });
    timeFormats.set(timeZone, format);
  }
  // formatToParts costs tens of microseconds and most times shown are "now": remember recent minutes.
  const key = `${timeZone}|${Math.floor(epochMs / 60_000)}`;
  const known = recentTimes.get(key);
  if (known !== undefined) return known;
  const parts = format.formatToParts(new Date(epochMs));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const text = `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
  if (recentTimes.size >= 1000) recentTimes.clear();
  recentTimes.set(key, text);
  return text;
}
const recentTimes = new Map<string, string>();

/** Bytes as `1.5 GB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}
