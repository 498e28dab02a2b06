import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStandardHarness, type Harness } from '../helpers/harness.js';

describe('the report → ack → resolve → CSAT → release → digest loop', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createStandardHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('files a ticket, pushes it to engineers, and carries it through to the digest', async () => {
    const filed = await h.run('alice', 'support-acme', '/issue Login page returns 500 sev:S2 system:crm');
    expect(filed.messages[0]!.text).toContain('SUP-1');
    expect(filed.messages[0]!.card).toBeUndefined();
    // The reporter's conversation gets the ticket's live card through the outbox, built for a customer: no buttons.
    const mine = (await h.pushed('support-acme')).filter((s) => s.message.card?.title === 'SUP-1 · Login page returns 500');
    expect(mine).toHaveLength(1);
    expect(mine[0]!.message.card!.blocks.some((b) => b.type === 'actions')).toBe(false);

    const eng = await h.pushed('engineering');
    expect(eng).toHaveLength(1);
    const ackButton = eng[0]!.message.card!.blocks.flatMap((b) => (b.type === 'actions' ? b.buttons : [])).find((b) => b.actionId === 'issue.ack');
    expect(ackButton?.value).toBe('SUP-1');

    h.advance(10 * 60_000);
    const acked = await h.click('bob', 'engineering', 'issue.ack', 'SUP-1');
    expect(acked.replace?.text).toContain('Acknowledged');
    const engAfter = await h.pushed('engineering');
    expect(engAfter.at(-1)).toMatchObject({ kind: 'update', messageId: eng[0]!.messageId });
    expect((await h.pushed('support-acme')).some((s) => s.message.text.includes('acknowledged by bob'))).toBe(true);

    h.advance(50 * 60_000);
    await h.run('bob', 'engineering', '/issue resolve SUP-1 fixed-in:1.4.2 cause:config Rolled back the proxy config');
    const toReporter = await h.pushed('support-acme');
    expect(toReporter.some((s) => s.message.text.includes('SUP-1') && s.message.text.includes('resolved'))).toBe(true);
    const survey = toReporter.find((s) => s.message.card?.blocks.some((b) => b.type === 'actions' && b.buttons.some((x) => x.actionId === 'survey.answer')));
    expect(survey).toBeDefined();
    const five = survey!.message.card!.blocks.flatMap((b) => (b.type === 'actions' ? b.buttons : [])).find((b) => b.label === '5')!;

    const thanks = await h.click('alice', 'support-acme', 'survey.answer', five.value);
    expect(thanks.replace?.text).toContain('Thank you');
    const again = await h.click('alice', 'support-acme', 'survey.answer', five.value);
    expect(again.messages[0]!.text).toContain('already answered');

    const published = await h.run('bob', 'engineering', '/release-notes publish 1.4.2');
    expect(published.messages[0]!.text).toContain('1.4.2');
    const afterRelease = await h.pushed('support-acme');
    expect(afterRelease.some((s) => s.message.text.includes('released in version 1.4.2'))).toBe(true);
    expect(afterRelease.some((s) => s.message.card?.title === 'Release 1.4.2' && JSON.stringify(s.message.card).includes('SUP-1 Login page returns 500'))).toBe(true);

    const digest = await h.run('mia', 'management', '/digest');
    const d = JSON.stringify(digest.messages[0]!.card);
    expect(digest.messages[0]!.text).toContain('1 opened, 1 resolved');
    expect(d).toContain('MTTA p50 / p90');
    expect(d).toMatch(/MTTA p50 \/ p90","value":"1\dm /);
    expect(d).toContain('5.00');
    expect(d).toContain('1.4.2: SUP-1');
    expect(d).toContain('config 1');
  });

  it('answers in Simplified Chinese when the user sets zh', async () => {
    await h.run('alice', 'support-acme', '/aftercare lang zh');
    const r = await h.run('alice', 'support-acme', '/issue 登录页面报错 sev:S2');
    expect(r.messages[0]!.text).toContain('已创建工单 SUP-1');
  });

  it('uses the platform locale when no setting exists', async () => {
    const r = await h.run('carol', 'support-acme', '/issue show SUP-99', 'zh-CN');
    expect(r.messages[0]!.text).toContain('没有您可查看的工单 SUP-99');
  });

  it('asks before escalating and then raises severity, re-notifies and pages the escalation channel', async () => {
    await h.run('alice', 'support-acme', '/issue Reports are slow sev:S3');
    const ask = await h.run('bob', 'engineering', '/escalate SUP-1 customer waiting');
    const confirm = ask.messages[0]!.card!.blocks.flatMap((b) => (b.type === 'actions' ? b.buttons : [])).find((b) => b.actionId === 'core.confirm')!;
    expect((await h.services.tickets.get('SUP-1')).severity).toBe('S3');
    const done = await h.click('bob', 'engineering', 'core.confirm', confirm.value);
    expect(done.messages[0]!.text).toContain('S2');
    expect((await h.services.tickets.get('SUP-1')).severity).toBe('S2');
    expect((await h.pushed('escalations')).some((s) => s.message.text.includes('SUP-1') && s.message.text.includes('customer waiting'))).toBe(true);
    const twice = await h.click('bob', 'engineering', 'core.confirm', confirm.value);
    expect(twice.messages[0]!.text).toMatch(/expired|already/);
    expect((await h.services.tickets.get('SUP-1')).severity).toBe('S2');
  });

  it('escalates automatically when nobody acknowledges within the response target', async () => {
    await h.run('alice', 'support-acme', '/issue Everything is down sev:S1');
    h.advance(16 * 60_000);
    expect(await h.services.timers.poll(h.services.onTimer)).toBe(1);
    expect((await h.pushed('engineering')).some((s) => s.message.text.includes('not been acknowledged'))).toBe(true);
    h.advance(8 * 60_000);
    expect(await h.services.timers.poll(h.services.onTimer)).toBe(1);
    expect((await h.pushed('escalations')).some((s) => s.message.text.includes('SUP-1'))).toBe(true);
    expect((await h.services.tickets.get('SUP-1')).timeline.some((e) => e.kind === 'auto-escalated')).toBe(true);
  });

  it('offers matching FAQ entries before filing and files only when asked', async () => {
    await h.run('bob', 'engineering', '/faq add Password reset email never arrives | Check the spam folder; the sender is noreply@example.com');
    const offer = await h.run('alice', 'support-acme', '/issue Password reset email does not arrive');
    expect(offer.messages[0]!.card!.blocks[0]).toMatchObject({ type: 'text' });
    expect(JSON.stringify(offer.messages[0]!.card)).toContain('spam folder');
    expect(await h.services.tickets.find('SUP-1')).toBeUndefined();
    const token = offer.messages[0]!.card!.blocks.flatMap((b) => (b.type === 'actions' ? b.buttons : [])).find((b) => b.actionId === 'issue.file')!.value;
    const filed = await h.click('alice', 'support-acme', 'issue.file', token);
    expect(filed.messages[0]!.text).toContain('SUP-1');
  });

  it('opens a form for /issue alone and files from the submitted form', async () => {
    const r = await h.run('alice', 'support-acme', '/issue');
    expect(r.openForm?.card.blocks[0]).toMatchObject({ type: 'form', formId: 'issue.create' });
    const filed = await h.submit('alice', 'support-acme', 'issue.create', { title: 'Export fails', description: 'CSV export times out', severity: 'S2', system: 'crm' });
    expect(filed.messages[0]!.text).toContain('SUP-1');
    expect((await h.services.tickets.get('SUP-1')).description).toBe('CSV export times out');
  });

  it('carries comments from either side to the other', async () => {
    await h.run('alice', 'support-acme', '/issue Invoice totals wrong');
    await h.run('alice', 'support-acme', '/issue comment SUP-1 It happens on every invoice since Monday');
    expect((await h.pushed('engineering')).some((s) => s.message.text.includes('since Monday'))).toBe(true);
    await h.run('bob', 'engineering', '/issue comment SUP-1 Can you send an invoice number?');
    expect((await h.pushed('support-acme')).some((s) => s.message.text.includes('invoice number'))).toBe(true);
  });

  it('lists tickets per scope and shows a timeline', async () => {
    await h.run('alice', 'support-acme', '/issue First');
    await h.run('gina', 'support-globex', '/issue Globex problem');
    const mine = await h.run('alice', 'support-acme', '/issue list mine');
    expect(mine.messages[0]!.card!.blocks[0]).toMatchObject({ type: 'text' });
    expect(JSON.stringify(mine.messages[0]!.card)).toContain('SUP-1');
    const acmeAll = await h.run('alice', 'support-acme', '/issue list all');
    expect(JSON.stringify(acmeAll.messages[0]!.card)).not.toContain('Globex problem');
    const staffAll = await h.run('bob', 'engineering', '/issue list all');
    expect(JSON.stringify(staffAll.messages[0]!.card)).toContain('Globex problem');
    // The conversation shows SUP-1's live card already: `show` points to it instead of adding a second card.
    const cards = async (channel: string) => (await h.pushed(channel)).filter((s) => s.message.card?.title?.startsWith('SUP-1 ·'));
    const before = await cards('support-acme');
    const show = await h.run('alice', 'support-acme', '/issue show sup-1');
    expect(show.messages[0]!.text).toContain('SUP-1');
    expect(show.messages[0]!.card).toBeUndefined();
    expect(JSON.stringify(before[0]!.message.card)).toContain('reported');
    expect(new Set((await cards('support-acme')).map((s) => s.messageId))).toEqual(new Set([before[0]!.messageId]));
    // The engineers' live card keeps its buttons, and `show` there adds no second card either.
    await h.run('bob', 'engineering', '/issue show sup-2');
    const shownToStaff = (await h.pushed('engineering')).filter((s) => s.message.card?.title?.startsWith('SUP-2 ·'));
    expect(new Set(shownToStaff.map((s) => s.messageId)).size).toBe(1);
    expect(shownToStaff.at(-1)!.message.card!.blocks.some((b) => b.type === 'actions')).toBe(true);
  });

  it('sends survey campaigns and reports results with response rate', async () => {
    await h.run('root', 'management', '/aftercare subscribe surveys');
    const sent = await h.run('mia', 'management', '/survey send nps');
    expect(sent.messages[0]!.text).toContain('SVY-1');
    const card = (await h.pushed('support-acme')).find((s) => s.message.text.includes('SVY-1'))!;
    expect(card.message.card!.blocks.flatMap((b) => (b.type === 'actions' ? b.buttons : []))).toHaveLength(11);
    await h.click('alice', 'support-acme', 'survey.answer', 'SVY-1:10');
    await h.click('dave', 'support-acme', 'survey.answer', 'SVY-1:3');
    const results = await h.run('mia', 'management', '/survey results SVY-1');
    const json = JSON.stringify(results.messages[0]!.card);
    expect(json).toContain('"Responses","value":"2"');
    expect(json).toContain('"NPS","value":"0"');
  });

  it('reports backup status per system, failed ones first, and hides other organisations\' systems', async () => {
    const t = (h: number) => new Date(Date.parse('2026-11-24T10:00:00Z') - h * 3600_000).toISOString();
    await h.services.backups.report('system:test', { system: 'crm', type: 'full', status: 'success', startedAt: t(3), finishedAt: t(2), bytes: 5 * 1024 ** 3 });
    await h.services.backups.report('system:test', { system: 'hr', type: 'incremental', status: 'failed', startedAt: t(1), finishedAt: t(1) });
    await h.run('alice', 'support-acme', '/issue CRM slow system:crm');
    const staff = await h.run('bob', 'engineering', '/backup-status');
    const text = JSON.stringify(staff.messages[0]!.card);
    expect(text.indexOf('**hr**')).toBeLessThan(text.indexOf('crm'));
    expect(text).toContain('5.0 GB');
    const customer = await h.run('alice', 'support-acme', '/backup-status');
    expect(JSON.stringify(customer.messages[0]!.card)).not.toContain('**hr**');
    const other = await h.run('alice', 'support-acme', '/backup-status hr');
    expect(other.messages[0]!.text).toContain('No backups are known');
  });
});
