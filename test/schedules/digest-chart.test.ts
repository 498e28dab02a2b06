import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import { translator, type Translate } from '../../src/core/i18n.js';
import { keys } from '../../src/core/keys.js';
import type { Locale } from '../../src/core/types.js';
import { dayOf } from '../../src/domain/deps.js';
import { CHART_COLOURS, CHART_SIZE, renderDigestChart, weeklySeries, type WeekPoint } from '../../src/domain/digest/chart.js';
import { sendDigest } from '../../src/domain/digest/send.js';
import { feed, startTestApp, waitFor } from '../hooks/support.js';

let app: RunningApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.stop();
});

const WEEK = 7 * 86_400_000;
const START = Date.UTC(2026, 9, 5);
const SERIES: WeekPoint[] = [3, 5, 2, 8, 12, 6, 4, 9].map((opened, i) => ({
  from: START + i * WEEK,
  opened,
  resolved: [2, 4, 3, 5, 10, 9, 3, 7][i]!,
  csat: [4.2, 4.5, undefined, 3.8, 3.1, 4, 4.6, 4.4][i],
}));

type Region = { x: number; y: number; w: number; h: number };
const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

/** Pixels in `r` that are text-dark (the chart's text colour is near-black on white). */
function inkIn(png: PNG, r: Region): number {
  let n = 0;
  for (let y = r.y; y < r.y + r.h; y++)
    for (let x = r.x; x < r.x + r.w; x++) {
      const i = (y * png.width + x) * 4;
      if (png.data[i]! < 110 && png.data[i + 1]! < 110 && png.data[i + 2]! < 130) n++;
    }
  return n;
}

/** Pixels in `r` within a small distance of colour `hex`. */
function colourIn(png: PNG, r: Region, hex: string): number {
  const [cr, cg, cb] = rgb(hex);
  let n = 0;
  for (let y = r.y; y < r.y + r.h; y++)
    for (let x = r.x; x < r.x + r.w; x++) {
      const i = (y * png.width + x) * 4;
      if (Math.abs(png.data[i]! - cr!) + Math.abs(png.data[i + 1]! - cg!) + Math.abs(png.data[i + 2]! - cb!) < 24) n++;
    }
  return n;
}

/** The same pixels in `r` of two pictures. */
function sameIn(a: PNG, b: PNG, r: Region): boolean {
  for (let y = r.y; y < r.y + r.h; y++)
    for (let x = r.x; x < r.x + r.w; x++) {
      const i = (y * a.width + x) * 4;
      if (a.data[i] !== b.data[i] || a.data[i + 1] !== b.data[i + 1] || a.data[i + 2] !== b.data[i + 2]) return false;
    }
  return true;
}

const draw = (locale: Locale, t: Translate = translator(locale), series = SERIES) => PNG.sync.read(renderDigestChart(series, { t, locale }));

// Where Chart.js lays out this 960×480 chart (looked at in en and zh-CN; see the closing note of issue 15).
const TITLE: Region = { x: 280, y: 4, w: 400, h: 34 };
const LEGEND: Region = { x: 250, y: 44, w: 460, h: 28 };
const WEEK_LABELS: Region = { x: 80, y: 424, w: 800, h: 22 };
const X_TITLE: Region = { x: 380, y: 448, w: 200, h: 28 };
const Y_TITLE: Region = { x: 16, y: 180, w: 30, h: 120 };
const CSAT_TITLE: Region = { x: 912, y: 160, w: 40, h: 160 };
const PLOT: Region = { x: 70, y: 80, w: 820, h: 330 };

/**
 * The golden picture of SERIES in `locale` (test/fixtures/digest/): `UPDATE_GOLDEN=1` rewrites it
 * (look at it before keeping it); a missing file is an error.
 */
function golden(locale: Locale, actual: PNG): PNG {
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'digest', `chart-${locale}.png`);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, PNG.sync.write(actual));
  }
  if (!existsSync(file)) throw new Error(`missing golden image ${file}: run with UPDATE_GOLDEN=1 and look at it`);
  return PNG.sync.read(readFileSync(file));
}

/** Share of pixels whose colour differs by more than a little (anti-aliasing differences pass). */
function differing(a: PNG, b: PNG): number {
  let n = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    if (Math.abs(a.data[i]! - b.data[i]!) + Math.abs(a.data[i + 1]! - b.data[i + 1]!) + Math.abs(a.data[i + 2]! - b.data[i + 2]!) > 48) n++;
  }
  return n / (a.width * a.height);
}

describe('digest chart', () => {
  it('sums 8 weeks of tickets and CSAT from the daily aggregates', async () => {
    const today = Date.now();
    await app.store.hincr(keys.aggDay(dayOf(today)), 'opened', 4);
    await app.store.hincr(keys.aggDay(dayOf(today)), 'resolved', 2);
    await app.store.hincr(keys.aggDay(dayOf(today - 14 * 86_400_000)), 'csat:sum', 9);
    await app.store.hincr(keys.aggDay(dayOf(today - 14 * 86_400_000)), 'csat:n', 2);
    const series = await weeklySeries(app.store, today);
    expect(series).toHaveLength(8);
    expect(series[7]).toMatchObject({ opened: 4, resolved: 2 });
    expect(series[5]!.csat).toBe(4.5);
    expect(series[0]!.csat).toBeUndefined();
  });

  for (const locale of ['en', 'zh-CN'] as const) {
    it(`draws title, legend, week labels, axis titles and the series in ${locale}`, () => {
      const png = draw(locale);
      expect([png.width, png.height]).toEqual([CHART_SIZE.width, CHART_SIZE.height]);
      for (const [name, region] of Object.entries({ TITLE, WEEK_LABELS, X_TITLE, Y_TITLE })) expect(inkIn(png, region), name).toBeGreaterThan(40);
      // Legend: a swatch of each series' colour beside its name.
      for (const c of [CHART_COLOURS.opened, CHART_COLOURS.resolved, CHART_COLOURS.csat]) expect(colourIn(png, LEGEND, c)).toBeGreaterThan(100);
      expect(inkIn(png, LEGEND)).toBeGreaterThan(40);
      expect(colourIn(png, CSAT_TITLE, CHART_COLOURS.csat)).toBeGreaterThan(40);
      // Bars of both series and the CSAT line in the plot; nothing drawn off the picture's edges.
      for (const c of [CHART_COLOURS.opened, CHART_COLOURS.resolved, CHART_COLOURS.csat]) expect(colourIn(png, PLOT, c)).toBeGreaterThan(500);
      const edge = (r: Region) => inkIn(png, r) + colourIn(png, r, CHART_COLOURS.opened) + colourIn(png, r, CHART_COLOURS.csat);
      expect(edge({ x: 0, y: 0, w: CHART_SIZE.width, h: 2 }) + edge({ x: CHART_SIZE.width - 2, y: 0, w: 2, h: CHART_SIZE.height })).toBe(0);
    });
  }

  for (const locale of ['en', 'zh-CN'] as const) {
    it(`matches the golden picture in ${locale}`, () => {
      const png = draw(locale);
      const expected = golden(locale, png);
      expect([png.width, png.height]).toEqual([expected.width, expected.height]);
      expect(differing(png, expected)).toBeLessThan(0.005);
    });
  }

  it('writes the words of the reader’s language: each label is drawn from its own glyphs, not boxes', () => {
    const en = draw('en');
    const zh = draw('zh-CN');
    for (const r of [TITLE, LEGEND, WEEK_LABELS, X_TITLE, Y_TITLE]) expect(sameIn(en, zh, r)).toBe(false);
    // A missing CJK font draws every character as the same box: two titles of different Chinese
    // characters of equal length would then look the same.
    const zhT = translator('zh-CN');
    const other = ((key: string, params?: Record<string, string | number>) => (key === 'digest.chart.title' ? '示例图表标题文字' : (zhT as (k: string, p?: unknown) => string)(key, params))) as Translate;
    const again = ((key: string, params?: Record<string, string | number>) => (key === 'digest.chart.title' ? '每周工单数量统计' : (zhT as (k: string, p?: unknown) => string)(key, params))) as Translate;
    expect(sameIn(draw('zh-CN', other), draw('zh-CN', again), TITLE)).toBe(false);
  });

  it('shows every value and keeps the tallest bar’s label inside the picture', () => {
    const tall = SERIES.map((p, i) => (i === 4 ? { ...p, opened: 97 } : p));
    const png = draw('en', translator('en'), tall);
    // The label "97" sits just above the tallest bar, inside the headroom the scale keeps under the legend.
    expect(inkIn(png, { x: 495, y: 118, w: 45, h: 22 })).toBeGreaterThan(10);
    expect(colourIn(png, { x: 495, y: 118, w: 45, h: 22 }, CHART_COLOURS.opened)).toBe(0);
  });

  it('sends the digest with the chart in each subscriber’s language as an image the server serves', async () => {
    await sendDigest(app.services, { publicUrl: app.url }, app.log, 'test-slot');
    const digest = await waitFor(async () => (await feed(app, 'management')).find((m) => m.text.startsWith('Digest:')));
    const src = /<img class="b-image" src="([^"]+)"/.exec(digest.html)?.[1];
    expect(src).toMatch(/\/charts\/[a-f0-9]{32}\.png$/);
    const res = await fetch(src!.replace(/&amp;/g, '&'));
    expect(res.headers.get('content-type')).toBe('image/png');
    const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
    expect(png.width).toBe(CHART_SIZE.width);
    expect(inkIn(png, TITLE)).toBeGreaterThan(40);
    expect(digest.text).toMatch(/Digest: \d+ opened, \d+ resolved/);
    expect((await fetch(`${app.url}/charts/${'0'.repeat(32)}.png`)).status).toBe(404);
    await sendDigest(app.services, { publicUrl: app.url }, app.log, 'test-slot');
    await app.outbox.drain();
    expect((await feed(app, 'management')).filter((m) => m.text.startsWith('Digest:'))).toHaveLength(1);
  });
});
