import { declarations } from '../src/core/catalogue.js';
import { digestCard } from '../src/domain/digest/cards.js';
import { digestCharts } from '../src/domain/digest/send.js';
import { args, cardCtx, defineCommand, subcommand } from './helpers.js';

export const digestCommand = defineCommand(declarations.digest, {
  subcommands: {
    '': subcommand({
      args: args((p, fail) => {
        const period = (p.words[0] ?? 'week').toLowerCase();
        if (p.words.length > 1 || !['week', 'month'].includes(period)) fail('error.bad_period');
        return { period: period as 'week' | 'month' };
      }),
      async run(ctx, a) {
        const digest = await ctx.services.digest.build(a.period);
        const deps = ctx.services.deps;
        // The chart shows 8 weeks whatever the period asked for: the weekly trend is what it is for.
        const charts = await digestCharts(deps, deps.config, deps.log, [ctx.locale]);
        return { messages: [digestCard(digest, cardCtx(ctx), charts)] };
      },
    }),
  },
});
