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

  it('lists what a customer may run, with examples, and never shows staff or admin commands', async () => {
    const help = cardText(await h.run('alice', 'support-acme', '/aftercare help'));
    expect(help).toContain('`/issue <title> [sev:S1-S4] [system:<name>] [org:<name>]`');
    expect(help).toContain('`/issue show <ID>`');
    expect(help).toContain('`/issue comment <ID> <text>`');
    expect(help).toContain('Example: `/issue The invoice export times out sev:S2 system:billing`');
    expect(help).toContain('Example: `/issue comment SUP-12 It happens only on Mondays`');
    for (const hidden of ['/issue ack', '/issue note', '/issue wait', '/issue sev', '/survey send', '/escalate', '/alerts', '/digest', '/aftercare sla', '/aftercare role', '/aftercare org', '/aftercare subscribe', 'S1:<respond>']) {
      expect({ hidden, shown: help.includes(hidden) }).toEqual({ hidden, shown: false });
    }
    expect(help).toContain('More commands come with another role (ask an admin).');
  });

  it('shows an engineer the staff verbs with an example of each, but not the manager or admin grammar', async () => {
    const help = cardText(await h.run('bob', 'engineering', '/aftercare help'));
    expect(help).toContain('`/issue ack <ID>`');
    expect(help).toContain('`/issue note <ID> <text>`');
    expect(help).toContain('`/issue wait <ID> [question]`');
    expect(help).toContain('`/issue sev <ID> <S1-S4> [reason]`');
    expect(help).toContain('`/issue resolve <ID> [fixed-in:<version>] [cause:<category>] [note]`');
    expect(help).toContain('`/escalate <ID> [reason]`');
    expect(help).toContain('Example: `/issue resolve SUP-12');
    expect(help).toContain('Example: `/issue note SUP-12');
    expect(help).toContain('Example: `/issue wait SUP-12');
    expect(help).toContain('Example: `/issue sev SUP-12 S1');
    expect(help).not.toContain('/digest [week|month]');
    expect(help).not.toContain('/aftercare sla');
  });

  it('shows an admin the SLA contract grammar with its example', async () => {
    const help = cardText(await h.run('root', 'engineering', '/aftercare help'));
    expect(help).toContain('`/aftercare sla <org> [S1:<respond>/<resolve>] [S2:…] [S3:…] [S4:…] [hours:<Mon-Fri> <09:00-18:00>|off] [tz:<IANA zone>] [holidays:<YYYY-MM-DD,…>]`');
    expect(help).toContain('Example: `/aftercare sla acme S1:30m/4h hours:Mon-Fri 09:00-18:00 tz:Europe/Berlin holidays:2026-12-25`');
    expect(help).not.toContain('More commands come with another role');
  });

  it('tells a guest how to change the language and that the rest needs a role', async () => {
    const help = await h.run('stranger', 'random', '/aftercare');
    const text = cardText(help);
    expect(text).toContain('`/aftercare lang <en|zh> [channel]`');
    expect(text).not.toContain('`/issue');
    expect(examples(help)).toEqual(['Example: `/aftercare lang zh` switches your replies to Chinese']);
  });

  it('gives every reader the example of each verb they may run (at least one per command), in their language', async () => {
    // A stranger in a channel no organisation owns is a guest.
    const readers = { guest: ['stranger', 'random'], customer: ['alice', 'support-acme'], engineer: ['bob', 'engineering'], manager: ['mia', 'engineering'], admin: ['root', 'engineering'] } as const;
    for (const role of ROLES) {
      const [user, channel] = readers[role];
      const usable = vocabulary.filter((c) => verbsFor(c, role).length > 0);
      const expected = usable.flatMap((c) => verbsFor(c, role).filter((v) => v.example));
      const shown = examples(await h.run(user, channel, '/aftercare help'));
      expect({ role, examples: shown.length }).toEqual({ role, examples: expected.length });
      // Each command the reader may run has an example of its own.
      for (const c of usable) expect({ role, command: c.name, example: shown.some((e) => e.includes(`\`/${c.name}`)) }).toEqual({ role, command: c.name, example: true });
    }
    const zh = cardText(await h.run('mia', 'engineering', '/aftercare help', 'zh-CN'));
    expect(zh).toContain('**/digest** — 服务改进摘要');
    expect(zh).toContain('示例：`/digest month` 查看最近一个月（而非一周）的摘要');
  });
});
