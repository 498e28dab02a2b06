import { randomUUID } from 'node:crypto';
import { parseId, parseMention, type Fail } from '../src/core/args.js';
import { declarations } from '../src/core/catalogue.js';
import { effectKey } from '../src/core/effects.js';
import { AppError } from '../src/core/errors.js';
import type { MessageKey } from '../src/core/i18n.js';
import { keys } from '../src/core/keys.js';
import { parseSystemName, sameSystem } from '../src/core/systems.js';
import type { Card, OutboundMessage } from '../src/core/types.js';
import { alertCard } from '../src/domain/alerts/cards.js';
import { ticketCard } from '../src/domain/tickets/cards.js';
import { SEVERITIES, type Severity } from '../src/domain/tickets/service.js';
import { args, cardCtx, defineCommand, displayName, isStaff, MAX_TEXT, MAX_TITLE, requireText, subcommand, text, visibleTicket, type Ctx } from './helpers.js';

interface Draft {
  title: string;
  description?: string;
  severity: Severity;
  system?: string;
  org: string;
}

const idArg = (kinds: Array<'SUP' | 'ALR'> = ['SUP']) =>
  args((p, fail) => {
    const id = parseId(p.words[0], kinds);
    if (!id) fail(p.words[0] ? 'error.bad_ticket_id' : 'error.missing_ticket_id');
    return { id: id!, rest: p.words.slice(1).join(' ') };
  });

function severityOf(value: string | undefined, fail: Fail): Severity {
  if (value === undefined || value === '') return 'S3';
  const v = value.toUpperCase();
  if (!(SEVERITIES as readonly string[]).includes(v)) fail('error.bad_severity');
  return v as Severity;
}

/** A `system:` value by the one system-name rule (src/core/systems.ts): shown as written, matched case-insensitively. */
function systemOf(value: string | undefined, fail: Fail): string | undefined {
  if (value === undefined || value === '') return undefined;
  const name = parseSystemName(value);
  if (name === undefined) fail('error.bad_system');
  return name;
}

function issueForm(ctx: Ctx, initialTitle = ''): Card {
  const t = ctx.t;
  return {
    title: t('issue.form_title'),
    blocks: [
      {
        type: 'form',
        formId: 'issue.create',
        submitLabel: t('issue.form_submit'),
        inputs: [
          { id: 'title', label: t('field.title'), kind: 'text', required: true, maxLength: MAX_TITLE, initial: initialTitle },
          { id: 'description', label: t('field.description'), kind: 'textarea', maxLength: MAX_TEXT },
          {
            id: 'severity',
            label: t('field.severity'),
            kind: 'select',
            initial: 'S3',
            options: SEVERITIES.map((s) => ({ value: s, label: t(`severity.${s}`) })),
          },
          { id: 'system', label: t('field.system'), kind: 'text', maxLength: 64 },
        ],
      },
    ],
  };
}

async function orgFor(ctx: Ctx, explicit: string | undefined): Promise<string> {
  if (explicit && isStaff(ctx)) return explicit.toLowerCase();
  if (ctx.identity.org) return ctx.identity.org;
  throw new AppError('no_organisation', 'error.no_organisation');
}

async function file(ctx: Ctx, draft: Draft) {
  const s = ctx.services;
  const ticket = await s.tickets.create({
    ...draft,
    reporter: ctx.user,
    reporterName: displayName(ctx),
    reporterConversation: ctx.conversation,
    reporterLocale: ctx.locale,
  });
  // The ticket's live card reaches this conversation through the outbox (notify.ts), kept up to date there.
  return { messages: [text(ctx.t('issue.filed', { id: ticket.id, title: ticket.title }))] };
}

/**
 * The draft with its system as the organisation writes it. A customer may only name one of their
 * organisation's systems (set by admins with `/aftercare org`); anything else is refused with the
 * list they may choose from, and files nothing. Staff may name any system.
 */
async function withOrgSystem(ctx: Ctx, draft: Draft): Promise<Draft> {
  if (!draft.system) return draft;
  const owned = await ctx.services.directory.orgSystems(draft.org);
  const system = owned.find((s) => sameSystem(s, draft.system!));
  if (system) return { ...draft, system };
  if (isStaff(ctx)) return draft;
  if (owned.length === 0) throw new AppError('invalid_argument', 'error.org_has_no_systems');
  throw new AppError('invalid_argument', 'error.system_not_in_org', { system: draft.system, systems: owned.join(', ') });
}

/** Offers matching FAQ entries before filing; the draft waits behind a "file anyway" button. */
async function offerFaqOrFile(ctx: Ctx, asked: Draft) {
  const draft = await withOrgSystem(ctx, asked);
  const matches = await ctx.services.faq.search(`${draft.title} ${draft.description ?? ''}`);
  if (matches.length === 0) return file(ctx, draft);
  const token = randomUUID();
  await ctx.services.deps.store.set(keys.pending(`draft:${token}`), { draft, user: ctx.user }, 30 * 60_000);
  const t = ctx.t;
  return {
    messages: [
      {
        text: t('issue.faq_offer', { n: matches.length }),
        visibility: 'ephemeral' as const,
        card: {
          title: t('issue.faq_offer_title'),
          tone: 'info' as const,
          blocks: [
            ...matches.map((m) => ({ type: 'text' as const, text: `**${m.question}**\n${m.answer}` })),
            {
              type: 'actions' as const,
              buttons: [
                { actionId: 'issue.file', label: t('issue.file_anyway'), value: token, style: 'primary' as const },
                { actionId: 'issue.solved', label: t('issue.faq_solved'), value: token },
              ],
            },
          ],
        },
      },
    ],
  };
}

async function takeDraft(ctx: Ctx, token: string | undefined): Promise<Draft> {
  const store = ctx.services.deps.store;
  const pending = token ? await store.get<{ draft: Draft; user: string }>(keys.pending(`draft:${token}`)) : undefined;
  if (!pending || pending.user !== ctx.user) throw new AppError('not_found', 'error.confirmation_expired');
  // The first use wins; the delivery that made it is the first again when it runs again after a crash.
  if ((await store.nextId(keys.pending(`draft:${token}:used`), effectKey('draft'))) !== 1) throw new AppError('conflict', 'error.confirmation_used');
  return pending.draft;
}

/**
 * Shows the ticket's live card in this conversation — the one card of it here, kept up to date —
 * built for staff (with buttons) only where no customer reads: not in an organisation's channel.
 * Where the conversation shows it already, that card is brought up to date and a short message
 * points to it.
 */
async function showTicket(ctx: Ctx, id: string) {
  const ticket = await visibleTicket(ctx, id);
  const staffOnly = isStaff(ctx) && !(await ctx.services.directory.orgOf(ctx.conversation));
  const shown = await ctx.services.showLive({ kind: 'ticket', ticket }, ctx.conversation, staffOnly ? 'staff' : 'customer', ctx.locale);
  return { messages: shown ? [text(ctx.t('live.shown_above', { id }))] : [] };
}

/** An alert like a ticket: its card with buttons for engineers; a customer sees only their organisation's systems' alerts. */
async function showAlert(ctx: Ctx, id: string) {
  const alert = await ctx.services.alerts.find(id);
  const visible = alert && (isStaff(ctx) || (await ctx.services.directory.orgSystems(ctx.identity.org ?? '')).some((s) => sameSystem(s, alert.system)));
  if (!alert || !visible) throw new AppError('not_found', 'error.alert_not_found', { id });
  const card = alertCard(alert, cardCtx(ctx));
  return { messages: [isStaff(ctx) ? card : { ...card, card: card.card && { ...card.card, blocks: card.card.blocks.filter((b) => b.type !== 'actions') } }] };
}

function resolveForm(ctx: Ctx, id: string): Card {
  const t = ctx.t;
  return {
    title: t('issue.resolve_title', { id }),
    blocks: [
      {
        type: 'form',
        formId: 'issue.resolve',
        submitLabel: t('button.resolve'),
        inputs: [
          { id: 'id', label: t('field.ticket'), kind: 'text', required: true, initial: id },
          { id: 'fixedIn', label: t('field.fixed_in'), kind: 'text', maxLength: 64 },
          { id: 'cause', label: t('field.cause'), kind: 'select', options: ctx.services.deps.config.causes.map((c) => ({ value: c, label: c })) },
          { id: 'note', label: t('field.note'), kind: 'textarea', maxLength: MAX_TEXT },
        ],
      },
    ],
  };
}

async function resolveTicket(ctx: Ctx, id: string, input: { fixedIn?: string; cause?: string; note?: string }) {
  const ticket = await ctx.services.tickets.resolve(await visibleTicket(ctx, id), ctx.user, input, displayName(ctx));
  const done = ticket.fixedIn ? ctx.t('issue.resolved_in', { id, version: ticket.fixedIn }) : ctx.t('issue.resolved', { id });
  // The ticket's live cards end without buttons; the engineer who resolved it gets the one next step
  // here: an improvement action prefilled from the ticket (its cause, its system).
  const next: OutboundMessage = {
    text: done,
    card: { title: done, tone: 'success', blocks: [{ type: 'actions', buttons: [{ actionId: 'improve.new', label: ctx.t('button.improve'), value: ticket.id }] }] },
  };
  return { messages: [next] };
}

const versionRe = /^[\w.+-]{1,64}$/;

/** The question of `/issue wait`, if any (its length was bounded by the dispatcher's text limit). */
function requireQuestion(rest: string): string | undefined {
  if (rest.length > MAX_TEXT) throw new AppError('invalid_argument', 'error.text_too_long');
  return rest || undefined;
}

export const issueCommand = defineCommand(declarations.issue, {
  subcommands: {
    show: subcommand({
      args: idArg(['SUP', 'ALR']),
      run: (ctx, a) => (a.id.startsWith('ALR-') ? showAlert(ctx, a.id) : showTicket(ctx, a.id)),
    }),
    list: subcommand({
      args: args((p, fail) => {
        const scope = (p.words[0] ?? 'open').toLowerCase();
        if (!['open', 'mine', 'all'].includes(scope) || p.words.length > 1) fail('error.bad_list_scope');
        return { scope: scope as 'open' | 'mine' | 'all' };
      }),
      async run(ctx, a) {
        const org = isStaff(ctx) ? undefined : ctx.identity.org;
        const { tickets, total } = await ctx.services.tickets.list(
          a.scope === 'mine' ? { status: 'all', user: ctx.user } : { status: a.scope === 'open' ? 'open' : 'all', org },
        );
        const t = ctx.t;
        if (tickets.length === 0) return { messages: [text(t('issue.list_empty'))] };
        const lines = tickets.map((tk) => `- **${tk.id}** [${tk.severity}] ${tk.title} — ${t(`ticket.status.${tk.status}`)}`);
        return {
          messages: [
            {
              text: t('issue.list_summary', { shown: tickets.length, total }),
              card: { title: t(`issue.list_title.${a.scope}`), blocks: [{ type: 'text', text: lines.join('\n') }, { type: 'context', text: t('issue.list_summary', { shown: tickets.length, total }) }] },
            },
          ],
        };
      },
    }),
    ack: subcommand({
      args: idArg(['SUP', 'ALR']),
      async run(ctx, a) {
        if (a.id.startsWith('ALR')) {
          await ctx.services.alerts.ack(a.id, ctx.user);
          return { messages: [text(ctx.t('alert.acked', { id: a.id }))] };
        }
        await ctx.services.tickets.ack(a.id, ctx.user, displayName(ctx));
        return { messages: [text(ctx.t('issue.acked', { id: a.id }))] };
      },
    }),
    assign: subcommand({
      args: args((p, fail) => {
        const id = parseId(p.words[0], ['SUP']);
        if (!id) fail('error.bad_ticket_id');
        const who = parseMention(p.words[1]);
        if (!who) fail('error.bad_mention');
        return { id: id!, who: who! };
      }),
      async run(ctx, a) {
        const assignee = a.who === 'me' ? ctx.user : await ctx.services.directory.canonical(`${a.who.platform}:${a.who.id}`);
        const name = a.who === 'me' ? displayName(ctx) : await ctx.services.directory.displayName(assignee);
        await ctx.services.tickets.assign(a.id, ctx.user, assignee, displayName(ctx), name);
        return { messages: [text(ctx.t('issue.assigned', { id: a.id, who: name }))] };
      },
    }),
    comment: subcommand({
      args: args((p, fail) => {
        const id = parseId(p.words[0], ['SUP']);
        if (!id) fail('error.bad_ticket_id');
        const body = p.words.slice(1).join(' ');
        if (!body) fail('error.missing_text');
        return { id: id!, body: requireText(body, fail) };
      }),
      async run(ctx, a) {
        await ctx.services.tickets.comment(await visibleTicket(ctx, a.id), ctx.user, a.body, isStaff(ctx), displayName(ctx));
        return { messages: [text(ctx.t('issue.commented', { id: a.id }))] };
      },
    }),
    note: subcommand({
      args: args((p, fail) => {
        const id = parseId(p.words[0], ['SUP']);
        if (!id) fail(p.words[0] ? 'error.bad_ticket_id' : 'error.missing_ticket_id');
        const body = p.words.slice(1).join(' ');
        if (!body) fail('error.missing_text');
        return { id: id!, body: requireText(body, fail) };
      }),
      async run(ctx, a) {
        await ctx.services.tickets.note(a.id, ctx.user, a.body, displayName(ctx));
        // Said to the asker alone: the note may have been written in a channel customers read.
        return { messages: [text(ctx.t('issue.noted', { id: a.id }), true)] };
      },
    }),
    wait: subcommand({
      args: idArg(),
      async run(ctx, a) {
        const ticket = await ctx.services.tickets.wait(a.id, ctx.user, requireQuestion(a.rest), displayName(ctx));
        return { messages: [{ ...ticketCard(ticket, cardCtx(ctx)), text: ctx.t('issue.waiting', { id: a.id }) }] };
      },
    }),
    sev: subcommand({
      args: args((p, fail) => {
        const id = parseId(p.words[0], ['SUP']);
        if (!id) fail(p.words[0] ? 'error.bad_ticket_id' : 'error.missing_ticket_id');
        if (!p.words[1]) fail('error.bad_severity');
        const severity = severityOf(p.words[1], fail);
        return { id: id!, severity, reason: requireText(p.words.slice(2).join(' '), fail) || undefined };
      }),
      async run(ctx, a) {
        const ticket = await ctx.services.tickets.setSeverity(a.id, ctx.user, a.severity, a.reason, displayName(ctx));
        return { messages: [{ ...ticketCard(ticket, cardCtx(ctx)), text: ctx.t('issue.severity_set', { id: a.id, severity: ticket.severity }) }] };
      },
    }),
    resolve: subcommand({
      args: args((p, fail) => {
        const id = parseId(p.words[0], ['SUP', 'ALR']);
        if (!id) fail(p.words[0] ? 'error.bad_ticket_id' : 'error.missing_ticket_id');
        const fixedIn = p.pairs['fixed-in'];
        if (fixedIn !== undefined && !versionRe.test(fixedIn)) fail('error.bad_version');
        const cause = p.pairs.cause?.toLowerCase();
        if (cause !== undefined && !/^[\w-]{1,40}$/.test(cause)) fail('error.bad_cause');
        const note = requireText(p.words.slice(1).join(' '), fail);
        return { id: id!, fixedIn, cause, note: note || undefined };
      }),
      async run(ctx, a) {
        if (a.id.startsWith('ALR')) {
          await ctx.services.alerts.resolve(a.id, ctx.user);
          return { messages: [text(ctx.t('alert.resolved', { id: a.id }))] };
        }
        return resolveTicket(ctx, a.id, a);
      },
    }),
    reopen: subcommand({
      args: args((p, fail) => {
        const id = parseId(p.words[0], ['SUP']);
        if (!id) fail('error.bad_ticket_id');
        return { id: id!, reason: requireText(p.words.slice(1).join(' '), fail) || undefined };
      }),
      async run(ctx, a) {
        await ctx.services.tickets.reopen(a.id, ctx.user, a.reason, displayName(ctx));
        return { messages: [text(ctx.t('issue.reopened', { id: a.id }))] };
      },
    }),
    '': subcommand({
      args: args((p, fail) => {
        const title = requireText(p.words.join(' '), fail, MAX_TITLE);
        return { title, severity: severityOf(p.pairs.sev, fail), system: systemOf(p.pairs.system, fail), org: p.pairs.org };
      }),
      async run(ctx, a) {
        if (!a.title) {
          const card = issueForm(ctx);
          return { openForm: { card, title: ctx.t('issue.form_title'), submitLabel: ctx.t('issue.form_submit') } };
        }
        const org = await orgFor(ctx, a.org);
        return offerFaqOrFile(ctx, { title: a.title, severity: a.severity, system: a.system, org });
      },
    }),
  },
  actions: {
    ack: {
      permission: 'engineer',
      async run(ctx, value) {
        const id = parseId(value, ['SUP']);
        if (!id) throw new AppError('invalid_argument', 'error.bad_ticket_id');
        const ticket = await ctx.services.tickets.ack(id, ctx.user, displayName(ctx));
        const card = ticketCard(ticket, cardCtx(ctx));
        return { replace: card, messages: [text(ctx.t('issue.acked', { id }), true)] };
      },
    },
    resolve: {
      permission: 'engineer',
      async run(ctx, value) {
        const id = parseId(value, ['SUP']);
        if (!id) throw new AppError('invalid_argument', 'error.bad_ticket_id');
        await visibleTicket(ctx, id);
        const card = resolveForm(ctx, id);
        return { openForm: { card, title: ctx.t('issue.resolve_title', { id }), submitLabel: ctx.t('button.resolve') } };
      },
    },
    'ack-alert': {
      permission: 'engineer',
      async run(ctx, value) {
        const id = parseId(value, ['ALR']);
        if (!id) throw new AppError('invalid_argument', 'error.bad_ticket_id');
        const alert = await ctx.services.alerts.ack(id, ctx.user);
        return { replace: alertCard(alert, cardCtx(ctx)), messages: [text(ctx.t('alert.acked', { id }), true)] };
      },
    },
    'resolve-alert': {
      permission: 'engineer',
      async run(ctx, value) {
        const id = parseId(value, ['ALR']);
        if (!id) throw new AppError('invalid_argument', 'error.bad_ticket_id');
        const alert = await ctx.services.alerts.resolve(id, ctx.user);
        return { replace: alertCard(alert, cardCtx(ctx)), messages: [text(ctx.t('alert.resolved', { id }), true)] };
      },
    },
    'from-alert': {
      permission: 'engineer',
      async run(ctx, value) {
        const id = parseId(value, ['ALR']);
        if (!id) throw new AppError('invalid_argument', 'error.bad_ticket_id');
        const alert = await ctx.services.alerts.get(id);
        if (alert.ticketId) throw new AppError('conflict', 'error.alert_has_ticket', { id, ticket: alert.ticketId });
        const severity: Severity = alert.severity === 'critical' ? 'S1' : alert.severity === 'warning' ? 'S2' : 'S3';
        const ticket = await ctx.services.tickets.create({
          title: alert.title,
          description: alert.description,
          severity,
          system: alert.system,
          org: ctx.identity.org ?? 'internal',
          reporter: ctx.user,
          reporterName: displayName(ctx),
          reporterConversation: ctx.conversation,
          reporterLocale: ctx.locale,
          sourceAlert: alert.id,
        });
        const linked = await ctx.services.alerts.linkTicket(id, ticket.id, ctx.user);
        // The ticket's live card comes through the outbox (this conversation is its reporter's); here a pointer.
        return { replace: alertCard(linked, cardCtx(ctx)), messages: [text(ctx.t('live.opened_from_alert', { id: ticket.id, alert: id }))] };
      },
    },
    file: {
      permission: 'customer',
      async run(ctx, value) {
        return file(ctx, await takeDraft(ctx, value));
      },
    },
    solved: {
      permission: 'customer',
      async run(ctx, value) {
        await takeDraft(ctx, value);
        return { replace: text(ctx.t('issue.faq_glad')), messages: [] };
      },
    },
  },
  forms: {
    create: {
      permission: 'customer',
      async run(ctx, values) {
        const title = (values.title ?? '').trim();
        if (!title) throw new AppError('invalid_argument', 'error.missing_title');
        if (title.length > MAX_TITLE) throw new AppError('invalid_argument', 'error.title_too_long');
        const description = (values.description ?? '').trim();
        if (description.length > MAX_TEXT) throw new AppError('invalid_argument', 'error.text_too_long');
        const fail = (k: MessageKey): never => {
          throw new AppError('invalid_argument', k);
        };
        const draft: Draft = {
          title,
          description: description || undefined,
          severity: severityOf(values.severity, fail),
          system: systemOf(values.system?.trim(), fail),
          org: await orgFor(ctx, undefined),
        };
        const result = await offerFaqOrFile(ctx, draft);
        return { ...result, replace: result.messages[0] };
      },
    },
    resolve: {
      permission: 'engineer',
      async run(ctx, values) {
        const id = parseId(values.id, ['SUP']);
        if (!id) throw new AppError('invalid_argument', 'error.bad_ticket_id');
        const fixedIn = values.fixedIn?.trim() || undefined;
        if (fixedIn && !versionRe.test(fixedIn)) throw new AppError('invalid_argument', 'error.bad_version');
        const note = values.note?.trim() || undefined;
        if (note && note.length > MAX_TEXT) throw new AppError('invalid_argument', 'error.text_too_long');
        const result = await resolveTicket(ctx, id, { fixedIn, cause: values.cause?.trim().toLowerCase() || undefined, note });
        return { ...result, replace: result.messages[0] };
      },
    },
  },
});

