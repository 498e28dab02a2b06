import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { translator } from '../../src/core/i18n.js';
import type { OutboundMessage } from '../../src/core/types.js';
import { ticketCard } from '../../src/domain/tickets/cards.js';
import { personLabel } from '../../src/domain/directory/people.js';
import type { Ticket } from '../../src/domain/tickets/service.js';
import { createStandardHarness, type Harness } from '../helpers/harness.js';
import { FEISHU_CAPABILITIES } from '../../adapters/feishu/outbound.js';
import { declareCapabilities } from '../../src/core/capabilities.js';

// What registering the Feishu adapter declares: its mentions show names.
declareCapabilities('feishu', FEISHU_CAPABILITIES);

const fieldValue = (message: OutboundMessage, label: string): string | undefined =>
  message.card?.blocks.flatMap((b) => (b.type === 'fields' ? b.fields : [])).find((f) => f.label === label)?.value;

describe('how a person is shown on a card', () => {
  it('shows a known display name instead of the platform:id key', () => {
    expect(personLabel('slack:U0123ABCD', 'Bob Smith')).toBe('Bob Smith');
    expect(personLabel('teams:8a1f-aad', 'Eve')).toBe('Eve');
    expect(personLabel('playground:bob', 'bob')).toBe('bob');
  });

  it('shows a Feishu user known only by open_id as a mention the Feishu card renders with the name', () => {
    expect(personLabel('feishu:ou_7d8a6e6df7621556ce0d21922b676706', 'ou_7d8a6e6df7621556ce0d21922b676706')).toBe('<@feishu:ou_7d8a6e6df7621556ce0d21922b676706>');
    expect(personLabel('feishu:ou_7d8a6e6df7621556ce0d21922b676706')).toBe('<@feishu:ou_7d8a6e6df7621556ce0d21922b676706>');
    expect(personLabel('feishu:ou_7d8a6e6df7621556ce0d21922b676706', 'Li Lei')).toBe('Li Lei');
  });

  it('shows anyone else without a name by the bare id', () => {
    expect(personLabel('slack:U0123ABCD')).toBe('U0123ABCD');
    expect(personLabel('system:timer')).toBe('timer');
  });

  it('finds the name of an assignee stored before names were kept, from their own timeline entry', () => {
    const ticket = {
      id: 'SUP-9', title: 'Old', severity: 'S3', org: 'acme', status: 'acknowledged', reporter: 'slack:U1', reporterName: 'Ann',
      reporterConversation: { platform: 'slack', tenantId: 'T', channelId: 'C' }, reporterLocale: 'en', assignee: 'slack:U2',
      createdAt: 0, respondDueAt: 1, resolveDueAt: 2, escalations: 0,
      timeline: [{ at: 0, actor: 'slack:U1', actorName: 'Ann', kind: 'created' }, { at: 1, actor: 'slack:U2', actorName: 'Bo', kind: 'acknowledged', staff: true }],
    } as Ticket;
    const card = ticketCard(ticket, { t: translator('en'), locale: 'en', timezone: 'UTC', now: 2 });
    expect(fieldValue(card, 'Assignee')).toBe('Bo');
    expect(fieldValue(card, 'Reporter')).toBe('Ann');
  });
});

describe('the assignee on ticket cards', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createStandardHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('shows who acknowledged the ticket by name on the engineers’ card, not as platform:id', async () => {
    await h.run('alice', 'support-acme', '/issue Login page returns 500 sev:S2 system:crm');
    await h.click('bob', 'engineering', 'issue.ack', 'SUP-1');
    const card = (await h.pushed('engineering')).at(-1)!.message;
    expect(fieldValue(card, 'Assignee')).toBe('bob');
    expect(JSON.stringify(card.card)).not.toContain('playground:bob');
  });

  it('shows the name of a user assigned by mention on the card and in the reporter’s notice', async () => {
    await h.run('mia', 'engineering', '/aftercare help', undefined);
    await h.run('alice', 'support-acme', '/issue Printer offline');
    const reply = await h.run('bob', 'engineering', '/issue assign SUP-1 <@playground:mia>');
    expect(reply.messages[0]!.text).toContain('mia');
    expect(fieldValue((await h.pushed('engineering')).at(-1)!.message, 'Assignee')).toBe('mia');
    const notice = (await h.pushed('support-acme')).find((s) => s.message.text.includes('handled by'));
    expect(notice?.message.text).toContain('handled by mia');
    expect((await h.services.tickets.get('SUP-1')).assigneeName).toBe('mia');
  });
});
