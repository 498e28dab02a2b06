import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { forDelivery } from '../../src/core/effects.js';
import { keys } from '../../src/core/keys.js';
import type { Reply } from '../../src/core/ports.js';
import type { InboundEvent } from '../../src/core/types.js';
import { dayOf } from '../../src/domain/deps.js';
import { createStandardHarness, type Harness } from '../helpers/harness.js';

/**
 * Processing is at least once: a delivery whose process died after its ack runs again from the
 * inbox. These tests run the same delivery twice, as a resume would, and count what it made.
 */
let h: Harness;
let n = 0;
beforeEach(async () => {
  h = await createStandardHarness();
});
afterEach(async () => {
  await h.close();
});

function command(user: string, channel: string, line: string): InboundEvent {
  const m = /^\/?(\S+)\s*([\s\S]*)$/.exec(line)!;
  return { id: `redelivered-${++n}`, kind: 'command', command: m[1]!, text: m[2] ?? '', actor: { platform: 'playground', id: user }, conversation: h.conv(channel), receivedAt: h.now() };
}

/** Processes one delivery twice in its effect scope, as the pipeline and a resume would. */
async function twice(event: InboundEvent): Promise<[Reply, Reply]> {
  const id = `${event.conversation.platform}:${event.kind}:${event.id}`;
  const first = await forDelivery(id, () => h.core.process(event));
  const second = await forDelivery(id, () => h.core.process(event));
  return [first, second];
}

const texts = (r: Reply) => r.messages.map((m) => m.text).join('\n');
const today = () => h.store.hgetall(keys.aggDay(dayOf(h.now())));

describe('a delivery processed twice', () => {
  it('files one ticket, counts it once and pushes it once', async () => {
    const [first, second] = await twice(command('alice', 'support-acme', '/issue Printer jammed sev:S2'));
    expect(texts(first)).toContain('SUP-1');
    expect(texts(second)).toContain('SUP-1');
    expect(await h.store.zcard(keys.ticketsAll())).toBe(1);
    expect(await h.store.counter(keys.seq('SUP'))).toBe(1);
    expect((await today()).opened).toBe(1);
    expect((await h.store.hgetall(keys.aggOpen())).total).toBe(1);
    const pushes = (await h.pushed('engineering')).filter((s) => s.kind === 'post' && s.message.text.includes('SUP-1'));
    expect(pushes).toHaveLength(1);
    const audit = (await h.services.audit.latest(50)).filter((e) => e.action === 'ticket.created');
    expect(audit).toHaveLength(1);
  });

  it('adds one comment, one acknowledgement and one resolution, and sends one CSAT survey', async () => {
    await h.run('alice', 'support-acme', '/issue Printer jammed sev:S2');
    const [, ackAgain] = await twice(command('bob', 'engineering', '/issue ack SUP-1'));
    expect(texts(ackAgain)).not.toContain('⚠️');
    await twice(command('bob', 'engineering', '/issue comment SUP-1 Replacing the roller'));
    const [, resolvedAgain] = await twice(command('bob', 'engineering', '/issue resolve SUP-1 fixed-in:2.0.1 cause:config'));
    expect(texts(resolvedAgain)).not.toContain('⚠️');
    const ticket = await h.services.tickets.get('SUP-1');
    expect(ticket.timeline.map((e) => e.kind)).toEqual(['created', 'acknowledged', 'comment', 'resolved']);
    const day = await today();
    expect([day.acked, day.resolved, day['csat:sent']]).toEqual([1, 1, 1]);
    expect((await h.store.hgetall(keys.aggOpen())).total).toBe(0);
    expect(await h.store.zcard(keys.surveys())).toBe(1);
    const toReporter = await h.pushed('support-acme');
    expect(toReporter.filter((s) => s.message.text.includes('Replacing the roller'))).toHaveLength(1);
  });

  it('records one survey answer and does not call the second run a second answer', async () => {
    await h.run('alice', 'support-acme', '/issue Printer jammed sev:S2');
    await h.run('bob', 'engineering', '/issue resolve SUP-1 fixed-in:2.0.1 cause:config');
    const [survey] = await h.services.surveys.pendingFor('playground:alice');
    const answer: InboundEvent = { ...command('alice', 'support-acme', 'x'), kind: 'action', actionId: 'survey.answer', value: `${survey!.id}:5` };
    const [first, second] = await twice(answer);
    expect(texts(second)).toBe(texts(first));
    expect((await h.services.surveys.results(survey!.id)).responses).toBe(1);
    expect((await today())['csat:n']).toBe(1);
  });
});

describe('a delivery processed again after other changes', () => {
  it('sends no second resolution notice or survey when the ticket changed in between', async () => {
    await h.run('alice', 'support-acme', '/issue Printer jammed sev:S2');
    const resolve = command('bob', 'engineering', '/issue resolve SUP-1 fixed-in:2.0.1 cause:config');
    const id = `playground:command:${resolve.id}`;
    await forDelivery(id, () => h.core.process(resolve));
    await h.run('alice', 'support-acme', '/issue comment SUP-1 thanks, works now');
    await forDelivery(id, () => h.core.process(resolve));
    expect((await today())['csat:sent']).toBe(1);
    const toReporter = await h.pushed('support-acme');
    expect(toReporter.filter((s) => s.message.card?.blocks.some((b) => b.type === 'actions' && b.buttons.some((x) => x.actionId === 'survey.answer')))).toHaveLength(1);
    const notices = toReporter.filter((s) => s.kind === 'post' && s.message.text.includes('SUP-1') && s.message.text.includes('was resolved by'));
    expect(notices).toHaveLength(1);
    expect(notices[0]!.message.text).toContain('resolved by bob');
  });

  it('escalates and acknowledges an alert once', async () => {
    await h.run('root', 'engineering', '/aftercare subscribe alerts');
    const { alert } = await h.services.alerts.ingest({ source: 'generic', system: 'crm', title: 'Disk full', severity: 'warning', status: 'firing', dedupKey: 'disk-9' });
    await twice(command('bob', 'engineering', `/escalate ${alert.id} confirm:yes`));
    const [, ackAgain] = await twice(command('bob', 'engineering', `/issue ack ${alert.id}`));
    expect(texts(ackAgain)).not.toContain('⚠️');
    const stored = await h.services.alerts.get(alert.id);
    expect(stored.escalations).toBe(1);
    expect((await today()).escalated).toBe(1);
    // Paged once: one notice, and one live card of the alert (edited in place after the ack).
    const esc = await h.pushed('escalations');
    expect(esc.filter((s) => !s.message.card && s.message.text.includes(alert.id))).toHaveLength(1);
    expect(new Set(esc.filter((s) => s.message.card?.title?.startsWith(`${alert.id} ·`)).map((s) => s.messageId)).size).toBe(1);
  });

  it('runs a confirmed command once, and its re-run does not call the confirmation used', async () => {
    await h.run('alice', 'support-acme', '/issue Printer jammed sev:S3');
    const asked = await h.run('bob', 'engineering', '/escalate SUP-1 customer waiting');
    const yes = asked.messages[0]!.card!.blocks.flatMap((b) => (b.type === 'actions' ? b.buttons : [])).find((b) => b.actionId === 'core.confirm')!;
    const click: InboundEvent = { ...command('bob', 'engineering', 'x'), kind: 'action', actionId: 'core.confirm', value: yes.value };
    const [first, second] = await twice(click);
    expect(texts(second)).toBe(texts(first));
    expect(JSON.stringify(second)).not.toMatch(/expired|already been used/);
    const ticket = await h.services.tickets.get('SUP-1');
    expect([ticket.severity, ticket.escalations]).toEqual(['S2', 1]);
    // A second click is another delivery: refused.
    const again = await h.click('bob', 'engineering', 'core.confirm', yes.value);
    expect(texts(again)).toMatch(/⚠️/);
  });

  it('notes a release on its fixed tickets even when the first publication died before it did', async () => {
    await h.run('alice', 'support-acme', '/issue Printer jammed sev:S3');
    await h.run('bob', 'engineering', '/issue resolve SUP-1 fixed-in:3.1.0 cause:config');
    // What a process killed between storing the release and noting it on its tickets leaves.
    await h.services.releases.publish('playground:bob', { version: '3.1.0', fixed: ['SUP-1'] });
    await twice(command('bob', 'engineering', '/release-notes publish 3.1.0'));
    const released = (await h.services.tickets.get('SUP-1')).timeline.filter((e) => e.kind === 'released');
    expect(released.map((e) => e.text)).toEqual(['3.1.0']);
  });

  it('escalates once when a due timer runs again after its process died', async () => {
    await h.run('alice', 'support-acme', '/issue Everything is down sev:S3');
    const timer = { id: 'ticket:SUP-1:respond', kind: 'respond', dueAt: h.now(), data: { subject: 'ticket', id: 'SUP-1', stage: 2 } };
    // Run, then found again as if the process had died before removing it: the lease has expired.
    for (let run = 0; run < 2; run++) {
      await h.services.timers.schedule(timer);
      expect(await h.services.timers.poll(h.services.onTimer)).toBe(1);
      await h.store.release(keys.timerLease(`${timer.id}:${timer.dueAt}`));
    }
    const ticket = await h.services.tickets.get('SUP-1');
    expect([ticket.severity, ticket.escalations]).toEqual(['S2', 1]);
  });
});

describe('the inbound pipeline', () => {
  it('keeps a delivery whose run failed in the inbox, and resumes it once with its reply through the outbox', async () => {
    const event = command('alice', 'support-acme', '/issue Scanner offline sev:S3');
    let failures = 0;
    const receipt = await h.inbound.receive(event, {
      show: async () => {
        failures++;
        throw new Error('the platform refused the reply');
      },
    });
    expect(receipt).toBe('accepted');
    await h.inbound.drain();
    expect(failures).toBe(1);
    expect((await h.store.inboxPending(10)).map((e) => e.id)).toEqual([`playground:command:${event.id}`]);

    expect(await h.inbound.resume()).toBe(1);
    await h.inbound.drain();
    expect(await h.store.inboxPending(10)).toEqual([]);
    expect(await h.store.zcard(keys.ticketsAll())).toBe(1);
    const replies = (await h.pushed('support-acme')).filter((s) => s.message.text.includes('SUP-1'));
    expect(replies.length).toBeGreaterThan(0);
    expect((await h.pushed('engineering')).filter((s) => s.kind === 'post' && s.message.text.includes('SUP-1'))).toHaveLength(1);
    // Still remembered: the platform's retry of the same delivery changes nothing.
    expect(await h.inbound.receive(event, { show: async () => undefined })).toBe('duplicate');
  });
});
