import { translator } from '../../core/i18n.js';
import type { Logger } from '../../core/log.js';
import type { Locale } from '../../core/types.js';
import type { AppConfig } from '../../config.js';
import type { ServiceDeps } from '../deps.js';
import type { Services } from '../index.js';
import { chartPath, saveChart } from './chart-store.js';
import { renderDigestChart, weeklySeries } from './chart.js';
import { digestCard, type DigestCharts } from './cards.js';

const LOCALES: Locale[] = ['en', 'zh-CN'];

/**
 * Draws the 8-week chart once per language in `locales` from the weekly aggregates (8 × 7 hash
 * reads, whatever the number of tickets), stores each PNG, and returns where each is served. The
 * chart is an extra: when it cannot be drawn the failure is logged and the digest goes without it,
 * its text being complete on its own.
 */
export async function digestCharts(deps: Pick<ServiceDeps, 'store' | 'now'>, config: Pick<AppConfig, 'publicUrl'>, log: Logger, locales: Locale[] = LOCALES): Promise<DigestCharts> {
  const charts: DigestCharts = {};
  try {
    const series = await weeklySeries(deps.store, deps.now());
    for (const locale of locales) {
      const id = await saveChart(deps.store, renderDigestChart(series, { t: translator(locale), locale }));
      charts[locale] = { id, url: `${config.publicUrl.replace(/\/$/, '')}${chartPath(id)}` };
    }
  } catch (e) {
    log.warn('digest chart not drawn; the digest goes without it', { error: e });
  }
  return charts;
}

/**
 * Sends the weekly digest to `digest` subscribers, each in their language with the chart drawn in
 * that language as an image block. `slot` names the tick, so a retried tick never posts twice.
 */
export async function sendDigest(services: Services, config: Pick<AppConfig, 'publicUrl'>, log: Logger, slot: string): Promise<void> {
  const digest = await services.digest.build('week');
  const charts = await digestCharts(services.deps, config, log);
  await services.toSubscribers('digest', undefined, (c) => digestCard(digest, c, charts), undefined, `digest:${slot}`);
}
