import { declarations } from '../src/core/catalogue.js';
import { AppError } from '../src/core/errors.js';
import { candidateCard, uatCard } from '../src/domain/releases/cards.js';
import { showUat } from '../src/domain/releases/uat.js';
import type { Candidate } from '../src/domain/releases/validation.js';
import { args, cardCtx, defineCommand, displayName, isStaff, MAX_TEXT, requireText, subcommand, text, type Ctx } from './helpers.js';

const versionRe = /^[\w.+-]{1,64}$/;
const systemRe = /^[\w.-]{1,64}$/;

/** What a reader may see of a candidate: staff everything, a customer only their organisation's acceptance (not found otherwise). */
function visibleCandidate(ctx: Ctx, c: Candidate): Candidate {
  if (isStaff(ctx)) return c;
  const org = ctx.identity.org;
  if (!org || !c.uat[org]) throw new AppError('not_found', 'error.release_not_planned', { version: c.version });
  return { ...c, uat: { [org]: c.uat[org] } };
}

/** `version|org` of a UAT button. */
function uatTarget(value: string | undefined): { version: string; org: string } {
  const [version = '', org = ''] = (value ?? '').split('|');
  if (!versionRe.test(version) || !org) throw new AppError('invalid_argument', 'error.bad_version');
  return { version, org };
}

/** Records an organisation's answer and updates its UAT card everywhere it is shown. */
async function answer(ctx: Ctx, target: { version: string; org: string }, approve: boolean, reason?: string) {
  const cand = await ctx.services.validation.answer(ctx.user, displayName(ctx), target.version, target.org, { approve, reason });
  await showUat(ctx.services, cand, [target.org]);
  const fixed = await ctx.services.tickets.fixedIn(cand.version);
  const done = ctx.t(approve ? 'release.uat_thanks_approved' : 'release.uat_thanks_rejected', { version: cand.version, org: target.org });
  return { replace: uatCard(cand, target.org, fixed, cardCtx(ctx)), messages: [text(done, true)] };
}

export const releaseCommand = defineCommand(declarations.release, {
  subcommands: {
    plan: subcommand({
      args: args((p, fail) => {
        const version = p.words[0];
        if (!version || !versionRe.test(version)) fail('error.bad_version');
        const system = p.pairs.system?.toLowerCase();
        if (!system || !systemRe.test(system)) fail('error.bad_system');
        return { version: version!, system: system!, notes: requireText(p.words.slice(1).join(' '), fail, MAX_TEXT) };
      }),
      async run(ctx, a) {
        const { candidate, added } = await ctx.services.validation.plan(ctx.user, a);
        await showUat(ctx.services, candidate, added);
        const card = candidateCard(candidate, cardCtx(ctx));
        const orgs = Object.keys(candidate.uat);
        return { messages: [{ ...card, text: ctx.t('release.planned', { version: a.version, system: a.system, orgs: orgs.join(', ') || '–' }) }] };
      },
    }),
    status: subcommand({
      args: args((p, fail) => {
        const version = p.words[0];
        if (!version || !versionRe.test(version) || p.words.length > 1) fail('error.bad_version');
        return { version: version! };
      }),
      async run(ctx, a) {
        const cand = visibleCandidate(ctx, await ctx.services.validation.load(a.version));
        return { messages: [candidateCard(cand, cardCtx(ctx))] };
      },
    }),
  },
  actions: {
    approve: {
      permission: 'customer',
      run: (ctx, value) => answer(ctx, uatTarget(value), true),
    },
    reject: {
      permission: 'customer',
      async run(ctx, value) {
        const target = uatTarget(value);
        // Only approvers get the form; anyone else is told at once.
        if (!(await ctx.services.orgPeople.isApprover(target.org, ctx.user))) throw new AppError('forbidden', 'error.not_approver', { org: target.org });
        const title = ctx.t('release.reject_title', { version: target.version });
        return {
          openForm: {
            title,
            submitLabel: ctx.t('release.button_reject'),
            card: {
              title,
              blocks: [
                {
                  type: 'form',
                  formId: 'release.reject',
                  submitLabel: ctx.t('release.button_reject'),
                  inputs: [
                    { id: 'target', label: ctx.t('release.field_release'), kind: 'text', required: true, initial: `${target.version}|${target.org}` },
                    { id: 'reason', label: ctx.t('release.field_reason'), kind: 'textarea', required: true, maxLength: MAX_TEXT },
                  ],
                },
              ],
            },
          },
        };
      },
    },
  },
  forms: {
    reject: {
      permission: 'customer',
      async run(ctx, values) {
        const reason = (values.reason ?? '').trim();
        if (!reason) throw new AppError('invalid_argument', 'error.reason_required');
        if (reason.length > MAX_TEXT) throw new AppError('invalid_argument', 'error.text_too_long');
        return answer(ctx, uatTarget(values.target), false, reason);
      },
    },
  },
});
