import { declarations } from '../src/core/catalogue.js';
import { AppError } from '../src/core/errors.js';
import { isHttpUrl } from '../src/core/urls.js';
import { trainingListCard } from '../src/domain/training/cards.js';
import { parseLocalTime, TRAINING_MODES, type TrainingMode } from '../src/domain/training/service.js';
import { args, cardCtx, defineCommand, displayName, isStaff, MAX_TITLE, subcommand, text, type Ctx } from './helpers.js';

const orgRe = /^[\w.-]{1,64}$/;

/** A session the reader may answer or rate: a customer only their organisation's (another's looks unknown). */
async function visibleSession(ctx: Ctx, value: string | undefined) {
  const id = /^TRN-\d{1,9}$/i.test(value ?? '') ? value!.toUpperCase() : undefined;
  if (!id) throw new AppError('invalid_argument', 'error.bad_training_id');
  const s = await ctx.services.training.get(id);
  if (!isStaff(ctx) && s.org !== ctx.identity.org) throw new AppError('not_found', 'error.training_not_found', { id });
  return s;
}

async function respond(ctx: Ctx, value: string | undefined, response: 'attend' | 'decline') {
  const s = await visibleSession(ctx, value);
  await ctx.services.training.respond(ctx.user, displayName(ctx), s.id, response, ctx.conversation);
  return { messages: [text(ctx.t(response === 'attend' ? 'training.attending' : 'training.declined', { topic: s.topic }), true)] };
}

export const trainingCommand = defineCommand(declarations.training, {
  subcommands: {
    schedule: subcommand({
      args: args((p, fail) => {
        const [rawOrg, date, time, ...rest] = p.words;
        const org = rawOrg?.toLowerCase();
        if (!org || !orgRe.test(org)) fail('error.bad_org');
        if (!date || !time) fail('error.bad_training_time');
        const last = rest.at(-1)?.toLowerCase();
        const mode: TrainingMode = last && (TRAINING_MODES as readonly string[]).includes(last) ? (last as TrainingMode) : 'online';
        const topic = (mode === last ? rest.slice(0, -1) : rest).join(' ').trim();
        if (!topic) fail('error.missing_training_topic');
        if (topic.length > MAX_TITLE) fail('error.title_too_long');
        const url = p.pairs.url;
        if (url !== undefined && !isHttpUrl(url)) fail('error.bad_training_url');
        return { org: org!, date: date!, time: time!, topic, mode, url };
      }),
      async run(ctx, a) {
        const at = parseLocalTime(a.date, a.time, ctx.services.deps.config.timezone);
        if (at === undefined) throw new AppError('invalid_argument', 'error.bad_training_time');
        if (!(await ctx.services.orgPeople.conversations(a.org)).length) throw new AppError('not_found', 'error.org_has_no_channel', { org: a.org });
        const s = await ctx.services.training.schedule(ctx.user, { org: a.org, at, topic: a.topic, mode: a.mode, url: a.url });
        return { messages: [text(ctx.t('training.scheduled', { id: s.id, org: s.org, topic: s.topic }))] };
      },
    }),
    '': subcommand({
      args: args((p, fail) => {
        const org = p.words[0]?.toLowerCase();
        if ((org !== undefined && !orgRe.test(org)) || p.words.length > 1) fail('error.bad_org');
        return { org };
      }),
      async run(ctx, a) {
        // A customer sees their own organisation's sessions, whatever they ask for.
        const org = isStaff(ctx) ? a.org : ctx.identity.org;
        if (!isStaff(ctx) && a.org && a.org !== org) throw new AppError('not_found', 'error.training_unknown_org', { org: a.org });
        const sessions = await ctx.services.training.list(org);
        return { messages: [trainingListCard(sessions, cardCtx(ctx), org)] };
      },
    }),
  },
  actions: {
    attend: { permission: 'customer', run: (ctx, value) => respond(ctx, value, 'attend') },
    decline: { permission: 'customer', run: (ctx, value) => respond(ctx, value, 'decline') },
    rate: {
      permission: 'customer',
      async run(ctx, value) {
        const [id, raw] = (value ?? '').split(':');
        const s = await visibleSession(ctx, id);
        const score = Number(raw);
        await ctx.services.training.rate(ctx.user, s.id, score);
        return { replace: text(ctx.t('training.rated', { score, topic: s.topic })), messages: [] };
      },
    },
  },
});
