import type { Write } from '../core/store.js';
import { translator, type KeysUnder } from '../core/i18n.js';
import type { ConversationRef, Locale, OutboundMessage } from '../core/types.js';
import type { AppConfig } from '../config.js';
import type { Outbox } from '../delivery/outbox.js';
import { alertCard } from './alerts/cards.js';
import type { Alert, AlertChange } from './alerts/service.js';
import type { CardContext } from './cards.js';
import { personLabel } from './directory/people.js';
import type { Directory, Topic } from './directory/service.js';
import { localized, showsReadersTheirLanguage } from './localized.js';
import { surveyCard } from './surveys/cards.js';
import type { Surveys } from './surveys/service.js';
import { ticketCard } from './tickets/cards.js';
import type { Ticket, TicketChange } from './tickets/service.js';

/** Ticket changes the reporter hears about (unless they made the change themselves), with the notice of each. */
const REPORTER_NOTICES: Partial<Record<TicketChange, KeysUnder<'ticket.reporter'>>> = {
  acknowledged: 'ticket.reporter.acknowledged',
  assigned: 'ticket.reporter.assigned',
  comment: 'ticket.reporter.comment',
  resolved: 'ticket.reporter.resolved',
  reopened: 'ticket.reporter.reopened',
  escalated: 'ticket.reporter.escalated',
  released: 'ticket.reporter.released',
};

export interface NotifyDeps {
  config: Pick<AppConfig, 'locale' | 'timezone'>;
  directory: Directory;
  outbox: Outbox;
  surveys: Surveys;
  now: () => number;
}

/**
 * Who hears about what, and in which language: every push is built here, once per conversation,
 * and queued in the outbox. Subscribers of a topic get the live card of a ticket or alert (updated
 * in place); the escalation channel is paged on escalations; the reporter hears of changes to their
 * ticket and gets the CSAT survey when it is resolved.
 */
export function createNotify(deps: NotifyDeps) {
  const { config, directory, outbox, surveys, now } = deps;

  const cardContext = (locale: Locale): CardContext => ({ t: translator(locale), locale, timezone: config.timezone, now: now() });

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
    return localized((l) => build(cardContext(l)), primary, !fixed && showsReadersTheirLanguage(conv));
  }

  /** Pushes to one conversation: upserts the card `cardKey` when given, else posts (once per idempotency key). */
  async function toConversation(
    conv: ConversationRef,
    build: (c: CardContext) => OutboundMessage,
    push: { cardKey?: string; idempotencyKey?: string; locale?: Locale; channelLocale?: { locale?: Locale } } = {},
  ): Promise<void> {
    const msg = await messageFor(conv, build, push.locale, push.channelLocale);
    if (push.cardKey) await outbox.upsert(conv, push.cardKey, msg);
    else await outbox.post(conv, msg, push.idempotencyKey);
  }

  /**
   * Pushes to every conversation subscribed to `topic` (for `system`; about organisation `org`'s
   * ticket when given — see `Directory.audience` for who hears of what): the card `cardKey`, or a
   * post once per `idem`.
   */
  async function toSubscribers(topic: Topic, system: string | undefined, build: (c: CardContext) => OutboundMessage, cardKey?: string, idem?: string, org?: string): Promise<void> {
    for (const { conversation: conv, locale } of await directory.audience(topic, system, org)) {
      await toConversation(conv, build, { cardKey, idempotencyKey: idem ? `${idem}:${conv.platform}:${conv.channelId}` : undefined, channelLocale: { locale } });
    }
  }

  /** `step`: the 1-based position of the change's own timeline entry (it keys the notices, so a re-run sends none twice). */
  async function ticketChanged(ticket: Ticket, change: TicketChange, by: string, step: number): Promise<void> {
    await toSubscribers('tickets', ticket.system, (c) => ticketCard(ticket, c), `ticket:${ticket.id}`, undefined, ticket.org);
    const last = ticket.timeline[step - 1] ?? ticket.timeline[ticket.timeline.length - 1]!;
    if (change === 'escalated' || change === 'auto-escalated') {
      const notice = (c: CardContext): OutboundMessage => {
        const base = ticketCard(ticket, c);
        const text = c.t('ticket.escalated_notice', { id: ticket.id, severity: ticket.severity, reason: last.text ?? '–', by: personLabel(by, last.actorName) });
        return { ...base, text, card: { ...base.card!, blocks: [{ type: 'text', text }, ...base.card!.blocks] } };
      };
      await toSubscribers('tickets', ticket.system, notice, undefined, `tkt:${ticket.id}:${step}:renotify`, ticket.org);
      await toSubscribers('escalations', ticket.system, notice, undefined, `tkt:${ticket.id}:${step}:page`, ticket.org);
    }
    if (change === 'comment' && !last.staff) {
      await toSubscribers('tickets', ticket.system, (c) => ({ text: c.t('ticket.customer_comment', { id: ticket.id, who: personLabel(by, last.actorName), text: last.text ?? '' }) }), undefined, `tkt:${ticket.id}:${step}`, ticket.org);
    }
    // What the reporter hears: a notice of the change, and after a resolution the CSAT survey,
    // queued together with the survey itself.
    const toTell: Array<{ conversation: ConversationRef; message: OutboundMessage }> = [];
    const noticeKey = REPORTER_NOTICES[change];
    if (noticeKey && by !== ticket.reporter && (change !== 'comment' || last.staff)) {
      const notice = (c: CardContext): OutboundMessage => ({
        text: c.t(noticeKey, {
          id: ticket.id,
          title: ticket.title,
          who: personLabel(by, last.actorName),
          text: last.text ?? '',
          version: ticket.fixedIn ?? last.text ?? '',
          severity: ticket.severity,
        }),
      });
      toTell.push({ conversation: ticket.reporterConversation, message: await messageFor(ticket.reporterConversation, notice, ticket.reporterLocale) });
    }
    let survey: Write[] = [];
    if (change === 'resolved') {
      const csat = await surveys.draftCsat(ticket.id, ticket.reporter, ticket.org, by);
      survey = csat.writes;
      const conversation = (await directory.directConversation(ticket.reporter)) ?? ticket.reporterConversation;
      toTell.push({ conversation, message: await messageFor(conversation, (c) => surveyCard(csat.survey, c, ticket.title), ticket.reporterLocale) });
    }
    if (toTell.length) await outbox.postAll(toTell, `tkt:${ticket.id}:${step}:reporter`, survey);
  }

  async function alertChanged(alert: Alert, change: AlertChange, by: string): Promise<void> {
    await toSubscribers('alerts', alert.system, (c) => alertCard(alert, c), `alert:${alert.id}`);
    if (change === 'escalated') {
      await toSubscribers('escalations', alert.system, (c) => ({ ...alertCard(alert, c), text: c.t('alert.escalated_notice', { id: alert.id, by: personLabel(by) }) }), undefined, `alr:${alert.id}:esc:${alert.escalations}`);
    }
  }

  return { cardContext, messageFor, toConversation, toSubscribers, ticketChanged, alertChanged };
}
export type Notify = ReturnType<typeof createNotify>;
