import { describe, expect, it } from 'vitest';
import { CARD_LIMIT_BYTES, cardBytes, toFeishuCard, toMarkdown } from '../../adapters/feishu/render.js';
import type { Block, Card, OutboundMessage } from '../../src/core/types.js';
import { golden } from './golden.js';

const samples: Record<string, Block> = {
  text: { type: 'text', text: '**Login fails** for _some_ users, see [runbook](https://example.com/rb) and `SUP-1`\n- first\n- second' },
  fields: {
    type: 'fields',
    fields: [
      { label: 'Severity', value: 'S2' },
      { label: 'System', value: 'crm' },
      { label: 'Reporter', value: '<@feishu:ou_84aad35d084aa403a838cf73ee18467>' },
    ],
  },
  context: { type: 'context', text: 'Opened 2026-11-24 16:05 · SLA respond by 17:05' },
  divider: { type: 'divider' },
  actions: {
    type: 'actions',
    buttons: [
      { actionId: 'issue.ack', label: 'Ack', value: 'SUP-1', style: 'primary' },
      { actionId: 'issue.resolve', label: 'Resolve', value: 'SUP-1' },
      { actionId: 'escalate.confirm', label: 'Escalate', value: 'SUP-1', style: 'danger' },
      { actionId: 'issue.open', label: 'Open', url: 'https://aftercare.example.com/t/SUP-1' },
    ],
  },
  form: {
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
          { value: 'S3', label: 'S3 — minor' },
        ],
      },
      { id: 'system', label: 'System', kind: 'text', initial: 'crm' },
    ],
  },
  image: { type: 'image', url: 'https://example.com/chart.png', alt: 'MTTR chart' },
};

const render = (message: OutboundMessage) => toFeishuCard(message, { locale: 'en' });

describe('Feishu card renderer', () => {
  for (const [name, block] of Object.entries(samples)) {
    it(`renders a ${name} block as the golden JSON 2.0 card`, () => {
      const card = render({ text: `fallback for ${name}`, card: { title: 'SUP-1 Login fails', tone: 'warning', blocks: [block] } });
      expect(card).toEqual(golden(`block-${name}`, card));
    });
  }

  it('renders a text-only message as a header-less markdown card whose summary is the text', () => {
    const card = render({ text: 'Ticket **SUP-1** filed' });
    expect(card).toEqual(golden('text-only', card));
    expect(card).toMatchObject({ schema: '2.0', config: { summary: { content: 'Ticket SUP-1 filed' } } });
    expect(card.header).toBeUndefined();
  });

  it('maps each tone to a header template', () => {
    const template = (tone: Card['tone']) =>
      (render({ text: 't', card: { title: 'T', tone, blocks: [] } }).header as { template: string }).template;
    expect([template('info'), template('success'), template('warning'), template('danger'), template('neutral')]).toEqual([
      'blue',
      'green',
      'orange',
      'red',
      'grey',
    ]);
    expect(template(undefined)).toBe('blue');
  });

  it('puts the action id and value in each callback button and the form id in the submit button', () => {
    const card = render({ text: 't', card: { blocks: [samples.actions!, samples.form!] } });
    const json = JSON.stringify(card);
    expect(json).toContain('{"type":"callback","value":{"a":"issue.ack","v":"SUP-1"}}');
    expect(json).toContain('{"type":"open_url","default_url":"https://aftercare.example.com/t/SUP-1"}');
    expect(json).toContain('"form_action_type":"submit","behaviors":[{"type":"callback","value":{"f":"issue.create"}}]');
  });

  it('turns Feishu user mentions into <at> tags and leaves other platforms’ mentions as text', () => {
    expect(toMarkdown('by <@feishu:ou_1> and <@slack:U1>')).toBe('by <at id=ou_1></at> and <@slack:U1>');
    expect(toMarkdown('an _italic_ word but snake_case_name stays')).toBe('an *italic* word but snake_case_name stays');
  });

  it('renders a group card in both languages when the same message is given in the other language', () => {
    const en: OutboundMessage = { text: 'Ticket SUP-1 filed', card: { title: 'SUP-1 Login fails', tone: 'info', blocks: [samples.fields!, samples.actions!] } };
    const zh: OutboundMessage = {
      text: '工单 SUP-1 已创建',
      card: {
        title: 'SUP-1 登录失败',
        tone: 'info',
        blocks: [
          { type: 'fields', fields: [{ label: '严重度', value: 'S2' }, { label: '系统', value: 'crm' }, { label: '报告人', value: '<@feishu:ou_84aad35d084aa403a838cf73ee18467>' }] },
          {
            type: 'actions',
            buttons: [
              { actionId: 'issue.ack', label: '确认', value: 'SUP-1', style: 'primary' },
              { actionId: 'issue.resolve', label: '解决', value: 'SUP-1' },
              { actionId: 'escalate.confirm', label: '升级', value: 'SUP-1', style: 'danger' },
              { actionId: 'issue.open', label: '打开', url: 'https://aftercare.example.com/t/SUP-1' },
            ],
          },
        ],
      },
    };
    const card = toFeishuCard(zh, { locale: 'zh-CN', alternate: { locale: 'en', message: en } });
    expect(card).toEqual(golden('bilingual', card));
    expect((card.config as { locales: string[] }).locales).toEqual(['zh_cn', 'en_us']);
    expect((card.header as { title: unknown }).title).toEqual({
      tag: 'plain_text',
      content: 'SUP-1 登录失败',
      i18n_content: { zh_cn: 'SUP-1 登录失败', en_us: 'SUP-1 Login fails' },
    });
    expect(JSON.stringify(card)).toContain('"i18n_content":{"zh_cn":"确认","en_us":"Ack"}');
  });

  it('falls back to one language when the two versions of a card do not line up', () => {
    const card = toFeishuCard(
      { text: '一', card: { blocks: [{ type: 'text', text: '一' }] } },
      { locale: 'zh-CN', alternate: { locale: 'en', message: { text: 'one', card: { blocks: [{ type: 'divider' }, { type: 'text', text: 'one' }] } } } },
    );
    expect(JSON.stringify(card)).not.toContain('i18n_content');
    expect(card.body).toEqual({ elements: [{ tag: 'markdown', content: '一' }] });
  });

  it('shortens a card over the 30 KB limit instead of letting Feishu refuse it', () => {
    const long = Array.from({ length: 800 }, (_, i) => `- ${i}: comment from the customer about the login failure`).join('\n');
    const card = render({ text: 'timeline', card: { title: 'SUP-1', blocks: [{ type: 'text', text: long }, samples.actions!] } });
    expect(cardBytes(card)).toBeLessThanOrEqual(CARD_LIMIT_BYTES);
    const text = (card.body as { elements: Array<{ content?: string }> }).elements[0]!.content!;
    expect(text.startsWith('- 0: comment')).toBe(true);
    expect(text.endsWith('…')).toBe(true);
    expect(JSON.stringify(card)).toContain('"a":"issue.ack"');
  });
});
