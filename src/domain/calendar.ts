import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';

dayjs.extend(utc);
dayjs.extend(timezone);

/** The calendar day (`YYYY-MM-DD`) of an instant in an IANA time zone. */
export function localDay(epochMs: number, timeZone: string): string {
  return dayjs(epochMs).tz(timeZone).format('YYYY-MM-DD');
}

/** The last millisecond of calendar day `day` (`YYYY-MM-DD`) in `timeZone`, as epoch ms. */
export function endOfLocalDay(day: string, timeZone: string): number {
  return dayjs.tz(day, timeZone).endOf('day').valueOf();
}

/** Whether `text` is a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && dayjs.utc(text).format('YYYY-MM-DD') === text;
}

/** The start of calendar day `day` in `timeZone`, as epoch ms. */
export function startOfLocalDay(day: string, timeZone: string): number {
  return dayjs.tz(day, timeZone).startOf('day').valueOf();
}

/**
 * Working days (Monday to Friday, in `timeZone`) since `from`: the days after `from`'s day up to
 * and including `to`'s, weekends not counted (resolved on a Friday: five on the next Friday).
 */
export function workingDaysBetween(from: number, to: number, timeZone: string): number {
  let day = dayjs(from).tz(timeZone).startOf('day').add(1, 'day');
  const end = dayjs(to).tz(timeZone).startOf('day');
  let n = 0;
  // Bounded by the policy's window (a few weeks), never by history.
  for (let i = 0; i < 366 && !day.isAfter(end); i++, day = day.add(1, 'day')) {
    const wd = day.day();
    if (wd !== 0 && wd !== 6) n++;
  }
  return n;
}
