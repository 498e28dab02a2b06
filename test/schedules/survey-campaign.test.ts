import { describe, expect, it } from 'vitest';
import { startApp } from '../../server/app.js';
import { loadConfig } from '../../src/config.js';
import { memoryLogger, tempSqliteUrl } from '../helpers/env.js';

describe('the scheduled survey campaign', () => {
  it('sends the configured template to the customer organisations’ channels on its schedule, once per tick, with the results in the management channel', async () => {
    const app = await startApp(
      loadConfig({ PORT: '0', HOST: '127.0.0.1', AFTERCARE_STORE: tempSqliteUrl('svy'), AFTERCARE_SURVEY_CRON: '* * * * * *', AFTERCARE_SURVEY_TEMPLATE: 'csat' }),
      { log: memoryLogger() },
    );
    try {
      const deadline = Date.now() + 5_000;
      let texts: string[] = [];
      while (Date.now() < deadline && texts.length === 0) {
        await new Promise((r) => setTimeout(r, 200));
        await app.outbox.drain();
        const feed = await (await fetch(`${app.url}/playground/feed?channel=support-acme&user=alice`)).json();
        texts = feed.messages.map((m: { text: string }) => m.text).filter((t: string) => t.includes('How satisfied'));
      }
      expect(texts.length).toBeGreaterThanOrEqual(1);
      const management = await (await fetch(`${app.url}/playground/feed?channel=management&user=mia`)).json();
      const shown = management.messages.map((m: { text: string }) => m.text);
      expect(shown.some((t: string) => t.includes('How satisfied'))).toBe(false);
      expect(shown.some((t: string) => /^SVY-\d+: 0 response\(s\)/.test(t))).toBe(true);
      const latest = await app.services.surveys.latest(10);
      expect(latest[0]).toMatchObject({ kind: 'csat', createdBy: 'system:schedule', recipients: 1 });
      expect(new Set(latest.map((s) => s.createdAt)).size).toBe(latest.length);
    } finally {
      await app.stop();
    }
  });
});
