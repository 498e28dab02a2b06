import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { respondTimerId } from '../../src/domain/escalation.js';
import { createStandardHarness, type Harness } from '../helpers/harness.js';

const MINUTE = 60_000;
let h: Harness;
beforeEach(async () => {
  h = await createStandardHarness();
  await h.run('root', 'engineering', '/aftercare subscribe alerts');
});
afterEach(async () => {
  await h.close();
});

describe('the escalation policy', () => {
  it('gives a ticket whose severity is raised the targets of its new severity, and moves its response timer', async () => {
    await h.run('alice', 'support-acme', '/issue Reports are slow sev:S3');
    const before = await h.services.tickets.get('SUP-1');
    expect(before.respondDueAt - before.createdAt).toBe(4 * 60 * MINUTE);
    await h.run('bob', 'engineering', '/escalate SUP-1 customer waiting confirm:yes');
    const after = await h.services.tickets.get('SUP-1');
    expect(after.severity).toBe('S2');
    expect(after.respondDueAt - after.createdAt).toBe(60 * MINUTE);
    expect(after.resolveDueAt - after.createdAt).toBe(24 * 60 * MINUTE);
    expect((await h.services.timers.get(respondTimerId('ticket', 'SUP-1')))?.dueAt).toBe(after.respondDueAt);
    // The S2 target passes long before the S3 one would have.
    h.advance(61 * MINUTE);
    expect(await h.services.timers.poll(h.services.onTimer)).toBe(1);
    expect((await h.pushed('engineering')).some((s) => s.message.text.includes('SUP-1') && s.message.text.includes('not been acknowledged'))).toBe(true);
  });

  it('treats an unacknowledged alert like a ticket: re-notifies at its response target, escalates half a target later', async () => {
    const { alert } = await h.services.alerts.ingest({ source: 'generic', system: 'crm', title: 'Disk full', severity: 'critical', status: 'firing', dedupKey: 'disk-1' });
    h.advance(16 * MINUTE);
    expect(await h.services.timers.poll(h.services.onTimer)).toBe(1);
    expect((await h.pushed('engineering')).some((s) => s.message.text.includes(alert.id) && s.message.text.includes('not been acknowledged'))).toBe(true);
    h.advance(8 * MINUTE);
    expect(await h.services.timers.poll(h.services.onTimer)).toBe(1);
    expect((await h.services.alerts.get(alert.id)).escalations).toBe(1);
    expect((await h.pushed('escalations')).some((s) => s.message.text.includes(alert.id))).toBe(true);
    const audit = (await h.services.audit.latest(50)).map((e) => e.action);
    expect(audit).toContain('alert.sla_renotified');
  });

  it('stops a subject’s response timer once it is acknowledged', async () => {
    await h.run('alice', 'support-acme', '/issue Printer on fire sev:S1');
    await h.run('bob', 'engineering', '/issue ack SUP-1');
    expect(await h.services.timers.get(respondTimerId('ticket', 'SUP-1'))).toBeUndefined();
    h.advance(60 * MINUTE);
    expect(await h.services.timers.poll(h.services.onTimer)).toBe(0);
  });
});
