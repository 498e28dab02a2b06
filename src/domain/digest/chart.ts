import { createHash } from 'node:crypto';
import { createCanvas } from '@napi-rs/canvas';
import { createRequire } from 'node:module';
import type { ChartConfiguration, Plugin } from 'chart.js';
import type {} from 'chartjs-plugin-datalabels';
import { keys } from '../../core/keys.js';
import type { StateStore } from '../../core/store.js';
import type { Locale } from '../../core/types.js';
import type { CardContext } from '../cards.js';
import { dayOf } from '../deps.js';
import type { DayField } from './figures.js';

/**
 * Chart.js and its value-label plugin, both loaded as CommonJS: the plugin's package main is
 * CommonJS and `require`s Chart.js, so loading Chart.js the same way gives both one copy of it (an
 * ES import would load a second copy whose element classes the plugin does not recognise, and the
 * labels would land at the bars' feet).
 */
const load = createRequire(import.meta.url);
const { Chart, registerables } = load('chart.js') as typeof import('chart.js');
const valueLabels = load('chartjs-plugin-datalabels') as Plugin<'bar' | 'line'>;
Chart.register(...registerables);

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

/**
 * The last `weeks` weeks (ending today) from the per-day aggregates the services keep on write:
 * `weeks × 7` hash reads, whatever the number of tickets.
 */
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

/** Series colours (CSS hex), shared with the tests that look for them in the picture. */
export const CHART_COLOURS = { opened: '#3b82f6', resolved: '#22c55e', csat: '#f97316', text: '#1e293b', grid: '#e2e8f0' } as const;

/** Pixel size of the digest chart. Large enough, with large type, to read when a chat client shows it at half size or on a phone. */
export const CHART_SIZE = { width: 960, height: 480 } as const;

/**
 * Fonts, first match wins per glyph: Noto Sans CJK (Debian `fonts-noto-cjk`) draws Chinese and
 * Latin alike; DejaVu Sans is the fallback for Latin where the CJK font is missing. The canvas
 * (Skia) finds both among the system fonts.
 */
const FONT_FAMILY = "'Noto Sans CJK SC', 'Noto Sans CJK JP', 'DejaVu Sans', sans-serif";

/**
 * Chart.js clears the canvas to transparent, which chat clients in dark mode show as black: this
 * paints it white under the chart (the "canvas background" recipe of Chart.js's documentation).
 */
const whiteBackground: Plugin<'bar' | 'line'> = {
  id: 'aftercareWhiteBackground',
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.globalCompositeOperation = 'destination-over';
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

/** A week's label: its first day, as the reader writes a short date ("Nov 2", "11月2日"). */
function weekLabel(from: number, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(from);
}

/**
 * Renders the digest chart with Chart.js on a Skia canvas (@napi-rs/canvas): per week a bar of
 * tickets opened and one of tickets resolved on the left scale, and the average CSAT as a line on
 * a fixed 1–5 right scale; with a title, both axis titles, week labels, a legend and each value
 * written on its bar or point, all in the reader's language. Returns a PNG.
 */
export function renderDigestChart(series: WeekPoint[], c: Pick<CardContext, 't' | 'locale'>): Buffer {
  const { t, locale } = c;
  const canvas = createCanvas(CHART_SIZE.width, CHART_SIZE.height);
  const context = canvas.getContext('2d');
  const maxCount = Math.max(1, ...series.flatMap((p) => [p.opened, p.resolved]));
  const config: ChartConfiguration<'bar' | 'line', Array<number | null>, string> = {
    type: 'bar',
    data: {
      labels: series.map((p) => weekLabel(p.from, locale)),
      datasets: [
        { type: 'bar', label: t('digest.chart.opened'), data: series.map((p) => p.opened), backgroundColor: CHART_COLOURS.opened, yAxisID: 'y', order: 2 },
        { type: 'bar', label: t('digest.chart.resolved'), data: series.map((p) => p.resolved), backgroundColor: CHART_COLOURS.resolved, yAxisID: 'y', order: 2 },
        {
          type: 'line',
          label: t('digest.chart.csat'),
          data: series.map((p) => (p.csat === undefined ? null : Math.round(p.csat * 10) / 10)),
          borderColor: CHART_COLOURS.csat,
          backgroundColor: CHART_COLOURS.csat,
          borderWidth: 3,
          pointRadius: 5,
          spanGaps: true,
          yAxisID: 'csat',
          order: 1,
        },
      ],
    },
    plugins: [valueLabels, whiteBackground],
    options: {
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      layout: { padding: { top: 8, right: 16, bottom: 8, left: 16 } },
      font: { family: FONT_FAMILY, size: 15 },
      color: CHART_COLOURS.text,
      plugins: {
        title: { display: true, text: t('digest.chart.title'), font: { family: FONT_FAMILY, size: 26, weight: 'bold' }, color: CHART_COLOURS.text, padding: { bottom: 6 } },
        // In the datasets' order (drawing order puts the line on top, which would list it first).
        legend: { position: 'top', labels: { font: { family: FONT_FAMILY, size: 17 }, color: CHART_COLOURS.text, boxWidth: 28, sort: (a, b) => (a.datasetIndex ?? 0) - (b.datasetIndex ?? 0) } },
        datalabels: {
          anchor: 'end',
          align: 'end',
          offset: 2,
          font: { family: FONT_FAMILY, size: 15, weight: 'bold' },
          color: (ctx) => (ctx.dataset.type === 'line' ? CHART_COLOURS.csat : CHART_COLOURS.text),
          // CSAT values sit on a white tag so a bar behind them does not hide them.
          backgroundColor: (ctx) => (ctx.dataset.type === 'line' ? '#ffffff' : null),
          borderRadius: 3,
          padding: { top: 1, bottom: 1, left: 3, right: 3 },
          // A zero bar has no height to label; a week without CSAT answers has no point.
          display: (ctx) => {
            const v = ctx.dataset.data[ctx.dataIndex];
            return typeof v === 'number' && (ctx.dataset.type === 'line' || v > 0);
          },
          formatter: (v: number, ctx) => (ctx.dataset.type === 'line' ? v.toFixed(1) : String(v)),
        },
      },
      scales: {
        x: {
          title: { display: true, text: t('digest.chart.week_axis'), font: { family: FONT_FAMILY, size: 17 }, color: CHART_COLOURS.text },
          ticks: { font: { family: FONT_FAMILY, size: 16 }, color: CHART_COLOURS.text },
          grid: { display: false },
        },
        y: {
          position: 'left',
          beginAtZero: true,
          // Headroom above the tallest bar for its value label, so nothing is clipped at the top.
          suggestedMax: Math.ceil(maxCount * 1.15),
          ticks: { precision: 0, font: { family: FONT_FAMILY, size: 16 }, color: CHART_COLOURS.text },
          title: { display: true, text: t('digest.chart.count_axis'), font: { family: FONT_FAMILY, size: 17 }, color: CHART_COLOURS.text },
          grid: { color: CHART_COLOURS.grid },
        },
        csat: {
          position: 'right',
          min: 1,
          max: 5.5,
          afterBuildTicks: (axis) => {
            axis.ticks = [1, 2, 3, 4, 5].map((value) => ({ value }));
          },
          ticks: { font: { family: FONT_FAMILY, size: 16 }, color: CHART_COLOURS.csat },
          title: { display: true, text: t('digest.chart.csat_axis'), font: { family: FONT_FAMILY, size: 17 }, color: CHART_COLOURS.csat },
          grid: { drawOnChartArea: false },
        },
      },
    },
  };
  const chart = new Chart(context as unknown as CanvasRenderingContext2D, config as ChartConfiguration);
  try {
    return canvas.toBuffer('image/png');
  } finally {
    chart.destroy();
  }
}

/** A chart's id: a digest of its bytes, so the same picture is stored (and uploaded) once. */
export function chartId(png: Buffer): string {
  return createHash('sha256').update(png).digest('hex').slice(0, 32);
}
