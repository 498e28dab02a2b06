import type { Request, Response } from 'express';
import { TeamsInfo, type Activity, type CloudAdapter, type TurnContext } from 'botbuilder';
import type { BotFrameworkAuthentication } from 'botframework-connector';
import type { InboundPipeline } from '../../src/core/inbound.js';
import type { ChatAdapter, CoreApi, PlatformContext, Reply } from '../../src/core/ports.js';
import { conversationKey } from '../../src/core/ports.js';
import type { ConversationRef, InboundEvent } from '../../src/core/types.js';
import {
  activitySchema,
  actorOf,
  conversationRefOf,
  conversationsToGreet,
  deliveryId,
  idPairsOf,
  isCardInvoke,
  unresolvedMentions,
  toInboundEvent,
  type TeamsActivity,
} from './inbound.js';
import { httpAnswerOf } from '../kit/send-error.js';
import { replyTarget, sendInTurnOrHandOver, type ReplyStep } from './replies.js';
import { ADAPTIVE_CARD_CONTENT_TYPE, cardOf, toAdaptiveCard, toTeamsActivity } from './render.js';
import { adapterText } from '../kit/strings.js';

/**
 * POST /api/messages: validate → authenticate (Bot Framework JWT, unless no app id) → hand the
 * event to the inbound pipeline (stored and deduped; a duplicate stops here) → acknowledge a
 * message at once. The pipeline runs the command, then the reply is sent on a CloudAdapter turn
 * for that activity, once per message: a reply the connector will not take now (429/412/5xx,
 * timeout) goes to the durable outbox with everything after it (see replies.ts). Card invokes are
 * answered in the request with the updated card within `invokeBudgetMs`; slower work answers
 * "working on it" and updates the card afterwards.
 */
export interface TeamsHandlerDeps {
  adapter: CloudAdapter;
  auth: BotFrameworkAuthentication;
  core: CoreApi;
  inbound: InboundPipeline;
  chat: ChatAdapter;
  log: PlatformContext['log'];
  now?: () => number;
  /** How long a card click may take before Teams gets an interim answer, ms (Teams waits ~15 s at most). */
  invokeBudgetMs?: number;
  /** The durable outbox (PlatformContext.deliverLater): where replies go when the turn cannot send them. */
  deliverLater: PlatformContext['deliverLater'];
}

type InvokeBody = { statusCode: number; type: string; value: unknown };

export function createTeamsHandler(deps: TeamsHandlerDeps): (req: Request, res: Response) => Promise<void> {
  const { adapter, auth, core, inbound, chat, log } = deps;
  const now = deps.now ?? Date.now;
  const invokeBudgetMs = deps.invokeBudgetMs ?? 4000;
  /** Last reference stored per conversation, to skip identical writes on the hot path. */
  const remembered = new Map<string, string>();

  async function remember(ref: ConversationRef): Promise<void> {
    const key = conversationKey(ref);
    const json = JSON.stringify(ref);
    if (remembered.get(key) === json) return;
    await core.rememberConversation(ref);
    if (remembered.size > 10_000) remembered.clear();
    remembered.set(key, json);
  }

  /** Learns every `29:` ↔ aadObjectId pair the activity shows (its sender, mentions that carry both). */
  async function learnIds(activity: TeamsActivity): Promise<void> {
    for (const pair of idPairsOf(activity)) await core.rememberAlias(`teams:${pair.id}`, `teams:${pair.aadObjectId}`);
  }

  /**
   * A mention entity may carry only the `29:` id (no aadObjectId), while the person's own messages
   * name them by aadObjectId: each such mention in a command is rewritten to the aadObjectId
   * before the command runs (a role or an assignment then reaches the right person), from the
   * pairs learnt so far or else the connector's member lookup (TeamsInfo.getMember, GET
   * v3/conversations/{id}/members/{userId}). A lookup that fails leaves the `29:` id; what is
   * granted to it still counts once that person writes (see Actor.aliases).
   */
  async function resolveMentions(event: InboundEvent, onTurn: TurnRunner): Promise<void> {
    if (event.kind !== 'command') return;
    for (const id of unresolvedMentions(event.text)) {
      let user = await core.aliasOf(`teams:${id}`);
      if (!user) {
        try {
          await onTurn(async (ctx) => {
            const member = await TeamsInfo.getMember(ctx, id);
            if (member.aadObjectId) user = `teams:${member.aadObjectId}`;
          });
          if (user) await core.rememberAlias(`teams:${id}`, user);
        } catch (err) {
          log.warn('teams: could not look up a mentioned member; keeping their 29: id', { err: (err as Error).message });
        }
      }
      if (user) event.text = event.text.split(`<@teams:${id}>`).join(`<@${user}>`);
    }
  }

  /** Sends steps on the turn (reply to the activity / update the card), each once; the rest to the outbox. */
  function sendOnTurn(ctx: TurnContext, activity: TeamsActivity, steps: ReplyStep[], what: string) {
    return sendInTurnOrHandOver(steps, {
      attempt: (step) =>
        step.kind === 'send'
          ? ctx.sendActivity(toTeamsActivity(step.message))
          : ctx.updateActivity({ ...toTeamsActivity(step.message), id: step.messageId }),
      handOver: (messages) => deps.deliverLater(replyTarget(activity), messages),
      log,
      what,
    });
  }

  /**
   * Shows a Reply on the turn: the replaced card (for a click, the card that carried it), forms,
   * then messages in order. A typed command has no card to replace (its replyToId, if any, is a
   * thread root), so its `replace` is posted as a message.
   */
  async function deliver(ctx: TurnContext, activity: TeamsActivity, event: InboundEvent, reply: Reply, cardAlreadyReplaced: boolean): Promise<void> {
    const steps: ReplyStep[] = [];
    const cardId = event.kind === 'command' ? undefined : activity.replyToId;
    if (reply.replace && !cardAlreadyReplaced) {
      steps.push(cardId ? { kind: 'update', messageId: cardId, message: reply.replace } : { kind: 'send', message: reply.replace });
    }
    if (reply.openForm) steps.push({ kind: 'send', message: { text: reply.openForm.title, card: reply.openForm.card } });
    for (const message of reply.messages) steps.push({ kind: 'send', message });
    await sendOnTurn(ctx, activity, steps, 'reply');
  }

  function invokeBody(reply: Reply): InvokeBody {
    if (reply.replace) {
      const rendered = toTeamsActivity(reply.replace);
      const card = cardOf(rendered) ?? toAdaptiveCard({ blocks: [{ type: 'text', text: reply.replace.text }] }, reply.replace.text);
      return { statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: card };
    }
    return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: adapterText('done', reply.locale) };
  }

  async function greet(activity: TeamsActivity, onTurn: TurnRunner, refs: ConversationRef[]): Promise<void> {
    for (const ref of refs) await remember(ref);
    for (const ref of refs) {
      const event: InboundEvent = {
        kind: 'command',
        command: 'aftercare',
        text: 'help',
        id: deliveryId(activity, `:greet:${ref.channelId}`),
        actor: actorOf(activity),
        conversation: ref,
        receivedAt: now(),
        raw: activity,
      };
      const inTurn = ref.channelId === conversationRefOf(activity).channelId;
      await inbound.receive(event, {
        async show(reply) {
          const steps = reply.messages.map((message): ReplyStep => ({ kind: 'send', message }));
          if (inTurn) {
            await onTurn(async (ctx) => void (await sendOnTurn(ctx, activity, steps, 'greeting')));
            return;
          }
          // A channel other than the turn's (just created): a new post there, through the same fallback.
          await sendInTurnOrHandOver(steps, {
            attempt: (step) => chat.post(ref, step.message),
            handOver: (messages) => deps.deliverLater(ref, messages),
            log,
            what: 'greeting',
          });
        },
      });
    }
  }

  const interimBody = (locale: Reply['locale']): InvokeBody => ({
    statusCode: 200,
    type: 'application/vnd.microsoft.activity.message',
    value: adapterText('working', locale),
  });

  /**
   * A card click: answered in the request with the new card once the pipeline has run it, or
   * with "working on it" after the budget (the reply then arrives on a turn of its own).
   */
  async function invoke(activity: TeamsActivity, event: InboundEvent, onTurn: TurnRunner, res: Response): Promise<void> {
    let answerInTime: ((body: InvokeBody) => void) | undefined;
    const answered = new Promise<InvokeBody>((resolve) => (answerInTime = resolve));
    const receipt = await inbound.receive(event, {
      async show(reply) {
        const inTime = answerInTime !== undefined;
        if (answerInTime) answerInTime(invokeBody(reply));
        answerInTime = undefined;
        await onTurn((ctx) => deliver(ctx, activity, event, reply, inTime));
      },
    });
    if (receipt === 'duplicate') {
      res.status(200).json(interimBody(await core.localeFor(event.actor, event.conversation)));
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), invokeBudgetMs)));
    const body = await Promise.race([answered, late]);
    clearTimeout(timer);
    answerInTime = undefined;
    res.status(200).json(body ?? interimBody(await core.localeFor(event.actor, event.conversation)));
  }

  return async (req, res) => {
    const parsed = activitySchema.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      res.status(400).json({ error: `invalid activity: ${issue?.path.join('.') || 'body'} ${issue?.message ?? ''}`.trim() });
      return;
    }
    const activity = parsed.data;
    const header = String(req.headers.authorization ?? '');
    let authResult: Awaited<ReturnType<BotFrameworkAuthentication['authenticateRequest']>>;
    try {
      authResult = await auth.authenticateRequest(activity as unknown as Activity, header);
    } catch (err) {
      const status = httpAnswerOf(err)?.status ?? 401;
      const refused = status === 401 || status === 403;
      if (refused) log.warn('teams: request refused, invalid Bot Framework token', { reason: (err as Error).message });
      else log.error('teams: could not authenticate request', { err });
      res.status(refused ? 401 : 503).json({ error: refused ? 'unauthorized' : 'authentication unavailable' });
      return;
    }
    /** Runs `fn` on a CloudAdapter turn for this activity (the connector client, the reply-to id). */
    const onTurn: TurnRunner = (fn) => adapter.processActivityDirect(authResult, activity as unknown as Activity, fn);
    if (activity.from.id === activity.recipient.id) {
      res.status(200).end();
      return;
    }
    try {
      const greetRefs = activity.type === 'conversationUpdate' ? conversationsToGreet(activity) : [];
      if (greetRefs.length > 0) {
        await greet(activity, onTurn, greetRefs);
        res.status(200).end();
        return;
      }
      await remember(conversationRefOf(activity));
      await learnIds(activity);
      const event = activity.type === 'conversationUpdate' ? undefined : toInboundEvent(activity, now());
      if (!event) {
        res.status(isCardInvoke(activity) ? 400 : 200).end();
        return;
      }
      if (activity.type === 'invoke') {
        await invoke(activity, event, onTurn, res);
        return;
      }
      await inbound.receive(event, {
        prepare: () => resolveMentions(event, onTurn),
        show: (reply) => onTurn((ctx) => deliver(ctx, activity, event, reply, false)),
      });
      res.status(200).end();
    } catch (err) {
      // Not stored (store unreachable…): Teams redelivers on a 5xx.
      log.error('teams: could not store the delivery; Teams will redeliver', { err, activityType: activity.type });
      if (!res.headersSent) res.status(503).json({ error: 'temporarily unavailable' });
    }
  };
}

/** Runs a function on a CloudAdapter turn for the activity being handled. */
type TurnRunner = (fn: (ctx: TurnContext) => Promise<void>) => Promise<void>;
