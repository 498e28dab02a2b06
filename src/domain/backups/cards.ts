import { formatBytes, formatDuration } from '../../core/i18n.js';
import type { Block, OutboundMessage } from '../../core/types.js';
import type { CardContext } from '../cards.js';
import type { BackupHealth } from './service.js';

export function backupCard(rows: BackupHealth[], c: CardContext): OutboundMessage {
  const { t } = c;
  if (rows.length === 0) return { text: t('backup.none') };
  const blocks: Block[] = [];
  for (const r of rows) {
    const icon = { ok: '✅', failed: '❌', stale: '⚠️', never: '❔' }[r.state];
    const fields = (['full', 'incremental', 'differential'] as const)
      .filter((type) => r.last[type])
      .map((type) => {
        const run = r.last[type]!;
        return {
          label: t(`backup.type.${type}`),
          value: `${run.status === 'success' ? '✅' : '❌'} ${formatDuration(c.now - run.finishedAt, c.locale)}${run.bytes !== undefined ? ` · ${formatBytes(run.bytes)}` : ''}`,
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
