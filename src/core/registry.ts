import type { z } from 'zod';
import { pairKeys, type ParsedText } from './args.js';
import type { CommandDeclaration, VerbDeclaration } from './catalogue.js';
import type { Translate } from './i18n.js';
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
  /** The reader's time zone when known (a customer organisation's SLA contract zone). */
  timezone?: string;
  /** The person's name: from this payload, else as last seen in one (Feishu events and Slack mentions carry none). */
  displayName?: string;
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
 * A sub-command's implementation: a parser and the handler of what it returns. Build it with
 * `subcommand`, which infers `A` from `args` alone (`NoInfer`), so a `run` or `confirm` taking
 * another shape than the parser returns does not compile. `run` is a property, not a method, so
 * its parameter is checked strictly rather than bivariantly.
 */
export interface SubcommandImpl<S, A> {
  /** Validates the parsed words/pairs; issues carry message keys (see `args` in args.ts). */
  args: z.ZodType<A, ParsedText>;
  /** Side-effecting verbs ask for a confirmation click first (skipped with `confirm:yes`). */
  confirm?: (args: NoInfer<A>, ctx: CommandContext<S>) => Promise<string> | string;
  run: (ctx: CommandContext<S>, args: NoInfer<A>) => Promise<CommandResult>;
}

/** A sub-command call whose arguments passed the parser, bound to them. */
export interface BoundCall<S> {
  confirm?: (ctx: CommandContext<S>) => Promise<string> | string;
  run(ctx: CommandContext<S>): Promise<CommandResult>;
}

/**
 * A sub-command implementation with its argument type hidden inside closures: the parser's output
 * only ever reaches the handler written for it, so a list of handlers with different argument
 * types needs no `any` and no cast.
 */
export interface Handler<S> {
  bind(parsed: ParsedText): { ok: true; call: BoundCall<S> } | { ok: false; issue: z.core.$ZodIssue | undefined };
}

/**
 * One sub-command as the dispatcher sees it: `/issue ack <ID>` is command `issue`, verb `ack`. The
 * verb `''` is the default (`/issue <title>`). Its vocabulary (permission, usage, example) is the
 * core's declaration (catalogue.ts); `keys` are the `key:value` options its usage names.
 */
export interface Subcommand<S> extends VerbDeclaration {
  keys: readonly string[];
  handler: Handler<S>;
}

export interface ActionSpec<S> {
  permission: Role;
  run(ctx: CommandContext<S>, value: string | undefined): Promise<CommandResult>;
}

export interface FormSpec<S> {
  permission: Role;
  run(ctx: CommandContext<S>, values: Record<string, string>): Promise<CommandResult>;
}

/** Buttons and forms of a command: not typed by users, so not part of its declared vocabulary. */
export interface CommandExtras<S> {
  /** Button handlers by verb: actionId `issue.ack` → actions.ack. */
  actions?: Record<string, ActionSpec<S>>;
  /** Form handlers by name: formId `issue.create` → forms.create. */
  forms?: Record<string, FormSpec<S>>;
}

/** A registered command: its declaration (name, aliases, description) with a handler per verb. */
export interface CommandSpec<S> extends CommandExtras<S> {
  /** Without the slash. */
  name: string;
  /** Other names users type (e.g. Chinese). */
  aliases?: readonly string[];
  description: CommandDeclaration['description'];
  subcommands: ReadonlyArray<Subcommand<S>>;
}

/** The verbs of a declaration, as a union of string literals. */
export type VerbsOf<D extends CommandDeclaration> = D['verbs'][number]['verb'];

/**
 * The two builders a command module needs, bound to the services bundle `S` (TypeScript cannot
 * infer `S` from an unannotated `ctx`, and it cannot take `S` explicitly while inferring `A`).
 */
export function commandBuilders<S>() {
  /** A sub-command whose `run` receives exactly what its parser returns. */
  function subcommand<A>(impl: SubcommandImpl<S, A>): Handler<S> {
    return {
      bind(parsed) {
        const result = impl.args.safeParse(parsed);
        if (!result.success) return { ok: false, issue: result.error.issues[0] };
        const args = result.data;
        const { confirm } = impl;
        return {
          ok: true,
          call: { confirm: confirm && ((ctx) => confirm(args, ctx)), run: (ctx) => impl.run(ctx, args) },
        };
      },
    };
  }

  /**
   * A command from its declaration and one handler per declared verb: a verb without a handler,
   * or a handler for an undeclared verb, does not compile.
   */
  function defineCommand<const D extends CommandDeclaration>(
    declaration: D,
    implementation: CommandExtras<S> & { subcommands: { [V in VerbsOf<D>]: Handler<S> } },
  ): CommandSpec<S> {
    const { subcommands, ...extras } = implementation;
    const byVerb: Record<string, Handler<S>> = subcommands;
    return {
      name: declaration.name,
      aliases: declaration.aliases,
      description: declaration.description,
      subcommands: declaration.verbs.map((v) => {
        const handler = byVerb[v.verb];
        if (!handler) throw new Error(`/${declaration.name} declares the verb "${v.verb}" but has no handler for it`);
        return { ...v, keys: pairKeys(v.usage), handler };
      }),
      ...extras,
    };
  }

  return { subcommand, defineCommand };
}
