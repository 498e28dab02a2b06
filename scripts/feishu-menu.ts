/**
 * `npm run feishu:menu [-- --out <file>]`: prints the Feishu bot menu generated from the command
 * catalogue (or writes it as JSON). Enter it in the developer console under 机器人 → 机器人自定义菜单
 * (Bot → Custom menu); docs/feishu.md walks through it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { feishuMenu } from '../adapters/feishu/menu.js';

const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const menu = { event: 'application.bot.menu_v6', menus: feishuMenu() };

if (outIndex >= 0 && args[outIndex + 1]) {
  const out = resolve(args[outIndex + 1]!);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(menu, null, 2) + '\n');
  console.log(`Feishu bot menu written to ${out}`);
} else {
  console.log('Feishu bot menu — 开发者后台 → 机器人 → 机器人自定义菜单 / Developer console → Bot → Custom menu');
  console.log('Every item: action "推送事件 / Push event", event key as shown. Subscribe to application.bot.menu_v6.\n');
  for (const group of menu.menus) {
    console.log(`${group.name.zh_cn} / ${group.name.en_us}`);
    for (const item of group.children) {
      console.log(`  ${item.name.en_us.padEnd(16)} event key: ${item.event_key.padEnd(15)} ${item.description.zh_cn} / ${item.description.en_us}`);
    }
  }
  console.log('\nAs JSON: npm run feishu:menu -- --out build/feishu/menu.json');
}
