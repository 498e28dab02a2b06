import { afterEach, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/core/ports.js';
import type { OutboundMessage } from '../../src/core/types.js';
import { createStandardHarness, type Harness } from '../helpers/harness.js';

const DAY = 86_400_000;
let h: Harness;
afterEach(async () => h?.close());

const shown = (m: OutboundMessage) => JSON.stringify([m.text, m.card ?? null]);
const replyText = (r: Reply | undefined) => (r ? [...r.messages, ...(r.replace ? [r.replace] : [])].map(shown).join('\n') : '');

describe('postmortems', () => {
  it('drafts from the timeline, edits through the form, publishes to the engineers and, when asked, the customer', async () => {
    h = await createStandardHarness();
    // A customer may only name one of their organisation's systems: the admin gives acme its shop.
    await h.run('root', 'support-acme', '/aftercare org acme systems:crm,erp,billing,shop');
    await h.run('alice', 'support-acme', '/issue Checkout down sev:S1 system:shop');
    h.advance(10 * 60_000);
    await h.run('bob', 'engineering', '/issue ack SUP-1');
    await h.run('bob', 'engineering', '/issue comment SUP-1 Rolling back');
    h.advance(2 * 3_600_000);
    await h.run('bob', 'engineering', '/issue resolve SUP-1 cause:config Rolled back');
    await h.run('bob', 'engineering', '/improve add Config validation in CI from:SUP-1 cause:config');
    const draft = replyText(await h.run('bob', 'engineering', '/postmortem SUP-1'));
    expect(draft).toContain('Postmortem SUP-1 · Checkout down');
    expect(draft).toContain('S1, 2h 10m, organisations: acme');
    expect(draft).toMatch(/reported: Checkout down[\s\S]*acknowledged[\s\S]*commented: Rolling back[\s\S]*resolved: Rolled back/);
    expect(draft).toContain('IMP-1');
    expect(draft).toContain('improve.new');
    expect(replyText(await h.run('alice', 'support-acme', '/postmortem SUP-1'))).toContain('engineer role');

    const form = await h.click('bob', 'engineering', 'postmortem.edit', 'SUP-1');
    expect(form.openForm!.card.blocks[0]).toMatchObject({ type: 'form', formId: 'postmortem.edit' });
    expect(replyText(await h.submit('bob', 'engineering', 'postmortem.edit', { id: 'SUP-1', cause: 'nonsense', summary: 'x' }))).toContain('not a root cause');
    const edited = replyText(await h.submit('bob', 'engineering', 'postmortem.edit', { id: 'SUP-1', cause: 'config', summary: 'A bad proxy config took checkout down.' }));
    expect(edited).toContain('A bad proxy config took checkout down.');

    await h.run('bob', 'engineering', '/postmortem publish SUP-1');
    expect((await h.pushed('engineering')).some((s) => shown(s.message).includes('Postmortem SUP-1'))).toBe(true);
    expect((await h.pushed('support-acme')).some((s) => shown(s.message).includes('Postmortem SUP-1'))).toBe(false);
    expect(replyText(await h.run('bob', 'engineering', '/postmortem publish SUP-1 customer'))).toContain('engineers and the customer');
    const customer = (await h.pushed('support-acme')).filter((s) => shown(s.message).includes('Postmortem SUP-1'));
    expect(customer).toHaveLength(1);
    expect(shown(customer[0]!.message)).not.toContain('postmortem.edit');
    expect((await h.pushed('support-globex')).some((s) => shown(s.message).includes('Checkout down'))).toBe(false);
    expect((await h.services.audit.latest(200)).filter((e) => e.target === 'SUP-1' && e.action.startsWith('postmortem.')).map((e) => e.action)).toEqual(
      expect.arrayContaining(['postmortem.drafted', 'postmortem.edited', 'postmortem.published']),
    );
  });

  it('drafts an alert\'s postmortem with the alert firing, acknowledged and resolved on its timeline', async () => {
    h = await createStandardHarness();
    const { alert } = await h.services.alerts.ingest({ source: 'generic', system: 'crm', title: 'CRM latency high', severity: 'critical', status: 'firing', dedupKey: 'crm-lat' });
    h.advance(5 * 60_000);
    await h.services.alerts.ack(alert.id, 'playground:bob');
    h.advance(20 * 60_000);
    await h.services.alerts.resolve(alert.id, 'playground:bob');
    const draft = replyText(await h.run('bob', 'engineering', `/postmortem ${alert.id}`));
    expect(draft).toContain(`Postmortem ${alert.id} · CRM latency high`);
    expect(draft).toContain('critical, 25m');
    expect(draft).toMatch(/alert CRM latency high fired[\s\S]*acknowledged[\s\S]*resolved/);
    expect(replyText(await h.run('bob', 'engineering', '/postmortem ALR-99'))).toContain('no alert ALR-99');
  });

  it('reminds the assignee of an S1 without a published postmortem once a day after five working days', async () => {
    h = await createStandardHarness();
    h.advance(Date.parse('2026-09-04T09:00:00Z') - h.now()); // a Friday
    await h.run('bob', 'dm-bob', '/aftercare help');
    await h.run('alice', 'support-acme', '/issue Payments down sev:S1');
    await h.run('bob', 'engineering', '/issue ack SUP-1');
    await h.run('bob', 'engineering', '/issue resolve SUP-1 cause:infra');
    const remind = async () => {
      await h.services.postmortems.remindMissing();
      return (await h.pushed('dm-bob')).filter((s) => s.message.text.includes('SUP-1 (S1) was resolved'));
    };
    h.advance(6 * DAY); // Thursday: four working days have passed
    expect(await remind()).toHaveLength(0);
    h.advance(DAY); // Friday: five
    expect(await remind()).toHaveLength(1);
    h.advance(3 * 3_600_000);
    expect(await remind()).toHaveLength(1);
    h.advance(DAY);
    expect(await remind()).toHaveLength(2);
    await h.run('bob', 'engineering', '/postmortem SUP-1');
    await h.run('bob', 'engineering', '/postmortem publish SUP-1');
    h.advance(DAY);
    expect(await remind()).toHaveLength(2);
  });
});

describe('access review', () => {
  it('sends every admin the role holders with Keep / Revoke; answers are audited and a revocation holds at once', async () => {
    h = await createStandardHarness();
    await h.grant('ada', 'admin');
    await h.run('root', 'dm-root', '/aftercare help');
    await h.run('ada', 'dm-ada', '/aftercare help');
    await h.run('root', 'engineering', '/aftercare grant <@playground:bob> security');
    expect(await h.services.accessReview.run('2026-10-01T01:00:00.000Z')).toBe(2);
    expect(await h.services.accessReview.run('2026-10-01T01:00:00.000Z')).toBe(2);
    const cards = [...(await h.pushed('dm-root')), ...(await h.pushed('dm-ada'))].filter((s) => s.message.text === 'Access review');
    expect(cards).toHaveLength(2);
    const card = shown(cards[0]!.message);
    for (const who of ['bob', 'mia', 'ada']) expect(card).toContain(`"value":"playground:${who}"`);
    expect(card).not.toContain('"value":"playground:root"');
    expect(replyText(await h.click('ada', 'dm-ada', 'aftercare.keep', 'playground:mia'))).toContain('mia keeps the manager role');
    expect(replyText(await h.click('bob', 'engineering', 'aftercare.revoke', 'playground:mia'))).toContain('admin role');
    expect(replyText(await h.click('root', 'dm-root', 'aftercare.revoke', 'playground:bob'))).toContain('bob no longer has the engineer role');
    // At once: bob's next command is a guest's in the engineers' channel.
    expect(replyText(await h.run('bob', 'engineering', '/issue ack SUP-1'))).toContain('not linked to a customer organisation');
    expect(await h.services.security.isGranted('playground:bob')).toBe(false);
    const audit = await h.services.audit.latest(200);
    expect(audit.find((e) => e.action === 'access.keep')).toMatchObject({ actor: 'playground:ada', target: 'playground:mia' });
    expect(audit.find((e) => e.action === 'access.revoke')).toMatchObject({ actor: 'playground:root', target: 'playground:bob', before: 'engineer' });
    await h.run('root', 'dm-root', '/aftercare lang zh');
    await h.services.accessReview.run('2027-01-01T01:00:00.000Z');
    expect((await h.pushed('dm-root')).some((s) => s.message.text === '权限复核' && shown(s.message).includes('保留') && shown(s.message).includes('撤销'))).toBe(true);
  });
});
