import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/core/ports.js';
import type { OutboundMessage } from '../../src/core/types.js';
import { createStandardHarness, type Harness } from '../helpers/harness.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let h: Harness;
afterEach(async () => h?.close());

/** Everything a message shows: text, card title and blocks (button values too). */
function shown(m: OutboundMessage): string {
  return JSON.stringify([m.text, m.card ?? null]);
}
const replyText = (r: Reply | undefined) => (r ? [...r.messages, ...(r.replace ? [r.replace] : [])].map(shown).join('\n') : '');

/** Makes `users` known in their direct conversations with the bot (as the platforms do on a first message). */
async function sayHello(...users: string[]) {
  for (const u of users) await h.run(u, `dm-${u}`, '/aftercare help');
}

async function setup() {
  h = await createStandardHarness();
  await h.grant('carol', 'engineer');
  await h.run('root', 'engineering', '/aftercare grant <@playground:bob> security');
  await h.run('root', 'support-acme', '/aftercare contact <@playground:alice> security');
  await sayHello('root', 'bob', 'carol', 'alice', 'dave', 'mia');
  // dave is a customer of acme who is not a security contact.
  await h.run('dave', 'support-acme', '/faq hello');
  await h.run('alice', 'support-acme', '/faq hello');
}

describe('security incidents', () => {
  it('are declared only in a direct chat, by admins or granted staff, and reach only the allowed people privately', async () => {
    await setup();
    expect(replyText(await h.run('bob', 'engineering', '/security declare acme S1 Leaked key'))).toContain('only in a direct conversation');
    expect(replyText(await h.run('carol', 'dm-carol', '/security declare acme S1 Leaked key'))).toContain('security grant');
    expect(replyText(await h.run('bob', 'dm-bob', '/security declare nosuch S1 Leaked key'))).toMatch(/no customer organisation .*nosuch/);
    const declared = replyText(await h.run('bob', 'dm-bob', '/security declare acme S1 Leaked key'));
    expect(declared).toContain('SEC-1 declared for acme');
    await h.drain();
    const withTitle = h.sent.filter((s) => shown(s.message).includes('Leaked key'));
    expect(new Set(withTitle.map((s) => s.channel))).toEqual(new Set(['dm-root', 'dm-bob', 'dm-alice']));
    const card = withTitle.find((s) => s.channel === 'dm-alice')!.message.card!;
    const buttons = card.blocks.flatMap((b) => (b.type === 'actions' ? b.buttons : []));
    expect(buttons.filter((b) => b.actionId === 'security.done')).toHaveLength(6);
    expect(shown(withTitle[0]!.message)).toContain('Contain');
    expect(replyText(await h.run('dave', 'dm-dave', '/security'))).not.toContain('SEC-1');
    expect(replyText(await h.run('alice', 'dm-alice', '/security'))).toContain('SEC-1');
    expect(replyText(await h.click('dave', 'dm-dave', 'security.done', 'SEC-1:1'))).toContain('no security incident SEC-1');
    const audit = await h.services.audit.latest(200);
    expect(audit.find((e) => e.action === 'security.declared')).toMatchObject({ actor: 'playground:bob', target: 'SEC-1', org: 'acme' });
  });

  it('pages escalations exactly once when a step is one minute overdue, and Done on the last step closes it and sends the timeline to admins', async () => {
    await setup();
    await h.run('root', 'support-acme', '/security plan acme contain:1,notify:4');
    expect(replyText(await h.run('root', 'engineering', '/security plan acme contain:x'))).toContain('/security plan <org>');
    await h.run('root', 'dm-root', '/security declare acme S2 Exposed bucket');
    h.advance(HOUR + MINUTE);
    for (let i = 0; i < 3; i++) await h.services.timers.poll(h.services.onTimer);
    const pages = (await h.pushed('escalations')).filter((s) => s.message.text.includes('SEC-1'));
    expect(pages).toHaveLength(1);
    expect(pages[0]!.message.text).toContain('step 1');
    expect(shown(pages[0]!.message)).not.toContain('Exposed bucket');
    expect((await h.pushed('dm-alice')).filter((s) => s.message.text.includes('Step 1 "Contain" of SEC-1 is overdue'))).toHaveLength(1);

    expect(replyText(await h.click('alice', 'dm-alice', 'security.blocked', 'SEC-1:1'))).toContain('Step 1 of SEC-1: blocked');
    await h.click('alice', 'dm-alice', 'security.done', 'SEC-1:1');
    expect(await h.pushed('dm-root')).not.toEqual(expect.arrayContaining([expect.objectContaining({ message: expect.objectContaining({ text: expect.stringContaining('closed: timeline') }) })]));
    const last = await h.click('bob', 'dm-bob', 'security.done', 'SEC-1:2');
    expect(replyText(last)).toContain('Closed');
    const timeline = (await h.pushed('dm-root')).filter((s) => s.message.text.includes('Security incident SEC-1 closed: timeline'));
    expect(timeline).toHaveLength(1);
    expect(timeline[0]!.message.text).toMatch(/Contain: blocked[\s\S]*Contain: done[\s\S]*Notify the customer: done/);
    expect((await h.pushed('dm-alice')).some((s) => s.message.text.includes('closed: timeline'))).toBe(false);
    // Closed: its remaining timers do nothing, and the incident leaves the listing.
    h.advance(10 * HOUR);
    await h.services.timers.poll(h.services.onTimer);
    expect((await h.pushed('escalations')).filter((s) => s.message.text.includes('SEC-1'))).toHaveLength(1);
    expect(replyText(await h.run('root', 'dm-root', '/security'))).toContain('No open security incidents');
    const actions = (await h.services.audit.latest(100)).filter((e) => e.target === 'SEC-1').map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['security.declared', 'security.step.overdue', 'security.step.blocked', 'security.step.done']));
    const zh = replyText(await h.click('root', 'dm-root', 'security.done', 'SEC-1:1'));
    expect(zh).toContain('SEC-1 is closed');
  });

  it('shows the incident in Chinese to a reader who reads Chinese', async () => {
    await setup();
    await h.run('alice', 'dm-alice', '/aftercare lang zh');
    await h.run('bob', 'dm-bob', '/security declare acme S1 密钥泄露');
    const card = (await h.pushed('dm-alice')).find((s) => s.message.text.includes('密钥泄露'))!.message;
    expect(shown(card)).toContain('遏制');
    expect(shown(card)).toContain('完成');
    expect(shown(card)).toContain('受阻');
  });
});

/** People of the property test: each with a role, an organisation (customers), the grant or a contact. */
interface Person {
  name: string;
  kind: 'customer' | 'engineer' | 'manager' | 'admin';
  org: 'acme' | 'globex';
  grant: boolean;
  contact: boolean;
}

const personArb = fc.record({
  kind: fc.constantFrom('customer', 'engineer', 'manager', 'admin'),
  org: fc.constantFrom('acme', 'globex'),
  grant: fc.boolean(),
  contact: fc.boolean(),
}) as fc.Arbitrary<Omit<Person, 'name'>>;

describe('security incident and postmortem visibility (property)', () => {
  it('never shows an incident\'s card, reply, reminder or listing to anyone outside the allowed set, nor a postmortem to another organisation\'s customers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(personArb, { minLength: 3, maxLength: 7 }),
        fc.constantFrom('acme', 'globex'),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('done', 'blocked', 'list', 'late'), fc.integer({ min: 1, max: 6 })), { maxLength: 12 }),
        async (drawn, org, moves) => {
          h = await createStandardHarness();
          const people: Person[] = drawn.map((p, i) => ({ ...p, name: `p${i}` }));
          for (const p of people) {
            if (p.kind !== 'customer') await h.grant(p.name, p.kind);
            if (p.grant) await h.run('root', 'engineering', `/aftercare grant <@playground:${p.name}> security`);
            if (p.contact) await h.run('root', `support-${p.org}`, `/aftercare contact <@playground:${p.name}> security`);
            // Customers belong to an organisation by speaking in its channel.
            await h.run(p.name, `support-${p.org}`, '/faq hi');
            await h.run(p.name, `dm-${p.name}`, '/aftercare help');
          }
          await h.run('root', 'dm-root', '/aftercare help');
          const may = (p: Person) => p.kind === 'admin' || (p.grant && p.kind !== 'customer') || (p.contact && p.org === org && p.kind === 'customer') || (p.contact && p.org === org);
          const allowed = new Set(['root', ...people.filter(may).map((p) => p.name)]);
          const title = `Breach-${Math.random().toString(36).slice(2, 8)}`;
          await h.run('root', 'dm-root', `/security declare ${org} S1 ${title}`);
          for (const [who, move, step] of moves) {
            const p = people[who % people.length]!;
            let reply: Reply | undefined;
            if (move === 'list') reply = await h.run(p.name, `dm-${p.name}`, '/security');
            else if (move === 'late') {
              h.advance(25 * HOUR);
              await h.services.timers.poll(h.services.onTimer);
            } else reply = await h.click(p.name, `dm-${p.name}`, `security.${move}`, `SEC-1:${step}`);
            if (!allowed.has(p.name)) expect(replyText(reply)).not.toContain(title);
          }
          // A postmortem of an acme ticket, published to the customer.
          await h.run('alice', 'support-acme', `/issue Pm-${title} sev:S1`);
          await h.run('bob', 'engineering', '/issue resolve SUP-1 cause:code');
          await h.run('bob', 'engineering', '/postmortem SUP-1');
          await h.run('bob', 'engineering', '/postmortem publish SUP-1 customer');
          await h.drain();
          for (const s of h.sent) {
            const text = shown(s.message);
            if (text.includes(title) && !text.includes(`Pm-${title}`)) expect(s.channel.startsWith('dm-') && allowed.has(s.channel.slice(3)), `${s.channel} saw the incident`).toBe(true);
            if (text.includes(`Pm-${title}`)) expect(['support-acme', 'engineering']).toContain(s.channel);
          }
          for (const p of people.filter((x) => x.kind === 'customer' && x.org === 'globex')) {
            expect(replyText(await h.run(p.name, 'support-globex', '/postmortem SUP-1'))).not.toContain(`Pm-${title}`);
          }
          await h.close();
        },
      ),
      { numRuns: 15 },
    );
  }, 120_000);
});
