import { keys } from '../../core/keys.js';
import type { DayField } from './figures.js';
import type { StateStore } from '../../core/store.js';
import { dayOf } from '../deps.js';
import { Raster, type Rgb } from './raster.js';

/** One week of the digest chart. */
export interface WeekPoint {
  /** Epoch ms of the week's first day (UTC). */
  from: number;
  opened: number;
  resolved: number;
  /** Average CSAT (1–5) of the week's answers; undefined without answers. */
  csat?: number;
}

const DAY = 86_400_000;

/** The last `weeks` weeks (ending today) from the per-day aggregates the services keep on write. */
export async function weeklySeries(store: StateStore, now: number, weeks = 8): Promise<WeekPoint[]> {
  const today = Date.parse(`${dayOf(now)}T00:00:00Z`);
  const first = today - (weeks * 7 - 1) * DAY;
  const days = await Promise.all(Array.from({ length: weeks * 7 }, (_, i) => store.hgetall(keys.aggDay(dayOf(first + i * DAY)))));
  return Array.from({ length: weeks }, (_, w) => {
    const slice = days.slice(w * 7, w * 7 + 7);
    const sum = (f: DayField) => slice.reduce((n, d) => n + (d[f] ?? 0), 0);
    const n = sum('csat:n');
    return { from: first + w * 7 * DAY, opened: sum('opened'), resolved: sum('resolved'), csat: n > 0 ? sum('csat:sum') / n : undefined };
  });
}

export const CHART_COLOURS = { opened: [59, 130, 246], resolved: [34, 197, 94], csat: [249, 115, 22], axis: [100, 116, 139], grid: [226, 232, 240] } as const satisfies Record<string, Rgb>;

/**
 * Renders the digest chart: per week a blue bar (opened) and a green bar (resolved) on the left scale,
 * and an orange line for CSAT on a fixed 1–5 scale. It carries no text (the card's alt text and the
 * digest's own text say what it shows), so it looks the same in every language.
 */
export function renderDigestChart(series: WeekPoint[], width = 640, height = 320): Buffer {
  const r = new Raster(width, height);
  const pad = { l: 24, r: 24, t: 24, b: 28 };
  const plotW = width - pad.l - pad.r;
  const plotH = height - pad.t - pad.b;
  const bottom = pad.t + plotH;
  const maxCount = Math.max(1, ...series.flatMap((p) => [p.opened, p.resolved]));
  for (let g = 0; g <= 4; g++) r.line(pad.l, pad.t + (plotH * g) / 4, pad.l + plotW, pad.t + (plotH * g) / 4, CHART_COLOURS.grid);
  const slot = plotW / Math.max(1, series.length);
  const barW = Math.max(2, Math.floor(slot * 0.3));
  const points: Array<[number, number]> = [];
  series.forEach((p, i) => {
    const x = pad.l + i * slot + slot / 2;
    const hO = (p.opened / maxCount) * plotH;
    const hR = (p.resolved / maxCount) * plotH;
    r.rect(x - barW - 1, bottom - hO, barW, hO, CHART_COLOURS.opened);
    r.rect(x + 1, bottom - hR, barW, hR, CHART_COLOURS.resolved);
    if (p.csat !== undefined) points.push([x, bottom - ((Math.min(5, Math.max(1, p.csat)) - 1) / 4) * plotH]);
  });
  for (let i = 1; i < points.length; i++) r.line(points[i - 1]![0], points[i - 1]![1], points[i]![0], points[i]![1], CHART_COLOURS.csat, 3);
  for (const [x, y] of points) r.rect(x - 4, y - 4, 9, 9, CHART_COLOURS.csat);
  r.line(pad.l, bottom, pad.l + plotW, bottom, CHART_COLOURS.axis, 2);
  r.line(pad.l, pad.t, pad.l, bottom, CHART_COLOURS.axis, 2);
  r.line(pad.l + plotW, pad.t, pad.l + plotW, bottom, CHART_COLOURS.csat, 2);
  return r.toBuffer();
}
