import { describe, expect, it } from 'vitest';
import {
  ADAPTIVE_CARD_CONTENT_TYPE,
  MAX_MESSAGE_BYTES,
  cardOf,
  toAdaptiveCard,
  toCardMarkdown,
  toTeamsActivity,
} from '../../adapters/teams/render.js';
import type { Block, Card, FormBlock } from '../../src/core/types.js';
import { golden } from './golden.js';

const issueForm: FormBlock = {
  type: 'form',
  formId: 'issue.create',
  submitLabel: 'File ticket',
  inputs: [
    { id: 'title', label: 'Title', kind: 'text', required: true, placeholder: 'What is broken?', maxLength: 150 },
    { id: 'description', label: 'Description', kind: 'textarea' },
    {
      id: 'severity',
      label: 'Severity',
      kind: 'select',
      required: true,
      initial: 'S3',
      options: [
        { value: 'S1', label: 'S1 — outage' },
        { value: 'S2', label: 'S2 — major' },
        { value: 'S3', label: 'S3 — minor' },
        { value: 'S4', label: 'S4 — question' },
      ],
    },
    { id: 'system', label: 'System', kind: 'text', initial: 'crm' },
  ],
};

const samples: Record<Block['type'], Block> = {
  text: { type: 'text', text: '**SUP-12** Login fails for _some_ users, see [runbook](https://example.com/rb) and `auth.log`\n- first\n- second\nDone.' },
  fields: { type: 'fields', fields: [{ label: 'Severity', value: 'S2' }, { label: 'System', value: 'crm' }, { label: 'Reporter', value: 'Megan Bowen' }] },
  context: { type: 'context', text: 'Opened 2026-11-24 16:05 · SLA respond by 17:05' },
  divider: { type: 'divider' },
  actions: {
    type: 'actions',
    buttons: [
      { actionId: 'issue.ack', label: 'Ack', value: 'SUP-12', style: 'primary' },
      { actionId: 'issue.resolve', label: 'Resolve', value: 'SUP-12' },
      { actionId: 'escalate.confirm', label: 'Escalate', value: 'SUP-12', style: 'danger' },
      { actionId: 'issue.open', label: 'Open in browser', url: 'https://aftercare.example.com/t/SUP-12' },
    ],
  },
  form: issueForm,
  image: { type: 'image', url: 'https://example.com/chart.png', alt: 'Tickets per week' },
};

describe('Teams Adaptive Card renderer', () => {
  for (const [type, block] of Object.entries(samples)) {
    it(`renders a ${type} block as its golden Adaptive Card`, () => {
      const blocks: Block[] = type === 'divider' ? [samples.text, block, samples.context] : [block];
      const card = toAdaptiveCard({ blocks }, 'fallback');
      expect(card).toEqual(golden(`block-${type}`, card));
    });
  }

  it('renders a full ticket card with a toned title as its golden Adaptive Card', () => {
    const card: Card = { title: 'SUP-12 · Login fails', tone: 'danger', blocks: Object.values(samples).filter((b) => b.type !== 'form') };
    const rendered = toTeamsActivity({ text: 'SUP-12 Login fails (S2)', card });
    expect(rendered).toEqual(golden('ticket-message', rendered));
  });

  it('maps each tone to a container style', () => {
    const styles = (['info', 'success', 'warning', 'danger', 'neutral'] as const).map(
      (tone) => (toAdaptiveCard({ title: 't', tone, blocks: [] }, 'x').body[0] as unknown as { style: string }).style,
    );
    expect(styles).toEqual(['accent', 'good', 'warning', 'attention', 'emphasis']);
  });

  it('declares schema version 1.5, full width and the fallback text on every card', () => {
    const card = toAdaptiveCard({ blocks: [samples.text] }, 'Plain fallback');
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.5', fallbackText: 'Plain fallback', msteams: { width: 'Full' } });
    expect(card.$schema).toContain('adaptive-card.json');
  });

  it('carries the action id and value on buttons, as Action.Execute with an Action.Submit fallback', () => {
    const card = toAdaptiveCard({ blocks: [samples.actions] }, 'x');
    const actions = (card.body[0] as unknown as { actions: Array<Record<string, unknown>> }).actions;
    expect(actions[0]).toMatchObject({ type: 'Action.Execute', verb: 'issue.ack', data: { aftercare: { actionId: 'issue.ack', value: 'SUP-12' } }, style: 'positive' });
    expect(actions[0]!.fallback).toMatchObject({ type: 'Action.Submit', data: { aftercare: { actionId: 'issue.ack', value: 'SUP-12' } } });
    expect(actions[2]).toMatchObject({ style: 'destructive' });
    expect(actions[3]).toEqual({ type: 'Action.OpenUrl', title: 'Open in browser', url: 'https://aftercare.example.com/t/SUP-12' });
  });

  it('renders forms as Input elements followed by a submit action carrying the form id', () => {
    const card = toAdaptiveCard({ blocks: [issueForm] }, 'x');
    expect(card.body.map((e) => e.type)).toEqual(['Input.Text', 'Input.Text', 'Input.ChoiceSet', 'Input.Text', 'ActionSet']);
    expect(card.body[1]).toMatchObject({ id: 'description', isMultiline: true });
    expect(card.body[2]).toMatchObject({ id: 'severity', value: 'S3', isRequired: true, choices: expect.arrayContaining([{ title: 'S1 — outage', value: 'S1' }]) });
    const submit = (card.body[4] as unknown as { actions: Array<Record<string, unknown>> }).actions[0]!;
    expect(submit).toMatchObject({ type: 'Action.Execute', verb: 'issue.create', data: { aftercare: { formId: 'issue.create' } }, associatedInputs: 'auto' });
  });

  it('sends a card message with the fallback text as summary and no duplicate text above the card', () => {
    const msg = toTeamsActivity({ text: 'Ticket SUP-12 filed', card: { blocks: [samples.text] } });
    expect(msg.text).toBeUndefined();
    expect(msg.summary).toBe('Ticket SUP-12 filed');
    expect(msg.attachments?.[0]?.contentType).toBe(ADAPTIVE_CARD_CONTENT_TYPE);
    expect(cardOf(msg)?.fallbackText).toBe('Ticket SUP-12 filed');
  });

  it('sends a message without a card as markdown text', () => {
    expect(toTeamsActivity({ text: '**Done** `SUP-1`' })).toEqual({ type: 'message', text: '**Done** `SUP-1`', textFormat: 'markdown' });
  });

  it('joins list items with \\r and turns other line breaks into paragraphs', () => {
    expect(toCardMarkdown('Intro\n- a\n- b\nOutro')).toBe('Intro\n\n- a\r- b\n\nOutro');
    expect(toCardMarkdown('run `npm ci` now')).toBe('run npm ci now');
  });

  it('keeps a huge card under the Teams message limit, keeping its buttons and fallback', () => {
    const big = 'Lorem ipsum dolor sit amet 工单描述 '.repeat(3000);
    const msg = toTeamsActivity({
      text: big,
      card: { title: 'Huge', blocks: [{ type: 'text', text: big }, { type: 'fields', fields: [{ label: 'Log', value: big }] }, samples.actions] },
    });
    const size = Buffer.byteLength(JSON.stringify(msg));
    expect(size).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(size).toBeLessThan(28 * 1024 - 2048);
    const card = cardOf(msg)!;
    expect(card.body.some((e) => e.type === 'ActionSet')).toBe(true);
    expect(card.fallbackText.endsWith('…')).toBe(true);
    expect(msg.summary!.length).toBeGreaterThan(0);
  });

  it('keeps a card with very many short fields under the limit by dropping trailing content', () => {
    const fields = Array.from({ length: 2000 }, (_, i) => ({ label: `Field ${i}`, value: `value ${i}` }));
    const blocks: Block[] = [];
    for (let i = 0; i < 200; i++) blocks.push({ type: 'fields', fields: fields.slice(i * 10, i * 10 + 10) });
    blocks.push(samples.actions);
    const msg = toTeamsActivity({ text: 'many', card: { blocks } });
    expect(Buffer.byteLength(JSON.stringify(msg))).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(cardOf(msg)!.body.at(-1)!.type).toBe('ActionSet');
  });

  it('truncates a plain text message over the limit', () => {
    const msg = toTeamsActivity({ text: '长'.repeat(20_000) });
    expect(Buffer.byteLength(JSON.stringify(msg))).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(msg.text!.endsWith('…')).toBe(true);
  });
});
