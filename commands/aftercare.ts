import { parseMention } from '../src/core/args.js';
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

export const aftercareCommand = defineCommand(declarations.aftercare, {
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
        // `systems:` given (even empty) sets the organisation's list; left out, the list stays as it is.
        const systems = p.pairs.systems === undefined ? undefined : p.pairs.systems.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
        if (systems?.some((s) => !/^[\w.-]{1,64}$/.test(s))) fail('error.bad_system');
        return { org: org!, systems };
      }),
      async run(ctx, a) {
        const dir = ctx.services.directory;
        await dir.bindOrg(ctx.user, ctx.conversation, a.org);
        if (a.systems) await dir.setOrgSystems(ctx.user, a.org, a.systems);
        const bound = a.systems ? ctx.t('admin.org_bound_systems', { org: a.org, systems: a.systems.join(', ') || '–' }) : ctx.t('admin.org_bound', { org: a.org });
        return { messages: [text(bound)] };
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
        const n = p.words[0] ? Number(p.words[0]) : 10;
        if (!Number.isInteger(n) || n < 1 || n > 50) fail('error.bad_number');
        return { n };
      }),
      async run(ctx, a) {
        const entries = await ctx.services.audit.latest(a.n);
        const tz = ctx.services.deps.config.timezone;
        const lines = entries.map((e) => `- ${formatTime(e.at, tz)} ${e.actor} **${e.action}** ${e.target}`);
        return { messages: [{ text: lines.join('\n') || '–', card: { title: ctx.t('admin.audit_title'), blocks: [{ type: 'text', text: lines.join('\n') || '–' }] } }] };
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
