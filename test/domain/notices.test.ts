import { describe, expect, it } from 'vitest';
import { translator } from '../../src/core/i18n.js';
import { reporterNotice } from '../../src/domain/tickets/notices.js';
import type { Ticket, TicketChange, TimelineEntry } from '../../src/domain/tickets/service.js';

const en = translator('en');
const zh = translator('zh-CN');
const BOB = 'slack:UBOB';
const ticket = (over: Partial<Ticket> = {}): Ticket => ({
  id: 'SUP-7',
  title: 'Export hangs',
  severity: 'S2',
  org: 'acme',
  status: 'open',
  reporter: 'slack:UALICE',
  reporterConversation: { platform: 'slack', tenantId: 'T', channelId: 'C1' },
  reporterLocale: 'en',
  createdAt: 0,
  respondDueAt: 1,
  resolveDueAt: 2,
  escalations: 0,
  timeline: [],
  ...over,
});
const entry = (kind: TicketChange, text?: string, over: Partial<TimelineEntry> = {}): TimelineEntry => ({ at: 0, actor: BOB, actorName: 'Bob', kind, text, staff: true, ...over });
const notice = (change: TicketChange, t: Ticket, e: TimelineEntry, by = BOB) => reporterNotice(en, t, change, e, by);

describe('reporter notices say only what is true', () => {
  it('resolved: with a version and a note, with either, with neither', () => {
    const base = '✅ Your ticket SUP-7 "Export hangs" was resolved by Bob.';
    expect(notice('resolved', ticket({ fixedIn: '1.4.2' }), entry('resolved', 'Cleared the cache'))).toBe(`${base} Fixed in version 1.4.2. Note from the engineer: Cleared the cache`);
    expect(notice('resolved', ticket({ fixedIn: '1.4.2' }), entry('resolved'))).toBe(`${base} Fixed in version 1.4.2.`);
    // A note alone is not a version, and it is said once.
    expect(notice('resolved', ticket(), entry('resolved', 'Cleared the cache'))).toBe(`${base} Note from the engineer: Cleared the cache`);
    expect(notice('resolved', ticket(), entry('resolved'))).toBe(base);
    expect(reporterNotice(zh, ticket(), 'resolved', entry('resolved'), BOB)).toBe('✅ 您的工单 SUP-7「Export hangs」已由 Bob 解决。');
    expect(reporterNotice(zh, ticket({ fixedIn: '2.0' }), 'resolved', entry('resolved'), BOB)).toBe('✅ 您的工单 SUP-7「Export hangs」已由 Bob 解决。修复版本：2.0。');
  });

  it('reopened: with and without a reason', () => {
    expect(notice('reopened', ticket(), entry('reopened', 'Still failing'))).toBe('↩️ Your ticket SUP-7 was reopened. Reason: Still failing');
    expect(notice('reopened', ticket(), entry('reopened'))).toBe('↩️ Your ticket SUP-7 was reopened.');
  });

  it('waiting on the customer: with and without a question', () => {
    const base = '⏳ Bob needs your answer to go on with your ticket SUP-7 "Export hangs". Reply with `/issue comment SUP-7 <your answer>`.';
    expect(notice('waiting', ticket(), entry('waiting', 'Which browser?'))).toBe(`${base} Question: Which browser?`);
    expect(notice('waiting', ticket(), entry('waiting'))).toBe(base);
  });

  it('acknowledged, assigned, escalated, severity changed, released', () => {
    expect(notice('acknowledged', ticket(), entry('acknowledged'))).toBe('👀 Your ticket SUP-7 "Export hangs" was acknowledged by Bob.');
    expect(notice('assigned', ticket(), entry('assigned', 'Eve'))).toBe('👤 Your ticket SUP-7 is now handled by Eve.');
    expect(notice('escalated', ticket({ severity: 'S1' }), entry('escalated', 'customer waiting'))).toBe('🔺 Your ticket SUP-7 was escalated to S1.');
    expect(notice('severity', ticket({ severity: 'S4' }), entry('severity', 'S2 → S4: cosmetic'))).toBe('🔺 Your ticket SUP-7 is now S4.');
    expect(notice('released', ticket(), entry('released', '1.5.0'))).toBe('🚀 The fix for your ticket SUP-7 "Export hangs" is released in version 1.5.0.');
    expect(notice('released', ticket(), entry('released'))).toBeUndefined();
  });

  it('comments: a staff member’s public comment crosses, a customer’s, an empty one and an internal note do not', () => {
    expect(notice('comment', ticket(), entry('comment', 'Looking into it'))).toBe('💬 Bob on SUP-7: Looking into it');
    expect(notice('comment', ticket(), entry('comment', 'Me too', { staff: false }), 'slack:UCAROL')).toBeUndefined();
    expect(notice('comment', ticket(), entry('comment'))).toBeUndefined();
    expect(notice('note', ticket(), entry('note', 'secret', { internal: true }))).toBeUndefined();
  });

  it('tells nobody of their own change, nor of automatic escalations and resumed clocks', () => {
    expect(notice('resolved', ticket(), entry('resolved', 'done'), 'slack:UALICE')).toBeUndefined();
    expect(notice('auto-escalated', ticket(), entry('auto-escalated', 'SLA'), 'system:timer')).toBeUndefined();
    expect(notice('resumed', ticket(), entry('resumed'))).toBeUndefined();
  });
});
