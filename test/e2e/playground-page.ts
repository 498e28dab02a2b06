import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';

/** Chromium flags for the browser tests: headless, no sandbox (CI runs as root), nothing phoning home. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Pushes travel through the outbox and the page polls every 700 ms: give them a few seconds. */
export const PUSH_MS = 15_000;

/** Who the playground page speaks as. */
export interface Person {
  user: string;
  name: string;
  role: 'customer' | 'engineer' | 'manager' | 'admin';
}

/**
 * What a person does on the playground page: `current()` is the page in use (a test may open a
 * new one after restarting the app). Each action waits for the app's answer.
 */
export function playgroundActions(current: () => Page) {
  return {
    /** Picks who the page speaks as, then opens a channel. */
    async become(person: Person, channel: string): Promise<void> {
      const page = current();
      await page.fill('#user', person.user);
      await page.fill('#name', person.name);
      await page.selectOption('#role', person.role);
      await page.locator('#user').dispatchEvent('change');
      await page.click(`[data-ch="${channel}"]`);
      await expect.poll(() => page.textContent('#title')).toBe(`# ${channel}`);
    },
    /** Sends the composer text and waits until the app answered it with a 200. */
    async say(text: string): Promise<void> {
      const page = current();
      const answered = page.waitForResponse((r) => r.url().endsWith('/playground/event'));
      await page.fill('#input', text);
      await page.press('#input', 'Enter');
      expect((await answered).status()).toBe(200);
    },
    /** Clicks a card button and waits until the app answered it with a 200. */
    async click(button: Locator): Promise<void> {
      const answered = current().waitForResponse((r) => r.url().endsWith('/playground/event'));
      await button.click();
      expect((await answered).status()).toBe(200);
    },
    /** The newest message in the open channel whose card has this title (or whose text contains it). */
    message(text: string): Locator {
      return current().locator('#feed .msg', { hasText: text }).last();
    },
  };
}
