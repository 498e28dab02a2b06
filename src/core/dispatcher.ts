import { randomUUID } from 'node:crypto';
import { KeySyntaxError, normalizeInput, parseText } from './args.js';
import { confirmationMessage } from './confirm.js';
import { currentCorrelation, newCorrelationId, withCorrelation } from './correlation.js';
import { effectKey } from './effects.js';
import { AppError, isAppError } from './errors.js';
import { isMessageKey, translateLoose, translator } from './i18n.js';
import { keys } from './keys.js';
import type { Logger } from './log.js';
import { conversationKey, userKey, type CoreApi, type Reply } from './ports.js';
import { roleAtLeast, type CommandContext, type CommandResult, type CommandSpec, type Identity, type Subcommand } from './registry.js';
import type { StateStore } from './store.js';
import type { Actor, ConversationRef, InboundEvent, Locale, OutboundMessage } from './types.js';

/** Conversations whose last stored reference this process keeps in memory. */
const REMEMBERED_MAX = 10_000;
/** How long an unanswered confirmation stays valid. */
const CONFIRM_TTL_MS = 10 * 60_000;

export interface CoreOptions<S> {
  store: StateStore;
  commands: Array<CommandSpec<S>>;
  services: S;
  log: Logger;
  now: () => number;
  /** Role, organisation and locale of an actor in a conversation. */
  identify(actor: Actor, conversation: ConversationRef): Promise<Identity>;
  metric?(name: string, labels?: Record<string, string>, by?: number): void;
  /** Records a duration in seconds (a Prometheus histogram). */
  observe?(name: string, labels: Record<string, string>, seconds: number): void;
}

interface PendingConfirmation {
  event: InboundEvent & { kind: 'command' };
  user: string;
  command: string;
  verb: string;
  text: string;
}

export interface Core extends CoreApi {
  /**
   * Runs an event: identity, permission, the command, coded errors. Never throws: errors become
   * a localized reply. The inbound pipeline (inbound.ts) calls it; adapters use the pipeline.
   */
  process(event: InboundEvent): Promise<Reply>;
  /** Finds the command spec for a name or alias. */
  findCommand(name: string): CommandSpec<unknown> | undefined;
}

/**
 * The dispatcher: identity and permission, argument validation, confirmation of side-effecting
 * verbs, coded errors. Platform-agnostic; deliveries reach it through the inbound pipeline.
 */
export function createCore<S>(options: CoreOptions<S>): Core {
  const { store, log, now } = options;
  const byName = new Map<string, CommandSpec<S>>();
  for (const spec of options.commands) {
    byName.set(spec.name, spec);
    for (const a of spec.aliases ?? []) byName.set(a.toLowerCase(), spec);
  }
  const metric = options.metric ?? (() => undefined);

  /** What this process last stored per conversation: an unchanged reference is not written again. */
  const remembered = new Map<string, string>();
  const rememberConversation = async (given: ConversationRef) => {
    // The conversation, not the thread a request came from: pushes to it start at its top level.
    const { replyTo: _thread, ...ref } = given;
    const key = conversationKey(ref);
    const json = JSON.stringify(ref);
    if (remembered.get(key) === json) return;
    await store.set(keys.conversation(key), ref);
    if (remembered.size >= REMEMBERED_MAX) remembered.delete(remembered.keys().next().value!);
    remembered.set(key, json);
  };

  /** Aliases this process has stored or read (one person's pairing never changes). */
  const aliases = new Map<string, string>();
  const rememberAlias = async (alias: string, user: string) => {
    if (alias === user || aliases.get(alias) === user) return;
    await store.set(keys.userAlias(alias), user);
    if (aliases.size >= REMEMBERED_MAX) aliases.delete(aliases.keys().next().value!);
    aliases.set(alias, user);
  };
  const aliasOf = async (alias: string) => {
    const known = aliases.get(alias) ?? (await store.get<string>(keys.userAlias(alias)));
    if (known) aliases.set(alias, known);
    return known;
  };

  const localeFor = async (actor: Actor, conversation: ConversationRef): Promise<Locale> =>
    (await options.identify(actor, conversation)).locale;

  /**
   * Runs a command. Its lines carry the delivery's id and the run's correlation id (the logger's
   * mixin): the inbound pipeline's unit of work, or for a direct call one made here.
   */
  async function process(event: InboundEvent): Promise<Reply> {
    return currentCorrelation() ? run(event) : withCorrelation(event.id, () => run(event));
  }

  async function run(event: InboundEvent): Promise<Reply> {
    const started = now();
    let locale: Locale = 'en';
    let reply: Reply;
    let failed = false;
    try {
      await rememberConversation(event.conversation).catch((e: unknown) => log.warn('could not remember conversation', { error: e }));
      const identity = await options.identify(event.actor, event.conversation);
      locale = identity.locale;
      const result = await route(event, identity);
      reply = { messages: result.messages ?? [], replace: result.replace, openForm: result.openForm, locale };
    } catch (e) {
      failed = true;
      reply = { messages: [errorMessage(e, locale, event)], locale };
    }
    const ms = now() - started;
    options.observe?.('aftercare_command_duration_seconds', { kind: event.kind }, ms / 1000);
    // One line per command; a refused or failed one has logged its own line already.
    if (!failed) log.info('command done', { platform: event.conversation.platform, kind: event.kind, what: whatOf(event), user: userKey(event.actor), ms });
    return reply;
  }

  function errorMessage(e: unknown, locale: Locale, event: InboundEvent): OutboundMessage {
    const t = translator(locale);
    // An expected refusal whose key is missing from the catalogues is our bug, not the user's: it
    // is reported like any unexpected error rather than showing the user a raw key.
    if (isAppError(e) && isMessageKey(e.key)) {
      log.info('command refused', { code: e.code, key: e.key });
      metric('aftercare_command_errors_total', { code: e.code });
      return { text: `⚠️ ${translateLoose(locale, e.key, e.params)}`, visibility: 'ephemeral', audience: event.actor };
    }
    const correlationId = currentCorrelation()?.correlationId ?? newCorrelationId();
    log.error('command failed', { correlationId, kind: event.kind, error: e });
    metric('aftercare_command_errors_total', { code: 'unexpected' });
    return { text: `⚠️ ${t('error.unexpected', { id: correlationId })}`, visibility: 'ephemeral', audience: event.actor };
  }

  async function route(event: InboundEvent, identity: Identity): Promise<CommandResult> {
    const ctx: CommandContext<S> = {
      event,
      // A payload without the person's name (Feishu events, Slack mentions): the one last seen.
      actor: event.actor.displayName || !identity.displayName ? event.actor : { ...event.actor, displayName: identity.displayName },
      user: userKey(event.actor),
      conversation: event.conversation,
      conversationKey: conversationKey(event.conversation),
      identity,
      locale: identity.locale,
      t: translator(identity.locale),
      services: options.services,
      now,
    };
    if (event.kind === 'command') {
      // A file or image sent without any words: answered, never dropped.
      if (event.attachments?.length && !event.command.trim() && !event.text.trim()) return { messages: [{ text: ctx.t('input.attachment_only'), visibility: 'ephemeral', audience: event.actor }] };
      return runCommand(ctx, event.command, event.text, false);
    }
    if (event.kind === 'action') {
      const [name = '', verb = ''] = splitId(event.actionId);
      if (name === 'core') return coreAction(ctx, verb, event.value);
      const spec = byName.get(name);
      const action = spec?.actions?.[verb];
      if (!action) throw new AppError('unknown_command', 'error.unknown_action', { action: event.actionId });
      requireRole(ctx, action.permission);
      return action.run(ctx, event.value);
    }
    const [name = '', form = ''] = splitId(event.formId);
    const handler = byName.get(name)?.forms?.[form];
    if (!handler) throw new AppError('unknown_command', 'error.unknown_action', { action: event.formId });
    requireRole(ctx, handler.permission);
    return handler.run(ctx, event.values);
  }

  async function runCommand(ctx: CommandContext<S>, command: string, text: string, confirmed: boolean): Promise<CommandResult> {
    // Normalised once, here, for every platform (full-width forms, U+3000, NBSP: see normalizeInput).
    const name = normalizeInput(command).trim().replace(/^\//, '').toLowerCase();
    const spec = byName.get(name);
    if (!spec) throw new AppError('unknown_command', 'error.unknown_command', { command: name });
    const trimmed = normalizeInput(text).trim();
    const first = trimmed.split(/\s+/)[0]?.toLowerCase() ?? '';
    let sub: Subcommand<S> | undefined = spec.subcommands.find((s) => s.verb !== '' && (s.verb === first || s.aliases?.includes(first)));
    let rest = trimmed;
    if (sub) rest = trimmed.slice(trimmed.split(/\s+/)[0]!.length).trim();
    else sub = spec.subcommands.find((s) => s.verb === '');
    if (!sub) throw new AppError('invalid_argument', 'error.unknown_subcommand', { command: spec.name, verb: first });
    requireRole(ctx, sub.permission);
    const parsed = parseKeys(rest, [...sub.keys, 'confirm']);
    const wantsSkip = parsed.pairs.confirm?.toLowerCase() === 'yes';
    delete parsed.pairs.confirm;
    const bound = sub.handler.bind(parsed);
    if (!bound.ok) {
      const key = bound.issue?.message ?? '';
      if (isMessageKey(key)) throw new AppError('invalid_argument', key, { command: spec.name, max: maxOf(bound.issue) });
      throw new AppError('invalid_argument', 'error.usage', { command: spec.name, verb: sub.verb });
    }
    const { call } = bound;
    if (call.confirm && !confirmed && !wantsSkip && ctx.event.kind === 'command') {
      const question = await call.confirm(ctx);
      const token = randomUUID();
      const pending: PendingConfirmation = { event: ctx.event, user: ctx.user, command: spec.name, verb: sub.verb, text };
      await store.set(keys.pending(token), pending, CONFIRM_TTL_MS);
      const buttons = { yes: { actionId: 'core.confirm', label: ctx.t('confirm.yes') }, no: { actionId: 'core.cancel', label: ctx.t('confirm.no') } };
      return { messages: [confirmationMessage(question, buttons, token, ctx.actor)] };
    }
    return call.run(ctx);
  }

  async function coreAction(ctx: CommandContext<S>, verb: string, token: string | undefined): Promise<CommandResult> {
    const pending = token ? await store.get<PendingConfirmation>(keys.pending(token)) : undefined;
    if (!pending) throw new AppError('not_found', 'error.confirmation_expired');
    if (pending.user !== ctx.user) throw new AppError('forbidden', 'error.not_your_confirmation');
    // The first answer wins, so a double click runs the command once; the delivery that gave it is
    // the first again when it runs again after a crash (and the question stays until it expires).
    if ((await store.nextId(keys.pending(`${token}:done`), effectKey('confirm'))) !== 1) throw new AppError('conflict', 'error.confirmation_used');
    if (verb === 'cancel') {
      const text = ctx.t('confirm.cancelled');
      return { replace: { text }, messages: [] };
    }
    const result = await runCommand(ctx, pending.command, pending.text, true);
    const done = ctx.t('confirm.done');
    return { ...result, replace: result.replace ?? { text: done } };
  }

  return {
    process,
    localeFor,
    rememberConversation,
    rememberAlias,
    aliasOf,
    async conversation(key) {
      return store.get<ConversationRef>(keys.conversation(key));
    },
    findCommand(name) {
      return byName.get(name.toLowerCase()) as CommandSpec<unknown> | undefined;
    },
  };
}

/** `parseText`, its syntax errors as the localized refusal naming the token. */
function parseKeys(text: string, known: readonly string[]) {
  try {
    return parseText(text, known);
  } catch (e) {
    if (e instanceof KeySyntaxError) throw new AppError('invalid_argument', 'input.key_syntax', { token: e.token, key: e.key });
    throw e;
  }
}

/** What an event asked for, for the log: `issue ack`, `issue.ack`, `issue.create`. */
function whatOf(event: InboundEvent): string {
  if (event.kind === 'command') return `${event.command} ${event.text.trim().split(/\s+/)[0] ?? ''}`.trim();
  return event.kind === 'action' ? event.actionId : event.formId;
}

function requireRole<S>(ctx: CommandContext<S>, needed: CommandContext<S>['identity']['role']): void {
  if (roleAtLeast(ctx.identity.role, needed)) return;
  if (ctx.identity.role === 'guest') throw new AppError('no_organisation', 'error.no_organisation');
  throw new AppError('forbidden', 'error.forbidden', { role: needed });
}

function splitId(id: string): [string, string] {
  const i = id.indexOf('.');
  return i < 0 ? [id, ''] : [id.slice(0, i), id.slice(i + 1)];
}

function maxOf(issue: unknown): number | string {
  const max = (issue as { maximum?: number | bigint } | undefined)?.maximum;
  return max === undefined ? '' : Number(max);
}
