import type { Write } from '../core/store.js';
import { translator } from '../core/i18n.js';
import type { Logger } from '../core/log.js';
import type { StateStore } from '../core/store.js';
import type { ConversationRef, Locale, OutboundMessage } from '../core/types.js';
import type { AppConfig } from '../config.js';
import { createAlerts, type Alert } from './alerts/service.js';
import { createAuditLog } from './audit/service.js';
import { createBackups } from './backups/service.js';
import { type CardContext } from './cards.js';
import { alertCard } from './alerts/cards.js';
import { surveyCard } from './surveys/cards.js';
import { ticketCard } from './tickets/cards.js';
import type { ServiceDeps } from './deps.js';
import { createDigest } from './digest/service.js';
import { createDirectory } from './directory/service.js';
import { createFaq } from './faq/service.js';
import { localized, showsReadersTheirLanguage } from './localized.js';
import { createOutbox, type Outbox } from '../delivery/outbox.js';
import { personLabel } from './directory/people.js';
import { createReleases } from './releases/service.js';
import { createSurveys } from './surveys/service.js';
import { createTickets, type TicketChange } from './tickets/service.js';
import { createTimers, type Timer } from './timers.js';

export interface ServicesOptions {
  store: StateStore;
  config: AppConfig;
  log: Logger;
  now?: () => number;
  outbox?: Outbox;
  metric?(name: string, labels?: Record<string, string>, by?: number): void;
}

const REPORTER_CHANGES: TicketChange[] = ['acknowledged', 'assigned', 'comment', 'resolved', 'reopened', 'escalated', 'released'];

/** Builds every domain service and wires their change hooks to pushes (through the outbox) and timers. */
export function createServices(options: ServicesOptions) {
  const now = options.now ?? Date.now;
  const deps: ServiceDeps = { store: options.store, config: options.config, log: options.log, now };
  const outbox = options.outbox ?? createOutbox({ store: options.store, log: options.log, now, metric: options.metric });
  const audit = createAuditLog(deps);
  const directory = createDirectory(deps, audit);
  const timers = createTimers(deps);
  const surveys = createSurveys(deps, audit);

  const cardContext = (locale: Locale): CardContext => ({ t: translator(locale), locale, timezone: options.config.timezone, now: now() });

  /**
   * The one place a push is built for a conversation: in `locale` (default: the conversation's
   * language). Where one message can show each reader their own language (a Feishu group chat) and
   * nobody fixed the channel's language with `/aftercare lang … channel`, the other languages are
   * built too and attached as `alternates`.
   */
  async function messageFor(conv: ConversationRef, build: (c: CardContext) => OutboundMessage, locale?: Locale, channelLocale?: { locale?: Locale }): Promise<OutboundMessage> {
    // With the language given, the channel's setting matters only where readers each see their own.
    const needed = !locale || showsReadersTheirLanguage(conv);
    const fixed = channelLocale ? channelLocale.locale : needed ? await directory.channelLocale(conv) : undefined;
    const primary = locale ?? fixed ?? options.config.locale;
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

  async function toSubscribers(topic: Parameters<typeof directory.subscribers>[0], system: string | undefined, build: (c: CardContext) => OutboundMessage, cardKey?: string, idem?: string) {
    for (const { conversation: conv, locale } of await directory.audience(topic, system)) {
      await toConversation(conv, build, { cardKey, idempotencyKey: idem ? `${idem}:${conv.platform}:${conv.channelId}` : undefined, channelLocale: { locale } });
    }
  }

  const tickets = createTickets(deps, audit, {
    writes(ticket, change) {
      if (change === 'created') return timers.scheduleWrites({ id: `ticket:${ticket.id}:respond`, kind: 'ticket-respond', dueAt: ticket.respondDueAt, data: { id: ticket.id, stage: 1 } });
      if (change === 'acknowledged' || change === 'resolved') return timers.cancelWrites(`ticket:${ticket.id}:respond`);
      return [];
    },
    async changed(ticket, change, by) {
      await toSubscribers('tickets', ticket.system, (c) => ticketCard(ticket, c), `ticket:${ticket.id}`);
      const step = ticket.timeline.length;
      const last = ticket.timeline[step - 1]!;
      if (change === 'escalated' || change === 'auto-escalated') {
        const notice = (c: CardContext): OutboundMessage => {
          const base = ticketCard(ticket, c);
          const text = c.t('ticket.escalated_notice', { id: ticket.id, severity: ticket.severity, reason: last.text ?? '–', by: personLabel(by, last.actorName) });
          return { ...base, text, card: { ...base.card!, blocks: [{ type: 'text', text }, ...base.card!.blocks] } };
        };
        await toSubscribers('tickets', ticket.system, notice, undefined, `tkt:${ticket.id}:${step}:renotify`);
        await toSubscribers('escalations', ticket.system, notice, undefined, `tkt:${ticket.id}:${step}:page`);
      }
      if (change === 'comment' && !last.staff) {
        await toSubscribers('tickets', ticket.system, (c) => ({ text: c.t('ticket.customer_comment', { id: ticket.id, who: personLabel(by, last.actorName), text: last.text ?? '' }) }), undefined, `tkt:${ticket.id}:${step}`);
      }
      // What the reporter hears: a notice of the change, and after a resolution the CSAT survey,
      // queued together with the survey itself.
      const toTell: Array<{ conversation: ConversationRef; message: OutboundMessage }> = [];
      if (REPORTER_CHANGES.includes(change) && by !== ticket.reporter && (change !== 'comment' || last.staff)) {
        const notice = (c: CardContext): OutboundMessage => ({
          text: c.t(`ticket.reporter.${change}` as never, {
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
    },
  });

  const alerts = createAlerts(deps, audit, {
    async changed(alert: Alert, change, by) {
      await toSubscribers('alerts', alert.system, (c) => alertCard(alert, c), `alert:${alert.id}`);
      if (change === 'escalated') {
        await toSubscribers('escalations', alert.system, (c) => {
          const base = alertCard(alert, c);
          return { ...base, text: c.t('alert.escalated_notice', { id: alert.id, by: personLabel(by) }) };
        }, undefined, `alr:${alert.id}:esc:${alert.escalations}`);
      }
    },
  });
  const releases = createReleases(deps, audit);

  /** SLA escalation: stage 1 re-notifies the engineers, stage 2 pages the escalation channel. */
  async function onTimer(timer: Timer): Promise<void> {
    if (timer.kind !== 'ticket-respond') return;
    const ticket = await tickets.find(String(timer.data.id));
    if (!ticket || ticket.ackedAt || ticket.status === 'resolved') return;
    const stage = Number(timer.data.stage);
    if (stage === 1) {
      await toSubscribers('tickets', ticket.system, (c) => {
        const base = ticketCard(ticket, c);
        return { ...base, text: c.t('ticket.sla_breach', { id: ticket.id, severity: ticket.severity }) };
      }, undefined, `tkt:${ticket.id}:sla1`);
      const sla = options.config.sla[ticket.severity];
      await timers.schedule({ id: `ticket:${ticket.id}:respond`, kind: 'ticket-respond', dueAt: now() + (sla.respondMin * 60_000) / 2, data: { id: ticket.id, stage: 2 } });
      await audit.record('system:timer', 'ticket.sla_renotified', ticket.id);
    } else {
      await tickets.escalate(ticket.id, 'system:timer', 'SLA', true);
    }
  }

  return {
    deps,
    outbox,
    audit,
    directory,
    tickets,
    alerts,
    releases,
    backups: createBackups(deps, audit),
    surveys,
    faq: createFaq(deps, audit),
    digest: createDigest(deps, releases),
    timers,
    onTimer,
    cardContext,
    messageFor,
    toConversation,
    toSubscribers,
  };
}
export type Services = ReturnType<typeof createServices>;
