import { afterEach, describe, expect, it } from 'vitest';
import { createStandardHarness, type Harness } from '../helpers/harness.js';

const WEEK = 7 * 86_400_000;
/** A Monday: week 0 of the scenario. */
const WEEK0 = Date.parse('2026-09-07T08:00:00Z');

let h: Harness;
afterEach(async () => h?.close());

const textOf = (reply: { messages: Array<{ text: string; card?: { blocks: Array<{ type: string; text?: string; fields?: Array<{ label: string; value: string }> }> } }> }) =>
  reply.messages
    .map((m) => [m.text, ...(m.card?.blocks ?? []).map((b) => b.text ?? (b.fields ?? []).map((f) => `${f.label}: ${f.value}`).join('\n'))].join('\n'))
    .join('\n');

async function file(title: string, sev: string, system: string): Promise<string> {
  const r = await h.run('alice', 'support-acme', `/issue ${title} sev:${sev} system:${system}`);
  return /SUP-\d+/.exec(textOf(r))![0];
}

describe('root cause at resolve', () => {
  it('refuses to resolve an S1 without cause:, in the reader\'s language, and changes nothing', async () => {
    h = await createStandardHarness();
    const id = await file('CRM down', 'S1', 'crm');
    const en = await h.run('bob', 'engineering', `/issue resolve ${id} fixed`);
    expect(textOf(en)).toContain(`${id} is S1: resolving it needs a root cause`);
    expect(textOf(en)).toContain('code, config, data, infra, third-party, user-error, unknown');
    const zh = await h.run('bob', 'engineering', `/issue resolve ${id} fixed`, 'zh-CN');
    expect(textOf(zh)).toContain(`${id} 为 S1：解决时必须填写根因`);
    expect((await h.services.tickets.get(id)).status).toBe('open');
    // Back to English (a language seen once is remembered for payloads that name none).
    const wrong = await h.run('bob', 'engineering', `/issue resolve ${id} cause:gremlins`, 'en');
    expect(textOf(wrong)).toContain('"gremlins" is not a root cause category');
    await h.run('bob', 'engineering', `/issue resolve ${id} cause:config fixed`, 'en');
    // The ticket's live card in the engineers' channel shows the cause.
    expect(JSON.stringify((await h.pushed('engineering')).filter((s) => s.message.card?.title?.startsWith(`${id} ·`)).at(-1)?.message.card)).toMatch(/"label":"Root cause","value":"config"/);
    expect(await h.services.tickets.get(id)).toMatchObject({ status: 'resolved', cause: 'config' });
  });

  it('lets an S3 be resolved without a cause, and the resolve form offers the taxonomy', async () => {
    h = await createStandardHarness({ env: { AFTERCARE_CAUSES: 'code,config,vendor' } });
    const id = await file('Slow page', 'S3', 'crm');
    const form = await h.click('bob', 'engineering', 'issue.resolve', id);
    const inputs = form.openForm!.card.blocks.flatMap((b) => (b.type === 'form' ? b.inputs : []));
    expect(inputs.find((i) => i.id === 'cause')).toMatchObject({ kind: 'select', options: [{ value: 'code' }, { value: 'config' }, { value: 'vendor' }] });
    const s1 = await file('All down', 'S2', 'crm');
    const refused = await h.submit('bob', 'engineering', 'issue.resolve', { id: s1, note: 'x' });
    expect(textOf(refused)).toContain('causes: code, config, vendor'.replace('causes', 'Causes'));
    await h.run('bob', 'engineering', `/issue resolve ${id}`);
    expect((await h.services.tickets.get(id)).status).toBe('resolved');
  });
});

describe('improvement actions and their effect', () => {
  it('shows an action for config on crm closed at week 4 in the week-8 digest as 6 before, 1 after', async () => {
    h = await createStandardHarness();
    h.advance(WEEK0 - h.now());
    // Six config tickets on crm in weeks 0–3, one config ticket on erp (another system), one
    // code ticket on crm (another cause): only the first six count before the action.
    for (let i = 0; i < 6; i++) {
      h.advance(i === 0 ? 0 : Math.floor((3.5 * WEEK) / 6));
      const id = await file(`Config drift ${i}`, 'S3', 'crm');
      await h.run('bob', 'engineering', `/issue resolve ${id} cause:config`);
    }
    for (const [sys, cause] of [['erp', 'config'], ['crm', 'code']]) {
      const id = await file('Other', 'S3', sys!);
      await h.run('bob', 'engineering', `/issue resolve ${id} cause:${cause}`);
    }
    h.advance(WEEK0 + 3 * WEEK + 86_400_000 - h.now());
    const added = await h.run('bob', 'engineering', '/improve add Validate CRM config on deploy type:technical cause:config system:crm owner:me due:2026-10-30');
    const impId = /IMP-\d+/.exec(textOf(added))![0];
    h.advance(WEEK0 + 4 * WEEK + 3_600_000 - h.now());
    expect(textOf(await h.run('bob', 'engineering', `/improve done ${impId}`))).toContain(`${impId} is done`);
    h.advance(WEEK0 + 5 * WEEK + 2 * 86_400_000 - h.now());
    const after = await file('Config drift again', 'S3', 'crm');
    await h.run('bob', 'engineering', `/issue resolve ${after} cause:config`);
    // A reopened and re-resolved ticket still counts once.
    await h.run('bob', 'engineering', `/issue reopen ${after} not yet`);
    await h.run('bob', 'engineering', `/issue resolve ${after} cause:config`);
    h.advance(WEEK0 + 8 * WEEK + 3_600_000 - h.now());
    const digest = textOf(await h.run('mia', 'management', '/digest'));
    expect(digest).toContain(`${impId} Validate CRM config on deploy: config tickets on crm: 6 in the 4 weeks before, 1 after`);
    expect(digest).not.toContain('(so far)');
    const zh = textOf(await h.run('mia', 'management', '/digest', 'zh-CN'));
    expect(zh).toContain('crm 上根因为 config 的工单：之前 4 周 6 个，之后 1 个');
  });

  it('lists open and all actions, refuses a second Done, and counts opened / closed / overdue in the digest', async () => {
    h = await createStandardHarness();
    h.advance(WEEK0 - h.now());
    await h.run('bob', 'engineering', '/improve add Runbook for restarts type:process due:2026-09-08');
    await h.run('bob', 'engineering', '/improve add Weekly review type:management');
    expect(textOf(await h.run('bob', 'engineering', '/improve add x type:other'))).toContain('technical, process or management');
    expect(textOf(await h.run('bob', 'engineering', '/improve add x due:2026-02-30'))).toContain('YYYY-MM-DD');
    await h.run('bob', 'engineering', '/improve done IMP-2');
    expect(textOf(await h.run('bob', 'engineering', '/improve done IMP-2'))).toContain('IMP-2 is already done');
    expect(textOf(await h.run('bob', 'engineering', '/improve'))).toMatch(/IMP-1[^\n]*open/);
    expect(textOf(await h.run('bob', 'engineering', '/improve'))).not.toContain('IMP-2');
    expect(textOf(await h.run('bob', 'engineering', '/improve all'))).toContain('IMP-2');
    h.advance(3 * 86_400_000);
    expect(textOf(await h.run('mia', 'management', '/digest'))).toContain('**Improvement actions:** 2 opened, 1 closed, 1 overdue');
    expect(textOf(await h.run('alice', 'support-acme', '/improve'))).toContain('engineer role');
  });

  it('offers a prefilled form from a resolved ticket and creates the action from it', async () => {
    h = await createStandardHarness();
    const id = await file('CRM down', 'S2', 'crm');
    // The live card ends without buttons; the resolver's answer carries the improvement button.
    const card = (await h.run('bob', 'engineering', `/issue resolve ${id} cause:infra`)).messages.find((m) => m.card)!.card!;
    const button = card.blocks.flatMap((b) => (b.type === 'actions' ? b.buttons : [])).find((b) => b.actionId === 'improve.new');
    expect(button?.value).toBe(id);
    const form = await h.click('bob', 'engineering', 'improve.new', id);
    const inputs = form.openForm!.card.blocks.flatMap((b) => (b.type === 'form' ? b.inputs : []));
    expect(inputs.find((i) => i.id === 'from')?.initial).toBe(id);
    expect(inputs.find((i) => i.id === 'cause')?.initial).toBe('infra');
    const made = await h.submit('bob', 'engineering', 'improve.add', { title: 'Add disk alerts', type: 'technical', due: '', cause: 'infra', from: id });
    expect(textOf(made)).toContain('Add disk alerts');
    const [action] = await h.services.improvements.fromSource(id);
    expect(action).toMatchObject({ title: 'Add disk alerts', cause: 'infra', system: 'crm', org: 'acme', owner: 'playground:bob' });
  });
});
