import type { CommandSpec } from '../src/core/registry.js';
import type { Services } from '../src/domain/index.js';
import { args, MAX_TEXT, MAX_TITLE, text } from './helpers.js';

export const faqCommand: CommandSpec<Services> = {
  name: 'faq',
  aliases: ['常见问题'],
  subcommands: [
    {
      verb: 'add',
      permission: 'engineer',
      args: args((p, fail) => {
        const [q = '', ...rest] = p.words.join(' ').split('|');
        const question = q.trim();
        const answer = rest.join('|').trim();
        if (!question || !answer) fail('error.faq_format');
        if (question.length > MAX_TITLE) fail('error.title_too_long');
        if (answer.length > MAX_TEXT) fail('error.text_too_long');
        return { question, answer };
      }),
      async run(ctx, a: { question: string; answer: string }) {
        const entry = await ctx.services.faq.add(ctx.user, a.question, a.answer);
        return { messages: [text(ctx.t('faq.added', { id: entry.id }))] };
      },
    },
    {
      verb: '',
      permission: 'customer',
      args: args((p, fail) => {
        const q = p.words.join(' ');
        if (!q) fail('error.missing_text');
        if (q.length > MAX_TITLE) fail('error.title_too_long');
        return { q };
      }),
      async run(ctx, a: { q: string }) {
        const matches = await ctx.services.faq.search(a.q);
        if (!matches.length) return { messages: [text(ctx.t('faq.no_match'))] };
        return {
          messages: [
            {
              text: ctx.t('faq.found', { n: matches.length }),
              card: { title: ctx.t('faq.title'), blocks: matches.flatMap((m) => [{ type: 'text' as const, text: `**${m.question}**\n${m.answer}` }]) },
            },
          ],
        };
      },
    },
  ],
};
