import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { startApp } from './server/app.js';
import { loadConfig } from './src/config.js';
import { createLogger } from './src/core/log.js';

const TOKEN = 'shots-token';
let offset = 0;
const now = () => Date.now() + offset;
const app = await startApp(loadConfig({ PORT: '0', HOST: '127.0.0.1', AFTERCARE_STORE: `sqlite:///tmp/i17shots/s-${Date.now()}.sqlite`, AFTERCARE_HOOK_TOKEN: TOKEN }), { now, log: createLogger({ level: 'error', sink: () => undefined }) });
async function ev(user: string, role: string, lang: string, channel: string, body: Record<string, unknown>) {
  const r = await fetch(`${app.url}/playground/event`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, name: user[0]!.toUpperCase() + user.slice(1), role, lang, channel, ...body }) });
  if (r.status !== 200) throw new Error(await r.text());
}
const cmd = (user: string, role: string, lang: string, channel: string, text: string) => ev(user, role, lang, channel, { kind: 'command', text });
const act = (user: string, role: string, lang: string, channel: string, actionId: string, value: string) => ev(user, role, lang, channel, { kind: 'action', actionId, value });
const junit = (f: string) => readFileSync(`/work/wt17/test/fixtures/junit/${f}`, 'utf8');
const ci = (body: string) => fetch(`${app.url}/hooks/releases/tests?version=2.0.0&suite=unit`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/xml' }, body });

await cmd('root', 'admin', 'en', 'acme-zh', '/aftercare org acme');
await cmd('root', 'admin', 'en', 'acme-zh', '/aftercare lang zh channel');
await cmd('root', 'admin', 'en', 'support-acme', '/aftercare approver @playground:dana');
await cmd('root', 'admin', 'zh-CN', 'acme-zh', '/aftercare approver @playground:wang');
await cmd('bob', 'engineer', 'en', 'dm-bob', '/docs add crm manual https://docs.example.com/crm/manual review:30');
await cmd('li', 'engineer', 'zh-CN', 'dm-li', '/docs add crm runbook https://docs.example.com/crm/runbook review:30');
await cmd('alice', 'customer', 'en', 'support-acme', '/issue Prices are wrong sev:S2 system:crm');
await cmd('bob', 'engineer', 'en', 'engineering', '/issue resolve SUP-1 fixed-in:2.0.0');
await cmd('bob', 'engineer', 'en', 'engineering', '/release plan 2.0.0 system:crm New pricing rules for quotes');
await ci(junit('surefire-failing.xml'));
await cmd('bob', 'engineer', 'en', 'engineering', '/release-notes publish 2.0.0');
await cmd('li', 'engineer', 'zh-CN', 'eng-zh', '/release-notes publish 2.0.0');
await ci(junit('pytest-passing.xml'));
await cmd('bob', 'engineer', 'en', 'engineering', '/training schedule acme 2026-12-30 10:00 Month-end reporting online url:https://meet.example.com/crm');
await act('alice', 'customer', 'en', 'support-acme', 'training.attend', 'TRN-1');
await act('wang', 'customer', 'zh-CN', 'acme-zh', 'training.attend', 'TRN-1');
await app.outbox.drain();
offset += 31 * 86_400_000;
await app.pollTimers();
await app.outbox.drain();

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
await page.goto(app.url);
async function shot(user: string, role: string, lang: string, channel: string, has: string, file: string) {
  await page.fill('#user', user);
  await page.selectOption('#role', role);
  await page.selectOption('#lang', lang);
  await page.locator('#user').dispatchEvent('change');
  const loaded = page.waitForResponse((r) => r.url().includes(`/playground/feed?channel=${channel}`));
  await page.evaluate((c) => {
    const input = document.querySelector('#newch') as HTMLInputElement;
    input.value = c;
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
  }, channel);
  await loaded;
  await page.waitForTimeout(300);
  const msg = page.locator('#feed .msg', { hasText: has }).last();
  await msg.waitFor({ timeout: 15000 });
  await msg.screenshot({ path: `/tmp/i17shots/${file}.png` });
  console.log('shot', file);
}
await shot('alice', 'customer', 'en', 'support-acme', 'Acceptance test: crm 2.0.0', 'uat-en');
await shot('wang', 'customer', 'zh-CN', 'acme-zh', '验收测试', 'uat-zh');
await shot('bob', 'engineer', 'en', 'engineering', 'cannot be published yet', 'refused-en');
await shot('li', 'engineer', 'zh-CN', 'eng-zh', '暂不能发布', 'refused-zh');
await shot('alice', 'customer', 'en', 'support-acme', 'Month-end reporting', 'training-en');
await shot('wang', 'customer', 'zh-CN', 'acme-zh', '培训 TRN-1', 'training-zh');
await shot('wang', 'customer', 'zh-CN', 'acme-zh', '评分', 'rating-zh');
await shot('bob', 'engineer', 'en', 'dm-bob', 'due for review', 'docreview-en');
await shot('li', 'engineer', 'zh-CN', 'dm-li', '复核', 'docreview-zh');
await shot('alice', 'customer', 'en', 'support-acme', 'SUP-1 · Prices are wrong', 'ticket-en');
// Approvals, then the published release card in both languages.
await act('dana', 'customer', 'en', 'support-acme', 'release.approve', '2.0.0|acme');
await cmd('bob', 'engineer', 'en', 'engineering', '/release-notes publish 2.0.0');
await cmd('li', 'engineer', 'zh-CN', 'eng-zh', '/release-notes 2.0.0');
await shot('alice', 'customer', 'en', 'support-acme', 'Acceptance test: crm 2.0.0', 'uat-approved-en');
await shot('bob', 'engineer', 'en', 'engineering', 'Release 2.0.0 published', 'release-en');
await shot('li', 'engineer', 'zh-CN', 'eng-zh', '客户验收', 'release-zh');
await cmd('mia', 'manager', 'zh-CN', 'mgmt-zh', '/training');
await shot('mia', 'manager', 'zh-CN', 'mgmt-zh', 'TRN-1', 'training-list-zh');
await act('alice', 'customer', 'en', 'support-acme', 'training.rate', 'TRN-1:5');
await act('wang', 'customer', 'zh-CN', 'acme-zh', 'training.rate', 'TRN-1:4');
await cmd('mia', 'manager', 'en', 'management', '/digest');
await shot('mia', 'manager', 'en', 'management', 'Training', 'digest-en');
await cmd('mia', 'manager', 'zh-CN', 'mgmt-zh', '/digest');
await shot('mia', 'manager', 'zh-CN', 'mgmt-zh', '培训', 'digest-zh');
await browser.close();
await app.stop();
