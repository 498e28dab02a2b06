import { declarations } from '../src/core/catalogue.js';
import { parseSystemName } from '../src/core/systems.js';
import { args, defineCommand, subcommand } from './helpers.js';

/** How many alerts one answer lists (newest first). */
const LIST_LIMIT = 20;

/** `/alerts [open|all] [system:<name>]` (engineer+): open or recent alerts, newest first, like `/issue list`. */
export const alertsCommand = defineCommand(declarations.alerts, {
  subcommands: {
    '': subcommand({
      args: args((p, fail) => {
        const scope = (p.words[0] ?? 'open').toLowerCase();
        if (!['open', 'all'].includes(scope) || p.words.length > 1) fail('error.bad_alert_scope');
        const system = p.pairs.system === undefined ? undefined : parseSystemName(p.pairs.system);
        if (p.pairs.system !== undefined && system === undefined) fail('error.bad_system');
        return { scope: scope as 'open' | 'all', system };
      }),
      async run(ctx, a) {
        const alerts = await ctx.services.alerts.list({ scope: a.scope, system: a.system, limit: LIST_LIMIT });
        const { t } = ctx;
        if (!alerts.length) return { messages: [{ text: t('alerts.none') }] };
        const lines = alerts.map((x) =>
          t('alerts.line', { id: x.id, severity: x.severity, title: x.title, system: x.system, status: t(`alert.status.${x.status}`), count: x.count }),
        );
        const summary = t('alerts.summary', { shown: alerts.length });
        const tone: 'danger' | 'warning' | 'success' = alerts.some((x) => x.status === 'firing' && x.severity === 'critical') ? 'danger' : alerts.some((x) => x.status !== 'resolved') ? 'warning' : 'success';
        return {
          messages: [{ text: `${summary}\n${lines.join('\n')}`, card: { title: t(`alerts.title.${a.scope}`), tone, blocks: [{ type: 'text', text: lines.map((l) => `• ${l}`).join('\n') }, { type: 'context', text: summary }] } }],
        };
      },
    }),
  },
});
