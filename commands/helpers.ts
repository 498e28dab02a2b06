import { args, type Fail } from '../src/core/args.js';
import { AppError } from '../src/core/errors.js';
import { commandBuilders, roleAtLeast, type CommandContext } from '../src/core/registry.js';
import type { OutboundMessage } from '../src/core/types.js';
import type { Services } from '../src/domain/index.js';
import type { Ticket } from '../src/domain/tickets/service.js';

export type Ctx = CommandContext<Services>;

/** Longest title / comment accepted (platforms cap messages; service desks cap titles). */
export const MAX_TITLE = 200;
export const MAX_TEXT = 2000;

/** Builders bound to the services: `subcommand({ args, run })` infers `run`'s argument from `args`. */
export const { subcommand, defineCommand } = commandBuilders<Services>();

export { args };

export function isStaff(ctx: Ctx): boolean {
  return roleAtLeast(ctx.identity.role, 'engineer');
}

/** A ticket the actor may see: customers only their organisation's (an unknown id and another org's look the same). */
export async function visibleTicket(ctx: Ctx, id: string): Promise<Ticket> {
  const ticket = await ctx.services.tickets.find(id);
  if (!ticket || (!isStaff(ctx) && ticket.org !== ctx.identity.org)) throw new AppError('not_found', 'error.ticket_not_found', { id });
  return ticket;
}

/**
 * The rendering context of a reply: internal notes show only to staff in a conversation no customer
 * reads (a direct chat, or a channel not bound to an organisation); times in the reader's zone.
 */
export function cardCtx(ctx: Ctx) {
  const staff = isStaff(ctx) && (Boolean(ctx.conversation.direct) || !ctx.identity.org);
  return ctx.services.cardContext(ctx.locale, { staff, timezone: ctx.identity.timezone });
}

export function reply(...messages: OutboundMessage[]) {
  return { messages };
}

export function text(message: string, ephemeral = false): OutboundMessage {
  return ephemeral ? { text: message, visibility: 'ephemeral' } : { text: message };
}

export function requireText(value: string, fail: Fail, max = MAX_TEXT): string {
  if (value.length > max) fail(max === MAX_TITLE ? 'error.title_too_long' : 'error.text_too_long');
  return value;
}

export function displayName(ctx: Ctx): string {
  return ctx.actor.displayName ?? ctx.actor.id;
}

/**
 * Refuses to route pushes to the conversation a command came from when the platform says the
 * bot cannot post there (a Slack private channel it was never invited to answers
 * channel_not_found), with the steps to invite it in the user's language. A check the platform
 * could not answer lets the command go on: the first refused push then marks it broken.
 */
export async function requireReachable(ctx: Ctx, refusal: 'destination.cannot_subscribe' | 'destination.cannot_bind', params: Record<string, string>): Promise<void> {
  const check = await ctx.services.outbox.checkDestination(ctx.conversation);
  if (check.ok) return;
  const how = ctx.t(`destination.invite.${ctx.conversation.platform}`);
  throw new AppError('forbidden', refusal, { ...params, how, reason: check.reason });
}
