import type { z } from 'zod';
import type { Translate } from './i18n.js';
import type { ParsedText } from './args.js';
import type { Actor, Card, ConversationRef, InboundEvent, Locale, OutboundMessage } from './types.js';

/** Roles in rising order of power. `guest` is a user the deployment does not know yet. */
export const ROLES = ['guest', 'customer', 'engineer', 'manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** Who is asking, resolved once per event by the composition root's identity resolver. */
export interface Identity {
  role: Role;
  /** Customer organisation of the conversation (or the user's last one, in a direct chat). */
  org?: string;
  locale: Locale;
}

/** Everything a command handler may use. `S` is the services bundle (kept generic: the core knows no services). */
export interface CommandContext<S> {
  event: InboundEvent;
  actor: Actor;
  /** `platform:id`. */
  user: string;
  conversation: ConversationRef;
  /** conversationKey(conversation). */
  conversationKey: string;
  identity: Identity;
  locale: Locale;
  t: Translate;
  services: S;
  now: () => number;
}

/** What a handler returns; the dispatcher adds the locale and turns it into a Reply. */
export interface CommandResult {
  messages?: OutboundMessage[];
  replace?: OutboundMessage;
  openForm?: { card: Card; title: string; submitLabel: string };
}

/**
 * One sub-command: `/issue ack <ID>` is command `issue`, verb `ack`. The verb `''` is the default
 * (`/issue <title>`). `args` validates the parsed words/pairs; zod issues carry message keys.
 */
export interface SubcommandSpec<S, A = unknown> {
  verb: string;
  /** Aliases typed by users (`ls` for `list`, Chinese verbs). */
  aliases?: string[];
  permission: Role;
  /** `key:value` keys this verb takes. */
  keys?: readonly string[];
  args: z.ZodType<A, ParsedText>;
  /** Side-effecting verbs ask for a confirmation click first (skipped with `confirm:yes`). */
  confirm?: (args: A, ctx: CommandContext<S>) => Promise<string> | string;
  run(ctx: CommandContext<S>, args: A): Promise<CommandResult>;
}

export interface ActionSpec<S> {
  permission: Role;
  run(ctx: CommandContext<S>, value: string | undefined): Promise<CommandResult>;
}

export interface FormSpec<S> {
  permission: Role;
  run(ctx: CommandContext<S>, values: Record<string, string>): Promise<CommandResult>;
}

export interface CommandSpec<S> {
  /** Without the slash. */
  name: string;
  /** Other names users type (e.g. Chinese). */
  aliases?: string[];
  subcommands: Array<SubcommandSpec<S, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any -- heterogeneous arg types
  /** Button handlers by verb: actionId `issue.ack` → actions.ack. */
  actions?: Record<string, ActionSpec<S>>;
  /** Form handlers by name: formId `issue.create` → forms.create. */
  forms?: Record<string, FormSpec<S>>;
}
