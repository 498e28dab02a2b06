import { declarations } from '../src/core/catalogue.js';
import { AppError } from '../src/core/errors.js';
import { incidentCard, incidentList, stepLabel } from '../src/domain/security/cards.js';
import type { PlanStep } from '../src/domain/security/service.js';
import { SEVERITIES, type Severity } from '../src/domain/tickets/service.js';
import { args, cardCtx, defineCommand, requireText, subcommand, text, MAX_TITLE, type Ctx } from './helpers.js';

/** Security incidents are handled only in direct conversations, so nothing of them reaches a channel. */
function requirePrivate(ctx: Ctx): void {
  if (!ctx.conversation.direct) throw new AppError('forbidden', 'error.security_private');
}

const orgRe = /^[\w.-]{1,64}$/;

/** `SEC-3:2` → incident and 1-based step. */
function stepRef(value: string | undefined): { id: string; n: number } {
  const m = /^(SEC-\d{1,9}):(\d{1,2})$/.exec(value ?? '');
  if (!m) throw new AppError('invalid_argument', 'error.security_not_found', { id: value ?? '' });
  return { id: m[1]!, n: Number(m[2]) };
}

async function step(ctx: Ctx, value: string | undefined, state: 'done' | 'blocked') {
  requirePrivate(ctx);
  const { id, n } = stepRef(value);
  const incident = await ctx.services.security.setStep(ctx.user, ctx.identity.role, id, n, state, ctx.actor.displayName);
  const c = cardCtx(ctx);
  return { replace: incidentCard(incident, c), messages: [text(ctx.t('security.step_updated', { id, n, state: ctx.t(state === 'done' ? 'security.step_done' : 'security.step_blocked') }), true)] };
}

export const securityCommand = defineCommand(declarations.security, {
  subcommands: {
    '': subcommand({
      args: args(() => ({})),
      async run(ctx) {
        requirePrivate(ctx);
        const list = await ctx.services.security.list(ctx.user, ctx.identity.role);
        return { messages: [incidentList(list, cardCtx(ctx))] };
      },
    }),
    declare: subcommand({
      args: args((p, fail) => {
        const org = p.words[0]?.toLowerCase();
        const severity = p.words[1]?.toUpperCase();
        const title = requireText(p.words.slice(2).join(' '), fail, MAX_TITLE);
        if (!org || !orgRe.test(org) || !severity || !(SEVERITIES as readonly string[]).includes(severity) || !title) fail('error.bad_security_declare');
        return { org: org!, severity: severity as Severity, title };
      }),
      async run(ctx, a) {
        requirePrivate(ctx);
        const { incident, missed, reached } = await ctx.services.security.declare(ctx.user, ctx.identity.role, a, ctx.actor.displayName);
        const lines = [ctx.t('security.declared', { id: incident.id, org: incident.org, n: reached })];
        if (missed.length) lines.push(ctx.t('security.unreachable', { people: missed.join(', ') }));
        return { messages: [text(lines.join('\n'))] };
      },
    }),
    plan: subcommand({
      args: args((p, fail) => {
        const org = p.words[0]?.toLowerCase();
        if (!org || !orgRe.test(org)) fail('error.bad_plan');
        const spec = p.words.slice(1).join('');
        const steps: PlanStep[] = [];
        for (const part of spec.split(',').filter(Boolean)) {
          const m = /^([\p{L}\p{N}_-]{1,40}):(\d+(?:\.\d+)?)$/u.exec(part);
          const hours = Number(m?.[2]);
          if (!m || !(hours >= 0.1 && hours <= 720)) fail('error.bad_plan');
          steps.push({ step: m![1]!.toLowerCase(), hours });
        }
        if (steps.length < 1 || steps.length > 20) fail('error.bad_plan');
        return { org: org!, steps };
      }),
      async run(ctx, a) {
        await ctx.services.security.setPlan(ctx.user, a.org, a.steps);
        const c = cardCtx(ctx);
        return { messages: [text(ctx.t('security.plan_set', { org: a.org, steps: a.steps.map((s) => `${stepLabel(s.step, c)} ${s.hours} h`).join(', ') }))] };
      },
    }),
  },
  actions: {
    // A security contact may be known only as the person an admin named (a guest in their direct
    // chat with the bot): the service checks who may act on the incident.
    done: { permission: 'guest', run: (ctx, value) => step(ctx, value, 'done') },
    blocked: { permission: 'guest', run: (ctx, value) => step(ctx, value, 'blocked') },
  },
});
