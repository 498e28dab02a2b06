import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStandardHarness, type Harness } from '../helpers/harness.js';

/**
 * Every command: success, permission denied, and bad input. Each refusal is a clear localized
 * message and leaves the store unchanged (the audit log, which records every change, stays the same).
 */
describe('every command refuses what it must, in both languages, and changes nothing', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createStandardHarness();
    await h.run('alice', 'support-acme', '/issue Existing problem sev:S2 system:crm');
    await h.run('gina', 'support-globex', '/issue Globex secret problem');
    await h.grant('zed', 'customer');
  });
  afterAll(async () => {
    await h.close();
  });

  const auditSize = async () => (await h.services.audit.latest(50)).length + (await h.store.counter('seq:audit'));

  const refusals: Array<[string, string, string, RegExp, RegExp]> = [
    // [user, channel, command, English error, Chinese error]
    ['alice', 'support-acme', '/issue ack SUP-1', /engineer role/, /engineer 角色/],
    ['alice', 'support-acme', '/issue resolve SUP-1', /engineer role/, /engineer 角色/],
    ['alice', 'support-acme', '/issue assign SUP-1 me', /engineer role/, /engineer 角色/],
    ['alice', 'support-acme', '/issue reopen SUP-1', /engineer role/, /engineer 角色/],
    ['alice', 'support-acme', '/escalate SUP-1', /engineer role/, /engineer 角色/],
    ['alice', 'support-acme', '/release-notes publish 9.9.9', /engineer role/, /engineer 角色/],
    ['alice', 'support-acme', '/survey send nps', /manager role/, /manager 角色/],
    ['alice', 'support-acme', '/survey results', /manager role/, /manager 角色/],
    ['alice', 'support-acme', '/digest', /manager role/, /manager 角色/],
    ['alice', 'support-acme', '/faq add Q | A', /engineer role/, /engineer 角色/],
    ['bob', 'engineering', '/aftercare role <@playground:alice> admin', /admin role/, /admin 角色/],
    ['bob', 'engineering', '/aftercare subscribe alerts', /admin role/, /admin 角色/],
    ['bob', 'engineering', '/aftercare org evil', /admin role/, /admin 角色/],
    ['stranger', 'random', '/issue Something', /not linked to a customer organisation/, /尚未关联客户组织/],
    ['alice', 'support-acme', '/issue show SUP-2', /no ticket SUP-2 you can see/, /没有您可查看的工单 SUP-2/],
    ['alice', 'support-acme', '/issue comment SUP-2 hello', /no ticket SUP-2/, /工单 SUP-2/],
    ['alice', 'support-acme', '/issue show SUP-999', /no ticket SUP-999/, /SUP-999/],
    ['bob', 'engineering', '/issue ack SUP-999', /no ticket SUP-999/, /SUP-999/],
    ['bob', 'engineering', '/issue ack banana', /not a valid ID/, /编号无效/],
    ['bob', 'engineering', '/issue resolve', /give a ticket ID/, /请提供工单编号/],
    ['alice', 'support-acme', '/issue Broken sev:S9', /S1, S2, S3, S4/, /S1、S2、S3、S4/],
    ['alice', 'support-acme', `/issue ${'x'.repeat(201)}`, /under 200 characters/, /少于 200/],
    ['alice', 'support-acme', `/issue comment SUP-1 ${'y'.repeat(2001)}`, /under 2,000 characters/, /少于 2000/],
    ['alice', 'support-acme', '/issue list everything', /list open/, /list open/],
    ['bob', 'engineering', '/escalate ALR-77', /no alert ALR-77/, /没有告警 ALR-77/],
    ['bob', 'engineering', '/issue resolve SUP-1 fixed-in:bad/version', /A version is/, /版本号/],
    ['bob', 'engineering', '/release-notes 0.0.1', /no release notes for version 0.0.1/, /0.0.1/],
    ['alice', 'support-acme', '/survey extra words', /no extra words/, /额外的词/],
    ['mia', 'management', '/survey send nope', /no survey template "nope"/, /"nope"/],
    ['mia', 'management', '/survey results SVY-42', /no survey SVY-42/, /没有调查 SVY-42/],
    ['mia', 'management', '/digest year', /digest week/, /digest week/],
    ['alice', 'support-acme', '/faq', /add some text/, /补充文字/],
    ['bob', 'engineering', '/faq add no separator', /faq add <question> \| <answer>/, /faq add/],
    ['root', 'engineering', '/aftercare subscribe weather', /topic must be one of/, /主题必须是/],
    ['root', 'engineering', '/aftercare role alice superuser', /Mention a user/, /请 @/],
    ['root', 'engineering', '/aftercare role <@playground:alice> superuser', /customer, engineer, manager or admin/, /customer、engineer/],
    ['alice', 'support-acme', '/aftercare lang klingon', /lang en/, /lang en/],
    // System names may be in any script, with spaces or slashes (src/core/systems.ts); 65 characters is one too many.
    ['alice', 'support-acme', `/backup-status ${'x'.repeat(65)}`, /system name is/, /系统名称/],
    ['root', 'engineering', '/aftercare subscribe alerts system:"bad\u0007name"', /system name is/, /系统名称/],
    ['alice', 'support-acme', '/nonsense', /Unknown command/, /未知命令/],
  ];

  it.each(refusals)('%s in %s: "%s" is refused with a clear message', async (user, channel, line, en, zh) => {
    const before = await auditSize();
    const ticketsBefore = await h.store.counter('seq:SUP');
    const reply = await h.run(user, channel, line, 'en');
    expect(reply.messages).toHaveLength(1);
    expect(reply.messages[0]!.text).toMatch(en);
    expect(reply.messages[0]!.visibility).toBe('ephemeral');
    const zhReply = await h.run(user, channel, line, 'zh-CN');
    expect(zhReply.messages[0]!.text).toMatch(zh);
    expect(await auditSize()).toBe(before);
    expect(await h.store.counter('seq:SUP')).toBe(ticketsBefore);
  });

  it('refuses a survey answer from someone the CSAT was not sent to, and an out-of-range score', async () => {
    await h.run('bob', 'engineering', '/issue resolve SUP-1 fixed-in:2.0.0 cause:config');
    const svy = (await h.services.surveys.pendingFor('playground:alice'))[0]!;
    // A click carries no locale: alice's last one seen counts (the rows above left it Chinese).
    await h.run('alice', 'support-acme', '/aftercare help', 'en');
    const before = await auditSize();
    expect((await h.click('zed', 'support-acme', 'survey.answer', `${svy.id}:5`)).messages[0]!.text).toMatch(/sent to someone else/);
    expect((await h.click('alice', 'support-acme', 'survey.answer', `${svy.id}:9`)).messages[0]!.text).toMatch(/from 1 to 5/);
    expect(await auditSize()).toBe(before);
  });

  it('answers an unexpected failure with a correlation id that is also logged', async () => {
    const original = h.services.faq.search;
    h.services.faq.search = async () => {
      throw new Error('disk on fire');
    };
    try {
      const reply = await h.run('alice', 'support-acme', '/faq password', 'en');
      const id = /reference (\w+)/.exec(reply.messages[0]!.text)?.[1];
      expect(id).toBeDefined();
      expect(h.log.lines.some((l) => l.level === 'error' && l.correlationId === id && JSON.stringify(l).includes('disk on fire'))).toBe(true);
    } finally {
      h.services.faq.search = original;
    }
  });

  it('handles a redelivered event once', async () => {
    const event = {
      id: 'same-delivery',
      kind: 'command' as const,
      command: 'issue',
      text: 'Duplicate delivery test',
      actor: { platform: 'playground' as const, id: 'alice' },
      conversation: h.conv('support-acme'),
      receivedAt: h.now(),
    };
    const before = await h.store.counter('seq:SUP');
    const [a, b] = await Promise.all([h.handle(event), h.handle(event)]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect(await h.store.counter('seq:SUP')).toBe(before + 1);
  });
});
