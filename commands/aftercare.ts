import { parseMention, type Fail, type ParsedText } from '../src/core/args.js';
import { AppError } from '../src/core/errors.js';
import { isIsoDate, startOfLocalDay, endOfLocalDay } from '../src/domain/calendar.js';
import { personLabel } from '../src/domain/directory/people.js';
import { declarations, exampleFor, usageLine, verbsFor, vocabulary } from '../src/core/catalogue.js';
import { formatTime, type Translate } from '../src/core/i18n.js';
import { ROLES, type Role } from '../src/core/registry.js';
import type { Block, OutboundMessage } from '../src/core/types.js';
import { TOPICS, type Topic } from '../src/domain/directory/service.js';
import { args, defineCommand, subcommand, text } from './helpers.js';

const topicArgs = args((p, fail) => {
  const topic = p.words[0]?.toLowerCase();
  if (!topic || !(TOPICS as readonly string[]).includes(topic) || p.words.length > 1) fail('error.bad_topic');
  const system = p.pairs.system?.toLowerCase();
  if (system !== undefined && !/^[\w.-]{1,64}$/.test(system)) fail('error.bad_system');
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
        await ctx.services.directory.setRole(ctx.user, a.user, a.role);
        return { messages: [text(ctx.t('admin.role_set', { user: a.user, role: a.role }))] };
      },
    }),
    org: subcommand({
      args: args((p, fail) => {
        const org = p.words[0]?.toLowerCase();
        if (!org || !/^[\w.-]{1,64}$/.test(org) || p.words.length > 1) fail('error.bad_org');
        const systems = (p.pairs.systems ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
        if (systems.some((s) => !/^[\w.-]{1,64}$/.test(s))) fail('error.bad_system');
        return { org: org!, systems };
      }),
      async run(ctx, a) {
        await ctx.services.directory.bindOrg(ctx.user, ctx.conversation, a.org);
        for (const s of a.systems) await ctx.services.directory.addOrgSystem(a.org, s);
        return { messages: [text(ctx.t('admin.org_bound', { org: a.org }))] };
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
 * The help card for the reader's role: each command they may run with its verbs' syntax and one
 * example, in their language; commands that need another role are named at the end.
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
    const example = exampleFor(command, role);
    const lines = [
      t('help.command', { command: command.name, description: t(command.description) }),
      ...verbs.map((v) => `\`${usageLine(command.name, v)}\``),
      ...(example ? [t('help.example', { example: t(example) })] : []),
    ];
    blocks.push({ type: 'text', text: lines.join('\n') });
  }
  if (others.length) blocks.push({ type: 'context', text: t('help.others', { commands: others.join(', ') }) });
  return { text: intro, card: { title: t('help.title'), blocks } };
}
