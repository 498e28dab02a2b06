import { declarations } from '../src/core/catalogue.js';
import { args, defineCommand, MAX_TEXT, MAX_TITLE, subcommand, text } from './helpers.js';

export const faqCommand = defineCommand(declarations.faq, {
  subcommands: {
    add: subcommand({
      args: args((p, fail) => {
        const [q = '', ...rest] = p.words.join(' ').split('|');
        const question = q.trim();
        const answer = rest.join('|').trim();
        if (!question || !answer) fail('error.faq_format');
        if (question.length > MAX_TITLE) fail('error.title_too_long');
        if (answer.length > MAX_TEXT) fail('error.text_too_long');
        return { question, answer };
      }),
      async run(ctx, a) {
        const entry = await ctx.services.faq.add(ctx.user, a.question, a.answer);
        return { messages: [text(ctx.t('faq.added', { id: entry.id }))] };
      },
    }),
    '': subcommand({
      args: args((p, fail) => {
        const q = p.words.join(' ');
        if (!q) fail('error.missing_text');
        if (q.length > MAX_TITLE) fail('error.title_too_long');
        return { q };
      }),
      async run(ctx, a) {
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
    }),
  },
});
