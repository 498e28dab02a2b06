import { formatBytes, formatDuration } from '../../core/i18n.js';
import type { Block, OutboundMessage } from '../../core/types.js';
import type { CardContext } from '../cards.js';
import type { BackupHealth } from './service.js';

export function backupCard(rows: BackupHealth[], c: CardContext): OutboundMessage {
  const { t } = c;
  if (rows.length === 0) return { text: t('backup.none') };
  const blocks: Block[] = [];
  for (const r of rows) {
    const icon = { ok: '✅', failed: '❌', incomplete: '⚠️', stale: '⚠️', never: '❔' }[r.state];
    const fields = (['full', 'incremental', 'differential'] as const)
      .filter((type) => r.last[type])
      .map((type) => {
        const run = r.last[type]!;
        const mark = run.status === 'success' ? '✅' : run.status === 'incomplete' ? '⚠️' : '❌';
        return {
          label: t(`backup.type.${type}`),
          value: `${mark} ${formatDuration(c.now - run.finishedAt, c.locale)}${run.bytes !== undefined ? ` · ${formatBytes(run.bytes)}` : ''}${run.unchanged ? ` · ${t('backup.unchanged')}` : ''}`,
        };
      });
    fields.push({
      label: t('backup.restore_test'),
      value: r.lastRestoreTest ? `${r.lastRestoreTest.status === 'success' ? '✅' : '❌'} ${formatDuration(c.now - r.lastRestoreTest.finishedAt, c.locale)}` : t('backup.never'),
    });
    blocks.push({
      type: 'text',
      text: `${icon} **${r.system}** — ${t(`backup.state.${r.state}`)} · ${t('backup.age', {
        age: r.ageMs !== undefined ? formatDuration(r.ageMs, c.locale) : '–',
        rpo: r.rpoHours,
      })}`,
    });
    // Why the newest run failed or is incomplete, in the tool's own words.
    const latest = Object.values(r.last).sort((a, b) => b!.finishedAt - a!.finishedAt)[0];
    if ((r.state === 'failed' || r.state === 'incomplete') && latest?.reason) blocks.push({ type: 'text', text: t('backup.reason', { reason: latest.reason }) });
    blocks.push({ type: 'fields', fields });
    blocks.push({ type: 'divider' });
  }
  blocks.pop();
  const bad = rows.filter((r) => r.state !== 'ok').length;
  return {
    text: t('backup.summary', { systems: rows.length, bad }),
    card: { title: t('backup.title'), tone: bad ? 'warning' : 'success', blocks },
  };
}
