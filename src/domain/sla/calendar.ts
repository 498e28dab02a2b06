import { DateTime, IANAZone } from 'luxon';
import type { AppConfig } from '../../config.js';

/**
 * Business-time arithmetic for SLA contracts. Zones, calendar days and DST come from luxon; what is
 * written here is only the service-desk rule itself (which is aftercare's job): a target counts the
 * minutes inside the working hours of working days that are not holidays, in the contract's zone.
 * This is how Zendesk ("business hours" SLA policies) and Jira Service Management ("calendars")
 * count: a P2 raised at 17:55 with a 1 h target and hours 09:00–18:00 is due at 09:55 on the next
 * working day.
 */

/** Working hours: ISO weekdays (1 = Monday … 7 = Sunday) and a daily window in minutes after midnight. */
export interface BusinessHours {
  days: number[];
  /** Minutes after local midnight the window opens (inclusive), e.g. 540 for 09:00. */
  start: number;
  /** Minutes after local midnight the window closes (exclusive), e.g. 1080 for 18:00; > start. */
  end: number;
}

/** An organisation's SLA contract: targets per severity, and the calendar they count in. */
export interface SlaContract {
  /** Targets in minutes of counted time (business time when `hours` is set, else wall-clock time). */
  targets: AppConfig['sla'];
  /** Working hours; absent = the clock runs around the clock. */
  hours?: BusinessHours;
  /** IANA zone the hours and holidays are in (also the zone the organisation's readers see times in). */
  timezone: string;
  /** Local dates (`YYYY-MM-DD`) with no working hours. */
  holidays: string[];
}

const MINUTE = 60_000;
/** How far ahead a due time is searched: a contract always has a working day within a week, so this is only a guard. */
const MAX_DAYS = 3_700;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** Whether `zone` is an IANA time zone name this runtime knows. */
export function isTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** A local calendar date: year, month (1–12), day. */
interface LocalDate {
  y: number;
  m: number;
  d: number;
}

/** The local date `n` days after `date` (plain calendar arithmetic, no zone involved). */
function plusDays(date: LocalDate, n: number): LocalDate {
  const t = new Date(Date.UTC(date.y, date.m - 1, date.d + n));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

/**
 * Working windows already computed, by zone, date and hours: converting a local wall time to an
 * instant is the costly step (Intl time-zone data), and the same days recur for every ticket.
 * Bounded: cleared when it grows past WINDOW_CACHE_MAX entries.
 */
const windowCache = new Map<string, { open: number; close: number } | null>();
const WINDOW_CACHE_MAX = 20_000;

/**
 * The working window of a local date as epoch ms, or none (a day off or a holiday). Opening and
 * closing are local wall times (09:00 stays 09:00 across a daylight-saving change); an end of
 * 24:00 is the next day's midnight.
 */
function windowOf(date: LocalDate, contract: SlaContract): { open: number; close: number } | undefined {
  const hours = contract.hours!;
  const weekday = new Date(Date.UTC(date.y, date.m - 1, date.d)).getUTCDay() || 7;
  if (!hours.days.includes(weekday)) return undefined;
  const iso = `${date.y}-${String(date.m).padStart(2, '0')}-${String(date.d).padStart(2, '0')}`;
  if (contract.holidays.includes(iso)) return undefined;
  const key = `${contract.timezone}|${iso}|${hours.start}|${hours.end}`;
  let w = windowCache.get(key);
  if (w === undefined) {
    const at = (minutes: number) => {
      const day = minutes >= 24 * 60 ? plusDays(date, 1) : date;
      const m = minutes % (24 * 60);
      return DateTime.fromObject({ year: day.y, month: day.m, day: day.d, hour: Math.floor(m / 60), minute: m % 60 }, { zone: contract.timezone }).toMillis();
    };
    w = { open: at(hours.start), close: at(hours.end) };
    if (windowCache.size >= WINDOW_CACHE_MAX) windowCache.clear();
    windowCache.set(key, w);
  }
  return w ?? undefined;
}

/** The local date of instant `at` in `zone`. */
function localDate(at: number, zone: string): LocalDate {
  const t = DateTime.fromMillis(at, { zone });
  return { y: t.year, m: t.month, d: t.day };
}

/**
 * The instant `ms` of counted time after `from` (epoch ms). Without hours that is plain addition;
 * with hours, time outside working windows is skipped.
 */
export function addBusinessTime(contract: SlaContract, from: number, ms: number): number {
  if (!contract.hours) return from + ms;
  let remaining = Math.max(0, ms);
  const first = localDate(from, contract.timezone);
  let cursor = from;
  for (let i = 0; i < MAX_DAYS; i++) {
    const w = windowOf(plusDays(first, i), contract);
    if (!w || cursor >= w.close) continue;
    const start = Math.max(cursor, w.open);
    if (remaining <= w.close - start) return start + remaining;
    remaining -= w.close - start;
    cursor = w.close;
  }
  throw new Error(`no working time within ${MAX_DAYS} days of ${new Date(from).toISOString()}`);
}

/** Counted time (ms) between `from` and `to` (epoch ms; 0 when `to` is not after `from`). */
export function businessTimeBetween(contract: SlaContract, from: number, to: number): number {
  if (to <= from) return 0;
  if (!contract.hours) return to - from;
  let total = 0;
  const first = localDate(from, contract.timezone);
  for (let i = 0; i < MAX_DAYS; i++) {
    const date = plusDays(first, i);
    const w = windowOf(date, contract);
    if (w) {
      if (w.open >= to) break;
      total += Math.max(0, Math.min(to, w.close) - Math.max(from, w.open));
    } else if (Date.UTC(date.y, date.m - 1, date.d) - 14 * 3600_000 > to) break; // past `to` in every zone
  }
  return total;
}

/** Minutes as epoch-ms duration. */
export const minutes = (n: number) => n * MINUTE;

/** `09:00` → 540; undefined when not a valid `HH:MM` (24:00 allowed as an end). */
export function parseClock(text: string): number | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min > 0)) return undefined;
  return h * 60 + min;
}

/** `Mon-Fri`, `Mon,Wed,Fri`, `Sat-Sun` → ISO weekdays (a range wraps: `Fri-Mon`); undefined when not days. */
export function parseDays(text: string): number[] | undefined {
  const days = new Set<number>();
  for (const part of text.toLowerCase().split(',')) {
    const [a, b] = part.split('-');
    const from = WEEKDAYS.indexOf((a ?? '').slice(0, 3) as (typeof WEEKDAYS)[number]);
    const to = b === undefined ? from : WEEKDAYS.indexOf(b.slice(0, 3) as (typeof WEEKDAYS)[number]);
    if (from < 0 || to < 0 || (a ?? '').length < 3 || (b !== undefined && b.length < 3)) return undefined;
    for (let d = from; ; d = (d + 1) % 7) {
      days.add(d + 1);
      if (d === to) break;
    }
  }
  return [...days].sort();
}

/** `Mon-Fri` + `09:00-18:00` → business hours; undefined when either part is malformed or the window is empty. */
export function parseBusinessHours(days: string, window: string): BusinessHours | undefined {
  const d = parseDays(days);
  const [a, b] = window.split('-');
  const start = a === undefined ? undefined : parseClock(a);
  const end = b === undefined ? undefined : parseClock(b);
  if (!d || start === undefined || end === undefined || end <= start) return undefined;
  return { days: d, start, end };
}

/** `15m`, `4h`, `1d` (24 h of counted time), `90` (minutes) → minutes; undefined when not a positive duration. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d{1,5})(m|min|h|d)?$/i.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? 'm').toLowerCase();
  const value = unit === 'h' ? n * 60 : unit === 'd' ? n * 24 * 60 : n;
  return value > 0 && value <= 366 * 24 * 60 ? value : undefined;
}

/** `YYYY-MM-DD` that is a real calendar date. */
export function isIsoDate(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && DateTime.fromISO(text, { zone: 'UTC' }).isValid;
}

/** Minutes → `15m`, `4h`, `1d`, `1h30m` (how contracts are shown back). */
export function formatDuration(min: number): string {
  if (min % (24 * 60) === 0) return `${min / (24 * 60)}d`;
  if (min % 60 === 0) return `${min / 60}h`;
  return min > 60 ? `${Math.floor(min / 60)}h${min % 60}m` : `${min}m`;
}

/** Business hours → `Mon-Fri 09:00-18:00` (days listed one by one when they are not a run). */
export function formatHours(hours: BusinessHours): string {
  const name = (d: number) => WEEKDAYS[d - 1]!.replace(/^./, (c) => c.toUpperCase());
  const run = hours.days.every((d, i) => i === 0 || d === hours.days[i - 1]! + 1);
  const days = run && hours.days.length > 1 ? `${name(hours.days[0]!)}-${name(hours.days.at(-1)!)}` : hours.days.map(name).join(',');
  const clock = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  return `${days} ${clock(hours.start)}-${clock(hours.end)}`;
}
