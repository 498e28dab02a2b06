import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/core/ports.js';
import { resolveTimerId, respondTimerId } from '../../src/domain/escalation.js';
import { addBusinessTime, businessTimeBetween, type SlaContract } from '../../src/domain/sla/calendar.js';
import { DEFAULT_SLA } from '../../src/config.js';
import { createStandardHarness, type Harness } from '../helpers/harness.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const at = (iso: string) => Date.parse(iso);
const cardText = (r: Reply) => JSON.stringify(r.messages[0]?.card ?? r.messages[0]?.text);

/** Mon–Fri 09:00–18:00 in Berlin (CET in November, UTC+1). */
const berlin: SlaContract = { targets: DEFAULT_SLA, timezone: 'Europe/Berlin', hours: { days: [1, 2, 3, 4, 5], start: 9 * 60, end: 18 * 60 }, holidays: [] };

describe('business time', () => {
  it('skips nights, weekends and holidays in the contract’s zone', () => {
    // Friday 17:55 CET + 1 h → Monday 09:55 CET.
    expect(new Date(addBusinessTime(berlin, at('2026-11-27T16:55:00Z'), HOUR)).toISOString()).toBe('2026-11-30T08:55:00.000Z');
    // Filed on Saturday: the clock starts on Monday at 09:00.
    expect(new Date(addBusinessTime(berlin, at('2026-11-28T12:00:00Z'), 15 * MINUTE)).toISOString()).toBe('2026-11-30T08:15:00.000Z');
    // A holiday on Monday moves it to Tuesday.
    const holiday = { ...berlin, holidays: ['2026-11-30'] };
    expect(new Date(addBusinessTime(holiday, at('2026-11-27T16:55:00Z'), HOUR)).toISOString()).toBe('2026-12-01T08:55:00.000Z');
    // 24 h of business time is 2 days and 6 h of working days (9 h a day).
    expect(new Date(addBusinessTime(berlin, at('2026-11-24T08:00:00Z'), DAY)).toISOString()).toBe('2026-11-26T14:00:00.000Z');
    expect(businessTimeBetween(berlin, at('2026-11-27T16:55:00Z'), at('2026-11-30T08:55:00Z'))).toBe(HOUR);
    expect(businessTimeBetween(berlin, at('2026-11-28T00:00:00Z'), at('2026-11-29T23:00:00Z'))).toBe(0);
  });

  it('keeps local working hours across a daylight-saving change', () => {
    // Berlin springs forward on Sunday 2027-03-28: Monday 09:00 is 07:00Z, Friday before it 08:00Z.
    expect(new Date(addBusinessTime(berlin, at('2027-03-26T16:30:00Z'), HOUR)).toISOString()).toBe('2027-03-29T07:30:00.000Z');
    // Open every day: on the Sunday of the change itself, 09:00 is still 09:00 local (07:00Z, not 08:00Z).
    const everyDay = { ...berlin, hours: { days: [1, 2, 3, 4, 5, 6, 7], start: 9 * 60, end: 18 * 60 } };
    expect(new Date(addBusinessTime(everyDay, at('2027-03-27T16:30:00Z'), HOUR)).toISOString()).toBe('2027-03-28T07:30:00.000Z');
    expect(businessTimeBetween(everyDay, at('2027-03-28T00:00:00Z'), at('2027-03-29T00:00:00Z'))).toBe(9 * HOUR);
    // A window to midnight (24:00) ends at the next day's local midnight.
    const late = { ...berlin, hours: { days: [5], start: 20 * 60, end: 24 * 60 } };
    expect(new Date(addBusinessTime(late, at('2026-11-27T22:30:00Z'), HOUR)).toISOString()).toBe('2026-12-04T19:30:00.000Z');
  });

  it('counts around the clock without hours', () => {
    const plain: SlaContract = { targets: DEFAULT_SLA, timezone: 'UTC', holidays: [] };
    expect(addBusinessTime(plain, 1000, HOUR)).toBe(1000 + HOUR);
    expect(businessTimeBetween(plain, 1000, 1000 + HOUR)).toBe(HOUR);
  });
});

describe('SLA clocks of tickets', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createStandardHarness();
  });
  afterEach(async () => {
    await h.close();
  });
  const setClock = (iso: string) => h.advance(at(iso) - h.now());
  const poll = () => h.services.timers.poll(h.services.onTimer);
  const breaches = async (channel: string) => (await h.pushed(channel)).filter((s) => /not been (acknowledged|resolved)/.test(s.message.text));
  /** The first line of each breach message (the second points to the live card). */
  const breachLines = async (channel: string) => (await breaches(channel)).map((s) => s.message.text.split('\n')[0]);
  /** The ticket's live card as last pushed to `channel`: every change updates it in place there. */
  const liveCard = async (channel: string, id: string) => {
    await h.drain();
    const copies = (await h.pushed(channel)).filter((s) => s.message.card?.title?.startsWith(`${id} ·`));
    return JSON.stringify(copies.at(-1)?.message.card ?? {});
  };

  it('escalates an unanswered ticket half a response target of business time after the breach, skipping the night', async () => {
    await h.run('root', 'engineering', '/aftercare sla acme hours:Mon-Fri 09:00-18:00 tz:Europe/Berlin');
    setClock('2026-11-30T15:50:00Z'); // Monday 16:50 in Berlin
    await h.run('alice', 'support-acme', '/issue Reports are late sev:S2');
    setClock('2026-11-30T16:50:00Z'); // 17:50: the 1 h target passed
    expect(await poll()).toBe(1);
    expect(await breaches('engineering')).toHaveLength(1);
    // Half a target (30 min) of business time later: 10 min on Monday, 20 on Tuesday morning.
    expect(new Date((await h.services.timers.get(respondTimerId('ticket', 'SUP-1')))!.dueAt).toISOString()).toBe('2026-12-01T08:20:00.000Z');
    setClock('2026-11-30T17:20:00Z'); // Monday 18:20, wall-clock half a target later
    expect(await poll()).toBe(0);
    setClock('2026-12-01T08:20:00Z'); // Tuesday 09:20
    expect(await poll()).toBe(1);
    const t = await h.services.tickets.get('SUP-1');
    expect(t.severity).toBe('S1');
    expect(t.timeline.at(-1)).toMatchObject({ kind: 'auto-escalated' });
    expect((await h.pushed('escalations')).some((s) => s.message.text.includes('SUP-1'))).toBe(true);
  });

  it('an S2 filed Friday 17:55 with hours Mon–Fri 09:00–18:00 breaches its response target on Monday 09:55, not Friday 18:55', async () => {
    const saved = await h.run('root', 'engineering', '/aftercare sla acme hours:Mon-Fri 09:00-18:00 tz:Europe/Berlin');
    expect(cardText(saved)).toContain('Mon-Fri 09:00-18:00 (Europe/Berlin)');
    setClock('2026-11-27T16:55:00Z'); // Friday 17:55 in Berlin
    await h.run('alice', 'support-acme', '/issue Invoices fail sev:S2');
    const ticket = await h.services.tickets.get('SUP-1');
    expect(new Date(ticket.respondDueAt).toISOString()).toBe('2026-11-30T08:55:00.000Z');
    setClock('2026-11-27T17:55:00Z'); // Friday 18:55
    expect(await poll()).toBe(0);
    expect(await breaches('engineering')).toHaveLength(0);
    setClock('2026-11-30T08:54:00Z'); // Monday 09:54
    expect(await poll()).toBe(0);
    setClock('2026-11-30T08:55:00Z'); // Monday 09:55
    expect(await poll()).toBe(1);
    expect((await breachLines('engineering'))).toEqual(['⏰ SUP-1 (S2) has not been acknowledged within its response target.']);
    // The customer reads the due time in their organisation's zone, staff in the deployment's.
    expect(await liveCard('support-acme', 'SUP-1')).toContain('2026-11-30 09:55 (Europe/Berlin)');
    expect(await liveCard('engineering', 'SUP-1')).toContain('2026-11-30 08:55 (UTC)');
  });

  it('/issue wait stops both clocks and the customer’s comment restarts them with the time that was left', async () => {
    await h.run('alice', 'support-acme', '/issue Exports are empty sev:S2');
    const filed = await h.services.tickets.get('SUP-1');
    expect(await h.services.timers.get(respondTimerId('ticket', 'SUP-1'))).toBeDefined();
    expect((await h.services.timers.get(resolveTimerId('SUP-1')))?.dueAt).toBe(filed.resolveDueAt);
    h.advance(20 * MINUTE);
    const waiting = await h.run('bob', 'engineering', '/issue wait SUP-1 Which export format do you use?');
    expect(waiting.messages[0]!.text).toContain('waits on the customer');
    expect((await h.services.tickets.get('SUP-1')).status).toBe('waiting');
    expect(await h.services.timers.get(respondTimerId('ticket', 'SUP-1'))).toBeUndefined();
    expect(await h.services.timers.get(resolveTimerId('SUP-1'))).toBeUndefined();
    // The customer is asked, with the question.
    expect((await h.pushed('support-acme')).map((s) => s.message.text)).toContainEqual(expect.stringContaining('needs your answer to go on with your ticket SUP-1 "Exports are empty". Reply with `/issue comment SUP-1 <your answer>`. Question: Which export format do you use?'));
    // Three days pass: nothing is breached while the ball is in the customer's court.
    h.advance(3 * DAY);
    expect(await poll()).toBe(0);
    expect(await breaches('engineering')).toHaveLength(0);
    expect(await liveCard('engineering', 'SUP-1')).toContain('paused (waiting on the customer)');
    const answeredAt = h.now();
    await h.run('alice', 'support-acme', '/issue comment SUP-1 CSV, as always');
    const resumed = await h.services.tickets.get('SUP-1');
    expect(resumed.status).toBe('open');
    expect(resumed.pausedMs).toBe(3 * DAY);
    expect(resumed.respondDueAt).toBe(answeredAt + 40 * MINUTE);
    expect(resumed.resolveDueAt).toBe(answeredAt + DAY - 20 * MINUTE);
    expect((await h.services.timers.get(respondTimerId('ticket', 'SUP-1')))?.dueAt).toBe(resumed.respondDueAt);
    expect((await h.services.timers.get(resolveTimerId('SUP-1')))?.dueAt).toBe(resumed.resolveDueAt);
    h.advance(40 * MINUTE);
    expect(await poll()).toBe(1);
    expect(await breaches('engineering')).toHaveLength(1);
  });

  it('a staff comment does not end the wait; an acknowledged ticket waits and resumes acknowledged', async () => {
    await h.run('alice', 'support-acme', '/issue Slow search sev:S3');
    await h.run('bob', 'engineering', '/issue ack SUP-1');
    await h.run('bob', 'engineering', '/issue wait SUP-1');
    expect((await h.run('bob', 'engineering', '/issue wait SUP-1')).messages[0]!.text).toContain('already waiting on the customer');
    await h.run('bob', 'engineering', '/issue comment SUP-1 Any news?');
    expect((await h.services.tickets.get('SUP-1')).status).toBe('waiting');
    await h.run('alice', 'support-acme', '/issue comment SUP-1 Here it is');
    const t = await h.services.tickets.get('SUP-1');
    expect(t.status).toBe('acknowledged');
    expect(t.timeline.map((e) => e.kind)).toEqual(['created', 'acknowledged', 'waiting', 'comment', 'comment', 'resumed']);
    expect(await h.services.timers.get(respondTimerId('ticket', 'SUP-1'))).toBeUndefined();
    expect((await h.services.timers.get(resolveTimerId('SUP-1')))?.dueAt).toBe(t.resolveDueAt);
  });

  it('escalating S2 → S1 moves both targets to the S1 values, counted in business time', async () => {
    await h.run('root', 'engineering', '/aftercare sla acme hours:Mon-Fri 09:00-18:00 tz:Europe/Berlin');
    setClock('2026-11-27T16:55:00Z'); // Friday 17:55 in Berlin
    await h.run('alice', 'support-acme', '/issue Nobody can log in sev:S2');
    await h.run('bob', 'engineering', '/escalate SUP-1 all users affected confirm:yes');
    const t = await h.services.tickets.get('SUP-1');
    expect(t.severity).toBe('S1');
    expect(new Date(t.respondDueAt).toISOString()).toBe('2026-11-30T08:10:00.000Z'); // 5 min Friday + 10 min Monday
    expect(new Date(t.resolveDueAt).toISOString()).toBe('2026-11-30T11:55:00.000Z'); // 5 min Friday + 3 h 55 Monday
    expect((await h.services.timers.get(respondTimerId('ticket', 'SUP-1')))?.dueAt).toBe(t.respondDueAt);
    expect((await h.services.timers.get(resolveTimerId('SUP-1')))?.dueAt).toBe(t.resolveDueAt);
  });

  it('/issue sev sets any severity, recomputes both targets, tells the reporter, and refuses the same severity', async () => {
    await h.run('alice', 'support-acme', '/issue Typo on the login page sev:S2');
    const r = await h.run('bob', 'engineering', '/issue sev SUP-1 S4 cosmetic only');
    expect(r.messages[0]!.text).toBe('SUP-1 is now S4; its response and resolution targets were recomputed.');
    const t = await h.services.tickets.get('SUP-1');
    expect(t.respondDueAt - t.createdAt).toBe(DAY);
    expect(t.resolveDueAt - t.createdAt).toBe(10 * DAY);
    expect(t.timeline.at(-1)).toMatchObject({ kind: 'severity', text: 'S2 → S4: cosmetic only' });
    expect((await h.pushed('support-acme')).map((s) => s.message.text)).toContain('🔺 Your ticket SUP-1 is now S4.');
    expect((await h.run('bob', 'engineering', '/issue sev SUP-1 S4')).messages[0]!.text).toContain('already S4');
    expect((await h.run('bob', 'engineering', '/issue sev SUP-1 S9')).messages[0]!.text).toContain('Severity must be one of');
    expect((await h.run('alice', 'support-acme', '/issue sev SUP-1 S1')).messages[0]!.text).toMatch(/engineer/);
  });

  it('a missed resolution target re-notifies the engineers and pages the escalation channel once', async () => {
    await h.run('alice', 'support-acme', '/issue Orders lost sev:S1');
    await h.run('bob', 'engineering', '/issue ack SUP-1');
    h.advance(4 * HOUR);
    expect(await poll()).toBe(1);
    expect((await breachLines('engineering'))).toEqual(['⏰ SUP-1 (S1) has not been resolved within its resolution target.']);
    expect(await breaches('escalations')).toHaveLength(1);
    h.advance(HOUR);
    expect(await poll()).toBe(0);
  });

  it('refuses a malformed contract with a clear message and changes nothing', async () => {
    for (const [line, message] of [
      ['/aftercare sla acme tz:Mars/Olympus', 'Unknown time zone'],
      ['/aftercare sla acme hours:Mon-Fri 18:00-09:00', 'Business hours are written'],
      ['/aftercare sla acme S1:4h/15m', 'A target is written'],
      ['/aftercare sla acme holidays:2026-02-30', 'Holidays are written'],
    ] as const) {
      expect((await h.run('root', 'engineering', line)).messages[0]!.text).toContain(message);
    }
    expect(await h.services.sla.has('acme')).toBe(false);
    expect((await h.run('bob', 'engineering', '/aftercare sla acme S1:1h/8h')).messages[0]!.text).toMatch(/admin/);
    const shown = cardText(await h.run('root', 'engineering', '/aftercare sla acme S1:30m/8h holidays:2026-12-25,2026-12-24'));
    expect(shown).toContain('S1: respond 30m · resolve 8h');
    expect(shown).toContain('S2: respond 1h · resolve 1d');
    expect(shown).toContain('Holidays: 2026-12-24, 2026-12-25');
    expect((await h.services.audit.latest(50)).map((e) => e.action)).toContain('sla.contract');
    // The hours may be quoted as one value; `hours:off` returns to around the clock, `holidays:none` clears them.
    expect(cardText(await h.run('root', 'engineering', '/aftercare sla acme hours:"Sat-Sun 10:00-14:00" tz:Asia/Shanghai'))).toContain('Business hours: Sat-Sun 10:00-14:00 (Asia/Shanghai)');
    const cleared = cardText(await h.run('root', 'engineering', '/aftercare sla acme hours:off holidays:none'));
    expect(cleared).toContain('Around the clock (Asia/Shanghai)');
    expect(cleared).not.toContain('Holidays');
    expect(cardText(await h.run('root', 'engineering', '/aftercare sla acme'))).toContain('S1: respond 30m · resolve 8h');
  });
});
