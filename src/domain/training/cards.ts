import { formatTime } from '../../core/i18n.js';
import type { Block, OutboundMessage } from '../../core/types.js';
import type { CardContext } from '../cards.js';
import { personLabel } from '../directory/people.js';
import type { TrainingSession, TrainingStep } from './service.js';

const attendees = (s: TrainingSession) => Object.entries(s.attendees).filter(([, a]) => a.response === 'attend');

function when(s: TrainingSession, c: CardContext): string {
  return `${formatTime(s.at, c.timezone)} (${c.timezone})`;
}

/** The invitation in the organisation's channels: Attend / Cannot attend, with who comes so far. */
export function invitationCard(s: TrainingSession, c: CardContext): OutboundMessage {
  const { t } = c;
  const going = attendees(s);
  const fields = [
    { label: t('training.field_when'), value: when(s, c) },
    { label: t('training.field_mode'), value: t(`training.mode.${s.mode}`) },
    { label: t('field.organisation'), value: s.org },
    { label: t('training.field_attending'), value: going.length ? going.map(([u, a]) => personLabel(u, a.name)).join(', ') : '–' },
  ];
  const blocks: Block[] = [{ type: 'text', text: t('training.invite', { topic: s.topic }) }, { type: 'fields', fields }];
  if (s.url) blocks.push({ type: 'actions', buttons: [{ actionId: 'training.link', label: t('training.join_link'), url: s.url }] });
  if (!s.held) {
    blocks.push({
      type: 'actions',
      buttons: [
        { actionId: 'training.attend', label: t('training.button_attend'), value: s.id, style: 'primary' },
        { actionId: 'training.decline', label: t('training.button_decline'), value: s.id },
      ],
    });
  } else blocks.push({ type: 'context', text: t('training.held_note', { count: going.length }) });
  return { text: t('training.invite_summary', { id: s.id, topic: s.topic, when: when(s, c) }), card: { title: t('training.invite_title', { id: s.id, topic: s.topic }), tone: 'info', blocks } };
}

/** A reminder a day or 15 minutes before; in a shared conversation it names the attendees it is for. */
export function reminderMessage(s: TrainingSession, step: TrainingStep, c: CardContext, names?: string[]): OutboundMessage {
  const { t } = c;
  const text = step === 'remind-day' ? t('training.remind_day', { topic: s.topic, when: when(s, c) }) : t('training.remind_soon', { topic: s.topic, when: when(s, c) });
  const blocks: Block[] = [{ type: 'text', text }];
  if (names?.length) blocks.push({ type: 'fields', fields: [{ label: t('training.field_attending'), value: names.join(', ') }] });
  if (s.url) blocks.push({ type: 'actions', buttons: [{ actionId: 'training.link', label: t('training.join_link'), url: s.url }] });
  return { text, card: { title: t('training.invite_title', { id: s.id, topic: s.topic }), tone: 'info', blocks } };
}

/** After the session: rate it 1–5 (in a shared conversation, for the attendees it names). */
export function ratingCard(s: TrainingSession, c: CardContext, names?: string[]): OutboundMessage {
  const { t } = c;
  const text = t('training.rate_question', { topic: s.topic });
  const forWhom: Block[] = names?.length ? [{ type: 'fields', fields: [{ label: t('training.field_attending'), value: names.join(', ') }] }] : [];
  return {
    text,
    card: {
      title: t('training.rate_title', { id: s.id }),
      tone: 'info',
      blocks: [{ type: 'text', text }, ...forWhom, { type: 'actions', buttons: [1, 2, 3, 4, 5].map((n) => ({ actionId: 'training.rate', label: String(n), value: `${s.id}:${n}` })) }],
    },
  };
}

/** `/training [org]`: sessions with attendance and average rating. */
export function trainingListCard(sessions: TrainingSession[], c: CardContext, org?: string): OutboundMessage {
  const { t } = c;
  const lines = sessions.map((s) => {
    const going = attendees(s).length;
    const ratings = Object.values(s.ratings);
    const avg = ratings.length ? (ratings.reduce((a, b) => a + b, 0) / ratings.length).toFixed(1) : '–';
    return `- **${s.id}** ${formatTime(s.at, c.timezone)} · ${s.org} · ${s.topic} (${t(`training.mode.${s.mode}`)}) — ${t('training.list_line', { going, declined: Object.keys(s.attendees).length - going, rating: avg })}`;
  });
  const title = org ? t('training.list_title_org', { org }) : t('training.list_title');
  const body = lines.length ? lines.join('\n') : t('training.none');
  return { text: lines.length ? t('training.list_summary', { count: lines.length }) : t('training.none'), card: { title, blocks: [{ type: 'text', text: body }] } };
}
