import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandEvent } from '../../src/core/types.js';
import { createStandardHarness, type Harness } from '../helpers/harness.js';

/**
 * What a platform told us about a person holds when a later payload (another client, a Slack
 * mention, a Feishu event) carries none: their language and their name.
 */
describe('remembered identity', () => {
  let h: Harness;
  let n = 0;
  beforeEach(async () => {
    h = await createStandardHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  const bare = (text: string, actor: CommandEvent['actor']): CommandEvent => ({
    kind: 'command',
    id: `remembered-${++n}`,
    command: 'issue',
    text,
    actor,
    conversation: h.conv('support-acme'),
    receivedAt: h.now(),
  });

  it('answers in the language last seen, and files under the name last seen, when the payload has neither', async () => {
    await h.handle(bare('list', { platform: 'playground', id: 'lin', displayName: 'Lin Wei', locale: 'zh-CN' }));
    const reply = await h.handle(bare('打印机卡纸', { platform: 'playground', id: 'lin' }));
    expect(reply!.locale).toBe('zh-CN');
    expect(reply!.messages[0]!.text).toMatch(/已创建工单 SUP-1/);
    expect(await h.services.tickets.find('SUP-1')).toMatchObject({ reporterName: 'Lin Wei' });
    // A later payload with a locale wins, and is remembered in turn.
    await h.handle(bare('list', { platform: 'playground', id: 'lin', locale: 'en-US' }));
    expect((await h.handle(bare('Paper jam again', { platform: 'playground', id: 'lin' })))!.locale).toBe('en');
  });
});
