import { describe, expect, it } from 'vitest';
import {
  baseActionId,
  decodeOrigin,
  encodeOrigin,
  FORM_SUBMIT_PREFIX,
  renderBlock,
  renderCard,
  renderMessage,
  renderModal,
  SLACK_LIMITS,
} from '../../adapters/slack/render.js';
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

const samples: Record<string, Block> = {
  text: { type: 'text', text: '**Login fails** for _some_ users: `HTTP 500` on <login> & [runbook](https://wiki.example.com/run?a=1&b=2)\n- step one\n- step two' },
  fields: {
    type: 'fields',
    fields: [
      { label: 'Ticket', value: 'SUP-12' },
      { label: 'Severity', value: 'S2' },
      { label: 'System', value: 'crm' },
      { label: 'Reporter', value: '<@slack:U123>' },
    ],
  },
  'fields-many': { type: 'fields', fields: Array.from({ length: 12 }, (_, i) => ({ label: `F${i + 1}`, value: `v${i + 1}` })) },
  context: { type: 'context', text: 'Opened 5 min ago · SLA respond by 10:15 UTC' },
  divider: { type: 'divider' },
  actions: {
    type: 'actions',
    buttons: [
      { actionId: 'issue.ack', label: 'Ack', value: 'SUP-12', style: 'primary' },
      { actionId: 'issue.resolve', label: 'Resolve', value: 'SUP-12', style: 'danger' },
      { actionId: 'issue.show', label: 'Details', value: 'SUP-12', style: 'default' },
      { actionId: 'link.open', label: 'Dashboard', url: 'https://grafana.example.com/d/1' },
    ],
  },
  'actions-survey': {
    type: 'actions',
    buttons: [1, 2, 3, 4, 5].map((n) => ({ actionId: 'survey.answer', label: `${n}`, value: `SVY-1:${n}` })),
  },
  form: issueForm,
  image: { type: 'image', url: 'https://img.example.com/chart.png', alt: 'Backlog chart' },
  'image-not-public': { type: 'image', url: 'data:image/png;base64,AAAA', alt: 'Backlog chart' },
};

describe('Block Kit renderer', () => {
  for (const [name, block] of Object.entries(samples)) {
    it(`renders a ${name} block exactly as its golden file`, () => {
      const actual = renderBlock(block);
      expect(actual).toEqual(golden(`block-${name}`, actual));
    });
  }

  it('renders a form inside a modal as inputs without a submit button of its own', () => {
    const actual = renderBlock(issueForm, 'modal');
    expect(actual).toEqual(golden('block-form-modal', actual));
    expect(actual.every((b) => b.type === 'input')).toBe(true);
  });

  it('renders a titled card with its tone as a header, matching its golden file', () => {
    const card: Card = { title: 'SUP-12 Login fails', tone: 'danger', blocks: [samples.text!, samples.fields!, samples.actions!] };
    const actual = renderCard(card);
    expect(actual).toEqual(golden('card-ticket', actual));
    expect(actual[0]).toMatchObject({ type: 'header', text: { type: 'plain_text', text: '🚨 SUP-12 Login fails' } });
  });

  it('renders a modal view whose callback_id is the form id and whose metadata names the conversation', () => {
    const view = renderModal(
      { title: 'Report an issue', submitLabel: 'File ticket', card: { blocks: [{ type: 'text', text: 'Tell us what happened.' }, issueForm] } },
      { team: 'T1', channel: 'C1' },
      { locale: 'zh-CN' },
    );
    expect(view).toEqual(golden('modal-issue', view));
    expect(view.callback_id).toBe('issue.create');
    expect(decodeOrigin(view.private_metadata)).toEqual({ team: 'T1', channel: 'C1', direct: false, thread: undefined });
  });

  it('keeps the title, submit and close labels of a modal within 24 characters', () => {
    const view = renderModal(
      { title: 'A very long modal title that Slack would refuse', submitLabel: 'Submit this form right now please', card: { blocks: [issueForm] } },
      { team: 'T1', channel: 'C1' },
    );
    for (const label of [view.title, view.submit!, view.close!]) expect(label.text.length).toBeLessThanOrEqual(SLACK_LIMITS.modalTitle);
  });

  it('escapes Slack control characters outside the links it builds', () => {
    const [block] = renderBlock({ type: 'text', text: 'a < b && c > d' });
    expect(block).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'a &lt; b &amp;&amp; c &gt; d' } });
  });

  it('splits a long text into sections of at most 3,000 characters without losing any word', () => {
    const words = Array.from({ length: 2000 }, (_, i) => `word${i}`);
    const blocks = renderBlock({ type: 'text', text: words.join(' ') });
    expect(blocks.length).toBeGreaterThan(1);
    const texts = blocks.map((b) => (b as { text: { text: string } }).text.text);
    for (const t of texts) expect(t.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect(texts.join(' ').split(/\s+/)).toEqual(words);
  });

  it('never splits inside a link', () => {
    const link = '[the runbook](https://wiki.example.com/' + 'x'.repeat(100) + ')';
    const text = 'y'.repeat(2950) + ' ' + link;
    const blocks = renderBlock({ type: 'text', text });
    const texts = blocks.map((b) => (b as { text: { text: string } }).text.text);
    expect(texts.some((t) => t.startsWith('<https://wiki.example.com/') && t.endsWith('|the runbook>'))).toBe(true);
  });

  it('cuts a card that needs more than 50 blocks, keeps its buttons and links to the full text', () => {
    const card: Card = {
      title: 'Digest',
      blocks: [...Array.from({ length: 60 }, (_, i): Block => ({ type: 'text', text: `para ${i}` })), samples.actions!],
    };
    const blocks = renderCard(card, { moreUrl: 'https://aftercare.example.com/', locale: 'en' });
    expect(blocks).toHaveLength(SLACK_LIMITS.messageBlocks);
    expect(blocks.at(-1)!.type).toBe('actions');
    const note = blocks.find((b) => b.type === 'context');
    expect(JSON.stringify(note)).toContain('<https://aftercare.example.com/|Open the full text>');
  });

  it('writes its truncation note in Chinese for a Chinese reader', () => {
    const card: Card = { blocks: Array.from({ length: 70 }, (): Block => ({ type: 'divider' })) };
    const blocks = renderCard(card, { locale: 'zh-CN' });
    expect(blocks).toHaveLength(SLACK_LIMITS.messageBlocks);
    expect(JSON.stringify(blocks.at(-1))).toContain('已截断');
  });

  it('allows 100 blocks in a modal', () => {
    const card: Card = { blocks: Array.from({ length: 120 }, (): Block => ({ type: 'divider' })) };
    expect(renderCard(card, { surface: 'modal' })).toHaveLength(SLACK_LIMITS.modalBlocks);
  });

  it('splits more than 25 buttons over several actions blocks', () => {
    const blocks = renderBlock({ type: 'actions', buttons: Array.from({ length: 30 }, (_, i) => ({ actionId: `x.b${i}`, label: `${i}` })) });
    expect(blocks.map((b) => (b as { elements: unknown[] }).elements.length)).toEqual([25, 5]);
  });

  it('gives duplicate action ids within a block a suffix that maps back to the core action id', () => {
    const [block] = renderBlock(samples['actions-survey']!);
    const ids = (block as { elements: Array<{ action_id: string }> }).elements.map((e) => e.action_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.map(baseActionId)).toEqual(Array(5).fill('survey.answer'));
  });

  it('gives the submit button of a form in a message an action id that names the form', () => {
    const blocks = renderBlock(issueForm);
    const submit = (blocks.at(-1) as { elements: Array<{ action_id: string }> }).elements[0]!;
    expect(submit.action_id).toBe(`${FORM_SUBMIT_PREFIX}issue.create`);
  });

  it('truncates a field value beyond 2,000 characters', () => {
    const [block] = renderBlock({ type: 'fields', fields: [{ label: 'Log', value: 'z'.repeat(5000) }] });
    const text = (block as { fields: Array<{ text: string }> }).fields[0]!.text;
    expect(text.length).toBe(SLACK_LIMITS.fieldText);
    expect(text.endsWith('…')).toBe(true);
  });

  it('always sends fallback text, even for an empty text', () => {
    expect(renderMessage({ text: '' }).text.length).toBeGreaterThan(0);
    const card = renderMessage({ text: 'Ticket **SUP-1** filed', card: { blocks: [samples.divider!] } });
    expect(card.text).toBe('Ticket *SUP-1* filed');
    expect(card.blocks).toHaveLength(1);
  });

  it('turns a long plain message into sections instead of letting Slack cut it', () => {
    const message = renderMessage({ text: 'lorem ipsum '.repeat(600) });
    expect(message.blocks!.length).toBeGreaterThan(1);
    expect(message.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
  });

  it('keeps private_metadata within Slack limits and rejects foreign metadata', () => {
    expect(encodeOrigin({ team: 'T1', channel: 'C1', direct: true })).toBe('{"t":"T1","c":"C1","d":1}');
    expect(decodeOrigin('This is for you!')).toBeUndefined();
  });
});
