import { parseId } from '../src/core/args.js';
import { declarations } from '../src/core/catalogue.js';
import { AppError } from '../src/core/errors.js';
import { postmortemCard, postmortemForm } from '../src/domain/postmortems/cards.js';
import { args, cardCtx, defineCommand, subcommand, text, MAX_TEXT, type Ctx } from './helpers.js';

async function show(ctx: Ctx, id: string) {
  const pm = await ctx.services.postmortems.get(id);
  return postmortemCard(pm, await ctx.services.postmortems.actions(id), cardCtx(ctx), { audience: 'staff' });
}

/** Publishes; `customer` also posts it to the customer's conversation of the ticket (its reporter's). */
async function publish(ctx: Ctx, id: string, customer: boolean) {
  const ticket = id.startsWith('SUP') ? await ctx.services.tickets.find(id) : undefined;
  await ctx.services.postmortems.publish(ctx.user, id, customer, ticket?.reporterConversation);
  return text(ctx.t(customer && ticket ? 'postmortem.published_customer' : 'postmortem.published_engineers', { id }));
}

const idArgs = args((p, fail) => {
  const id = parseId(p.words[0], ['SUP', 'ALR']);
  if (!id) fail(p.words[0] ? 'error.bad_ticket_id' : 'error.missing_ticket_id');
  return { id: id!, rest: p.words.slice(1).map((w) => w.toLowerCase()) };
});

export const postmortemCommand = defineCommand(declarations.postmortem, {
  subcommands: {
    '': subcommand({
      args: idArgs,
      async run(ctx, a) {
        await ctx.services.postmortems.draft(ctx.user, a.id);
        const card = await show(ctx, a.id);
        return { messages: [{ ...card, text: ctx.t('postmortem.drafted', { id: a.id }) }] };
      },
    }),
    publish: subcommand({
      args: idArgs,
      async run(ctx, a) {
        const customer = a.rest.includes('customer');
        return { messages: [await publish(ctx, a.id, customer)] };
      },
    }),
  },
  actions: {
    edit: {
      permission: 'engineer',
      async run(ctx, value) {
        const id = parseId(value, ['SUP', 'ALR']);
        if (!id) throw new AppError('invalid_argument', 'error.bad_ticket_id');
        const pm = await ctx.services.postmortems.get(id);
        return { openForm: postmortemForm(pm, ctx.services.deps.config.causes, cardCtx(ctx)) };
      },
    },
    publish: {
      permission: 'engineer',
      async run(ctx, value) {
        const id = parseId(value, ['SUP', 'ALR']);
        if (!id) throw new AppError('invalid_argument', 'error.bad_ticket_id');
        const done = await publish(ctx, id, false);
        return { replace: await show(ctx, id), messages: [{ ...done, visibility: 'ephemeral' }] };
      },
    },
  },
  forms: {
    edit: {
      permission: 'engineer',
      async run(ctx, values) {
        const id = parseId(values.id, ['SUP', 'ALR']);
        if (!id) throw new AppError('invalid_argument', 'error.bad_ticket_id');
        const summary = values.summary?.trim() || undefined;
        if (summary && summary.length > MAX_TEXT) throw new AppError('invalid_argument', 'error.text_too_long');
        await ctx.services.postmortems.edit(ctx.user, id, { summary, cause: values.cause?.trim().toLowerCase() || undefined });
        const card = await show(ctx, id);
        return { replace: card, messages: [{ ...card, text: ctx.t('postmortem.saved', { id }) }] };
      },
    },
  },
});
