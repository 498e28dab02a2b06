import { declarations } from '../src/core/catalogue.js';
import { AppError } from '../src/core/errors.js';
import { missingLines, releaseCard } from '../src/domain/releases/cards.js';
import { GatesNotPassedError } from '../src/domain/releases/validation.js';
import type { Release } from '../src/domain/releases/service.js';
import { publishRelease } from '../src/domain/releases/publish.js';
import type { Ticket } from '../src/domain/tickets/service.js';
import { args, cardCtx, defineCommand, isStaff, requireText, subcommand, text, type Ctx } from './helpers.js';

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
        const rest = requireText(p.words.slice(1).join(' '), fail);
        const force = p.pairs.force?.toLowerCase();
        if (force !== undefined && force !== 'yes') fail('error.bad_force');
        // With force:yes, what follows reason: (and any other words) is the reason: it is what the audit keeps.
        const reason = [p.pairs.reason ?? '', force ? rest : ''].join(' ').trim();
        if (force && !reason) fail('error.force_needs_reason');
        return { version: version!, notes: force ? undefined : rest || undefined, force: force ? { reason } : undefined };
      }),
      async run(ctx, a) {
        if (a.force && ctx.identity.role !== 'admin') throw new AppError('forbidden', 'error.forbidden', { role: 'admin' });
        let release;
        try {
          release = await publishRelease(ctx.services, ctx.user, a);
        } catch (e) {
          if (!(e instanceof GatesNotPassedError)) throw e;
          // The refusal names every missing gate and organisation, in the reader's language.
          const lines = missingLines(e.missing, cardCtx(ctx)).join('\n');
          const head = ctx.t('release.publish_refused', { version: a.version });
          return { messages: [{ text: `⚠️ ${head}\n${lines}`, visibility: 'ephemeral' as const, audience: ctx.actor, card: { title: head, tone: 'danger' as const, blocks: [{ type: 'text' as const, text: lines }, { type: 'context' as const, text: ctx.t('release.publish_refused_hint') }] } }] };
        }
        const candidate = await ctx.services.validation.find(release.version);
        const card = releaseCard(release, await fixedTickets(ctx, release), cardCtx(ctx), { candidate, docs: await ctx.services.docs.links(release.system) });
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
        // A customer sees the acceptance of their own organisation only.
        const planned = await s.validation.find(release.version);
        const org = ctx.identity.org;
        const candidate = planned && !isStaff(ctx) ? { ...planned, uat: org && planned.uat[org] ? { [org]: planned.uat[org] } : {} } : planned;
        return { messages: [releaseCard(release, await fixedTickets(ctx, release), cardCtx(ctx), { candidate, docs: await s.docs.links(release.system) })] };
      },
    }),
  },
});
