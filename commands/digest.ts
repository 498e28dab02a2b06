import type { CommandSpec } from '../src/core/registry.js';
import { digestCard } from '../src/domain/digest/cards.js';
import type { Services } from '../src/domain/index.js';
import { args, cardCtx } from './helpers.js';

export const digestCommand: CommandSpec<Services> = {
  name: 'digest',
  aliases: ['摘要', '周报'],
  subcommands: [
    {
      verb: '',
      permission: 'manager',
      args: args((p, fail) => {
        const period = (p.words[0] ?? 'week').toLowerCase();
        if (p.words.length > 1 || !['week', 'month'].includes(period)) fail('error.bad_period');
        return { period: period as 'week' | 'month' };
      }),
      async run(ctx, a: { period: 'week' | 'month' }) {
        const digest = await ctx.services.digest.build(a.period);
        return { messages: [digestCard(digest, cardCtx(ctx))] };
      },
    },
  ],
};
