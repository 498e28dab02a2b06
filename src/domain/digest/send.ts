import type { AppConfig } from '../../config.js';
import type { Logger } from '../../core/log.js';
import { chartPath, saveChart } from './chart-store.js';
import { renderDigestChart, weeklySeries } from './chart.js';
import { digestCard } from './cards.js';
import type { Services } from '../index.js';

/**
 * Sends the weekly digest to `digest` subscribers, with the 8-week chart as an image block (a PNG
 * served from the store at /charts/<id>.png). The chart is an extra: when it cannot be drawn the
 * digest goes out without it, its text being complete on its own. `slot` names the tick, so a
 * retried tick never posts twice.
 */
export async function sendDigest(services: Services, config: Pick<AppConfig, 'publicUrl'>, log: Logger, slot: string): Promise<void> {
  const digest = await services.digest.build('week');
  let chartUrl: string | undefined;
  try {
    const png = renderDigestChart(await weeklySeries(services.deps.store, services.deps.now()));
    chartUrl = `${config.publicUrl.replace(/\/$/, '')}${chartPath(await saveChart(services.deps.store, png))}`;
  } catch (e) {
    log.warn('digest chart not drawn; sending the digest without it', { error: e });
  }
  await services.toSubscribers('digest', undefined, (c) => digestCard(digest, c, chartUrl), undefined, `digest:${slot}`);
}
