import type { StateStore, Write } from '../core/store.js';
import { translator } from '../core/i18n.js';
import { conversationKey } from '../core/ports.js';
import type { ConversationRef, Locale, OutboundMessage } from '../core/types.js';
import type { AppConfig } from '../config.js';
import type { Outbox, PushMeta } from '../delivery/outbox.js';
import { alertCard } from './alerts/cards.js';
import type { Alert, AlertChange } from './alerts/service.js';
import type { CardContext, Reader } from './cards.js';
import { personLabel } from './directory/people.js';
import type { Directory, Topic } from './directory/service.js';
import { createLiveCards, liveCardKey, type LiveAudience, type LiveCopy } from './live-cards.js';
import { localized, showsReadersTheirLanguage } from './localized.js';
import { surveyCard } from './surveys/cards.js';
import type { Surveys } from './surveys/service.js';
import type { DocLink } from './docs/service.js';
import { ticketCard } from './tickets/cards.js';
import { reporterNotice } from './tickets/notices.js';
import type { Ticket, TicketChange } from './tickets/service.js';
import type { SlaContracts } from './sla/service.js';

export interface NotifyDeps {
  config: Pick<AppConfig, 'locale' | 'timezone'>;
  store: StateStore;
  directory: Directory;
  outbox: Outbox;
  surveys: Surveys;
  /** Organisations' contracts: a customer conversation reads times in its organisation's zone. */
  sla: Pick<SlaContracts, 'contractOf'>;
  now: () => number;
  /** The system's current manual and runbook, linked from its ticket cards. */
  docLinks?: (system: string | undefined) => Promise<DocLink[]>;
}

/**
 * Who hears about what, and in which language: every push is built here, once per conversation,
 * and queued in the outbox.
 *
 * A ticket or alert has one live card per conversation that shows it — its `tickets`/`alerts`
 * subscribers, the reporter's conversation, the escalation channel once paged, wherever someone
 * asked to see it — and every change updates all of them in place through the outbox (an update
 * still waiting there takes the newest content, so a burst of changes is one edit per message).
 * Escalations, re-notifies and pages add a short message that points to that card, never a second
 * card with buttons. The reporter hears of changes to their ticket and gets the CSAT survey when it
 * is resolved.
 */
export function createNotify(deps: NotifyDeps) {
  const { config, directory, outbox, surveys, sla, now } = deps;
  const live = createLiveCards(deps.store, now);

  /** The rendering context for `locale` and a reader (default: not known to be staff, the deployment's zone). */
  const cardContext = (locale: Locale, reader?: Reader): CardContext => ({
    t: translator(locale),
    locale,
    timezone: reader?.timezone ?? config.timezone,
    now: now(),
    staff: reader?.staff ?? false,
  });

  /**
   * Who reads a conversation: a channel bound to a customer organisation is read by customers, in
   * the zone of their organisation's SLA contract; a direct chat may be a customer's, so it gets
   * nothing internal; any other channel is the staff's (customers are only ever in bound channels).
   */
  async function readerOf(conv: ConversationRef): Promise<Reader> {
    const org = await directory.orgOf(conv);
    if (org) return { staff: false, timezone: (await sla.contractOf(org)).timezone };
    return { staff: !conv.direct };
  }

  /**
   * A push built for a conversation: in `locale` (default: the conversation's language). Where one
   * message can show each reader their own language (a Feishu group chat) and nobody fixed the
   * channel's language with `/aftercare lang … channel`, the other languages are built too and
   * attached as `alternates`. `channelLocale` is the channel's setting when the caller has read it.
   */
  async function messageFor(conv: ConversationRef, build: (c: CardContext) => OutboundMessage, locale?: Locale, channelLocale?: { locale?: Locale }): Promise<OutboundMessage> {
    // With the language given, the channel's setting matters only where readers each see their own.
    const needed = !locale || showsReadersTheirLanguage(conv);
    const fixed = channelLocale ? channelLocale.locale : needed ? await directory.channelLocale(conv) : undefined;
    const primary = locale ?? fixed ?? config.locale;
    const reader = await readerOf(conv);
    return localized((l) => build(cardContext(l, reader)), primary, !fixed && showsReadersTheirLanguage(conv));
  }

  /** Pushes to one conversation: upserts the card `cardKey` when given, else posts (once per idempotency key). */
  async function toConversation(
    conv: ConversationRef,
    build: (c: CardContext) => OutboundMessage,
    push: { cardKey?: string; idempotencyKey?: string; locale?: Locale; channelLocale?: { locale?: Locale } } & PushMeta = {},
  ): Promise<void> {
    const msg = await messageFor(conv, build, push.locale, push.channelLocale);
    const meta: PushMeta = { ...(push.topic ? { topic: push.topic } : {}), ...(push.person ? { person: push.person } : {}) };
    if (push.cardKey) await outbox.upsert(conv, push.cardKey, msg, meta);
    else await outbox.post(conv, msg, push.idempotencyKey, undefined, meta);
  }

  /**
   * Pushes to every conversation subscribed to `topic` (for `system`; about organisation `org`'s
   * ticket when given — see `Directory.audience` for who hears of what): the card `cardKey`, or a
   * post once per `idem`.
   */
  async function toSubscribers(topic: Topic, system: string | undefined, build: (c: CardContext) => OutboundMessage, cardKey?: string, idem?: string, org?: string): Promise<void> {
    for (const { conversation: conv, locale } of await directory.audience(topic, system, org)) {
      await toConversation(conv, build, { cardKey, idempotencyKey: idem ? `${idem}:${conv.platform}:${conv.channelId}` : undefined, channelLocale: { locale }, topic });
    }
  }

  /**
   * Adds `add` to the conversations that show the live card `cardKey`, then queues the card's
   * newest content for every one of them (built for each copy's audience and language).
   */
  async function refreshLive(cardKey: string, add: Array<LiveCopy & PushMeta>, build: (c: CardContext, audience: LiveAudience) => OutboundMessage): Promise<void> {
    // A subscriber's copy is pushed as that subscription's (its topic), so a conversation that
    // refuses it for good has its subscription paused and the admins told (see wireRefusals).
    const topics = new Map(add.flatMap((c) => (c.topic ? [[conversationKey(c.conversation), c.topic] as const] : [])));
    for (const copy of await live.add(cardKey, add)) {
      const topic = topics.get(conversationKey(copy.conversation));
      await outbox.upsert(copy.conversation, cardKey, await messageFor(copy.conversation, (c) => build(c, copy.audience), copy.locale), topic ? { topic } : {});
    }
  }

  /** The subscribers of `topic` as staff copies of a live card (each marked with the topic it is pushed for). */
  async function staffCopies(topic: Topic, system: string | undefined, org?: string): Promise<Array<LiveCopy & PushMeta>> {
    return (await directory.audience(topic, system, org)).map((s) => ({ conversation: s.conversation, audience: 'staff' as const, topic }));
  }

  const ticketLive = (ticket: Ticket, docs: DocLink[]) => (c: CardContext, audience: LiveAudience) => ticketCard(ticket, c, { buttons: audience === 'staff', docs });

  /**
   * Shows an item's live card in `conversation` (`/issue show`): added there if it was not, then
   * brought up to date. Resolves true when the conversation already showed it (the caller then
   * points to that card instead of showing a second one).
   */
  async function showLive(item: { kind: 'ticket'; ticket: Ticket } | { kind: 'alert'; alert: Alert }, conversation: ConversationRef, audience: LiveAudience, locale?: Locale): Promise<boolean> {
    const cardKey = item.kind === 'ticket' ? liveCardKey('ticket', item.ticket.id) : liveCardKey('alert', item.alert.id);
    const shown = await live.shows(cardKey, conversation);
    const copy = (await live.add(cardKey, [{ conversation, audience, locale }])).find((c) => conversationKey(c.conversation) === conversationKey(conversation));
    const build: (c: CardContext, audience: LiveAudience) => OutboundMessage = item.kind === 'ticket' ? ticketLive(item.ticket, (await deps.docLinks?.(item.ticket.system)) ?? []) : (c) => alertCard(item.alert, c);
    await outbox.upsert(conversation, cardKey, await messageFor(conversation, (c) => build(c, copy?.audience ?? audience), copy?.locale ?? locale));
    return shown;
  }

  /** `step`: the 1-based position of the change's own timeline entry (it keys the notices, so a re-run sends none twice). */
  async function ticketChanged(ticket: Ticket, change: TicketChange, by: string, step: number): Promise<void> {
    const docs = (await deps.docLinks?.(ticket.system)) ?? [];
    const last = ticket.timeline[step - 1] ?? ticket.timeline[ticket.timeline.length - 1]!;
    const escalated = change === 'escalated' || change === 'auto-escalated';
    // The live card: the engineers' channels, the reporter's conversation (built for a customer
    // unless it is one of those channels), and the escalation channel once the ticket is escalated.
    const copies = await staffCopies('tickets', ticket.system, ticket.org);
    if (escalated) copies.push(...(await staffCopies('escalations', ticket.system, ticket.org)));
    const reporterKey = conversationKey(ticket.reporterConversation);
    if (!copies.some((c) => conversationKey(c.conversation) === reporterKey)) {
      copies.push({ conversation: ticket.reporterConversation, audience: 'customer', locale: ticket.reporterLocale });
    }
    await refreshLive(liveCardKey('ticket', ticket.id), copies, ticketLive(ticket, docs));
    if (escalated) {
      // The re-notify and the page: a short message pointing to the live card, queued after it.
      const notice = (c: CardContext): OutboundMessage => ({
        text: `${c.t('ticket.escalated_notice', { id: ticket.id, severity: ticket.severity, reason: last.text ?? '–', by: personLabel(by, last.actorName) })}\n${c.t('live.see_card')}`,
      });
      await toSubscribers('tickets', ticket.system, notice, undefined, `tkt:${ticket.id}:${step}:renotify`, ticket.org);
      await toSubscribers('escalations', ticket.system, notice, undefined, `tkt:${ticket.id}:${step}:page`, ticket.org);
    }
    if (change === 'comment' && !last.staff) {
      await toSubscribers('tickets', ticket.system, (c) => ({ text: c.t('ticket.customer_comment', { id: ticket.id, who: personLabel(by, last.actorName), text: last.text ?? '' }) }), undefined, `tkt:${ticket.id}:${step}`, ticket.org);
    }
    // What the reporter hears: a notice of the change, and after a resolution the CSAT survey,
    // queued together with the survey itself.
    // Each is the reporter's own: refused by its conversation, it goes to their direct conversation.
    const toTell: Array<{ conversation: ConversationRef; message: OutboundMessage; person: string }> = [];
    if (reporterNotice(translator(config.locale), ticket, change, last, by) !== undefined) {
      const notice = (c: CardContext): OutboundMessage => ({ text: reporterNotice(c.t, ticket, change, last, by)! });
      toTell.push({ conversation: ticket.reporterConversation, message: await messageFor(ticket.reporterConversation, notice, ticket.reporterLocale), person: ticket.reporter });
    }
    let survey: Write[] = [];
    if (change === 'resolved') {
      const csat = await surveys.draftCsat(ticket.id, ticket.reporter, ticket.org, by);
      survey = csat.writes;
      const conversation = (await directory.directConversation(ticket.reporter)) ?? ticket.reporterConversation;
      toTell.push({ conversation, message: await messageFor(conversation, (c) => surveyCard(csat.survey, c, ticket.title), ticket.reporterLocale), person: ticket.reporter });
    }
    if (toTell.length) await outbox.postAll(toTell, `tkt:${ticket.id}:${step}:reporter`, survey);
  }

  async function alertChanged(alert: Alert, change: AlertChange, by: string): Promise<void> {
    const copies = await staffCopies('alerts', alert.system);
    if (change === 'escalated') copies.push(...(await staffCopies('escalations', alert.system)));
    await refreshLive(liveCardKey('alert', alert.id), copies, (c) => alertCard(alert, c));
    if (change === 'escalated') {
      const notice = (c: CardContext): OutboundMessage => ({ text: `${c.t('alert.escalated_notice', { id: alert.id, by: personLabel(by) })}\n${c.t('live.see_card')}` });
      await toSubscribers('escalations', alert.system, notice, undefined, `alr:${alert.id}:esc:${alert.escalations}`);
    }
  }

  return { cardContext, messageFor, toConversation, toSubscribers, ticketChanged, alertChanged, showLive };
}
export type Notify = ReturnType<typeof createNotify>;
