import type { Request, Response } from 'express';
import type { Activity, CloudAdapter, TurnContext } from 'botbuilder';
import type { BotFrameworkAuthentication } from 'botframework-connector';
import type { ChatAdapter, CoreApi, PlatformContext, Reply } from '../../src/core/ports.js';
import { conversationKey } from '../../src/core/ports.js';
import type { ConversationRef, InboundEvent } from '../../src/core/types.js';
import {
  activitySchema,
  actorOf,
  conversationRefOf,
  conversationsToGreet,
  deliveryId,
  isCardInvoke,
  toInboundEvent,
  type TeamsActivity,
} from './inbound.js';
import { replyTarget, sendInTurnOrHandOver, type ReplyStep } from './replies.js';
import { ADAPTIVE_CARD_CONTENT_TYPE, cardOf, toAdaptiveCard, toTeamsActivity } from './render.js';
import { teamsText } from './strings.js';

/**
 * POST /api/messages: validate → authenticate (Bot Framework JWT, unless no app id) → claim and
 * store the delivery in the core (a duplicate stops here) → acknowledge a message at once → run
 * one CloudAdapter turn that remembers the conversation, does the work and replies on the same
 * turn context, once per message: a reply the connector will not take now (429/412/5xx, timeout)
 * goes to the durable outbox with everything after it (see replies.ts). Card invokes are answered synchronously with the updated card within
 * `invokeBudgetMs`; slower work answers "working on it" and updates the card afterwards.
 */
export interface TeamsHandlerDeps {
  adapter: CloudAdapter;
  auth: BotFrameworkAuthentication;
  core: CoreApi;
  chat: ChatAdapter;
  log: PlatformContext['log'];
  now?: () => number;
  /** How long a card click may take before Teams gets an interim answer, ms (Teams waits ~15 s at most). */
  invokeBudgetMs?: number;
  /** The durable outbox (PlatformContext.deliverLater): where replies go when the turn cannot send them. */
  deliverLater: PlatformContext['deliverLater'];
}

type InvokeBody = { statusCode: number; type: string; value: unknown };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

export function createTeamsHandler(deps: TeamsHandlerDeps): (req: Request, res: Response) => Promise<void> {
  const { adapter, auth, core, chat, log } = deps;
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

  /** Sends steps on the turn (reply to the activity / update the card), each once; the rest to the outbox. */
  function onTurn(ctx: TurnContext, activity: TeamsActivity, steps: ReplyStep[], what: string) {
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
    await onTurn(ctx, activity, steps, 'reply');
  }

  function invokeBody(reply: Reply): InvokeBody {
    if (reply.replace) {
      const rendered = toTeamsActivity(reply.replace);
      const card = cardOf(rendered) ?? toAdaptiveCard({ blocks: [{ type: 'text', text: reply.replace.text }] }, reply.replace.text);
      return { statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: card };
    }
    return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: teamsText('done', reply.locale) };
  }

  async function greet(ctx: TurnContext, activity: TeamsActivity, refs: ConversationRef[], answer: () => void): Promise<void> {
    for (const ref of refs) await remember(ref);
    answer();
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
      const reply = await core.handle(event);
      if (!reply) continue;
      const steps = reply.messages.map((message): ReplyStep => ({ kind: 'send', message }));
      if (ref.channelId === conversationRefOf(activity).channelId) {
        await onTurn(ctx, activity, steps, 'greeting');
        continue;
      }
      // A channel other than the turn's (just created): a new post there, through the same fallback.
      await sendInTurnOrHandOver(steps, {
        attempt: (step) => chat.post(ref, step.message),
        handOver: (messages) => deps.deliverLater(ref, messages),
        log,
        what: 'greeting',
      });
    }
  }

  async function turn(ctx: TurnContext, activity: TeamsActivity, event: InboundEvent | undefined, res: Response): Promise<void> {
    const answer = (status = 200, body?: unknown) => {
      if (res.headersSent) return;
      if (body === undefined) res.status(status).end();
      else res.status(status).json(body);
    };
    if (activity.from.id === activity.recipient.id) return answer();

    const greetRefs = conversationsToGreet(activity);
    if (greetRefs.length > 0) return greet(ctx, activity, greetRefs, answer);
    await remember(conversationRefOf(activity));
    if (!event) return answer(isCardInvoke(activity) ? 400 : 200);

    if (activity.type !== 'invoke') {
      answer();
      const reply = await core.process(event);
      return deliver(ctx, activity, event, reply, false);
    }

    const work = core.process(event);
    const first = await Promise.race([work, sleep(invokeBudgetMs).then(() => undefined)]);
    if (first) {
      answer(200, invokeBody(first));
      return deliver(ctx, activity, event, first, true);
    }
    answer(200, interimBody(await core.localeFor(event.actor, event.conversation)));
    return deliver(ctx, activity, event, await work, false);
  }

  const interimBody = (locale: Reply['locale']): InvokeBody => ({
    statusCode: 200,
    type: 'application/vnd.microsoft.activity.message',
    value: teamsText('working', locale),
  });

  /**
   * Claims and stores the delivery before the SDK builds its turn, and acknowledges a message at
   * once: the ack costs one store round trip, not the connector setup. `false` when answered
   * (a duplicate, or a store failure Teams should redeliver).
   */
  async function admit(activity: TeamsActivity, event: InboundEvent, res: Response): Promise<boolean> {
    let fresh: boolean;
    try {
      fresh = await core.accept(event);
    } catch (err) {
      log.error('teams: could not store the delivery; Teams will redeliver', { err });
      res.status(503).json({ error: 'temporarily unavailable' });
      return false;
    }
    if (!fresh) {
      if (activity.type === 'invoke') res.status(200).json(interimBody(await core.localeFor(event.actor, event.conversation)));
      else res.status(200).end();
      return false;
    }
    if (activity.type !== 'invoke') res.status(200).end();
    return true;
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
    let authResult;
    try {
      authResult = await auth.authenticateRequest(activity as unknown as Activity, header);
    } catch (err) {
      const status = statusOf(err) ?? 401;
      const refused = status === 401 || status === 403;
      if (refused) log.warn('teams: request refused, invalid Bot Framework token', { reason: (err as Error).message });
      else log.error('teams: could not authenticate request', { err });
      res.status(refused ? 401 : 503).json({ error: refused ? 'unauthorized' : 'authentication unavailable' });
      return;
    }
    const event = activity.type === 'conversationUpdate' ? undefined : toInboundEvent(activity, now());
    if (event && !(await admit(activity, event, res))) return;
    try {
      await adapter.processActivityDirect(authResult, activity as unknown as Activity, (ctx) => turn(ctx, activity, event, res));
    } catch (err) {
      log.error('teams: turn failed', { err, activityType: activity.type });
      if (!res.headersSent) res.status(500).json({ error: 'internal error' });
      return;
    }
    if (!res.headersSent) res.status(200).end();
  };
}
