import AdmZip from 'adm-zip';
import { catalogue, type CatalogueEntry } from '../../src/core/catalogue.js';
import { ACCENT_COLOR, colorIcon, outlineIcon } from './icons.js';

/**
 * The Teams app package (manifest.json + color.png + outline.png + zh-CN localization), generated
 * from the command catalogue so Teams' command menu always matches what the bot understands.
 * Manifest schema 1.22; limits enforced here: name.short ≤ 30, description.short ≤ 80,
 * ≤ 10 commands per list, command title ≤ 32 and description ≤ 128 characters.
 */

export const MANIFEST_VERSION = '1.22';
export const MANIFEST_SCHEMA = `https://developer.microsoft.com/json-schemas/teams/v${MANIFEST_VERSION}/MicrosoftTeams.schema.json`;
export const LOCALIZATION_SCHEMA = `https://developer.microsoft.com/json-schemas/teams/v${MANIFEST_VERSION}/MicrosoftTeams.Localization.schema.json`;
export const BOT_SCOPES = ['personal', 'team', 'groupChat'] as const;
/** Used when no app id is configured: the package validates but must be rebuilt before uploading. */
export const PLACEHOLDER_APP_ID = '00000000-0000-0000-0000-000000000000';

export interface TeamsPackageOptions {
  /** The bot's Microsoft App ID (a GUID); also the Teams app id. */
  appId: string;
  /** Public base URL of aftercare (AFTERCARE_PUBLIC_URL); its host becomes a valid domain when https. */
  publicUrl: string;
  /** Package version, semver. */
  version: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const TEXT = {
  en: {
    short: 'Aftercare',
    full: 'Aftercare — after-sales service desk',
    descShort: 'Report issues, follow tickets and alerts, answer surveys.',
    descFull:
      'Aftercare is the after-sales service desk for delivered software systems: report issues and follow their tickets, ' +
      'acknowledge and escalate monitoring alerts, read release notes and backup status, answer satisfaction surveys and ' +
      'receive the weekly improvement digest, in chats and channels. Type help to see every command.',
  },
  'zh-CN': {
    short: 'Aftercare 售后',
    full: 'Aftercare 售后服务台',
    descShort: '报告问题、跟进工单与告警、回答满意度调查。',
    descFull:
      'Aftercare 是已交付软件系统的售后服务台：在聊天和频道中报告问题并跟进工单，确认和升级监控告警，查看版本说明与备份状态，' +
      '回答满意度调查，接收每周服务改进摘要。输入 help 查看全部命令。',
  },
};

/** Teams shows at most 10 commands in a bot's command list. */
export const TEAMS_MENU_MAX = 10;

/**
 * The commands Teams' menu lists: the catalogue in its order while it fits, else the first nine
 * and `aftercare` (help), so a reader can always find the rest. Every command still works typed.
 */
export function teamsMenu(entries: readonly CatalogueEntry[] = catalogue): CatalogueEntry[] {
  if (entries.length <= TEAMS_MENU_MAX) return [...entries];
  const help = entries.find((e) => e.name === 'aftercare');
  const rest = entries.filter((e) => e !== help).slice(0, help ? TEAMS_MENU_MAX - 1 : TEAMS_MENU_MAX);
  return help ? [...rest, help] : rest;
}

function clip(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, max - 1).join('') + '…';
}

function commandDescription(entry: CatalogueEntry, locale: 'en' | 'zh-CN'): string {
  return clip(`${entry.description[locale]} — ${entry.name} ${entry.usage}`.trim(), 128);
}

function httpsOrigin(url: string): URL | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}

/** manifest.json for the bot in personal, team and group chat scopes, with the catalogue as its command list. */
export function buildTeamsManifest(options: TeamsPackageOptions): Record<string, unknown> {
  if (!GUID.test(options.appId)) throw new Error(`MICROSOFT_APP_ID must be a GUID, got "${options.appId}"`);
  const site = httpsOrigin(options.publicUrl);
  const website = site ? site.origin : 'https://github.com/';
  const commands = teamsMenu().map((entry) => ({ title: clip(entry.name, 32), description: commandDescription(entry, 'en') }));
  return {
    $schema: MANIFEST_SCHEMA,
    manifestVersion: MANIFEST_VERSION,
    version: options.version,
    id: options.appId,
    localizationInfo: { defaultLanguageTag: 'en-us', additionalLanguages: [{ languageTag: 'zh-cn', file: 'zh-cn.json' }] },
    developer: {
      name: 'Aftercare',
      websiteUrl: website,
      privacyUrl: website,
      termsOfUseUrl: website,
    },
    name: { short: clip(TEXT.en.short, 30), full: clip(TEXT.en.full, 100) },
    description: { short: clip(TEXT.en.descShort, 80), full: clip(TEXT.en.descFull, 4000) },
    icons: { color: 'color.png', outline: 'outline.png' },
    accentColor: ACCENT_COLOR,
    bots: [
      {
        botId: options.appId,
        scopes: [...BOT_SCOPES],
        supportsFiles: false,
        isNotificationOnly: false,
        commandLists: [{ scopes: [...BOT_SCOPES], commands }],
      },
    ],
    permissions: ['identity', 'messageTeamMembers'],
    validDomains: site ? [site.host] : [],
  };
}

/** zh-cn.json: the Simplified Chinese name, description and command descriptions. */
export function buildZhLocalization(): Record<string, string> {
  const out: Record<string, string> = {
    $schema: LOCALIZATION_SCHEMA,
    'name.short': clip(TEXT['zh-CN'].short, 30),
    'name.full': clip(TEXT['zh-CN'].full, 100),
    'description.short': clip(TEXT['zh-CN'].descShort, 80),
    'description.full': clip(TEXT['zh-CN'].descFull, 4000),
  };
  teamsMenu().forEach((entry, i) => {
    out[`bots[0].commandLists[0].commands[${i}].title`] = clip(entry.name, 32);
    out[`bots[0].commandLists[0].commands[${i}].description`] = commandDescription(entry, 'zh-CN');
  });
  return out;
}

/** The zip Teams accepts for "Upload a custom app": the files at the root of the archive. */
export function buildTeamsPackage(options: TeamsPackageOptions): Buffer {
  const zip = new AdmZip();
  zip.addFile('manifest.json', Buffer.from(JSON.stringify(buildTeamsManifest(options), null, 2) + '\n'));
  zip.addFile('zh-cn.json', Buffer.from(JSON.stringify(buildZhLocalization(), null, 2) + '\n'));
  zip.addFile('color.png', colorIcon());
  zip.addFile('outline.png', outlineIcon());
  return zip.toBuffer();
}
