import { parseMention } from '../src/core/args.js';
import { declarations } from '../src/core/catalogue.js';
import { AppError } from '../src/core/errors.js';
import { isHttpUrl } from '../src/core/urls.js';
import { docsListCard } from '../src/domain/docs/cards.js';
import { DOC_KINDS, type Doc, type DocKind } from '../src/domain/docs/service.js';
import { args, cardCtx, defineCommand, displayName, isStaff, subcommand, text, type Ctx } from './helpers.js';

const systemRe = /^[\w.-]{1,64}$/;
const docIdRe = /^DOC-(\d{1,9})$/i;

const docIdArgs = args((p, fail) => {
  const m = docIdRe.exec(p.words[0] ?? '');
  if (!m || p.words.length > 1) fail('error.bad_doc_id');
  return { id: `DOC-${Number(m![1])}` };
});

/** Systems whose documents the reader may see: staff all, a customer their organisation's. */
async function visibleSystems(ctx: Ctx, asked?: string): Promise<string[]> {
  if (isStaff(ctx)) return asked ? [asked] : ctx.services.docs.systems();
  const own = ctx.identity.org ? await ctx.services.directory.orgSystems(ctx.identity.org) : [];
  if (asked && !own.includes(asked)) throw new AppError('not_found', 'error.docs_unknown_system', { system: asked });
  return asked ? [asked] : own;
}

function parseDocId(value: string | undefined): string {
  const m = docIdRe.exec(value ?? '');
  if (!m) throw new AppError('invalid_argument', 'error.bad_doc_id');
  return `DOC-${Number(m[1])}`;
}

/** A document's owner may answer its review card whatever their role; anyone else needs to be staff. */
async function requireOwnerOrStaff(ctx: Ctx, id: string): Promise<void> {
  if (isStaff(ctx)) return;
  const doc = await ctx.services.docs.get(id);
  if (doc.owner !== ctx.user) throw new AppError('forbidden', 'error.forbidden', { role: 'engineer' });
}

async function markReviewed(ctx: Ctx, id: string): Promise<Doc> {
  await requireOwnerOrStaff(ctx, id);
  return ctx.services.docs.reviewed(ctx.user, id);
}

export const docsCommand = defineCommand(declarations.docs, {
  subcommands: {
    add: subcommand({
      args: args((p, fail) => {
        const [rawSystem, rawKind, url, ...extra] = p.words;
        const system = rawSystem?.toLowerCase();
        if (!system || !systemRe.test(system)) fail('error.bad_system');
        const kind = rawKind?.toLowerCase();
        if (!kind || !(DOC_KINDS as readonly string[]).includes(kind)) fail('error.bad_doc_kind');
        if (!url || !isHttpUrl(url) || extra.length) fail('error.bad_doc_url');
        const owner = p.pairs.owner === undefined ? 'me' : parseMention(p.pairs.owner);
        if (!owner) fail('error.bad_mention');
        const review = p.pairs.review === undefined ? undefined : Number(p.pairs.review);
        if (review !== undefined && (!Number.isInteger(review) || review < 1 || review > 3650)) fail('error.bad_review_days');
        return { system: system!, kind: kind as DocKind, url: url!, owner: owner!, review };
      }),
      async run(ctx, a) {
        const owner = a.owner === 'me' ? ctx.user : `${a.owner.platform}:${a.owner.id}`;
        const ownerName = a.owner === 'me' ? displayName(ctx) : undefined;
        const doc = await ctx.services.docs.add(ctx.user, { system: a.system, kind: a.kind, url: a.url, owner, ownerName, reviewDays: a.review, addedIn: ctx.conversation });
        return { messages: [text(ctx.t('docs.added', { id: doc.id, kind: ctx.t(`docs.kind.${doc.kind}`), system: doc.system }))] };
      },
    }),
    reviewed: subcommand({
      args: docIdArgs,
      async run(ctx, a) {
        const doc = await markReviewed(ctx, a.id);
        return { messages: [text(ctx.t('docs.marked_reviewed', { id: doc.id }))] };
      },
    }),
    retire: subcommand({
      args: docIdArgs,
      async run(ctx, a) {
        const doc = await ctx.services.docs.retire(ctx.user, a.id);
        return { messages: [text(ctx.t('docs.retired', { id: doc.id }))] };
      },
    }),
    '': subcommand({
      args: args((p, fail) => {
        const system = p.words[0]?.toLowerCase();
        if ((system !== undefined && !systemRe.test(system)) || p.words.length > 1) fail('error.bad_system');
        return { system };
      }),
      async run(ctx, a) {
        const systems = await visibleSystems(ctx, a.system);
        const bySystem: Array<[string, Doc[]]> = [];
        for (const s of systems) bySystem.push([s, await ctx.services.docs.list(s)]);
        return { messages: [docsListCard(bySystem, cardCtx(ctx))] };
      },
    }),
  },
  actions: {
    reviewed: {
      permission: 'customer',
      async run(ctx, value) {
        const doc = await markReviewed(ctx, parseDocId(value));
        const done = ctx.t('docs.marked_reviewed', { id: doc.id });
        return { replace: text(done), messages: [] };
      },
    },
    outdated: {
      permission: 'customer',
      async run(ctx, value) {
        const id = parseDocId(value);
        await requireOwnerOrStaff(ctx, id);
        const doc = await ctx.services.docs.needsUpdate(ctx.user, id);
        const done = ctx.t('docs.marked_needs_update', { id: doc.id });
        return { replace: text(done), messages: [] };
      },
    },
  },
});
