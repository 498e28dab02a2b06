import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import { CHART_COLOURS, renderDigestChart, weeklySeries } from '../../src/domain/digest/chart.js';
import { keys } from '../../src/core/keys.js';
import { dayOf } from '../../src/domain/deps.js';
import { sendDigest } from '../../src/domain/digest/send.js';
import { feed, startTestApp, waitFor } from '../hooks/support.js';

let app: RunningApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.stop();
});

const hasColour = (png: PNG, c: readonly number[]) => {
  for (let i = 0; i < png.data.length; i += 4) if (png.data[i] === c[0] && png.data[i + 1] === c[1] && png.data[i + 2] === c[2]) return true;
  return false;
};

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

  it('renders a PNG with opened and resolved bars and the CSAT line', () => {
    const png = PNG.sync.read(renderDigestChart([{ from: 0, opened: 3, resolved: 1, csat: 4 }, { from: 1, opened: 1, resolved: 2, csat: 3 }]));
    expect([png.width, png.height]).toEqual([640, 320]);
    for (const c of [CHART_COLOURS.opened, CHART_COLOURS.resolved, CHART_COLOURS.csat]) expect(hasColour(png, c)).toBe(true);
  });

  it('sends the digest with the chart as an image the server serves, and complete text', async () => {
    await sendDigest(app.services, { publicUrl: app.url }, app.log, 'test-slot');
    const digest = await waitFor(async () => (await feed(app, 'management')).find((m) => m.text.startsWith('Digest:')));
    const src = /<img class="b-image" src="([^"]+)"/.exec(digest.html)?.[1];
    expect(src).toMatch(/\/charts\/[a-f0-9]{32}\.png$/);
    const res = await fetch(src!.replace(/&amp;/g, '&'));
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(PNG.sync.read(Buffer.from(await res.arrayBuffer())).width).toBe(640);
    expect(digest.text).toMatch(/Digest: \d+ opened, \d+ resolved/);
    expect((await fetch(`${app.url}/charts/${'0'.repeat(32)}.png`)).status).toBe(404);
    await sendDigest(app.services, { publicUrl: app.url }, app.log, 'test-slot');
    await app.outbox.drain();
    expect((await feed(app, 'management')).filter((m) => m.text.startsWith('Digest:'))).toHaveLength(1);
  });
});
