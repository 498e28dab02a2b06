import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../server/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger, type LogLevel } from '../../src/core/log.js';
import { CHROMIUM_ARGS, PUSH_MS, playgroundActions, type Person } from './playground-page.js';

/**
 * The whole product through the playground, in a real headless Chromium against the real app on a
 * real SQLite file: a customer reports, an engineer acks and resolves, the customer answers the
 * CSAT survey, a release goes out, a manager reads the digest — then the app is restarted on the
 * same file and the ticket and digest are still there.
 */

const alice: Person = { user: 'alice', name: 'Alice (customer)', role: 'customer' };
const bob: Person = { user: 'bob', name: 'Bob (engineer)', role: 'engineer' };
const carol: Person = { user: 'carol', name: 'Carol (manager)', role: 'manager' };

const dir = mkdtempSync(join(tmpdir(), 'aftercare-e2e-'));
const storeUrl = `sqlite://${join(dir, 'a.sqlite')}`;
const logged: Array<{ level: LogLevel; line: string }> = [];
const dialogs: string[] = [];
const pageErrors: string[] = [];
let app: RunningApp | undefined;
let browser: Browser;
let page: Page;

async function start(): Promise<RunningApp> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', AFTERCARE_STORE: storeUrl, AFTERCARE_TIMER_POLL_MS: '200' });
  const log = createLogger({ level: 'warn', sink: (line, level) => logged.push({ level, line }) });
  return startApp(config, { log });
}

async function openPage(running: RunningApp): Promise<void> {
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(running.url);
  await page.locator('[data-ch="support-acme"]').waitFor();
}

const { become, say, click, message } = playgroundActions(() => page);

/** `{label: value}` of a card's fields block. */
async function fieldsOf(msg: Locator): Promise<Record<string, string>> {
  return msg.evaluate((el) => {
    const out: Record<string, string> = {};
    for (const pair of Array.from(el.querySelectorAll('.b-fields > div'))) {
      out[pair.querySelector('dt')?.textContent ?? ''] = pair.querySelector('dd')?.textContent ?? '';
    }
    return out;
  });
}

async function feed(running: RunningApp, channel: string, user: string): Promise<Array<{ text: string }>> {
  const res = await fetch(`${running.url}/playground/feed?channel=${channel}&user=${user}`);
  return ((await res.json()) as { messages: Array<{ text: string }> }).messages;
}

/** Runs `/digest` as the manager and returns the digest card's fields. */
async function digestFields(): Promise<Record<string, string>> {
  await become(carol, 'management');
  await say('/digest');
  const card = message('Weekly improvement digest');
  await card.waitFor({ timeout: PUSH_MS });
  return fieldsOf(card);
}

beforeAll(async () => {
  app = await start();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  await openPage(app);
});

afterAll(async () => {
  await page?.screenshot({ path: '/tmp/playground.png', fullPage: false }).catch(() => undefined);
  await browser?.close();
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the playground in a real browser', () => {
  it('files SUP-1 from the customer channel and shows its card to the customer', async () => {
    await become(alice, 'support-acme');
    await say('/issue Login page returns 500 sev:S2 system:crm');
    const card = message('SUP-1 · Login page returns 500');
    await card.waitFor({ timeout: PUSH_MS });
    const fields = await fieldsOf(card);
    expect(fields).toMatchObject({ Status: 'Open', Severity: 'S2', Organisation: 'acme', System: 'crm' });
    // A customer's own copy carries no engineer buttons.
    expect(await card.locator('button[data-action="issue.ack"]').count()).toBe(0);
  });

  it('lets the engineer acknowledge the ticket from the card pushed to the engineers channel', async () => {
    await become(bob, 'engineering');
    const card = message('SUP-1 · Login page returns 500');
    const ack = card.locator('button[data-action="issue.ack"][data-value="SUP-1"]');
    await ack.waitFor({ timeout: PUSH_MS });
    await click(ack);
    await expect.poll(async () => (await fieldsOf(message('SUP-1 · Login page returns 500'))).Status, { timeout: PUSH_MS }).toBe('Acknowledged');
    expect(await message('SUP-1 · Login page returns 500').locator('button[data-action="issue.ack"]').count()).toBe(0);
    await message('SUP-1 acknowledged.').waitFor({ timeout: PUSH_MS });
  });

  it('resolves the ticket with the version that fixes it', async () => {
    await say('/issue resolve SUP-1 fixed-in:1.4.2 cause:config');
    const card = message('SUP-1 · Login page returns 500');
    await expect.poll(async () => (await fieldsOf(card)).Status, { timeout: PUSH_MS }).toBe('Resolved');
    expect((await fieldsOf(card))['Fixed in']).toBe('1.4.2');
    // The answer to the command is a short message; the channel's one card of SUP-1 was edited in place.
    expect((await feed(app!, 'engineering', 'bob')).map((m) => m.text)).toContain(
      'SUP-1 resolved in version 1.4.2. The reporter has been told and asked for feedback.',
    );
    const answer = message('The reporter has been told and asked for feedback.');
    await answer.waitFor({ timeout: PUSH_MS });
    expect(await page.locator('#feed .msg .card-title', { hasText: 'SUP-1 · Login page returns 500' }).count()).toBe(1);
    // The resolved ticket's card has no buttons; the engineer's answer offers the one next step.
    expect(await card.locator('button').count()).toBe(0);
    expect(await answer.locator('button').count()).toBe(1);
    expect(await answer.locator('button[data-action="improve.new"][data-value="SUP-1"]').count()).toBe(1);
  });

  it('tells the customer in her channel and asks her for CSAT there, since she has no direct chat', async () => {
    await become(alice, 'support-acme');
    await message('was acknowledged by Bob (engineer)').waitFor({ timeout: PUSH_MS });
    await message('Your ticket SUP-1 "Login page returns 500" was resolved by Bob (engineer). Fixed in version 1.4.2.').waitFor({ timeout: PUSH_MS });
    const survey = message('How did we do?');
    await survey.waitFor({ timeout: PUSH_MS });
    expect(await survey.textContent()).toContain('Your ticket SUP-1 "Login page returns 500" was resolved.');
    expect(await survey.locator('button[data-action="survey.answer"]').count()).toBe(5);
    expect(await feed(app!, 'dm-alice', 'alice')).toEqual([]);
  });

  it('thanks the customer for her answer in place of the survey card', async () => {
    await click(message('How did we do?').locator('button[data-action="survey.answer"][data-value="SVY-1:5"]'));
    await message('Thank you for your feedback (5)!').waitFor({ timeout: PUSH_MS });
    await expect.poll(() => page.locator('#feed .msg', { hasText: 'How did we do?' }).count(), { timeout: PUSH_MS }).toBe(0);
  });

  it('announces the release to the customer channel and tells the reporter her fix is out', async () => {
    await become(bob, 'engineering');
    await say('/release-notes publish 1.4.2');
    await message('Release 1.4.2').waitFor({ timeout: PUSH_MS });
    expect((await feed(app!, 'engineering', 'bob')).map((m) => m.text)).toContain('🚀 Release 1.4.2 published; 1 reporter(s) told about their fix.');
    await become(alice, 'support-acme');
    const release = message('Release 1.4.2');
    await release.waitFor({ timeout: PUSH_MS });
    expect(await release.textContent()).toContain('SUP-1 Login page returns 500');
    await message('The fix for your ticket SUP-1 "Login page returns 500" is released in version 1.4.2.').waitFor({ timeout: PUSH_MS });
  });

  it('shows the manager a digest with the ticket, its MTTA and MTTR and the CSAT answer', async () => {
    const fields = await digestFields();
    expect(fields['Tickets opened']).toBe('1 (before: 0)');
    expect(fields['Tickets resolved']).toBe('1 (before: 0)');
    expect(fields['Open backlog']).toMatch(/^0 /);
    expect(fields['MTTA p50 / p90']).toMatch(/^\S*\d\S* \/ \S*\d/);
    expect(fields['MTTR p50 / p90']).toMatch(/^\S*\d\S* \/ \S*\d/);
    expect(fields.CSAT).toBe('5.00 · 1 answer(s) of 1 sent');
  });

  it('keeps the resolved ticket and the digest figures across a restart on the same SQLite file', async () => {
    const before = await digestFields();
    await page.close();
    await app!.stop();
    app = await start();
    await openPage(app);

    await become(bob, 'engineering');
    await say('/issue show SUP-1');
    const card = message('SUP-1 · Login page returns 500');
    await expect.poll(async () => (await fieldsOf(card)).Status, { timeout: PUSH_MS }).toBe('Resolved');
    expect(await fieldsOf(card)).toMatchObject({ 'Fixed in': '1.4.2', Severity: 'S2', Organisation: 'acme' });
    expect(await card.textContent()).toContain('fix released: 1.4.2');
    // The card pushed when SUP-1 was filed, edited in place since (ack, resolve, release), keeps its first place after the reload.
    const shown = await page.locator('#feed .msg').allTextContents();
    const pushed = shown.findIndex((t) => t.includes('SUP-1 · Login page returns 500'));
    expect(pushed).toBeGreaterThanOrEqual(0);
    expect(pushed).toBeLessThan(shown.findIndex((t) => t.includes('/issue resolve SUP-1 fixed-in:1.4.2 cause:config')));

    expect(await digestFields()).toEqual(before);
  });

  it('logged no error and raised no page error or alert on the way', () => {
    expect(logged.filter((l) => l.level === 'error').map((l) => l.line)).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});
