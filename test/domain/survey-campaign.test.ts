import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStandardHarness, type Harness } from '../helpers/harness.js';

/** Text of every card block of a pushed or replied message. */
const textOf = (m: { text: string; card?: { blocks: unknown[] } }) => `${m.text}\n${JSON.stringify(m.card?.blocks ?? [])}`;

describe('survey campaigns to customers', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createStandardHarness();
    await h.run('root', 'management', '/aftercare subscribe surveys');
    // People seen in their organisations' channels: acme has alice and dave, globex has gina.
    await h.run('alice', 'support-acme', '/faq reset password');
    await h.run('dave', 'support-acme', '/faq reset password');
    await h.run('gina', 'support-globex', '/faq reset password');
  });
  afterEach(async () => {
    await h.close();
  });

  const answer = async (user: string, channel: string, value: string) => (await h.click(user, channel, 'survey.answer', value)).messages[0]?.text ?? '';
  const resultsCard = async () => {
    const cards = (await h.pushed('management')).filter((s) => s.message.card?.title === 'Results of SVY-1');
    return cards.at(-1) ? textOf(cards.at(-1)!.message) : '';
  };

  it('goes to every organisation’s channel, not the manager’s, and shows the manager the response rate per organisation', async () => {
    const sent = await h.run('mia', 'management', '/survey send nps');
    expect(sent.messages[0]!.text).toMatch(/^Survey SVY-1 sent to 2 conversation\(s\) of 2 organisation\(s\)/);
    for (const channel of ['support-acme', 'support-globex']) {
      expect((await h.pushed(channel)).some((s) => s.message.text.includes('How likely are you to recommend') && s.message.text.includes('SVY-1'))).toBe(true);
    }
    expect((await h.pushed('management')).some((s) => s.message.text.includes('How likely are you to recommend'))).toBe(false);
    expect(await resultsCard()).toContain('acme: 0 of 2 (0%)');

    expect(await answer('alice', 'support-acme', 'SVY-1:10')).toContain('Thank you');
    expect(await answer('gina', 'support-globex', 'SVY-1:6')).toContain('Thank you');
    const results = await h.services.surveys.results('SVY-1');
    expect(results.byOrg).toEqual([
      { org: 'acme', responses: 1, recipients: 2, responseRate: 0.5 },
      { org: 'globex', responses: 1, recipients: 1, responseRate: 1 },
    ]);
    expect(results.responseRate).toBeCloseTo(2 / 3);
    // The manager's one results card follows the answers in place.
    const card = await resultsCard();
    expect(card).toContain('acme: 1 of 2 (50%)');
    expect(card).toContain('globex: 1 of 1 (100%)');
    expect((await h.pushed('management')).filter((s) => s.message.card?.title === 'Results of SVY-1' && s.kind === 'post')).toHaveLength(1);
  });

  it('accepts answers only from the conversations it was sent to', async () => {
    await h.run('mia', 'management', '/survey send nps org:acme');
    expect((await h.pushed('support-globex')).some((s) => s.message.text.includes('SVY-1'))).toBe(false);
    // Another organisation's customer, a stranger, and an acme customer answering from elsewhere are refused.
    expect(await answer('gina', 'support-globex', 'SVY-1:0')).toContain('Survey SVY-1 was sent to someone else.');
    expect(await answer('stranger', 'random', 'SVY-1:0')).toMatch(/^⚠️ This channel is not linked to a customer organisation/);
    expect(await answer('alice', 'dm-alice', 'SVY-1:0')).toContain('Survey SVY-1 was sent to someone else.');
    expect((await h.services.surveys.results('SVY-1')).responses).toBe(0);
    expect(await answer('dave', 'support-acme', 'SVY-1:9')).toContain('Thank you');
    expect(await answer('dave', 'support-acme', 'SVY-1:9')).toContain('already answered');
    expect((await h.services.surveys.results('SVY-1')).responses).toBe(1);
  });

  it('goes to the people’s direct chats with `dm`, where they answer', async () => {
    await h.run('alice', 'dm-alice', '/survey');
    const sent = await h.run('mia', 'management', '/survey send csat dm org:acme');
    expect(sent.messages[0]!.text).toMatch(/sent to 1 conversation\(s\) of 1 organisation/);
    expect((await h.pushed('dm-alice')).some((s) => s.message.text.includes('SVY-1'))).toBe(true);
    expect((await h.pushed('support-acme')).some((s) => s.message.text.includes('SVY-1'))).toBe(false);
    expect(await answer('dave', 'support-acme', 'SVY-1:5')).toContain('was sent to someone else');
    expect(await answer('alice', 'dm-alice', 'SVY-1:5')).toContain('Thank you');
    expect((await h.services.surveys.results('SVY-1')).byOrg).toEqual([{ org: 'acme', responses: 1, recipients: 1, responseRate: 1 }]);
  });

  it('never shows the results card in a customer channel, even one subscribed to surveys', async () => {
    await h.run('root', 'support-acme', '/aftercare subscribe surveys');
    await h.run('mia', 'management', '/survey send nps');
    await answer('alice', 'support-acme', 'SVY-1:8');
    expect((await h.pushed('support-acme')).some((s) => s.message.card?.title === 'Results of SVY-1')).toBe(false);
    expect(await resultsCard()).toContain('globex');
  });

  it('refuses with a clear message when there is nobody to send to, and only managers send', async () => {
    expect((await h.run('mia', 'management', '/survey send nps org:initech')).messages[0]!.text).toContain('No customer organisation has a channel');
    expect((await h.run('mia', 'management', '/survey send nps here org:acme')).messages[0]!.text).toMatch(/⚠️/);
    expect((await h.run('alice', 'support-acme', '/survey send nps')).messages[0]!.text).toMatch(/manager/);
    expect(await h.services.surveys.latest(5)).toEqual([]);
  });
});
