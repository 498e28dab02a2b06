import { parseMention } from '../src/core/args.js';
import { parseSystemName } from '../src/core/systems.js';
import { AppError } from '../src/core/errors.js';
import { startOfLocalDay, endOfLocalDay } from '../src/domain/calendar.js';
import { personLabel } from '../src/domain/directory/people.js';
import { declarations, usageLine, verbsFor, vocabulary } from '../src/core/catalogue.js';
import { formatTime, type Translate } from '../src/core/i18n.js';
import { ROLES, type Role } from '../src/core/registry.js';
import type { Block, OutboundMessage } from '../src/core/types.js';
import { TOPICS, type Topic } from '../src/domain/directory/service.js';
import { formatDuration, formatHours, isIsoDate, isTimeZone, parseBusinessHours, parseDuration, type SlaContract } from '../src/domain/sla/calendar.js';
import type { ContractChange } from '../src/domain/sla/service.js';
import { SEVERITIES } from '../src/domain/tickets/service.js';
import { args, defineCommand, requireReachable, subcommand, text, type Ctx } from './helpers.js';
import type { Fail, ParsedText } from '../src/core/args.js';

/**
 * `/aftercare sla <org> [S1:15m/4h …] [hours:Mon-Fri 09:00-18:00|off] [tz:<zone>] [holidays:<dates>|none]`.
 * The hours' time window may follow `hours:<days>` as its own word, or be quoted with the days.
 */
function parseSla(p: ParsedText, fail: Fail): { org: string; change: ContractChange } {
  const org = p.words[0]?.toLowerCase();
  if (!org) fail('error.missing_org');
  if (!/^[\w.-]{1,64}$/.test(org!)) fail('error.bad_org');
  let rest = p.words.slice(1);
  const change: ContractChange = {};
  for (const sev of SEVERITIES) {
    const v = p.pairs[sev.toLowerCase()];
    if (v === undefined) continue;
    const [respond, resolve] = v.split('/').map((x) => parseDuration(x));
    if (respond === undefined || resolve === undefined || v.split('/').length !== 2 || resolve < respond) fail('error.bad_sla_target');
    change.targets = { ...change.targets, [sev]: { respondMin: respond!, resolveMin: resolve! } };
  }
  const hours = p.pairs.hours;
  if (hours !== undefined) {
    if (/^(off|24\/7|none)$/i.test(hours)) change.hours = null;
    else {
      const [days, inline] = hours.split(/\s+/);
      let window: string | undefined = inline;
      if (window === undefined) {
        window = rest.find((w) => /^\d{1,2}:\d{2}-\d{1,2}:\d{2}$/.test(w));
        rest = rest.filter((w) => w !== window);
      }
      const parsed = parseBusinessHours(days ?? '', window ?? '');
      if (!parsed) fail('error.bad_hours');
      change.hours = parsed;
    }
  }
  if (p.pairs.tz !== undefined) {
    if (!isTimeZone(p.pairs.tz)) fail('error.bad_timezone');
    change.timezone = p.pairs.tz;
  }
  if (p.pairs.holidays !== undefined) {
    const dates = /^none$/i.test(p.pairs.holidays) ? [] : p.pairs.holidays.split(',').map((d) => d.trim());
    if (dates.some((d) => !isIsoDate(d))) fail('error.bad_holidays');
    change.holidays = [...new Set(dates)].sort();
  }
  if (rest.length) fail('error.bad_sla_target');
  return { org: org!, change };
}

/** An organisation's contract as a card. */
function slaCard(ctx: Ctx, org: string, contract: SlaContract, saved: boolean): OutboundMessage {
  const t = ctx.t;
  const lines = SEVERITIES.map((s) => t('sla.targets_line', { severity: s, respond: formatDuration(contract.targets[s].respondMin), resolve: formatDuration(contract.targets[s].resolveMin) }));
  lines.push(contract.hours ? t('sla.hours_line', { hours: formatHours(contract.hours), timezone: contract.timezone }) : t('sla.around_the_clock', { timezone: contract.timezone }));
  if (contract.holidays.length) lines.push(t('sla.holidays_line', { dates: contract.holidays.join(', ') }));
  const summary = saved ? t('sla.saved', { org }) : t('sla.title', { org });
  return { text: summary, card: { title: t('sla.title', { org }), blocks: [...(saved ? [{ type: 'text' as const, text: summary }] : []), { type: 'text', text: lines.join('\n') }] } };
}

const topicArgs = args((p, fail) => {
  const topic = p.words[0]?.toLowerCase();
  if (!topic || !(TOPICS as readonly string[]).includes(topic) || p.words.length > 1) fail('error.bad_topic');
  const system = p.pairs.system === undefined ? undefined : parseSystemName(p.pairs.system);
  if (p.pairs.system !== undefined && system === undefined) fail('error.bad_system');
  return { topic: topic as Topic, system };
});

/** `<@user> security [off]`: the security grant or contact, given or withdrawn. */
const grantArgs = args((p, fail) => {
  const who = parseMention(p.words[0]);
  if (!who || who === 'me' || p.words[1]?.toLowerCase() !== 'security' || p.words.length > 3) fail('error.bad_grant');
  const off = p.words[2]?.toLowerCase();
  if (off !== undefined && off !== 'off') fail('error.bad_grant');
  return { user: `${(who as { platform: string }).platform}:${(who as { id: string }).id}`, on: off === undefined };
});

/** `export [org] [from:<date>] [to:<date>]`: dates are whole days in AFTERCARE_TIMEZONE, both included. */
function exportArgs(p: ParsedText, fail: Fail): { org?: string; fromDay?: string; toDay?: string } {
  const org = p.words[1]?.toLowerCase();
  if (p.words.length > 2 || (org !== undefined && !/^[\w.-]{1,64}$/.test(org))) fail('error.bad_export');
  const { from, to } = p.pairs;
  if ((from !== undefined && !isIsoDate(from)) || (to !== undefined && !isIsoDate(to))) fail('error.bad_date');
  return { org, fromDay: from, toDay: to };
}

export const aftercareCommand = defineCommand(declarations.aftercare, {
  actions: {
    /** Keep on the access review. */
    keep: {
      permission: 'admin',
      async run(ctx, value) {
        if (!value) throw new AppError('not_found', 'error.review_not_found');
        const role = await ctx.services.accessReview.keep(ctx.user, value);
        return { messages: [text(ctx.t('review.kept', { user: personLabel(value), role }), true)] };
      },
    },
    /** Revoke on the access review: the role goes at once. */
    revoke: {
      permission: 'admin',
      async run(ctx, value) {
        if (!value) throw new AppError('not_found', 'error.review_not_found');
        const role = await ctx.services.accessReview.revoke(ctx.user, value);
        return { messages: [text(ctx.t('review.revoked', { user: personLabel(value), role }), true)] };
      },
    },
  },
  subcommands: {
    subscribe: subcommand({
      args: topicArgs,
      async run(ctx, a) {
        await requireReachable(ctx, 'destination.cannot_subscribe', { topic: a.topic });
        await ctx.services.directory.subscribe(ctx.user, { topic: a.topic, system: a.system, conversation: ctx.conversation });
        return { messages: [text(ctx.t('admin.subscribed', { topic: a.topic, system: a.system ?? ctx.t('admin.all_systems') }))] };
      },
    }),
    unsubscribe: subcommand({
      args: topicArgs,
      async run(ctx, a) {
        const n = await ctx.services.directory.unsubscribe(ctx.user, ctx.conversation, a.topic);
        return { messages: [text(ctx.t(n ? 'admin.unsubscribed' : 'admin.not_subscribed', { topic: a.topic }))] };
      },
    }),
    role: subcommand({
      args: args((p, fail) => {
        const who = parseMention(p.words[0]);
        if (!who || who === 'me') fail('error.bad_mention');
        const role = p.words[1]?.toLowerCase();
        if (!role || !(ROLES as readonly string[]).includes(role) || role === 'guest') fail('error.bad_role');
        return { user: `${(who as { platform: string }).platform}:${(who as { id: string }).id}`, role: role as Role };
      }),
      async run(ctx, a) {
        const user = await ctx.services.directory.canonical(a.user);
        await ctx.services.directory.setRole(ctx.user, user, a.role);
        return { messages: [text(ctx.t('admin.role_set', { user, role: a.role }))] };
      },
    }),
    org: subcommand({
      args: args((p, fail) => {
        const org = p.words[0]?.toLowerCase();
        if (!org || !/^[\w.-]{1,64}$/.test(org) || p.words.length > 1) fail('error.bad_org');
        // `systems:` given (even empty) sets the organisation's list; left out, the list stays as it is.
        const given = p.pairs.systems === undefined ? undefined : p.pairs.systems.split(/[,，、]/).map((s) => s.trim()).filter(Boolean);
        const systems = given?.map((s) => parseSystemName(s));
        if (systems?.some((s) => s === undefined)) fail('error.bad_system');
        return { org: org!, systems: systems as string[] | undefined };
      }),
      async run(ctx, a) {
        const dir = ctx.services.directory;
        await requireReachable(ctx, 'destination.cannot_bind', { org: a.org });
        await dir.bindOrg(ctx.user, ctx.conversation, a.org);
        if (a.systems) await dir.setOrgSystems(ctx.user, a.org, a.systems);
        const bound = a.systems ? ctx.t('admin.org_bound_systems', { org: a.org, systems: a.systems.join(', ') || '–' }) : ctx.t('admin.org_bound', { org: a.org });
        return { messages: [text(bound)] };
      },
    }),
    sla: subcommand({
      args: args(parseSla),
      async run(ctx, a) {
        const changed = Object.keys(a.change).length > 0;
        const contract = changed ? await ctx.services.sla.set(ctx.user, a.org, a.change) : await ctx.services.sla.contractOf(a.org);
        return { messages: [slaCard(ctx, a.org, contract, changed)] };
      },
    }),
    approver: subcommand({
      args: args((p, fail) => {
        const who = parseMention(p.words[0]);
        if (!who || p.words.length > 1) fail('error.bad_mention');
        return { who: who! };
      }),
      async run(ctx, a) {
        // Approvers answer for the organisation of the channel they are named in.
        const org = ctx.identity.org;
        if (!org || ctx.conversation.direct) return { messages: [text(ctx.t('error.approver_needs_org'), true)] };
        const user = a.who === 'me' ? ctx.user : `${a.who.platform}:${a.who.id}`;
        await ctx.services.orgPeople.addApprover(ctx.user, org, user);
        return { messages: [text(ctx.t('admin.approver_added', { user, org }))] };
      },
    }),
    lang: subcommand({
      args: args((p, fail) => {
        const v = p.words[0]?.toLowerCase();
        const locale = v === 'en' ? 'en' : v === 'zh' || v === 'zh-cn' || v === '中文' ? 'zh-CN' : undefined;
        if (!locale) fail('error.bad_lang');
        const scope = p.words[1]?.toLowerCase();
        if (scope !== undefined && scope !== 'channel' && scope !== 'me') fail('error.bad_lang');
        return { locale: locale as 'en' | 'zh-CN', channel: scope === 'channel' };
      }),
      async run(ctx, a) {
        const dir = ctx.services.directory;
        if (a.channel) {
          if (ctx.identity.role !== 'admin') return { messages: [text(ctx.t('error.forbidden', { role: 'admin' }), true)] };
          await dir.setLocale(ctx.user, { conversation: ctx.conversation }, a.locale);
        } else await dir.setLocale(ctx.user, { user: ctx.user }, a.locale);
        const t = ctx.services.cardContext(a.locale).t;
        return { messages: [text(t('admin.lang_set'))] };
      },
    }),
    audit: subcommand({
      args: args((p, fail) => {
        if (p.words[0]?.toLowerCase() === 'export') return { export: exportArgs(p, fail), n: 0 };
        const n = p.words[0] ? Number(p.words[0]) : 10;
        if (!Number.isInteger(n) || n < 1 || n > 50) fail('error.bad_number');
        return { n, export: undefined };
      }),
      async run(ctx, a) {
        if (a.export) {
          if (a.export.org && !(await ctx.services.directory.orgExists(a.export.org))) throw new AppError('not_found', 'error.unknown_org', { org: a.export.org });
          const tz = ctx.services.deps.config.timezone;
          const { org, fromDay, toDay } = a.export;
          const { url } = await ctx.services.exports.create(ctx.user, {
            org,
            from: fromDay === undefined ? undefined : startOfLocalDay(fromDay, tz),
            to: toDay === undefined ? undefined : endOfLocalDay(toDay, tz),
          });
          return { messages: [text(ctx.t('export.ready', { url }), true)] };
        }
        const entries = await ctx.services.audit.latest(a.n);
        const tz = ctx.services.deps.config.timezone;
        const lines = entries.map((e) => `- ${formatTime(e.at, tz)} ${e.actor} **${e.action}** ${e.target}`);
        return { messages: [{ text: lines.join('\n') || '–', card: { title: ctx.t('admin.audit_title'), blocks: [{ type: 'text', text: lines.join('\n') || '–' }] } }] };
      },
    }),
    contact: subcommand({
      args: grantArgs,
      async run(ctx, a) {
        const org = ctx.identity.org && !ctx.conversation.direct ? ctx.identity.org : undefined;
        if (!org) throw new AppError('invalid_argument', 'error.contact_needs_org');
        await ctx.services.security.contact(ctx.user, org, a.user, a.on);
        return { messages: [text(ctx.t(a.on ? 'security.contact_added' : 'security.contact_removed', { user: personLabel(a.user), org }))] };
      },
    }),
    grant: subcommand({
      args: grantArgs,
      async run(ctx, a) {
        await ctx.services.security.grant(ctx.user, a.user, a.on);
        return { messages: [text(ctx.t(a.on ? 'security.granted' : 'security.revoked', { user: personLabel(a.user) }))] };
      },
    }),
    help: subcommand({
      args: args(() => ({})),
      run: async (ctx) => ({ messages: [helpMessage(ctx.t, ctx.identity.role)] }),
    }),
    '': subcommand({
      args: args(() => ({})),
      run: async (ctx) => ({ messages: [helpMessage(ctx.t, ctx.identity.role)] }),
    }),
  },
});

/**
 * The help card for the reader's role, derived from the command declarations (catalogue.ts): each
 * command they may run with the syntax and the examples of the verbs they may run, in their language; that more needs another role is said without naming it.
 */
export function helpMessage(t: Translate, role: Role): OutboundMessage {
  const intro = t('help.intro', { role });
  const blocks: Block[] = [{ type: 'text', text: intro }];
  const others: string[] = [];
  for (const command of vocabulary) {
    const verbs = verbsFor(command, role);
    if (verbs.length === 0) {
      others.push(`/${command.name}`);
      continue;
    }
    // The example of every verb the reader may run (each command declares at least one: test/core/catalogue.test.ts).
    const examples = verbs.flatMap((v) => (v.example ? [v.example] : []));
    const lines = [
      t('help.command', { command: command.name, description: t(command.description) }),
      ...verbs.map((v) => `\`${usageLine(command.name, v)}\``),
      ...examples.map((e) => t('help.example', { example: t(e) })),
    ];
    blocks.push({ type: 'text', text: lines.join('\n') });
  }
  // Commands beyond the reader's role are not named: a customer is not shown what staff or admins run.
  if (others.length) blocks.push({ type: 'context', text: t('help.others') });
  return { text: intro, card: { title: t('help.title'), blocks } };
}
