import { parseId, parseMention } from '../src/core/args.js';
import { declarations } from '../src/core/catalogue.js';
import { AppError } from '../src/core/errors.js';
import { isIsoDate } from '../src/domain/calendar.js';
import { actionCard, actionForm, actionList } from '../src/domain/improvements/cards.js';
import { ACTION_TYPES, type ActionType, type NewAction } from '../src/domain/improvements/service.js';
import { args, cardCtx, defineCommand, requireText, subcommand, text, MAX_TITLE, type Ctx } from './helpers.js';

const impId = (v: string | undefined) => {
  const m = /^IMP-(\d{1,9})$/i.exec(v?.trim() ?? '');
  return m ? `IMP-${Number(m[1])}` : undefined;
};

/** The system and organisation an action inherits from the ticket (or alert) it came from. */
async function source(ctx: Ctx, from: string | undefined): Promise<Pick<NewAction, 'system' | 'org' | 'cause'>> {
  if (!from) return {};
  if (from.startsWith('ALR')) {
    const alert = await ctx.services.alerts.get(from);
    return { system: alert.system };
  }
  const ticket = await ctx.services.tickets.find(from);
  if (!ticket) throw new AppError('not_found', 'error.ticket_not_found', { id: from });
  return { system: ticket.system, org: ticket.org, cause: ticket.cause };
}

async function add(ctx: Ctx, input: NewAction) {
  const inherited = await source(ctx, input.from);
  const action = await ctx.services.improvements.add(ctx.user, { ...inherited, ...dropUndefined(input), title: input.title });
  return action;
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export const improveCommand = defineCommand(declarations.improve, {
  subcommands: {
    '': subcommand({
      args: args((p, fail) => {
        const scope = (p.words[0] ?? 'open').toLowerCase();
        if ((scope !== 'open' && scope !== 'all') || p.words.length > 1) fail('error.bad_improve_scope');
        return { scope: scope as 'open' | 'all' };
      }),
      async run(ctx, a) {
        const { actions, total } = await ctx.services.improvements.list(a.scope);
        return { messages: [actionList(actions, total, cardCtx(ctx))] };
      },
    }),
    add: subcommand({
      args: args((p, fail) => {
        const title = requireText(p.words.join(' '), fail, MAX_TITLE);
        if (!title) fail('error.missing_title');
        const type = p.pairs.type?.toLowerCase();
        if (type !== undefined && !(ACTION_TYPES as readonly string[]).includes(type)) fail('error.bad_action_type');
        const mention = p.pairs.owner === undefined ? undefined : parseMention(p.pairs.owner);
        if (p.pairs.owner !== undefined && !mention) fail('error.bad_mention');
        const due = p.pairs.due;
        if (due !== undefined && !isIsoDate(due)) fail('error.bad_date');
        const cause = p.pairs.cause?.toLowerCase();
        if (cause !== undefined && !/^[\w-]{1,40}$/.test(cause)) fail('error.bad_cause');
        const from = p.pairs.from === undefined ? undefined : parseId(p.pairs.from, ['SUP', 'ALR']);
        if (p.pairs.from !== undefined && !from) fail('error.bad_ticket_id');
        const system = p.pairs.system?.toLowerCase();
        if (system !== undefined && !/^[\w.-]{1,64}$/.test(system)) fail('error.bad_system');
        return { title, type: type as ActionType | undefined, mention, due, cause, from, system };
      }),
      async run(ctx, a) {
        const owner = a.mention === 'me' ? ctx.user : a.mention ? `${a.mention.platform}:${a.mention.id}` : undefined;
        const ownerName = a.mention === 'me' ? ctx.actor.displayName : undefined;
        const action = await add(ctx, { title: a.title, type: a.type, owner, ownerName, due: a.due, cause: a.cause, from: a.from, system: a.system });
        return { messages: [actionCard(action, cardCtx(ctx))] };
      },
    }),
    done: subcommand({
      args: args((p, fail) => {
        const id = impId(p.words[0]);
        if (!id) fail('error.bad_improvement_id');
        return { id: id! };
      }),
      async run(ctx, a) {
        const action = await ctx.services.improvements.done(ctx.user, a.id);
        return { messages: [{ ...actionCard(action, cardCtx(ctx)), text: ctx.t('improve.closed', { id: a.id }) }] };
      },
    }),
  },
  actions: {
    /** Done on an action's card or reminder. */
    done: {
      permission: 'engineer',
      async run(ctx, value) {
        const id = impId(value);
        if (!id) throw new AppError('invalid_argument', 'error.bad_improvement_id');
        const action = await ctx.services.improvements.done(ctx.user, id);
        return { replace: actionCard(action, cardCtx(ctx)), messages: [text(ctx.t('improve.closed', { id }), true)] };
      },
    },
    /** "Add improvement action" on a postmortem or a resolved ticket: a form prefilled from it. */
    new: {
      permission: 'engineer',
      async run(ctx, value) {
        const from = parseId(value, ['SUP', 'ALR']);
        if (!from) throw new AppError('invalid_argument', 'error.bad_ticket_id');
        const ticket = from.startsWith('SUP') ? await ctx.services.tickets.find(from) : undefined;
        const pm = await ctx.services.postmortems.find(from);
        const form = actionForm(cardCtx(ctx), ctx.services.deps.config.causes, { title: '', cause: pm?.cause ?? ticket?.cause, from });
        return { openForm: { card: form.card!, title: form.text, submitLabel: ctx.t('button.create') } };
      },
    },
  },
  forms: {
    add: {
      permission: 'engineer',
      async run(ctx, values) {
        const title = values.title?.trim() ?? '';
        if (!title) throw new AppError('invalid_argument', 'error.missing_title');
        if (title.length > MAX_TITLE) throw new AppError('invalid_argument', 'error.title_too_long');
        const type = (values.type?.trim().toLowerCase() || 'technical') as ActionType;
        if (!ACTION_TYPES.includes(type)) throw new AppError('invalid_argument', 'error.bad_action_type');
        const due = values.due?.trim() || undefined;
        if (due && !isIsoDate(due)) throw new AppError('invalid_argument', 'error.bad_date');
        const rawFrom = values.from?.trim() || undefined;
        const from = rawFrom === undefined ? undefined : parseId(rawFrom, ['SUP', 'ALR']);
        if (rawFrom !== undefined && !from) throw new AppError('invalid_argument', 'error.bad_ticket_id');
        const cause = values.cause?.trim().toLowerCase() || undefined;
        const action = await add(ctx, { title, type, due, cause, from, owner: ctx.user, ownerName: ctx.actor.displayName });
        const card = actionCard(action, cardCtx(ctx));
        return { replace: card, messages: [card] };
      },
    },
  },
});
