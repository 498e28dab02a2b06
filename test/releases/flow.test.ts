import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { forDelivery } from '../../src/core/effects.js';
import { keys } from '../../src/core/keys.js';
import { createStandardHarness, type Harness } from '../helpers/harness.js';

/** Release validation, documents and training through the real dispatcher, store and outbox (fixed clock). */
let h: Harness;
const texts = async (channel: string) => (await h.pushed(channel)).map((s) => JSON.stringify(s.message));
const buttonValues = (json: string, actionId: string) => [...json.matchAll(new RegExp(`"actionId":"${actionId.replace('.', '\\.')}","label":"[^"]*","value":"([^"]+)"`, 'g'))].map((m) => m[1]);

beforeEach(async () => {
  h = await createStandardHarness();
  // Both organisations run crm: only then may their customers file about it (isolation, issue 16).
  await h.run('root', 'support-globex', '/aftercare org globex systems:hr,crm');
  await h.run('root', 'support-acme', '/aftercare approver <@playground:dana>');
  await h.run('root', 'support-globex', '/aftercare approver <@playground:gus>');
  await h.run('alice', 'support-acme', '/issue Prices wrong sev:S2 system:crm');
  await h.run('gail', 'support-globex', '/issue Quotes fail sev:S3 system:crm');
  // S1/S2 need a cause to resolve (issue 18).
  await h.run('bob', 'engineering', '/issue resolve SUP-1 fixed-in:2.0.0 cause:code');
  await h.run('bob', 'engineering', '/issue resolve SUP-2 fixed-in:2.0.0');
});
afterEach(async () => h.close());

describe('release validation', () => {
  it('refuses to publish until suites pass and every affected organisation approved, then announces with the UAT result', async () => {
    const planned = await h.run('bob', 'engineering', '/release plan 2.0.0 system:crm New pricing');
    expect(planned.messages[0]!.text).toContain('acme, globex');
    const acmeCard = (await texts('support-acme')).find((m) => m.includes('release.approve'))!;
    expect(acmeCard).toContain('2.0.0|acme');
    expect((await texts('support-globex')).some((m) => m.includes('2.0.0|acme'))).toBe(false);

    await h.services.validation.reportTests('system:ci', '2.0.0', [{ suite: 'unit', passed: 9, failed: 1, skipped: 0, failures: ['roundsToCents'] }]);
    let refused = await h.run('bob', 'engineering', '/release-notes publish 2.0.0');
    expect(refused.messages[0]!.text).toMatch(/suite unit failed \(1 of 10\)/);
    expect(refused.messages[0]!.text).toContain('acme has not approved');
    await h.services.validation.reportTests('system:ci', '2.0.0', [{ suite: 'unit', passed: 10, failed: 0, skipped: 0, failures: [] }]);

    // Only acme's approver may answer acme's card.
    expect((await h.click('alice', 'support-acme', 'release.approve', '2.0.0|acme')).messages[0]!.text).toContain('Only an approver of acme');
    expect((await h.click('gus', 'support-globex', 'release.approve', '2.0.0|acme')).messages[0]!.text).toContain('Only an approver of acme');
    const approved = await h.click('dana', 'support-acme', 'release.approve', '2.0.0|acme');
    expect(approved.replace?.card?.blocks.some((b) => b.type === 'actions')).toBe(false);
    refused = await h.run('bob', 'engineering', '/release-notes publish 2.0.0');
    expect(refused.messages[0]!.text).toContain('globex has not approved');
    expect(refused.messages[0]!.text).not.toContain('acme has not');

    // A rejection needs a reason, from the form.
    const form = await h.click('gus', 'support-globex', 'release.reject', '2.0.0|globex');
    expect(form.openForm?.card.blocks[0]).toMatchObject({ type: 'form', formId: 'release.reject' });
    await h.submit('gus', 'support-globex', 'release.reject', { target: '2.0.0|globex', reason: 'Quotes still round down' });
    expect((await h.run('bob', 'engineering', '/release-notes publish 2.0.0')).messages[0]!.text).toContain('globex rejected it — Quotes still round down');
    await h.click('gus', 'support-globex', 'release.approve', '2.0.0|globex');

    const published = await h.run('bob', 'engineering', '/release-notes publish 2.0.0');
    expect(published.messages[0]!.text).toContain('Release 2.0.0 published');
    const card = JSON.stringify(published.messages[0]!.card);
    expect(card).toContain('acme: accepted by dana');
    expect(card).toContain('globex: accepted by gus');
    expect(card).toContain('unit: 10 passed');
    // Both reporters are told.
    expect((await texts('support-acme')).some((m) => m.includes('SUP-1') && m.includes('released in version 2.0.0'))).toBe(true);
    expect((await texts('support-globex')).some((m) => m.includes('SUP-2') && m.includes('released in version 2.0.0'))).toBe(true);
    // A customer reading the notes sees only their organisation's acceptance.
    const asAlice = JSON.stringify((await h.run('alice', 'support-acme', '/release-notes 2.0.0')).messages[0]!.card);
    expect(asAlice).toContain('acme: accepted');
    expect(asAlice).not.toContain('globex');
  });

  it('lets only an admin publish without the gates, with a reason, and audits it', async () => {
    await h.run('bob', 'engineering', '/release plan 2.1.0 system:crm');
    expect((await h.run('bob', 'engineering', '/release-notes publish 2.1.0 force:yes reason:hotfix')).messages[0]!.text).toContain('admin role');
    expect((await h.run('root', 'engineering', '/release-notes publish 2.1.0 force:yes')).messages[0]!.text).toContain('needs a reason');
    const forced = await h.run('root', 'engineering', '/release-notes publish 2.1.0 force:yes reason:security hotfix');
    expect(forced.messages[0]!.text).toContain('published');
    const audit = await h.services.audit.latest(50);
    expect(audit.find((e) => e.action === 'release.gates_overridden')).toMatchObject({ actor: 'playground:root', target: '2.1.0', after: { reason: 'security hotfix' } });
  });
});

describe('documentation registry', () => {
  it('links the manual from ticket cards, sends the review card when due, and flags the runbook when the system ships', async () => {
    expect((await h.run('bob', 'engineering', '/docs add crm manual javascript:alert(1)')).messages[0]!.text).toContain('http(s)');
    await h.run('bob', 'engineering', '/docs add crm manual https://docs.example.com/crm/manual review:30');
    await h.run('bob', 'engineering', '/docs add crm runbook https://docs.example.com/crm/runbook');
    const filed = await h.run('alice', 'support-acme', '/issue Cannot print sev:S3 system:crm');
    // The command answers with a short text; the ticket's live card reaches the reporter's conversation through the outbox.
    expect(filed.messages[0]!.text).toContain('SUP-3');
    const reporterCard = (await texts('support-acme')).find((m) => m.includes('SUP-3 · Cannot print'));
    expect(reporterCard).toContain('https://docs.example.com/crm/manual');
    expect((await texts('engineering')).some((m) => m.includes('Cannot print') && m.includes('https://docs.example.com/crm/runbook'))).toBe(true);

    h.advance(30 * 86_400_000 + 1000);
    expect(await h.services.timers.poll(h.services.onTimer)).toBeGreaterThanOrEqual(1);
    const due = (await texts('engineering')).filter((m) => m.includes('docs.reviewed') && m.includes('DOC-1'));
    expect(due).toHaveLength(1);

    await h.run('root', 'engineering', '/release-notes publish 1.9.0 force:yes reason:baseline');
    await h.services.releases.publish('playground:bob', { version: '1.9.0', fixed: [], system: 'crm' });
    h.advance(1000);
    await h.run('bob', 'engineering', '/docs reviewed DOC-1');
    h.advance(1000);
    await h.run('bob', 'engineering', '/release plan 3.0.0 system:crm');
    await h.run('root', 'engineering', '/release-notes publish 3.0.0 force:yes reason:test');
    const list = (await h.run('bob', 'engineering', '/docs crm')).messages[0]!.card!.blocks.map((b) => (b.type === 'text' ? b.text : '')).join('\n');
    // The runbook was last reviewed before 1.9.0; the manual since.
    expect(list).toMatch(/DOC-2\*\* runbook.*may be stale \(since 3\.0\.0\)/);
    expect(list).toMatch(/DOC-1\*\* manual.* current/);
    // Its owner is asked once.
    expect((await texts('engineering')).filter((m) => m.includes('docs.reviewed') && m.includes('DOC-2'))).toHaveLength(1);
  });
});

describe('document owners', () => {
  it('lets a customer who owns a document answer its review card, and nobody else without a staff role', async () => {
    await h.run('bob', 'engineering', '/docs add crm training https://docs.example.com/crm/course owner:<@playground:alice>');
    expect((await h.click('gail', 'support-globex', 'docs.reviewed', 'DOC-1')).messages[0]!.text).toContain('engineer role');
    expect((await h.click('alice', 'support-acme', 'docs.outdated', 'DOC-1')).replace?.text).toContain('DOC-1 marked as needing an update');
    expect((await h.services.docs.get('DOC-1')).status).toBe('needs-update');
  });
});

describe('training', () => {
  it('invites, reminds once at T−1 day and T−15 min, asks attendees for a rating, and reports it in the digest', async () => {
    // The harness clock is 2026-11-24 10:00 UTC: the session is tomorrow at 12:00.
    await h.run('bob', 'engineering', '/training schedule acme 2026-11-25 12:00 Month-end reporting online url:https://meet.example.com/x');
    const invite = (await texts('support-acme')).find((m) => m.includes('training.attend'))!;
    expect(invite).toContain('Month-end reporting');
    const [id] = buttonValues(invite, 'training.attend');
    await h.click('alice', 'support-acme', 'training.attend', id);
    await h.click('amy', 'support-acme', 'training.attend', id);
    expect((await h.click('gail', 'support-globex', 'training.attend', id)).messages[0]!.text).toContain('no training session');
    expect((await h.services.training.get(id!)).attendees).not.toHaveProperty('playground:gail');
    const reminders = async (word: string) => (await texts('support-acme')).filter((m) => m.includes(word));
    await h.services.timers.poll(h.services.onTimer);
    expect(await reminders('Tomorrow')).toHaveLength(0);
    // Both answered in acme's channel (neither has a direct chat with the bot): one reminder there naming both.
    h.advance(2 * 3600_000);
    await h.services.timers.poll(h.services.onTimer);
    await h.services.timers.poll(h.services.onTimer);
    expect(await reminders('Tomorrow')).toHaveLength(1);
    expect((await reminders('Tomorrow'))[0]).toMatch(/"value":"alice, amy"/);
    h.advance(24 * 3600_000 - 15 * 60_000);
    await h.services.timers.poll(h.services.onTimer);
    await h.services.timers.poll(h.services.onTimer);
    expect(await reminders('In 15 minutes')).toHaveLength(1);
    expect(await reminders('Tomorrow')).toHaveLength(1);
    h.advance(75 * 60_000);
    await h.services.timers.poll(h.services.onTimer);
    const rating = (await texts('support-acme')).filter((m) => m.includes('training.rate'));
    expect(rating).toHaveLength(1);
    expect(rating[0]).toMatch(/"value":"alice, amy"/);
    await h.click('alice', 'support-acme', 'training.rate', `${id}:5`);
    await h.click('amy', 'support-acme', 'training.rate', `${id}:4`);
    const digest = JSON.stringify((await h.run('mia', 'management', '/digest')).messages[0]!.card);
    expect(digest).toContain('1 session(s) held, 2 attendee(s), average rating 4.5');
  });
});

describe('organisation isolation', () => {
  it('shows a customer only their own organisation’s acceptance, documents and trainings', async () => {
    await h.run('bob', 'engineering', '/release plan 2.0.0 system:crm');
    const gail = await h.run('gail', 'support-globex', '/release status 2.0.0');
    const card = JSON.stringify(gail.messages[0]!.card);
    expect(card).toContain('globex: waiting for acceptance');
    expect(card).not.toContain('acme');
    await h.run('bob', 'engineering', '/docs add billing manual https://docs.example.com/billing');
    expect((await h.run('gail', 'support-globex', '/docs billing')).messages[0]!.text).toContain('no documents for billing you can see');
    expect(JSON.stringify((await h.run('gail', 'support-globex', '/docs')).messages[0]!.card)).not.toContain('billing');
    await h.run('bob', 'engineering', '/training schedule acme 2026-12-01 10:00 Reporting');
    expect((await h.run('gail', 'support-globex', '/training acme')).messages[0]!.text).toContain('no sessions for acme');
    expect(JSON.stringify((await h.run('gail', 'support-globex', '/training')).messages[0]!.card)).not.toContain('Reporting');
    expect(JSON.stringify((await h.run('alice', 'support-acme', '/training')).messages[0]!.card)).toContain('Reporting');
  });
});

describe('the digest’s training suggestion', () => {
  it('suggests a topic when user-error tickets of one system recur', async () => {
    for (const title of ['Cannot find export', 'Export button missing', 'Where is the export']) {
      const filed = await h.run('alice', 'support-acme', `/issue ${title} sev:S4 system:crm`);
      const id = /SUP-\d+/.exec(filed.messages[0]!.text)![0];
      await h.run('bob', 'engineering', `/issue resolve ${id} cause:user-error`);
    }
    const digest = JSON.stringify((await h.run('mia', 'management', '/digest')).messages[0]!.card);
    expect(digest).toContain('Suggested topic: crm — 3 user-error tickets this period');
  });
});

describe('re-runs', () => {
  it('count an approval once when its delivery is processed again after a crash', async () => {
    await h.run('bob', 'engineering', '/release plan 2.0.0 system:crm');
    const approve = () => h.services.validation.answer('playground:dana', 'Dana', '2.0.0', 'acme', { approve: true });
    await forDelivery('playground:action:crash-1', approve);
    await forDelivery('playground:action:crash-1', approve);
    const day = await h.store.hgetall(keys.aggDay(new Date(h.now()).toISOString().slice(0, 10)));
    expect(day['uat:approved']).toBe(1);
    expect((await h.services.audit.latest(50)).filter((e) => e.action === 'release.uat_approved')).toHaveLength(1);
  });
});
