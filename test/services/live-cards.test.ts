import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sent } from '../helpers/harness.js';
import { createStandardHarness, type Harness } from '../helpers/harness.js';

/**
 * The live-card register and its fan-out (src/domain/live-cards.ts, notify.ts) through the real
 * outbox: one card per item per conversation, every copy updated in place, a burst of changes
 * coalesced into one edit per copy carrying the newest state.
 */
let h: Harness;
beforeEach(async () => {
  h = await createStandardHarness();
  await h.run('root', 'engineering', '/aftercare subscribe alerts');
});
afterEach(async () => {
  await h.close();
});

const hasButtons = (s: Sent) => s.message.card?.blocks.some((b) => b.type === 'actions') ?? false;
const copiesOf = (sent: Sent[], title: string) => sent.filter((s) => s.message.card?.title?.startsWith(title));

describe('live cards', () => {
  it('coalesces a burst of ticket changes into one in-place edit per copy, with the newest state', async () => {
    await h.run('alice', 'support-acme', '/issue Checkout fails sev:S3');
    await h.drain();
    const posted = h.sent.length;
    // A burst while nothing is being sent: ack, assign, comment, escalate.
    await h.services.outbox.stop();
    await h.services.tickets.ack('SUP-1', 'playground:bob', 'bob');
    await h.services.tickets.assign('SUP-1', 'playground:bob', 'playground:mia', 'bob', 'mia');
    await h.services.tickets.comment('SUP-1', 'playground:bob', 'Looking at the logs', true, 'bob');
    await h.services.tickets.escalate('SUP-1', 'playground:bob', 'all shops down', false, 'bob');
    h.services.outbox.start();
    await h.drain();
    const after = h.sent.slice(posted);
    for (const channel of ['support-acme', 'engineering']) {
      const edits = copiesOf(after, 'SUP-1 ·').filter((s) => s.channel === channel);
      expect(edits, channel).toHaveLength(1);
      expect(edits[0]!.kind).toBe('update');
      expect(edits[0]!.message.text).toContain('[S2]');
      expect(JSON.stringify(edits[0]!.message.card)).toContain('mia');
    }
    // The escalation channel's first copy is a post, then a short notice pointing to it.
    const esc = after.filter((s) => s.channel === 'escalations');
    expect(esc.map((s) => (s.message.card ? 'card' : 'notice'))).toEqual(['card', 'notice']);
    expect(esc[1]!.message.text).toContain('kept up to date');
  });

  it('keeps one card per conversation for an alert, paged to the escalation channel and resolved everywhere', async () => {
    const { alert } = await h.services.alerts.ingest({ source: 'generic', system: 'shop', title: 'Disk full on db1', severity: 'critical', status: 'firing', dedupKey: 'disk-db1' });
    await h.services.alerts.ingest({ source: 'generic', system: 'shop', title: 'Disk full on db1', severity: 'critical', status: 'firing', dedupKey: 'disk-db1' });
    await h.drain();
    await h.services.alerts.escalate(alert.id, 'playground:bob');
    await h.drain();
    await h.services.alerts.resolve(alert.id, 'playground:bob');
    for (const channel of ['engineering', 'escalations']) {
      const copies = copiesOf(await h.pushed(channel), `${alert.id} ·`);
      expect(new Set(copies.map((s) => s.messageId)).size, channel).toBe(1);
      expect(copies[0]!.kind).toBe('post');
      expect(copies.at(-1)!.kind).toBe('update');
      expect(hasButtons(copies.at(-1)!), channel).toBe(false);
      expect(copies.at(-1)!.message.text).toMatch(/resolved/i);
    }
  });

  it('shows a customer’s copy without buttons, and `/issue show` in a customer channel never adds staff buttons', async () => {
    await h.run('alice', 'support-acme', '/issue Invoices blank');
    await h.run('bob', 'support-acme', '/issue show SUP-1');
    const copies = copiesOf(await h.pushed('support-acme'), 'SUP-1 ·');
    expect(new Set(copies.map((s) => s.messageId)).size).toBe(1);
    expect(copies.some(hasButtons)).toBe(false);
    // In a conversation that did not show it, `show` adds the live card, which later changes reach too.
    await h.run('bob', 'dm-bob', '/issue show SUP-1');
    await h.drain();
    await h.services.tickets.resolve('SUP-1', 'playground:bob', { fixedIn: '3.1' }, 'bob');
    const dm = copiesOf(await h.pushed('dm-bob'), 'SUP-1 ·');
    expect(dm.map((s) => s.kind)).toEqual(['post', 'update']);
    expect(hasButtons(dm[0]!)).toBe(true);
    expect(hasButtons(dm[1]!)).toBe(false);
    expect(JSON.stringify(dm[1]!.message.card)).toContain('3.1');
  });
});
