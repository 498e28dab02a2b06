import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStandardHarness, type Harness } from '../helpers/harness.js';

describe('admin, FAQ and release-notes commands', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createStandardHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('shows an admin help with every command, and anyone help in their language', async () => {
    const en = await h.run('root', 'engineering', '/aftercare help');
    for (const c of ['/issue', '/escalate', '/release-notes', '/backup-status', '/survey', '/digest', '/faq', '/aftercare sla']) {
      expect(JSON.stringify(en.messages[0]!.card)).toContain(c);
    }
    const zh = await h.run('stranger', 'random', '/aftercare', 'zh-CN');
    expect(zh.messages[0]!.text).toContain('可用命令');
  });

  it('grants roles that take effect at once and are audited', async () => {
    expect((await h.run('carl', 'engineering', '/digest')).messages[0]!.text).toMatch(/not linked/);
    // A moment after the set-up's entries: the audit log lists the newest first, by time.
    h.advance(1000);
    await h.run('root', 'engineering', '/aftercare role <@playground:carl> manager');
    expect((await h.run('carl', 'engineering', '/digest')).messages[0]!.card?.title).toBe('Weekly improvement digest');
    const audit = await h.run('root', 'engineering', '/aftercare audit 5');
    expect(JSON.stringify(audit.messages[0]!.card)).toContain('role.set');
  });

  it('binds a channel to an organisation so its members become customers of it', async () => {
    expect((await h.run('ivan', 'support-initech', '/issue Help')).messages[0]!.text).toMatch(/not linked/);
    await h.run('root', 'support-initech', '/aftercare org initech systems:billing');
    const r = await h.run('ivan', 'support-initech', '/issue Help');
    expect(r.messages[0]!.text).toContain('SUP-1');
    expect((await h.services.tickets.get('SUP-1')).org).toBe('initech');
    expect(await h.services.directory.orgSystems('initech')).toContain('billing');
  });

  it('subscribes and unsubscribes a channel, filtering by system', async () => {
    await h.run('root', 'crm-team', '/aftercare subscribe tickets system:crm');
    await h.run('alice', 'support-acme', '/issue ERP broken system:erp');
    await h.run('alice', 'support-acme', '/issue CRM broken system:crm');
    const crm = await h.pushed('crm-team');
    expect(crm.map((s) => s.message.card?.title)).toEqual(['SUP-2 · CRM broken']);
    expect((await h.run('root', 'crm-team', '/aftercare unsubscribe tickets')).messages[0]!.text).toContain('no longer');
    await h.run('alice', 'support-acme', '/issue CRM again system:crm');
    expect(await h.pushed('crm-team')).toHaveLength(1);
  });

  it('sets a channel language for pushes', async () => {
    await h.run('root', 'engineering', '/aftercare lang zh channel');
    await h.run('alice', 'support-acme', '/issue Slow search');
    const [pushed] = await h.pushed('engineering');
    expect(JSON.stringify(pushed!.message.card)).toContain('严重级别');
  });

  it('searches the FAQ in English and Chinese', async () => {
    await h.run('bob', 'engineering', '/faq add How do I reset my password? | Use the "Forgot password" link on the sign-in page.');
    await h.run('bob', 'engineering', '/faq add 如何导出报表？ | 在报表页面点击右上角的导出按钮。');
    expect(JSON.stringify((await h.run('alice', 'support-acme', '/faq reset password')).messages[0]!.card)).toContain('Forgot password');
    expect(JSON.stringify((await h.run('alice', 'support-acme', '/faq 导出报表')).messages[0]!.card)).toContain('导出按钮');
    expect((await h.run('alice', 'support-acme', '/faq quantum entanglement')).messages[0]!.text).toContain('No FAQ entry');
  });

  it('lists releases and shows the latest with the tickets it fixed', async () => {
    await h.run('alice', 'support-acme', '/issue Broken export');
    await h.run('bob', 'engineering', '/issue resolve SUP-1 fixed-in:2.1.0');
    await h.run('bob', 'engineering', '/release-notes publish 2.1.0 Faster exports');
    await h.run('bob', 'engineering', '/release-notes publish 2.2.0 Dark mode');
    expect(JSON.stringify((await h.run('alice', 'support-acme', '/release-notes list')).messages[0]!.card)).toMatch(/2\.2\.0[\s\S]*2\.1\.0/);
    expect((await h.run('alice', 'support-acme', '/release-notes')).messages[0]!.card?.title).toBe('Release 2.2.0');
    expect(JSON.stringify((await h.run('alice', 'support-acme', '/release-notes 2.1.0')).messages[0]!.card)).toContain('SUP-1 Broken export');
  });

  it('reopens a resolved ticket and puts it back in the open index', async () => {
    await h.run('alice', 'support-acme', '/issue Flaky login');
    await h.run('bob', 'engineering', '/issue resolve SUP-1');
    expect((await h.services.tickets.list({ status: 'open' })).total).toBe(0);
    await h.run('bob', 'engineering', '/issue reopen SUP-1 Still happening');
    expect((await h.services.tickets.list({ status: 'open' })).total).toBe(1);
    expect((await h.pushed('support-acme')).some((s) => s.message.text.includes('reopened. Reason: Still happening'))).toBe(true);
    await h.run('bob', 'engineering', '/issue assign SUP-1 me');
    expect((await h.services.tickets.get('SUP-1')).assignee).toBe('playground:bob');
  });
});

describe('backup reports', () => {
  it('keep every type when reports for one system arrive at once', async () => {
    const h = await createStandardHarness();
    try {
      const at = (m: number) => new Date(Date.parse('2026-11-24T09:00:00Z') + m * 60_000).toISOString();
      await Promise.all(
        (['full', 'incremental', 'differential'] as const).map((type, i) =>
          h.services.backups.report('system:test', { system: 'crm', type, status: 'success', startedAt: at(i), finishedAt: at(i + 1), bytes: 100 * (i + 1) }),
        ),
      );
      const [crm] = await h.services.backups.status(['crm']);
      expect(Object.keys(crm!.last).sort()).toEqual(['differential', 'full', 'incremental']);
    } finally {
      await h.close();
    }
  });
});
