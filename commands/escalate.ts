import { parseId } from '../src/core/args.js';
import { confirmationMessage } from '../src/core/confirm.js';
import { declarations } from '../src/core/catalogue.js';
import { AppError } from '../src/core/errors.js';
import { args, defineCommand, displayName, requireText, subcommand, text, visibleTicket, type Ctx } from './helpers.js';

async function escalate(ctx: Ctx, id: string, reason: string | undefined) {
  // The live cards are updated wherever they are shown (notify.ts): the answer here is a short message.
  if (id.startsWith('ALR')) {
    await ctx.services.alerts.escalate(id, ctx.user);
    return { messages: [text(ctx.t('escalate.done_alert', { id }))] };
  }
  const ticket = await ctx.services.tickets.escalate(await visibleTicket(ctx, id), ctx.user, reason, false, displayName(ctx));
  return { messages: [text(ctx.t('escalate.done', { id, severity: ticket.severity }))] };
}

export const escalateCommand = defineCommand(declarations.escalate, {
  subcommands: {
    '': subcommand({
      args: args((p, fail) => {
        const id = parseId(p.words[0], ['SUP', 'ALR']);
        if (!id) fail(p.words[0] ? 'error.bad_ticket_id' : 'error.missing_ticket_id');
        return { id: id!, reason: requireText(p.words.slice(1).join(' '), fail) || undefined };
      }),
      async confirm(a, ctx) {
        if (a.id.startsWith('ALR')) await ctx.services.alerts.get(a.id);
        else await visibleTicket(ctx, a.id);
        return ctx.t('escalate.confirm', { id: a.id });
      },
      run: (ctx, a) => escalate(ctx, a.id, a.reason),
    }),
  },
  actions: {
    /** The Escalate button on a card asks for confirmation first. */
    start: {
      permission: 'engineer',
      async run(ctx, value) {
        const id = parseId(value, ['SUP', 'ALR']);
        if (!id) throw new AppError('invalid_argument', 'error.bad_ticket_id');
        const question = ctx.t('escalate.confirm', { id });
        const buttons = { yes: { actionId: 'escalate.confirm', label: ctx.t('confirm.yes') }, no: { actionId: 'escalate.cancel', label: ctx.t('confirm.no') } };
        return { messages: [confirmationMessage(question, buttons, id, ctx.actor)] };
      },
    },
    confirm: {
      permission: 'engineer',
      async run(ctx, value) {
        const id = parseId(value, ['SUP', 'ALR']);
        if (!id) throw new AppError('invalid_argument', 'error.bad_ticket_id');
        const result = await escalate(ctx, id, undefined);
        return { ...result, replace: { text: ctx.t('escalate.done', { id, severity: '' }) } };
      },
    },
    cancel: {
      permission: 'engineer',
      async run(ctx) {
        return { replace: { text: ctx.t('confirm.cancelled') }, messages: [] };
      },
    },
  },
});
