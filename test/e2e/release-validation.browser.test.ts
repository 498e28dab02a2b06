import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../server/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/core/log.js';
import { TOKEN } from '../hooks/support.js';
import { CHROMIUM_ARGS, PUSH_MS, playgroundActions, type Person } from './playground-page.js';

/**
 * The UAT approval through the playground in a real headless Chromium: a release is planned, CI
 * reports a failing then a passing JUnit run, a customer who is not an approver is refused, the
 * approver clicks Approve on the card, and the release is published with the acceptance on its card.
 */
const dir = mkdtempSync(join(tmpdir(), 'aftercare-e2e-uat-'));
const junit = (name: string) => readFileSync(new URL(`../fixtures/junit/${name}`, import.meta.url), 'utf8');

const root: Person = { user: 'root', name: 'Rita (admin)', role: 'admin' };
const alice: Person = { user: 'alice', name: 'Alice (customer)', role: 'customer' };
const dana: Person = { user: 'dana', name: 'Dana (approver)', role: 'customer' };
const bob: Person = { user: 'bob', name: 'Bob (engineer)', role: 'engineer' };

let app: RunningApp;
let browser: Browser;
let page: Page;

const { become, say, click, message } = playgroundActions(() => page);

async function ci(body: string): Promise<number> {
  const res = await fetch(`${app.url}/hooks/releases/tests?version=2.0.0&suite=unit`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/xml' }, body });
  return res.status;
}

beforeAll(async () => {
  app = await startApp(loadConfig({ PORT: '0', HOST: '127.0.0.1', AFTERCARE_STORE: `sqlite://${join(dir, 'a.sqlite')}`, AFTERCARE_HOOK_TOKEN: TOKEN }), {
    log: createLogger({ level: 'error', sink: () => undefined }),
  });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(app.url);
  await page.locator('[data-ch="support-acme"]').waitFor();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('UAT approval in the playground (real browser)', () => {
  it('plans a release whose acceptance card reaches acme’s channel', async () => {
    await become(root, 'support-acme');
    await say('/aftercare approver @playground:dana');
    await message('can now accept releases for acme').waitFor({ timeout: PUSH_MS });
    await become(alice, 'support-acme');
    await say('/issue Prices are wrong sev:S2 system:crm');
    await message('SUP-1 · Prices are wrong').waitFor({ timeout: PUSH_MS });
    await become(bob, 'engineering');
    // An S2 needs a root cause to resolve.
    await say('/issue resolve SUP-1 fixed-in:2.0.0 cause:code');
    await message('SUP-1 resolved').waitFor({ timeout: PUSH_MS });
    await say('/release plan 2.0.0 system:crm New pricing rules');
    await message('Release 2.0.0 of crm planned').waitFor({ timeout: PUSH_MS });
    await become(alice, 'support-acme');
    await message('Acceptance test: crm 2.0.0').locator('button[data-action="release.approve"]').waitFor({ timeout: PUSH_MS });
  });

  it('refuses publication while CI’s suite fails, naming it', async () => {
    expect(await ci(junit('surefire-failing.xml'))).toBe(200);
    await become(bob, 'engineering');
    await say('/release-notes publish 2.0.0');
    await message('suite unit failed (1 of 3)').waitFor({ timeout: PUSH_MS });
    expect(await message('suite unit failed (1 of 3)').textContent()).toContain('acme has not approved yet');
    expect(await ci(junit('pytest-passing.xml'))).toBe(200);
  });

  it('refuses a customer who is not acme’s approver and takes the approver’s click', async () => {
    await become(alice, 'support-acme');
    await click(message('Acceptance test: crm 2.0.0').locator('button[data-action="release.approve"]'));
    await message('Only an approver of acme can answer this').waitFor({ timeout: PUSH_MS });
    await become(dana, 'support-acme');
    const card = message('Acceptance test: crm 2.0.0');
    await click(card.locator('button[data-action="release.approve"]'));
    await expect.poll(() => message('Acceptance test: crm 2.0.0').textContent(), { timeout: PUSH_MS }).toContain('acme: accepted by Dana (approver)');
    expect(await message('Acceptance test: crm 2.0.0').locator('button[data-action="release.approve"]').count()).toBe(0);
  });

  it('publishes once every gate passed, with the acceptance on the release card', async () => {
    await become(bob, 'engineering');
    await say('/release-notes publish 2.0.0');
    const published = message('Release 2.0.0 published');
    await published.waitFor({ timeout: PUSH_MS });
    expect(await published.textContent()).toContain('acme: accepted by Dana (approver)');
    expect(await published.textContent()).toContain('unit: 3 passed, 0 failed, 1 skipped');
    await become(alice, 'support-acme');
    await message('The fix for your ticket SUP-1').waitFor({ timeout: PUSH_MS });
  });
});
