import { declarations } from '../src/core/catalogue.js';
import { releaseCard } from '../src/domain/releases/cards.js';
import type { Release } from '../src/domain/releases/service.js';
import { publishRelease } from '../src/domain/releases/publish.js';
import type { Ticket } from '../src/domain/tickets/service.js';
import { args, cardCtx, defineCommand, requireText, subcommand, text, type Ctx } from './helpers.js';

const versionRe = /^[\w.+-]{1,64}$/;

async function fixedTickets(ctx: Ctx, release: Release): Promise<Ticket[]> {
  const all = await Promise.all(release.fixed.map((id) => ctx.services.tickets.find(id)));
  return all.filter((t): t is Ticket => t !== undefined);
}

export const releaseNotesCommand = defineCommand(declarations.releaseNotes, {
  subcommands: {
    publish: subcommand({
      args: args((p, fail) => {
        const version = p.words[0];
        if (!version || !versionRe.test(version)) fail('error.bad_version');
        return { version: version!, notes: requireText(p.words.slice(1).join(' '), fail) || undefined };
      }),
      async run(ctx, a) {
        const release = await publishRelease(ctx.services, ctx.user, a);
        const card = releaseCard(release, await fixedTickets(ctx, release), cardCtx(ctx));
        return { messages: [{ ...card, text: ctx.t('release.published', { version: release.version, count: release.fixed.length }) }] };
      },
    }),
    '': subcommand({
      args: args((p, fail) => {
        const what = p.words[0] ?? 'latest';
        if (p.words.length > 1 || (!['latest', 'list'].includes(what) && !versionRe.test(what))) fail('error.bad_version');
        return { what };
      }),
      async run(ctx, a) {
        const s = ctx.services;
        if (a.what === 'list') {
          const list = await s.releases.list(10);
          if (!list.length) return { messages: [text(ctx.t('release.none'))] };
          const lines = list.map((r) => `- **${r.version}** (${r.date}) — ${ctx.t('release.fixed_count', { count: r.fixed.length })}`);
          return { messages: [{ text: lines.join('\n'), card: { title: ctx.t('release.list_title'), blocks: [{ type: 'text', text: lines.join('\n') }] } }] };
        }
        const release = a.what === 'latest' ? (await s.releases.list(1))[0] : await s.releases.get(a.what);
        if (!release) return { messages: [text(ctx.t('release.none'))] };
        return { messages: [releaseCard(release, await fixedTickets(ctx, release), cardCtx(ctx))] };
      },
    }),
  },
});
