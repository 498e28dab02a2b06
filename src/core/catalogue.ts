import { translate, type KeysUnder } from './i18n.js';
import { roleAtLeast, ROLES, type Role } from './registry.js';
import type { Locale } from './types.js';

/**
 * The command vocabulary, owned by the core: every command's name, aliases, description and verbs
 * with who may use them, their syntax and an example. It is the one source of the help card, the
 * Slack manifest (checked by test/slack/manifest.test.ts), the Teams app package and the Feishu bot
 * menu; commands/* implement it (`defineCommand` makes them declare a handler for exactly these
 * verbs). It lives here rather than in commands/ because the core and the adapters may not import
 * commands/. Descriptions and examples are message keys: both languages come from the catalogues.
 */

/** One verb of a command as users type it. */
export interface VerbDeclaration {
  /** `ack` in `/issue ack SUP-1`; `''` is the default verb (`/issue <title>`). */
  verb: string;
  /** Other words for the verb (`ls` for `list`). */
  aliases?: readonly string[];
  /** The lowest role that may run it. */
  permission: Role;
  /**
   * The syntax after the verb: `<ID> [reason]`. Language-neutral: `<…>` are values, `[…]` optional.
   * The `key:value` options written here (`[sev:S1-S4]`) are the pairs the dispatcher takes out of
   * the text, so help always shows every option a verb accepts.
   */
  usage: string;
  /** A complete command line with what it does, in the reader's language. */
  example?: KeysUnder<'example'>;
  /** Left out of help and usage hints (a fallback verb). */
  hidden?: boolean;
}

export interface CommandDeclaration {
  /** Without the slash: `issue`. Slack allows 32 characters, Teams 32. */
  name: string;
  /** Other names users type (e.g. Chinese); not registered with the platforms. */
  aliases?: readonly string[];
  /** What the command is for, shown in help and platform command menus (Teams clips to 128 characters). */
  description: KeysUnder<'command'>;
  verbs: readonly VerbDeclaration[];
}

export const declarations = {
  issue: {
    name: 'issue',
    aliases: ['ticket', '工单', '报障'],
    description: 'command.issue',
    verbs: [
      { verb: '', permission: 'customer', usage: '<title> [sev:S1-S4] [system:<name>] [org:<name>]', example: 'example.issue' },
      { verb: 'show', permission: 'customer', usage: '<ID>' },
      { verb: 'list', aliases: ['ls'], permission: 'customer', usage: '[open|mine|all]' },
      { verb: 'comment', permission: 'customer', usage: '<ID> <text>', example: 'example.issue.comment' },
      { verb: 'ack', permission: 'engineer', usage: '<ID>' },
      { verb: 'assign', permission: 'engineer', usage: '<ID> <@user|me>' },
      { verb: 'note', permission: 'engineer', usage: '<ID> <text>', example: 'example.issue.note' },
      { verb: 'wait', permission: 'engineer', usage: '<ID> [question]', example: 'example.issue.wait' },
      { verb: 'sev', permission: 'engineer', usage: '<ID> <S1-S4> [reason]', example: 'example.issue.sev' },
      { verb: 'resolve', permission: 'engineer', usage: '<ID> [fixed-in:<version>] [cause:<category>] [note]', example: 'example.issue.resolve' },
      { verb: 'reopen', permission: 'engineer', usage: '<ID> [reason]' },
    ],
  },
  escalate: {
    name: 'escalate',
    aliases: ['升级'],
    description: 'command.escalate',
    verbs: [{ verb: '', permission: 'engineer', usage: '<ID> [reason]', example: 'example.escalate' }],
  },
  releaseNotes: {
    name: 'release-notes',
    aliases: ['releases', '版本说明'],
    description: 'command.release-notes',
    verbs: [
      { verb: '', permission: 'customer', usage: '[latest|list|<version>]', example: 'example.release-notes' },
      { verb: 'publish', permission: 'engineer', usage: '<version> [notes] [force:yes reason:<text>]', example: 'example.release-notes.publish' },
    ],
  },
  backupStatus: {
    name: 'backup-status',
    aliases: ['backups', '备份'],
    description: 'command.backup-status',
    verbs: [{ verb: '', permission: 'customer', usage: '[<system>]', example: 'example.backup-status' }],
  },
  alerts: {
    name: 'alerts',
    aliases: ['告警'],
    description: 'command.alerts',
    verbs: [{ verb: '', permission: 'engineer', usage: '[open|all] [system:<name>]', example: 'example.alerts' }],
  },
  survey: {
    name: 'survey',
    aliases: ['调查'],
    description: 'command.survey',
    verbs: [
      { verb: '', permission: 'customer', usage: '', example: 'example.survey' },
      { verb: 'send', permission: 'manager', usage: '<csat|nps|template> [here|dm] [org:<name>]', example: 'example.survey.send' },
      { verb: 'results', permission: 'manager', usage: '[SVY-n]' },
      { verb: 'template', permission: 'manager', usage: '<name> <question>' },
    ],
  },
  digest: {
    name: 'digest',
    aliases: ['摘要', '周报'],
    description: 'command.digest',
    verbs: [{ verb: '', permission: 'manager', usage: '[week|month]', example: 'example.digest' }],
  },
  faq: {
    name: 'faq',
    aliases: ['常见问题'],
    description: 'command.faq',
    verbs: [
      { verb: '', permission: 'customer', usage: '<question>', example: 'example.faq' },
      { verb: 'add', permission: 'engineer', usage: '<question> | <answer>', example: 'example.faq.add' },
    ],
  },
  release: {
    name: 'release',
    aliases: ['发布'],
    description: 'command.release',
    verbs: [
      { verb: 'plan', permission: 'engineer', usage: '<version> system:<name> [notes]', example: 'example.release.plan' },
      { verb: 'status', permission: 'customer', usage: '<version>', example: 'example.release.status' },
    ],
  },
  docs: {
    name: 'docs',
    aliases: ['文档'],
    description: 'command.docs',
    verbs: [
      { verb: '', permission: 'customer', usage: '[<system>]', example: 'example.docs' },
      { verb: 'add', permission: 'engineer', usage: '<system> <design|dev|test|manual|runbook|training> <url> [owner:<@user>] [review:<days>]', example: 'example.docs.add' },
      { verb: 'reviewed', permission: 'engineer', usage: '<DOC-n>' },
      { verb: 'retire', permission: 'engineer', usage: '<DOC-n>' },
    ],
  },
  training: {
    name: 'training',
    aliases: ['培训'],
    description: 'command.training',
    verbs: [
      { verb: '', permission: 'customer', usage: '[<org>]', example: 'example.training' },
      { verb: 'schedule', permission: 'engineer', usage: '<org> <YYYY-MM-DD HH:mm> <topic> [online|onsite|video] [url:<link>]', example: 'example.training.schedule' },
    ],
  },
  aftercare: {
    name: 'aftercare',
    aliases: ['help', '帮助', 'ac'],
    description: 'command.aftercare',
    verbs: [
      { verb: 'help', permission: 'guest', usage: '' },
      { verb: 'lang', permission: 'guest', usage: '<en|zh> [channel]', example: 'example.aftercare.lang' },
      { verb: 'subscribe', permission: 'admin', usage: '<topic> [system:<name>]', example: 'example.aftercare.subscribe' },
      { verb: 'unsubscribe', permission: 'admin', usage: '<topic>' },
      { verb: 'role', permission: 'admin', usage: '<@user> <role>' },
      { verb: 'org', permission: 'admin', usage: '<name> [systems:<name,…>]' },
      {
        verb: 'sla',
        permission: 'admin',
        usage: '<org> [S1:<respond>/<resolve>] [S2:…] [S3:…] [S4:…] [hours:<Mon-Fri> <09:00-18:00>|off] [tz:<IANA zone>] [holidays:<YYYY-MM-DD,…>]',
        example: 'example.aftercare.sla',
      },
      { verb: 'approver', permission: 'admin', usage: '<@user>', example: 'example.aftercare.approver' },
      { verb: 'audit', permission: 'admin', usage: '[<count>|export [<org>] [from:<date>] [to:<date>]]', example: 'example.aftercare.audit' },
      { verb: 'contact', permission: 'admin', usage: '<@user> security [off]' },
      { verb: 'grant', permission: 'admin', usage: '<@user> security [off]' },
      // Anything else after /aftercare shows help.
      { verb: '', permission: 'guest', usage: '', hidden: true },
    ],
  },
  // Improvement and security (after aftercare: Teams lists the first ten commands in its menu).
  postmortem: {
    name: 'postmortem',
    aliases: ['复盘'],
    description: 'command.postmortem',
    verbs: [
      { verb: '', permission: 'engineer', usage: '<ID>', example: 'example.postmortem' },
      { verb: 'publish', permission: 'engineer', usage: '<ID> [customer]', example: 'example.postmortem.publish' },
    ],
  },
  improve: {
    name: 'improve',
    aliases: ['改进'],
    description: 'command.improve',
    verbs: [
      { verb: '', permission: 'engineer', usage: '[open|all]' },
      {
        verb: 'add',
        permission: 'engineer',
        usage: '<title> [type:technical|process|management] [owner:<@user>] [due:<YYYY-MM-DD>] [cause:<category>] [from:<ID>] [system:<name>]',
        example: 'example.improve.add',
      },
      { verb: 'done', permission: 'engineer', usage: '<IMP-n>' },
    ],
  },
  security: {
    name: 'security',
    aliases: ['安全'],
    description: 'command.security',
    verbs: [
      { verb: '', permission: 'customer', usage: '', example: 'example.security' },
      { verb: 'declare', permission: 'engineer', usage: '<org> <S1-S4> <title>', example: 'example.security.declare' },
      { verb: 'plan', permission: 'admin', usage: '<org> <step>:<hours>,…', example: 'example.security.plan' },
    ],
  },
} as const satisfies Record<string, CommandDeclaration>;

/** Every command, in the order help and the platform menus list them. */
export const vocabulary: readonly CommandDeclaration[] = Object.values(declarations);

/** `/issue resolve <ID> [note]`: a verb's whole syntax as users type it. */
export function usageLine(command: string, verb: VerbDeclaration): string {
  return ['/' + command, verb.verb, verb.usage].filter(Boolean).join(' ');
}

/** The verbs users are told about, in declaration order. */
export function listedVerbs(command: CommandDeclaration): VerbDeclaration[] {
  return command.verbs.filter((v) => !v.hidden);
}

/** The verbs `role` may run. */
export function verbsFor(command: CommandDeclaration, role: Role): VerbDeclaration[] {
  return listedVerbs(command).filter((v) => roleAtLeast(role, v.permission));
}

/**
 * The example help shows a reader with `role` for a command: that of the most privileged verb they
 * may run (what they can do that others cannot), the first among equals.
 */
export function exampleFor(command: CommandDeclaration, role: Role): KeysUnder<'example'> | undefined {
  let best: VerbDeclaration | undefined;
  for (const v of verbsFor(command, role)) {
    if (v.example && (!best || ROLES.indexOf(v.permission) > ROLES.indexOf(best.permission))) best = v;
  }
  return best?.example;
}

/** What platform manifests and menus list for a command. */
export interface CatalogueEntry {
  /** Without the slash: `issue`. */
  name: string;
  /** Every listed verb with its syntax, `|`-separated (Slack's usage hint, up to 1,000 characters). */
  usage: string;
  description: Record<Locale, string>;
}

export function catalogueEntry(command: CommandDeclaration): CatalogueEntry {
  return {
    name: command.name,
    usage: listedVerbs(command)
      .map((v) => [v.verb, v.usage].filter(Boolean).join(' '))
      .join(' | ')
      .trim(),
    description: { en: translate('en', command.description), 'zh-CN': translate('zh-CN', command.description) },
  };
}

/** The platform command list (Slack manifest, Teams app package, Feishu menu), derived from the vocabulary. */
export const catalogue: readonly CatalogueEntry[] = vocabulary.map(catalogueEntry);
