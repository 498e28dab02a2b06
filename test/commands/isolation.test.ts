import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/core/ports.js';
import { createHarness, createStandardHarness, type Harness } from '../helpers/harness.js';
import { mulberry32 } from '../helpers/seeded.js';

describe('an organisation\'s systems', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createStandardHarness();
  });
  afterEach(() => h.close());

  it('are set by an admin with /aftercare org <name> systems:…, replacing the list, and audited', async () => {
    expect(await h.services.directory.orgSystems('acme')).toEqual(['billing', 'crm', 'erp']);
    const r = await h.run('root', 'support-acme', '/aftercare org acme systems:crm,portal');
    expect(r.messages[0]!.text).toBe('This channel now belongs to customer organisation "acme", whose systems are: crm, portal. Anyone here can report issues.');
    expect(await h.services.directory.orgSystems('acme')).toEqual(['crm', 'portal']);
    // Binding another channel without systems: leaves the list as it is.
    await h.run('root', 'support-acme-2', '/aftercare org acme');
    expect(await h.services.directory.orgSystems('acme')).toEqual(['crm', 'portal']);
    expect(JSON.stringify((await h.run('root', 'engineering', '/aftercare audit 10')).messages[0]!.card)).toContain('org.systems');
    // Customers cannot set them.
    expect((await h.run('alice', 'support-acme', '/aftercare org acme systems:hr')).messages[0]!.text).toMatch(/admin role/);
    expect(await h.services.directory.orgSystems('acme')).toEqual(['crm', 'portal']);
  });

  it('refuse a customer\'s system: of another organisation with a localized message, filing nothing and adding nothing', async () => {
    const en = await h.run('alice', 'support-acme', '/issue Payslips are wrong system:hr');
    expect(en.messages[0]!.text).toBe('⚠️ System "hr" is not one of your organisation\'s systems (billing, crm, erp). Pick one of those, or leave system: out.');
    const zh = await h.run('alice', 'support-acme', '/issue 工资单错误 system:hr', 'zh-CN');
    expect(zh.messages[0]!.text).toBe('⚠️ 系统 "hr" 不是贵组织的系统（billing, crm, erp）。请从中选择一个，或不填 system:。');
    // The form carries no language: alice's remembered zh-CN holds for it.
    const form = await h.submit('alice', 'support-acme', 'issue.create', { title: 'Payslips are wrong', system: 'hr' });
    expect(form.messages[0]!.text).toBe('⚠️ 系统 "hr" 不是贵组织的系统（billing, crm, erp）。请从中选择一个，或不填 system:。');
    expect((await h.services.tickets.list({ status: 'all' })).total).toBe(0);
    expect(await h.services.directory.orgSystems('acme')).toEqual(['billing', 'crm', 'erp']);
    // The other organisation's backups stay out of sight.
    await h.services.backups.report('system:test', { system: 'hr', type: 'full', status: 'success', startedAt: new Date(h.now() - 7200_000).toISOString(), finishedAt: new Date(h.now() - 3600_000).toISOString() });
    // alice's client says English again: that language is remembered from here on.
    expect(JSON.stringify((await h.run('alice', 'support-acme', '/backup-status', 'en')).messages[0]!.card)).not.toContain('hr');
    expect((await h.run('alice', 'support-acme', '/backup-status hr')).messages[0]!.text).toContain('No backups are known for system "hr"');
    // One of their own is filed; staff may name any system.
    expect((await h.run('alice', 'support-acme', '/issue CRM is slow system:crm')).messages[0]!.text).toContain('SUP-1');
    expect((await h.services.tickets.get('SUP-1')).system).toBe('crm');
    expect((await h.run('bob', 'engineering', '/issue Payroll batch late system:payroll org:globex')).messages[0]!.text).toContain('SUP-2');
    expect(await h.services.directory.orgSystems('globex')).toEqual(['hr']);
  });

  it('reach a channel bound to an organisation only with its own alerts, backups and tickets, whatever it subscribed to', async () => {
    for (const topic of ['alerts', 'tickets', 'backups', 'escalations']) {
      await h.run('root', 'support-acme', `/aftercare subscribe ${topic}`);
      await h.run('root', 'engineering', `/aftercare subscribe ${topic}`);
    }
    await h.services.alerts.ingest({ source: 'generic', system: 'hr', title: 'Payroll down', severity: 'critical', status: 'firing', dedupKey: 'hr-1' }, 'system:test');
    await h.services.alerts.ingest({ source: 'generic', system: 'crm', title: 'CRM slow', severity: 'warning', status: 'firing', dedupKey: 'crm-1' }, 'system:test');
    await h.run('bob', 'engineering', '/issue Globex payroll export fails system:hr org:globex');
    const acme = JSON.stringify(await h.pushed('support-acme'));
    expect(acme).toContain('CRM slow');
    expect(acme).not.toContain('Payroll');
    const engineering = JSON.stringify(await h.pushed('engineering'));
    expect(engineering).toContain('Payroll down');
    expect(engineering).toContain('Globex payroll export fails');
  });

  it('an organisation without systems refuses system: and says how to get some', async () => {
    await h.run('root', 'support-initech', '/aftercare org initech');
    const r = await h.run('ivan', 'support-initech', '/issue Help system:crm');
    expect(r.messages[0]!.text).toContain('has no systems registered yet');
    expect(await h.services.directory.orgSystems('initech')).toEqual([]);
  });
});

/**
 * The isolation property: random customers of three organisations send random commands, form
 * submits and button clicks (through the dispatcher every platform's adapter feeds) and no reply
 * or push to one organisation ever names another organisation's tickets, comments or systems, and
 * no write lands in another organisation. Every title, comment and system name carries its
 * organisation's name, so a leak is any other organisation's name in what a customer is shown.
 */
describe('isolation between organisations (property test)', () => {
  const SEED = Number(process.env.AFTERCARE_ISOLATION_SEED ?? 16016);
  const TRIALS = 600;
  const ORGS: Record<string, string[]> = { acme: ['acme-crm', 'acme-erp'], globex: ['globex-hr', 'globex-pay'], initech: ['initech-billing'] };
  const orgNames = Object.keys(ORGS);
  const allSystems = Object.values(ORGS).flat();

  it(`finds 0 cross-organisation reads or writes in ${TRIALS} random trials (seed ${SEED})`, async () => {
    const h = await createHarness();
    try {
      const random = mulberry32(SEED);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
      await h.grant('bob', 'engineer');
      await h.run('root', 'engineering', '/aftercare subscribe tickets');
      await h.run('bob', 'engineering', '/faq add How do I reset my password | Use the reset link on the sign-in page.');
      const users: Array<{ user: string; org: string; channels: string[] }> = [];
      const channelOrg = new Map<string, string>();
      for (const org of orgNames) {
        for (const channel of [`support-${org}`, `support-${org}-2`]) {
          await h.run('root', channel, `/aftercare org ${org} systems:${ORGS[org]!.join(',')}`);
          channelOrg.set(channel, org);
          await h.run('root', channel, '/aftercare subscribe tickets');
        }
        for (const u of [1, 2]) {
          const user = `${org}-user${u}`;
          users.push({ user, org, channels: [`support-${org}`, `support-${org}-2`, `dm-${user}`] });
          channelOrg.set(`dm-${user}`, org);
        }
        for (const system of ORGS[org]!) {
          await h.services.backups.report('system:test', { system, type: 'full', status: 'success', startedAt: new Date(h.now() - 7200_000).toISOString(), finishedAt: new Date(h.now() - 3600_000).toISOString() });
        }
        // A ticket of each organisation filed by staff, so there is something to leak from the start.
        await h.run('bob', 'engineering', `/issue ${org} staff report system:${ORGS[org]![0]} org:${org}`);
      }
      // A user's direct chat belongs to the organisation they were last seen in: greet each in their channel first.
      for (const u of users) await h.run(u.user, u.channels[0]!, '/faq nothing');

      const tokens: string[] = [];
      let refusedSystems = 0;
      let filed = 0;
      const reads: string[] = [];
      const note = (org: string, typed: string[], reply: Reply | undefined, what: string) => {
        let shown = JSON.stringify(reply ?? {});
        for (const m of shown.matchAll(/"value":"([0-9a-f-]{36})"/g)) tokens.push(m[1]!);
        // What the customer typed may be echoed back ("system hr is not yours"): that is not a leak.
        for (const t of typed) shown = shown.split(t).join('');
        for (const other of orgNames) if (other !== org && shown.includes(other)) reads.push(`${what} → ${other}`);
      };
      const maxId = () => 3 + filed;
      for (let i = 0; i < TRIALS; i++) {
        const u = pick(users);
        const channel = pick(u.channels);
        const system = pick([...allSystems, 'unknown-sys', '']);
        const id = `SUP-${1 + Math.floor(random() * maxId())}`;
        const title = `${u.org} report ${i}${random() < 0.3 ? ' password reset' : ''}`;
        const roll = random();
        let typed: string[] = [system];
        let reply: Reply | undefined;
        let what: string;
        if (roll < 0.2) {
          what = `/issue ${title}${system ? ` system:${system}` : ''}`;
          reply = await h.run(u.user, channel, what);
        } else if (roll < 0.3) {
          what = `form issue.create ${title} ${system}`;
          reply = await h.submit(u.user, channel, 'issue.create', { title, system });
        } else if (roll < 0.4) {
          what = `/issue show ${id}`;
          typed = [id];
          reply = await h.run(u.user, channel, what);
        } else if (roll < 0.5) {
          what = `/issue comment ${id} ${u.org} says ${i}`;
          typed = [id];
          reply = await h.run(u.user, channel, what);
        } else if (roll < 0.6) {
          what = `/issue list ${pick(['open', 'all', 'mine'])}`;
          reply = await h.run(u.user, channel, what);
        } else if (roll < 0.7) {
          what = `/backup-status ${system}`;
          reply = await h.run(u.user, channel, what);
        } else if (roll < 0.8) {
          const token = tokens.length ? pick(tokens) : 'none';
          what = `click ${pick(['issue.file', 'issue.solved'])} ${token}`;
          reply = await h.click(u.user, channel, what.split(' ')[1]!, token);
        } else if (roll < 0.9) {
          what = `click ${pick(['issue.ack', 'issue.resolve', 'issue.ack-alert', 'issue.from-alert'])} ${id}`;
          typed = [id];
          reply = await h.click(u.user, channel, what.split(' ')[1]!, id);
        } else {
          what = `/escalate ${id} ${u.org} wants it`;
          typed = [id];
          reply = await h.run(u.user, channel, what);
        }
        const shown = JSON.stringify(reply ?? {});
        if (shown.includes('is not one of your organisation')) refusedSystems++;
        if (/Ticket SUP-\d+ filed/.test(shown)) filed++;
        note(u.org, typed, reply, `${u.user}@${channel}: ${what}`);
      }
      await h.drain();

      // Reads through pushes: what reached an organisation's channels names no other organisation.
      for (const s of h.sent) {
        const org = channelOrg.get(s.channel);
        if (org) note(org, [], { messages: [s.message], locale: 'en' }, `push to ${s.channel}`);
      }
      // Writes: each ticket in its reporter's organisation with one of its systems; comments only
      // from its organisation (or staff); every organisation's systems exactly as the admin set them.
      const writes: string[] = [];
      const orgOfUser = new Map(users.map((u) => [`playground:${u.user}`, u.org]));
      const { tickets } = await h.services.tickets.list({ status: 'all', limit: 10_000 });
      for (const t of tickets) {
        const reporterOrg = orgOfUser.get(t.reporter);
        if (reporterOrg && reporterOrg !== t.org) writes.push(`${t.id} filed by ${t.reporter} in ${t.org}`);
        if (t.system && !ORGS[t.org]!.includes(t.system)) writes.push(`${t.id} of ${t.org} on ${t.system}`);
        for (const e of t.timeline) {
          const actorOrg = orgOfUser.get(e.actor);
          if (actorOrg && actorOrg !== t.org) writes.push(`${t.id} of ${t.org}: ${e.kind} by ${e.actor}`);
        }
      }
      for (const org of orgNames) {
        const systems = await h.services.directory.orgSystems(org);
        if (JSON.stringify(systems) !== JSON.stringify([...ORGS[org]!].sort())) writes.push(`${org} systems ${systems.join(',')}`);
      }
      console.log(`isolation property: seed ${SEED}, ${TRIALS} trials, ${tickets.length} tickets, ${refusedSystems} foreign systems refused, ${reads.length} cross-organisation reads, ${writes.length} writes`);
      expect(reads).toEqual([]);
      expect(writes).toEqual([]);
      // The trials did reach the paths that used to leak.
      expect(tickets.length).toBeGreaterThan(20);
      expect(refusedSystems).toBeGreaterThan(10);
    } finally {
      await h.close();
    }
  }, 120_000);
});
