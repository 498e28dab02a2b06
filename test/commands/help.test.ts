import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { vocabulary, verbsFor } from '../../src/core/catalogue.js';
import { ROLES } from '../../src/core/registry.js';
import type { Reply } from '../../src/core/ports.js';
import { createStandardHarness, type Harness } from '../helpers/harness.js';

const cardText = (r: Reply) => (r.messages[0]!.card?.blocks ?? []).map((b) => ('text' in b ? b.text : '')).join('\n');
const examples = (r: Reply) => cardText(r).split('\n').filter((l) => /^(Example|示例)/.test(l));

describe('help', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createStandardHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('lists what a customer may run, with one example per command, and names the commands that need another role', async () => {
    const help = cardText(await h.run('alice', 'support-acme', '/aftercare help'));
    expect(help).toContain('`/issue <title> [sev:S1-S4] [system:<name>] [org:<name>]`');
    expect(help).toContain('`/issue show <ID>`');
    expect(help).toContain('`/issue comment <ID> <text>`');
    expect(help).not.toContain('/issue ack');
    expect(help).not.toContain('/survey send');
    expect(help).toContain('Example: `/issue The invoice export times out sev:S2 system:billing`');
    expect(help).toMatch(/More commands come with another role.*\/escalate, \/alerts, \/digest/);
  });

  it('shows an engineer the verbs only staff may run and an example of one of them', async () => {
    const help = cardText(await h.run('bob', 'engineering', '/aftercare help'));
    expect(help).toContain('`/issue ack <ID>`');
    expect(help).toContain('`/issue resolve <ID> [fixed-in:<version>] [cause:<category>] [note]`');
    expect(help).toContain('`/escalate <ID> [reason]`');
    expect(help).toContain('Example: `/issue resolve SUP-12');
    expect(help).not.toContain('/digest [week|month]');
  });

  it('tells a guest how to change the language and that the rest needs a role', async () => {
    const help = await h.run('stranger', 'random', '/aftercare');
    const text = cardText(help);
    expect(text).toContain('`/aftercare lang <en|zh> [channel]`');
    expect(text).not.toContain('`/issue');
    expect(examples(help)).toEqual(['Example: `/aftercare lang zh` switches your replies to Chinese']);
  });

  it('gives every reader one example for each command they may run, in their language', async () => {
    // A stranger in a channel no organisation owns is a guest.
    const readers = { guest: ['stranger', 'random'], customer: ['alice', 'support-acme'], engineer: ['bob', 'engineering'], manager: ['mia', 'engineering'], admin: ['root', 'engineering'] } as const;
    for (const role of ROLES) {
      const [user, channel] = readers[role];
      const usable = vocabulary.filter((c) => verbsFor(c, role).length > 0);
      expect({ role, examples: examples(await h.run(user, channel, '/aftercare help')).length }).toEqual({ role, examples: usable.length });
    }
    const zh = cardText(await h.run('mia', 'engineering', '/aftercare help', 'zh-CN'));
    expect(zh).toContain('**/digest** — 服务改进摘要');
    expect(zh).toContain('示例：`/digest month` 查看最近一个月（而非一周）的摘要');
  });
});
