import { parseId } from '../src/core/args.js';
import { declarations } from '../src/core/catalogue.js';
import { AppError } from '../src/core/errors.js';
import { publishSurveyResults, sendSurveyCampaign } from '../src/domain/surveys/campaign.js';
import { surveyCard, surveyResultsCard } from '../src/domain/surveys/cards.js';
import { args, cardCtx, defineCommand, requireText, subcommand, text } from './helpers.js';

export const surveyCommand = defineCommand(declarations.survey, {
  subcommands: {
    send: subcommand({
      args: args((p, fail) => {
        const template = p.words[0]?.toLowerCase();
        if (!template || !/^[\w-]{1,40}$/.test(template)) fail('error.bad_template');
        const mode = p.words[1]?.toLowerCase();
        if (p.words.length > 2 || (mode !== undefined && mode !== 'here' && mode !== 'dm')) fail('error.unexpected_words');
        const org = p.pairs.org?.toLowerCase();
        if (org !== undefined && (!/^[\w.-]{1,64}$/.test(org) || mode === 'here')) fail('error.bad_org');
        return { template: template!, mode, org };
      }),
      async run(ctx, a) {
        const survey = await sendSurveyCampaign(
          ctx.services,
          a.template,
          a.mode === 'here' ? { here: ctx.conversation } : { orgs: a.org ? [a.org] : undefined, direct: a.mode === 'dm' },
          ctx.user,
        );
        const orgs = new Set(Object.values(survey.orgByConversation ?? {})).size;
        return { messages: [text(ctx.t('survey.sent_to', { id: survey.id, n: survey.conversations?.length ?? 0, orgs }))] };
      },
    }),
    results: subcommand({
      args: args((p, fail) => {
        const id = p.words[0] ? parseId(p.words[0], ['SVY']) : undefined;
        if (p.words[0] && !id) fail('error.bad_survey_id');
        return { id };
      }),
      async run(ctx, a) {
        const s = ctx.services;
        const ids = a.id ? [a.id] : (await s.surveys.latest(3)).map((x) => x.id);
        if (!ids.length) return { messages: [text(ctx.t('survey.none'))] };
        const messages = [];
        for (const id of ids) messages.push(surveyResultsCard(await s.surveys.results(id), cardCtx(ctx)));
        return { messages };
      },
    }),
    template: subcommand({
      args: args((p, fail) => {
        const [name, ...rest] = p.words;
        if (!name || !/^[\w-]{1,40}$/.test(name) || ['csat', 'nps'].includes(name.toLowerCase())) fail('error.bad_template');
        const question = requireText(rest.join(' '), fail, 300);
        if (!question) fail('error.missing_text');
        return { name: name!.toLowerCase(), question };
      }),
      async run(ctx, a) {
        await ctx.services.surveys.addTemplate(ctx.user, { name: a.name, question: a.question, min: 1, max: 5 });
        return { messages: [text(ctx.t('survey.template_added', { name: a.name }))] };
      },
    }),
    '': subcommand({
      args: args((p, fail) => {
        if (p.words.length) fail('error.unexpected_words');
        return {};
      }),
      async run(ctx) {
        const s = ctx.services;
        const pending = await s.surveys.pendingFor(ctx.user);
        if (!pending.length) return { messages: [text(ctx.t('survey.nothing_pending'))] };
        const messages = [];
        for (const survey of pending) {
          const ticket = survey.ticketId ? await s.tickets.find(survey.ticketId) : undefined;
          messages.push(surveyCard(survey, cardCtx(ctx), ticket?.title));
        }
        return { messages };
      },
    }),
  },
  actions: {
    answer: {
      permission: 'customer',
      async run(ctx, value) {
        const [rawId, rawScore] = (value ?? '').split(':');
        const id = parseId(rawId, ['SVY']);
        const score = Number(rawScore);
        if (!id || rawScore === undefined || !/^\d{1,2}$/.test(rawScore)) throw new AppError('invalid_argument', 'error.bad_survey_id');
        const survey = await ctx.services.surveys.answer(id, ctx.user, score, undefined, ctx.conversation);
        // A campaign's results card in the manager's channel follows each answer.
        if (!survey.targetUser) await publishSurveyResults(ctx.services, id);
        const thanks = ctx.t('survey.thanks', { score });
        // A CSAT card belongs to one person: replace it. A channel campaign card stays for others.
        return survey.targetUser ? { replace: text(thanks), messages: [] } : { messages: [text(thanks, true)] };
      },
    },
  },
});
