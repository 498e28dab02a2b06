import { catalogue, type CatalogueEntry } from '../../src/core/catalogue.js';

/**
 * The Feishu bot menu (开发者后台 → 机器人 → 机器人自定义菜单), generated from the command
 * catalogue. Feishu allows 3 top-level menus of up to 5 items; every item uses the "push event"
 * action with the command name as `event_key`, which arrives as `application.bot.menu_v6` and runs
 * that command (inbound.ts `mapMenuEvent`). A command missing from the groups lands in the last one.
 */
export interface FeishuMenuItem {
  name: { zh_cn: string; en_us: string };
  action: 'push_event';
  event_key: string;
  /** For the person filling the console in; not part of Feishu's configuration. */
  description: { zh_cn: string; en_us: string };
}

export interface FeishuMenuGroup {
  name: { zh_cn: string; en_us: string };
  children: FeishuMenuItem[];
}

export const MENU_MAX_GROUPS = 3;
export const MENU_MAX_ITEMS = 5;

const GROUPS: Array<{ name: { zh_cn: string; en_us: string }; commands: string[] }> = [
  { name: { zh_cn: '工单', en_us: 'Tickets' }, commands: ['issue', 'escalate', 'alerts', 'postmortem', 'improve'] },
  { name: { zh_cn: '版本', en_us: 'Releases' }, commands: ['release-notes', 'release', 'docs', 'backup-status', 'training'] },
  { name: { zh_cn: '更多', en_us: 'More' }, commands: ['survey', 'digest', 'faq', 'security', 'aftercare'] },
];

export function feishuMenu(entries: readonly CatalogueEntry[] = catalogue): FeishuMenuGroup[] {
  const item = (e: CatalogueEntry): FeishuMenuItem => ({
    name: { zh_cn: `/${e.name}`, en_us: `/${e.name}` },
    action: 'push_event',
    event_key: e.name,
    description: { zh_cn: e.description['zh-CN'], en_us: e.description.en },
  });
  const placed = new Set(GROUPS.flatMap((g) => g.commands));
  const groups = GROUPS.map((g) => ({
    name: g.name,
    children: g.commands.map((c) => entries.find((e) => e.name === c)).filter((e): e is CatalogueEntry => e !== undefined).map(item),
  }));
  groups[groups.length - 1]!.children.push(...entries.filter((e) => !placed.has(e.name)).map(item));
  for (const g of groups) {
    if (g.children.length > MENU_MAX_ITEMS) throw new Error(`Feishu menu "${g.name.en_us}" has ${g.children.length} items; Feishu allows ${MENU_MAX_ITEMS}`);
  }
  return groups.filter((g) => g.children.length > 0).slice(0, MENU_MAX_GROUPS);
}
