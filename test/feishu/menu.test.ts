import { describe, expect, it } from 'vitest';
import { feishuMenu, MENU_MAX_GROUPS, MENU_MAX_ITEMS } from '../../adapters/feishu/menu.js';
import { catalogue } from '../../src/core/catalogue.js';

describe('Feishu bot menu', () => {
  it('offers every catalogue command once, within Feishu’s 3 menus of 5 items', () => {
    const menu = feishuMenu();
    expect(menu.length).toBeLessThanOrEqual(MENU_MAX_GROUPS);
    for (const g of menu) expect(g.children.length).toBeLessThanOrEqual(MENU_MAX_ITEMS);
    const keys = menu.flatMap((g) => g.children.map((c) => c.event_key));
    expect([...keys].sort()).toEqual(catalogue.map((c) => c.name).sort());
    expect(menu.flatMap((g) => g.children).every((c) => c.action === 'push_event' && c.description.zh_cn && c.description.en_us)).toBe(true);
  });

  it('puts a command the groups do not know into the last menu', () => {
    const menu = feishuMenu([...catalogue.filter((c) => c.name !== 'digest'), { name: 'status', usage: '', description: { en: 'Status', 'zh-CN': '状态' } }]);
    expect(menu.at(-1)!.children.map((c) => c.event_key)).toContain('status');
  });
});
